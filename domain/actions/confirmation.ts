/**
 * The action `confirmation`: Confirm that a tranche was paid, with the treasury reference (`POST /applications/:id/tranches/:n/confirmation`).
 * A payment instructed before a clawback decision may still be confirmed: the money did move.
 */
import { z } from 'zod';
import type { ApplicationState } from '../application';
import { shanghaiDate } from '../calendar';
import { refreshStatement } from '../clawback-statement';
import { invalid, conflict, separation, statedDateProblem, first, trancheOf } from './rules';
import { expected, body, CalendarDate, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, trancheIn, type ActionRequest } from './define';

/** POST /tranches/:n/confirmation: the treasury paid tranche n. */
export interface ConfirmationRequest extends ActionRequest {
  n: number;
  treasuryReference: string;
  /** YYYY-MM-DD, Asia/Shanghai. */
  paidOn: string;
}

export const ConfirmationBody: z.ZodType<BodyOf<ConfirmationRequest>> = body({
  treasuryReference: z
    .string({ error: expected('a string') })
    .regex(/^[A-Za-z0-9\-_/.:]{1,100}$/, 'must be 1-100 letters, digits or - _ / . :'),
  paidOn: CalendarDate,
  comment,
});

export default defineAction<ConfirmationRequest>({
  path: 'tranches/:n/confirmation',
  aliases: [],
  summary: 'Confirm that a tranche was paid, with the treasury reference',
  roles: ['finance-officer'],
  stages: ['disbursement', 'clawback', 'referred'],
  movesMoney: true,
  body: ConfirmationBody,
  refuse: (s: ApplicationState, r: ConfirmationRequest, now: string) => {
    const tranche = trancheOf(s, r.n);
    return first(
      () => (tranche ? null : invalid(`there is no tranche ${r.n}`)),
      () =>
        tranche!.status === 'paid'
          ? conflict(`tranche ${r.n} was already confirmed paid on ${tranche!.paidOn} (treasury reference ${tranche!.treasuryReference})`)
          : null,
      () => (tranche!.status === 'instructed' ? null : conflict(`tranche ${r.n} is ${tranche!.status}: no payment instruction was sent for it yet`)),
      () => {
        const other = s.tranches.find((t) => t.treasuryReference === r.treasuryReference);
        return other ? conflict(`treasury reference ${r.treasuryReference} already confirms tranche ${other.n}`) : null;
      },
      () =>
        tranche!.claims.at(-1)?.verification?.by.id === r.actor.id
          ? separation(`${r.actor.name} verified this tranche and may not also confirm its payment`)
          : null,
      () =>
        statedDateProblem(r.paidOn, 'paidOn', shanghaiDate(now), tranche!.instruction ? shanghaiDate(tranche!.instruction.at) : null, 'the payment instruction'),
    );
  },
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const tranche = trancheOf(state, r.n)!;
    tranche.status = 'paid';
    tranche.paidOn = r.paidOn;
    tranche.treasuryReference = r.treasuryReference;
    tranche.confirmation = { by: r.actor, at: at() };
    // Paid after a clawback decision: it joins the principal to recover at once.
    if (state.clawback && app.lpr) refreshStatement(state, app.lpr, app.today());
    app.record({
      actor: r.actor,
      action: 'confirmation',
      details: { tranche: r.n, amount: tranche.amount, paidOn: r.paidOn, treasuryReference: r.treasuryReference, comment: withComment(r) },
    });
  },
  phrase: (r, after) => {
    const amount = trancheIn(after, r.n)?.amount;
    return `confirmed tranche ${r.n}${amount ? ` (${amount} yuan)` : ''} paid on ${r.paidOn}, treasury reference ${r.treasuryReference}`;
  },
});
