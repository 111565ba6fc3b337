import { creditCodeCheckCharacter } from '../../domain/credit-code';
import assert from 'node:assert/strict';
import type { Program } from '../../domain/catalog';
import type { Actor, Role } from '../../domain/roles';
import { loadCatalog } from '../../lib/catalog-store';

/** A valid credit code for a test, different for each `n`. */
export function creditCode(n: number): string {
  const body = `91441200MA${String(n).padStart(7, '0')}`;
  return body + creditCodeCheckCharacter(body);
}

export function actor(role: Role, id = `test-${role}`): Actor {
  return { id, role, name: `Test ${role}` };
}

let shippedCatalog: ReturnType<typeof loadCatalog> | undefined;

/** A program of the shipped catalog (data/catalog/), failing the test when it is not there. */
export function catalogProgram(id: string): Program {
  shippedCatalog ??= loadCatalog();
  const p = shippedCatalog.getProgram(id);
  assert.ok(p, `program ${id} is in the catalog`);
  return p;
}
