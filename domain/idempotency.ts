/**
 * One key, one action. An `Idempotency-Key` stands for exactly one action, by one caller, with one
 * body: its binding. The API and the workflow compute the binding the same way, from the action's
 * name and its request (the caller's id and role, the tranche or objection `n`, the body), as a
 * SHA-256 of canonical JSON, so key order and the caller's display name never make two requests
 * differ, and anything else does.
 *
 * The API sends an action as a Workflow Update whose id is `<key>#<binding>`:
 * - the same key and request (a retry) is the same update id: Temporal answers it once, and a
 *   run continued as new answers it again from the keys the workflow carries over;
 * - the same key with another action, caller or body is another update id, so Temporal cannot
 *   mistake it for the first: the workflow's validator finds the key taken and refuses it.
 */
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { Actor } from './roles';

/** What the workflow remembers of a key once its action was applied. */
export interface KeyRecord {
  /** The action it was used for. */
  action: string;
  /** The binding of that action's request (see `actionBinding`). */
  binding: string;
  /** When it was applied (workflow time). */
  at: string;
  /** The first answer (an `ActionOutcome`, domain/outcome.ts), given again to a retry; `null` while the action runs. */
  outcome: { update: string; after: object; attempt?: string } | null;
}

/** JSON with keys sorted at every level, so that key order does not make two bodies differ. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of a text, lowercase hex. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * The binding of an action's request: which action, which caller (id and role), and the rest of
 * the request but its `attempt` (each try of the same request has its own, domain/actions/define.ts).
 */
export function actionBinding<R extends { actor: Actor; attempt?: string }>(action: string, request: R): string {
  const { actor, attempt: _attempt, ...rest } = request;
  return sha256Hex(canonicalJson({ action, caller: { id: actor.id, role: actor.role }, request: rest }));
}

const UPDATE_ID = /^(.{1,200})#([0-9a-f]{64})$/;

/** The update id of a keyed action. */
export function keyedUpdateId(key: string, binding: string): string {
  return `${key}#${binding}`;
}

/** The key and binding an update id carries; `undefined` for an update sent without them (tests, older callers). */
export function keyOfUpdateId(updateId: string | undefined): { key: string; binding: string } | undefined {
  const match = updateId === undefined ? null : UPDATE_ID.exec(updateId);
  return match ? { key: match[1]!, binding: match[2]! } : undefined;
}
