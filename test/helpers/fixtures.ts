import { creditCodeCheckCharacter } from '../../domain/credit-code';
import type { Actor, Role } from '../../domain/roles';

/** A valid credit code for a test, different for each `n`. */
export function creditCode(n: number): string {
  const body = `91441200MA${String(n).padStart(7, '0')}`;
  return body + creditCodeCheckCharacter(body);
}

export function actor(role: Role, id = `test-${role}`): Actor {
  return { id, role, name: `Test ${role}` };
}
