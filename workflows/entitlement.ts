/**
 * One applicant's entitlement under one program (001 四（二）4: 36 months over the years, 5000㎡ a
 * year): a long-lived entity, one per program and credit code (`entitlement.<program>.<credit
 * code>`), holding what each signed-off application uses of the program's quantity limits. Updates
 * run one at a time, so two sign-offs that race are granted one after the other and no limit is
 * ever exceeded (domain/quantity-limits.ts). Started by the first reservation (lib/entities.ts:
 * started when not running, then updated); continues as new when its history grows long, like the ledger.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { grantWithinLimits, type QuantityHolding } from '../domain/quantity-limits';
import { entitlementQuery, releaseQuantitiesSignal, reserveQuantitiesUpdate } from './round-messages';

export interface EntitlementInput {
  programId: string;
  creditCode: string;
  holdings?: QuantityHolding[];
}

export async function entitlementWorkflow(input: EntitlementInput): Promise<void> {
  let holdings: QuantityHolding[] = [...(input.holdings ?? [])];
  const now = () => new Date().toISOString();

  setHandler(entitlementQuery, () => ({ programId: input.programId, creditCode: input.creditCode, holdings }));
  setHandler(reserveQuantitiesUpdate, (request) => {
    const grant = grantWithinLimits(holdings, request);
    const at = now();
    holdings = [
      ...holdings.filter((h) => h.applicationId !== request.applicationId),
      ...grant.lines.map((l) => ({ applicationId: request.applicationId, limitId: l.limitId, year: request.year, quantity: l.granted, at })),
    ];
    return grant;
  });
  // An application that ended without money gives back what it held; a reduced award keeps it (docs/rounds.md).
  setHandler(releaseQuantitiesSignal, ({ applicationId }) => {
    holdings = holdings.filter((h) => h.applicationId !== applicationId);
  });

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof entitlementWorkflow>({ ...input, holdings });
}
