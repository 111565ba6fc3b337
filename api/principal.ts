/**
 * Who is calling: what a credential (development key, hashed production key, bearer JWT) proves.
 * A principal may hold several roles; each action is recorded with the one role it was taken in
 * (an `Actor`), so the workflow's rules and the audit trail stay per role.
 */
import type { Role } from '../domain/roles';

export interface Principal {
  /** Stable id of the person or system (recorded as the actor id; separation of duties uses it). */
  id: string;
  /** Display name, for the audit trail. */
  name: string;
  /** At least one. */
  roles: Role[];
  /**
   * For applicant systems: the unified social credit codes this credential may file and act for.
   * `'any'` only for the development applicant-system key. Absent means no applicant binding
   * (staff, auditors, admins); an applicant-system principal without it may act for no applicant.
   */
  applicants?: readonly string[] | 'any';
  /** Which kind of credential proved it (for logs and metrics; never the secret itself). */
  via: 'dev-key' | 'api-key' | 'jwt';
}
