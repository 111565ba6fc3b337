/**
 * One applicant's year (002 第六条 annual caps): a long-lived entity, one per credit code and year
 * (`ledger.<credit code>.<year>`), holding one reservation per application signed off. Updates run
 * one at a time, so two sign-offs for the same applicant that race are granted one after the
 * other: the total never goes over a cap (domain/caps.ts). Started by the first reservation
 * (lib/entities.ts: started when not running, then updated); continues as new when its history grows long.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { compareYuan } from '../domain/money';
import { grantWithinCaps, type Reservation } from '../domain/caps';
import { adjustReservationSignal, ledgerQuery, reserveUpdate } from './round-messages';

export interface LedgerInput {
  creditCode: string;
  year: number;
  reservations?: Reservation[];
}

export async function ledgerWorkflow(input: LedgerInput): Promise<void> {
  const reservations: Reservation[] = [...(input.reservations ?? [])];
  const now = () => new Date().toISOString();

  setHandler(ledgerQuery, () => ({ creditCode: input.creditCode, year: input.year, reservations }));
  setHandler(reserveUpdate, ({ reservation, caps }) => {
    const grant = grantWithinCaps(reservations, reservation, caps);
    const kept = reservations.filter((r) => r.applicationId !== reservation.applicationId);
    reservations.length = 0;
    reservations.push(...kept, { ...reservation, amount: grant.granted, at: now() });
    return grant;
  });
  // Only ever down: a reservation grows only through a new sign-off (a new `reserve`).
  setHandler(adjustReservationSignal, ({ applicationId, amount }) => {
    const r = reservations.find((x) => x.applicationId === applicationId);
    if (r && compareYuan(amount, r.amount) < 0) {
      r.amount = amount;
      r.at = now();
    }
  });

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof ledgerWorkflow>({ ...input, reservations });
}
