/**
 * The action `resolution`: Decide an objection (`POST /applications/:id/objections/:n/resolution`).
 * Deciding an objection changes the award: the government side (approver) decides.
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { compareYuan, type Yuan } from '../money';
import { invalid, conflict, amountProblem, first } from './rules';
import { text, bool, body, PositiveYuan, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /objections/:n/resolution: upheld with `amount` reduces the award and notices it again. */
export interface ObjectionResolutionRequest extends ActionRequest {
  n: number;
  upheld: boolean;
  decision: string;
  amount?: Yuan;
}

export const ObjectionResolutionBody: z.ZodType<BodyOf<ObjectionResolutionRequest>> = body({
  upheld: bool(),
  // The written decision, sent to the objector.
  decision: text(10_000),
  // Upheld with an amount: the award is reduced to it and noticed again; upheld without: refused.
  amount: PositiveYuan.optional(),
  comment,
}).superRefine((value, ctx) => {
  if (value.amount !== undefined && value.upheld === false) {
    ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is only given when the objection is upheld' });
  }
});

export default defineAction<ObjectionResolutionRequest>({
  path: 'objections/:n/resolution',
  aliases: ['objectionResolution'],
  summary: 'Decide an objection',
  roles: ['approver'],
  stages: ['public-notice'],
  body: ObjectionResolutionBody,
  refuse: (s: ApplicationState, r: ObjectionResolutionRequest) => {
    const objection = s.notice?.objections.find((o) => o.n === r.n);
    return first(
      () => (objection ? null : invalid(`there is no objection ${r.n}`)),
      () => (objection!.status === 'open' ? null : conflict(`objection ${r.n} was already resolved (${objection!.status})`)),
      () => (!r.upheld && r.amount !== undefined ? invalid('amount is only given when an upheld objection reduces the award') : null),
      () => (r.upheld && r.amount !== undefined ? amountProblem(r.amount, 'amount') : null),
      () =>
        r.upheld && r.amount !== undefined && s.award.approved && compareYuan(r.amount, s.award.approved) >= 0
          ? invalid(`amount ${r.amount} does not reduce the approved ${s.award.approved}; omit it to refuse the award`)
          : null,
    );
  },
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const objection = state.notice!.objections.find((o) => o.n === r.n)!;
    objection.status = r.upheld ? 'upheld' : 'not-upheld';
    objection.resolution = { upheld: r.upheld, decision: r.decision, amount: r.amount ?? null, by: r.actor, at: at() };
    const details = { n: r.n, upheld: r.upheld, decision: r.decision, amount: r.amount, comment: withComment(r) };
    if (r.upheld && r.amount === undefined) {
      app.end('rejected', r.actor, 'resolution', `objection ${r.n} upheld, the award is refused: ${r.decision}`, details);
    } else if (r.upheld) {
      state.award.approved = r.amount!;
      state.award.changes.push({ at: at(), by: r.actor, amount: r.amount!, why: `objection ${r.n} upheld: ${r.decision}` });
      app.republishRequested = true;
      app.record({ actor: r.actor, action: 'resolution', comment: `award reduced to ${r.amount} and noticed again`, details });
    } else {
      app.record({ actor: r.actor, action: 'resolution', comment: 'objection not upheld', details });
    }
    // The written decision goes to the objector in every case.
    app.enqueue('notifyObjector', () => app.send.notifyObjector({
      applicationId: state.id,
      idempotencyKey: `${state.id}:objection:${r.n}:decision`,
      objector: objection.objector,
      objection: r.n,
      subject: `Decision on your objection to ${state.id}`,
      body: `${r.upheld ? 'Upheld' : 'Not upheld'}: ${r.decision}`,
    }));
  },
  phrase: (r) =>
    !r.upheld
      ? `did not uphold objection ${r.n}: ${r.decision}`
      : r.amount !== undefined
        ? `upheld objection ${r.n}, reducing the award to ${r.amount} yuan: ${r.decision}`
        : `upheld objection ${r.n}, refusing the award: ${r.decision}`,
});
