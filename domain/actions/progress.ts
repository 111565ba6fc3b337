/**
 * The action `progress`: Report construction progress or a milestone (`POST /applications/:id/progress`).
 */
import type { z } from 'zod';
import type { ApplicationState, Document } from '../application';
import { shanghaiDate } from '../calendar';
import { compareYuan, type Yuan } from '../money';
import { invalid, conflict, amountProblem, first, suspension } from './rules';
import { text, body, YuanText, documents, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, plural, type ActionRequest } from './define';

/** POST /progress: claims the schedule entry `milestone`. */
export interface ProgressRequest extends ActionRequest {
  milestone: string;
  cumulativeInvestment?: Yuan;
  evidence: Document[];
}

export const ProgressBody: z.ZodType<BodyOf<ProgressRequest>> = body({
  milestone: text(200),
  // Required by the workflow for progress tranches; the amount reported so far, zero allowed.
  cumulativeInvestment: YuanText.optional(),
  evidence: documents(),
  comment,
});

export default defineAction<ProgressRequest>({
  path: 'progress',
  aliases: [],
  summary: 'Report construction progress or a milestone',
  roles: ['applicant-system'],
  stages: ['disbursement'],
  body: ProgressBody,
  refuse: (s: ApplicationState, r: ProgressRequest, now: string) => {
    const tranche = s.tranches.find((t) => t.milestone === r.milestone);
    return first(
      () => suspension(s),
      () =>
        tranche
          ? null
          : invalid(`milestone ${JSON.stringify(r.milestone)} is not in the schedule (${s.tranches.map((t) => t.milestone).join(', ')})`),
      () =>
        tranche!.status === 'scheduled' || tranche!.status === 'rejected'
          ? null
          : conflict(`tranche ${tranche!.n} (${tranche!.milestone}) is already ${tranche!.status}`),
      () =>
        tranche!.claimableFrom && shanghaiDate(now) < tranche!.claimableFrom
          ? conflict(`tranche ${tranche!.n} (${tranche!.milestone}) may be claimed from ${tranche!.claimableFrom}`)
          : null,
      () => {
        if (tranche!.trigger.kind !== 'progress') return r.cumulativeInvestment === undefined ? null : amountProblem(r.cumulativeInvestment, 'cumulativeInvestment');
        if (r.cumulativeInvestment === undefined) return invalid(`cumulativeInvestment is required to claim the progress tranche ${tranche!.milestone}`);
        return amountProblem(r.cumulativeInvestment, 'cumulativeInvestment');
      },
      () =>
        tranche!.trigger.kind === 'progress' && compareYuan(r.cumulativeInvestment!, tranche!.trigger.thresholdAmount) < 0
          ? invalid(
              `cumulativeInvestment ${r.cumulativeInvestment} does not reach ${tranche!.trigger.thresholdAmount} ` +
                `(${tranche!.trigger.reachesPercent} % of ${tranche!.trigger.fact}) needed for ${tranche!.milestone}`,
            )
          : null,
    );
  },
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const tranche = state.tranches.find((t) => t.milestone === r.milestone)!;
    tranche.claims.push({ at: at(), by: r.actor, cumulativeInvestment: r.cumulativeInvestment ?? null, evidence: r.evidence, verification: null });
    tranche.status = 'claimed';
    app.record({
      actor: r.actor,
      action: 'progress',
      details: { tranche: tranche.n, milestone: r.milestone, cumulativeInvestment: r.cumulativeInvestment, evidence: r.evidence, comment: withComment(r) },
    });
  },
  phrase: (r, after) => {
    const t = after?.tranches?.find((x) => x.milestone === r.milestone);
    const investment = r.cumulativeInvestment ? `, cumulative investment ${r.cumulativeInvestment} yuan` : '';
    return `reported progress for milestone ${r.milestone}${t ? ` (tranche ${t.n})` : ''}${investment}, with ${plural(r.evidence?.length ?? 0, 'evidence document')}`;
  },
});
