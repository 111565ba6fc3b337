/**
 * Request shapes of the round endpoints (issue 16), validated with zod at the boundary and
 * published in the OpenAPI document from the same schemas.
 */
import { z } from 'zod';
import { text } from '../domain/actions/body-parts';
import { ROUND_LABEL_PATTERN } from '../domain/rounds';
import { APPLICATION_ID_PATTERN, CalendarDate, PositiveYuan, PROGRAM_ID_PATTERN } from './schemas';

const Cap = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a kebab-case id, e.g. policy-3000wan'),
    scope: z.enum(['applicant-per-program', 'applicant-per-policy'], { error: 'must be applicant-per-program or applicant-per-policy' }),
    amount: PositiveYuan,
    description: text(500),
  })
  .strict();

/** POST /rounds: what an admin decides when opening a round; the catalog gives the rest. */
export const OpenRoundBody = z
  .object({
    programId: z.string().regex(PROGRAM_ID_PATTERN, 'must be a program id such as qianhai-retail-growth'),
    /** The id's last part; by default the year (or `YYYY-MM` for a monthly window). */
    label: z.string().max(32, 'must be at most 32 characters').regex(ROUND_LABEL_PATTERN, 'must be letters and digits in groups joined by single hyphens, e.g. 2026 or 2026-09').optional(),
    /** The budget year (annual caps count per year); by default the window's year. */
    year: z.number({ error: 'must be a year such as 2026' }).int('must be a whole year').min(1900, 'must be 1900 or later').max(9999, 'must be 9999 or earlier').optional(),
    /** The announced window (required when the catalog has no fixed one); by default the catalog's window for the year. */
    window: z.object({ opens: CalendarDate, closes: CalendarDate, announcement: text(500).optional() }).strict().optional(),
    budget: PositiveYuan,
    /** By default the program's annual caps from the catalog. */
    caps: z.array(Cap).max(10, 'must list at most 10 caps').optional(),
    /** By default the catalog's: 'batch' (the executive meeting decides the list) or 'single'. */
    signOff: z.enum(['batch', 'single'], { error: 'must be batch or single' }).optional(),
  })
  .strict();

const MeetingLine = z.discriminatedUnion(
  'decision',
  [
    z.object({ applicationId: z.string().regex(APPLICATION_ID_PATTERN, 'must be an application id'), decision: z.literal('approve'), amount: PositiveYuan, reason: text(2000).optional() }).strict(),
    z.object({ applicationId: z.string().regex(APPLICATION_ID_PATTERN, 'must be an application id'), decision: z.literal('reject'), reason: text(2000) }).strict(),
    z.object({ applicationId: z.string().regex(APPLICATION_ID_PATTERN, 'must be an application id'), decision: z.literal('return'), reason: text(2000) }).strict(),
  ],
  { error: 'must be {applicationId, decision: approve, amount} or {applicationId, decision: reject or return, reason}' },
);

/** POST /rounds/:id/sign-off: the executive meeting's decision, one line per application. */
export const BatchSignOffBody = z
  .object({
    meeting: z.object({ reference: text(200), date: CalendarDate }).strict(),
    decisions: z.array(MeetingLine).min(1, 'must list at least one application').max(2000, 'must list at most 2000 applications'),
  })
  .strict();
