/**
 * Development API keys: one random key per role in a keys file (`{"<role>": "<key>"}`), created
 * with mode 0600 by whichever process needs it first. The actor of every action comes from the
 * key, never from the request body.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ROLES, type Actor, type Role } from '../domain/roles';

export type DevKeys = Record<Role, string>;

const DevKeysSchema = z
  .object(Object.fromEntries(ROLES.map((role) => [role, z.string().min(16, 'keys must have at least 16 characters')])))
  .strict();

/** Reads the keys file, creating it (one fresh key per role, mode 0600) when it does not exist. */
export function loadOrCreateDevKeys(path: string): { keys: DevKeys; created: boolean } {
  mkdirSync(dirname(path), { recursive: true });
  let created = false;
  try {
    const keys = Object.fromEntries(ROLES.map((role) => [role, randomBytes(24).toString('base64url')]));
    // 'wx' fails if the file exists, so concurrent starters never overwrite each other's keys.
    writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`The API keys file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = DevKeysSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`The API keys file ${path} is not valid at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return { keys: parsed.data as DevKeys, created };
}

export interface KeyRing {
  /** The actor a presented key stands for, or undefined. */
  actorFor(presented: string): Actor | undefined;
}

export function devKeyRing(keys: DevKeys): KeyRing {
  const entries = (Object.entries(keys) as Array<[Role, string]>).map(([role, key]) => ({
    role,
    digest: createHash('sha256').update(key).digest(),
  }));
  return {
    actorFor(presented) {
      const digest = createHash('sha256').update(presented).digest();
      const match = entries.find((e) => timingSafeEqual(e.digest, digest));
      return match
        ? { id: `dev-${match.role}`, role: match.role, name: `${match.role} (development key)` }
        : undefined;
    },
  };
}
