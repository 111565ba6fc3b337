/**
 * The action `supplement-request`: Ask once for supplementary materials (`POST /applications/:id/supplement-request`).
 */
import { z } from 'zod';
import type { ApplicationState } from '../application';
import { invalid, conflict, first } from './rules';
import { expected, text, wholeNumber, body, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /supplement-request: once, listing everything missing (一次性告知). */
export interface SupplementRequest extends ActionRequest {
  items: string[];
  /** Working days the applicant has to answer; the program's setting when absent. */
  dueInWorkingDays?: number;
}

export const SupplementRequestBody: z.ZodType<BodyOf<SupplementRequest>> = body({
  items: z
    .array(text(500), { error: expected('a list of the missing items') })
    .min(1, 'must list at least one item')
    .max(50, 'must list at most 50 items'),
  dueInWorkingDays: wholeNumber(1, 60).optional(),
  comment,
});

export default defineAction<SupplementRequest>({
  path: 'supplement-request',
  aliases: ['supplementRequest'],
  summary: 'Ask once for supplementary materials',
  roles: ['reviewer'],
  stages: ['review', 'inspection'],
  body: SupplementRequestBody,
  refuse: (s: ApplicationState, r: SupplementRequest) =>
    first(
      () =>
        s.review?.supplement
          ? conflict(
              `the supplement request may be made only once, listing everything missing (一次性告知, 002 第三十一条); it was made at ${s.review.supplement.requestedAt}`,
            )
          : null,
      () => (Array.isArray(r.items) && r.items.length > 0 ? null : invalid('items must list at least one missing item')),
      () => (r.items.every((i) => typeof i === 'string' && i.trim() !== '') ? null : invalid('items must not contain empty entries')),
      () =>
        r.dueInWorkingDays === undefined || (Number.isInteger(r.dueInWorkingDays) && r.dueInWorkingDays >= 1 && r.dueInWorkingDays <= 60)
          ? null
          : invalid('dueInWorkingDays must be a whole number of working days between 1 and 60'),
    ),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const dueInWorkingDays = r.dueInWorkingDays ?? app.program.deadlines.supplementAnswerWorkingDays;
    state.review!.supplement = {
      items: r.items,
      dueInWorkingDays,
      requestedAt: at(),
      requestedBy: r.actor,
      days: [],
      lastDay: null,
      dueAt: null,
      answeredAt: null,
    };
    app.moveTo('supplement-requested', r.actor, 'supplement-request', withComment(r), { items: r.items, dueInWorkingDays });
  },
  phrase: (r) => `requested a supplement (一次性告知): ${r.items.join('; ')}`,
});
