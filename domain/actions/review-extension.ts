/**
 * The action `review-extension`: Extend the review deadline once (`POST /applications/:id/review-extension`).
 * The reviewer asks; a senior (approver) may also grant it, e.g. when the review is escalated.
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { addCalendarDays, windowClosesAt } from '../calendar';
import { invalid, conflict, first, type ActionContext } from './rules';
import { wholeNumber, body, comment, reason, type BodyOf } from './body-parts';
import { defineAction, helpersOf, plural, type ActionRequest } from './define';

/** POST /review-extension: once, at most the program's extensionMaxDays calendar days. */
export interface ReviewExtensionRequest extends ActionRequest {
  days: number;
  reason: string;
}

export const ReviewExtensionBody: z.ZodType<BodyOf<ReviewExtensionRequest>> = body({
  // The program's extensionMaxDays (at most 20 in the seeds) is enforced by the workflow.
  days: wholeNumber(1, 60),
  reason: reason(),
  comment,
});

export default defineAction<ReviewExtensionRequest>({
  path: 'review-extension',
  aliases: ['reviewExtension'],
  summary: 'Extend the review deadline once',
  roles: ['reviewer', 'approver'],
  stages: ['review', 'inspection'],
  body: ReviewExtensionBody,
  refuse: (s: ApplicationState, r: ReviewExtensionRequest, _now: string, program: ActionContext) =>
    first(
      () =>
        s.review?.extension
          ? conflict(`the review may be extended only once (002 第三十一条); it was extended by ${s.review.extension.days} days at ${s.review.extension.at}`)
          : null,
      () =>
        Number.isInteger(r.days) && r.days >= 1 && r.days <= program.extensionMaxDays
          ? null
          : invalid(`days must be a whole number between 1 and ${program.extensionMaxDays} (不超过${program.extensionMaxDays}日)`),
    ),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const review = state.review!;
    const before = { lastDay: review.clock.lastDay, dueAt: review.clock.dueAt };
    review.clock.lastDay = addCalendarDays(review.clock.lastDay, r.days);
    review.clock.dueAt = windowClosesAt(review.clock.lastDay);
    review.extension = { days: r.days, reason: r.reason, by: r.actor, at: at(), newLastDay: review.clock.lastDay };
    app.record({ actor: r.actor, action: 'review-extension', comment: r.reason, details: { days: r.days, before, after: { lastDay: review.clock.lastDay, dueAt: review.clock.dueAt }, comment: withComment(r) } });
  },
  phrase: (r) => `extended the review by ${plural(r.days, 'calendar day')}: ${r.reason}`,
});
