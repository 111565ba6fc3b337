/**
 * A recovery case for a closed application (issue 15). Funds obtained by fraud are recovered with
 * interest whenever the fraud comes to light (002 第三十三条 sets no end date), yet most programs
 * have no obligation period, so their workflow closes at the last payment. A fraud or breach
 * report on such an application opens a recovery case: its own workflow (workflows/recovery.ts),
 * started from the application's final state, whose id is derived from the application's so that
 * every path keeps the application's id and a second report finds the case instead of opening
 * another one.
 *
 * The rules here are pure: the case's id, which actions open one, and when a closed application
 * cannot have one (nothing was ever paid, or its funds were already recovered).
 */
import type { ApplicationState } from './application';
import { conflict, moneyPaid, type Refusal } from './actions/rules';
import { isEndStage } from './stages';

/** The case's workflow id is the application's with this suffix (ids never contain it otherwise). */
const RECOVERY_SUFFIX = '.recovery';

export function recoveryCaseId(applicationId: string): string {
  return `${applicationId}${RECOVERY_SUFFIX}`;
}

/** The application a workflow belongs to: itself, or the application a recovery case acts on. */
export function applicationIdOfWorkflow(workflowId: string): string {
  return workflowId.endsWith(RECOVERY_SUFFIX) ? workflowId.slice(0, -RECOVERY_SUFFIX.length) : workflowId;
}

export function isRecoveryCaseId(workflowId: string): boolean {
  return workflowId.endsWith(RECOVERY_SUFFIX);
}

/** The actions that open a recovery case on a closed application: the reports. */
export function opensRecovery(action: string): boolean {
  return action === 'fraud-report' || action === 'breach-report';
}

/**
 * Why a report on this ended application cannot open a recovery case (a `Conflict`, 409), or
 * null when it can: some tranche was paid and no clawback was ever decided on it (a `referred`
 * application still runs its clawback and takes repayments there).
 */
export function recoveryRefusal(state: ApplicationState): Refusal | null {
  if (!isEndStage(state.stage)) return null;
  if (!moneyPaid(state)) {
    return conflict(
      `application ${state.id} ended at stage ${state.stage} before any money was paid: there is nothing to recover, so no recovery case is opened`,
    );
  }
  if (state.clawback) {
    return conflict(
      `application ${state.id} is at stage ${state.stage} under the clawback decided on ${state.clawback.decisionDate}: its funds are recovered there, and no recovery case is opened`,
    );
  }
  return null;
}
