/**
 * Who acts on an application (domain brief, "Roles"). The names are part of the public contract:
 * keys, JWT claims and audit trails carry them.
 */
export const ROLES = [
  'applicant-system',
  'intake-officer',
  'reviewer',
  'inspector',
  'approver',
  'notice-officer',
  'finance-officer',
  'auditor',
  'admin',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The person or system behind an action, always taken from the credential, never from a body. */
export interface Actor {
  id: string;
  role: Role;
  name: string;
}
