/**
 * What an API key stands for, validated alike wherever a key is made: an entry of
 * API_KEY_HASHES_FILE (api/credentials.ts, `npm run hash-api-key`) and a key an admin issues
 * (POST /api-keys). Messages never quote a secret or a hash.
 */
import { z } from 'zod';
import { creditCodeProblem } from '../domain/credit-code';
import { ROLES } from '../domain/roles';

const creditCode = z.string().superRefine((code, ctx) => {
  const problem = creditCodeProblem(code);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(code)} is not a unified social credit code: ${problem}` });
});

/** Ids are recorded as actors; 'dev-' is reserved so no production key can pose as a development key. */
export const PrincipalId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1-128 letters, digits or . _ : @ - (starting with a letter or digit)')
  .refine((id) => !id.startsWith('dev-'), 'must not start with "dev-" (reserved for development keys)');

export const PrincipalName = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const KeyRoles = z
  .array(z.enum(ROLES, { error: (issue) => `${JSON.stringify(issue.input)} is not a role; roles are ${ROLES.join(', ')}` }))
  .min(1, 'must name at least one role');

export const KeyApplicants = z.array(creditCode).min(1, 'must name at least one credit code');

/** Roles named once; credit codes exactly when the key holds the applicant-system role. */
export function keyBindingIssues(entry: { roles: readonly string[]; applicants?: readonly string[] | undefined }, ctx: z.RefinementCtx): void {
  if (new Set(entry.roles).size !== entry.roles.length) {
    ctx.addIssue({ code: 'custom', path: ['roles'], message: 'names a role twice' });
  }
  const applicantSystem = entry.roles.includes('applicant-system');
  if (applicantSystem && !entry.applicants) {
    ctx.addIssue({ code: 'custom', path: ['applicants'], message: 'is required for the applicant-system role: the credit codes this key may act for' });
  }
  if (!applicantSystem && entry.applicants) {
    ctx.addIssue({ code: 'custom', path: ['applicants'], message: 'is only allowed with the applicant-system role' });
  }
}

/** POST /api-keys: whom the new key stands for; the engine makes the secret. */
export const IssueApiKeyBody = z
  .object({
    principalId: PrincipalId.meta({ description: 'The id recorded as the actor of every action taken with the key (several keys may stand for one principal, e.g. while rotating)' }),
    name: PrincipalName.meta({ description: 'The display name recorded with the actor' }),
    roles: KeyRoles,
    applicants: KeyApplicants.optional().meta({ description: 'Required with (and only with) the applicant-system role: the credit codes the key may file and act for' }),
    expiresAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 instant with a time zone, e.g. 2027-12-31T16:00:00Z' })
      .optional()
      .meta({ description: 'When the key stops working (exclusive); must be in the future. Left out: until revoked' }),
  })
  .strict()
  .superRefine(keyBindingIssues);

/** A key id: `key-…` (issued) or `file:<id>:<hash start>` (imported from API_KEY_HASHES_FILE). */
export const API_KEY_ID_PATTERN = /^(key-[0-9a-f]{18}|file:[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}:[0-9a-f]{8})$/;

export const ApiKeyIdParam = z.string().regex(API_KEY_ID_PATTERN, 'must be an API key id as GET /api-keys lists them (key-… or file:…)');

/** POST /api-keys/:id/revocation: why (kept with who and when, for the audit). */
export const RevokeApiKeyBody = z
  .object({
    reason: z.string().trim().min(1, 'must say why the key is revoked').max(500, 'must be at most 500 characters'),
  })
  .strict();
