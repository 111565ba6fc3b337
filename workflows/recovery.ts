/**
 * A recovery case for a closed application (domain/recovery.ts): the application's own workflow
 * code resumed from its final state, at the `recovery` stage. The same Application machinery, the
 * same action handlers (and so the same Idempotency-Key handling, validators and separation of
 * duties) and the same clawback procedure (workflows/clawback.ts) as inside a running
 * application: the report waits for the approver, who recovers or dismisses; a recovery runs the
 * live statement, repayments in the legal order, the deadline, the escalation, the referral and
 * the credit record, and continues as new as an application does (as this workflow type).
 *
 * Its workflow id is `<application id>.recovery`; its state keeps the application's id, so its
 * search attributes, effects and audit trail carry the application's keys, and the API shows it
 * as the application (api/recovery.ts). Dismissed, or no report within a day of opening, the case
 * closes and the application is back at the stage it had ended at.
 */
import { workflowInfo } from '@temporalio/workflow';
import { ENGINE, type ApplicationInput, type ApplicationState } from '../domain/application';
import { clawback } from './clawback';
import { installHandlers } from './handlers';
import { Application } from './machinery';

/** How long a case opened by the API waits for the report it was opened for (the API sends it at once). */
const REPORT_WAIT_MS = 86_400_000;

export async function recoveryWorkflow(input: ApplicationInput): Promise<ApplicationState> {
  const origin = input.recoveryOf;
  if (!origin || !input.resume) throw new Error('a recovery case starts from a closed application: recoveryOf and resume are required');
  const app = new Application(input);
  const state = app.state;

  if (!state.recovery) {
    state.recovery = { ...origin, workflowId: workflowInfo().workflowId, openedAt: app.now(), firstReport: state.reports.length + 1 };
    app.moveTo('recovery', ENGINE, 'recovery-opened', `a report after the application ended at ${origin.closedStage}: a recovery case is open`, {
      closedStage: origin.closedStage,
      closedAt: origin.closedAt,
      closedRunId: origin.closedRunId,
      case: state.recovery.workflowId,
    });
  } else {
    app.record({ actor: ENGINE, action: 'continued-as-new', details: { run: state.runs, stage: state.stage } });
  }
  app.changed();
  // Handlers only now, at the `recovery` stage: the report the API sends right after the start
  // usually arrives in the first activation, and setting a handler runs such a buffered update's
  // validator at once, which must see the case open, not the stage the application ended at.
  installHandlers(app);

  const firstReport = state.recovery.firstReport;
  const reported = () => state.reports.some((r) => r.n >= firstReport);
  const decided = () => reported() && !state.reports.some((r) => r.status === 'open');
  if (state.stage === 'recovery') {
    const deadline = { at: new Date(Date.parse(state.recovery.openedAt) + REPORT_WAIT_MS).toISOString(), purpose: 'the report the recovery case was opened for' };
    if (await app.waitFor(reported, deadline)) await app.waitFor(() => state.stage !== 'recovery' || decided());
  }

  if (state.clawback && !state.clawback.settledAt && (state.stage === 'clawback' || state.stage === 'referred')) {
    await clawback(app);
  } else if (state.stage === 'recovery') {
    // Dismissed (or nothing reported): the application is as it ended.
    const why = reported() ? 'every report was dismissed' : 'no report arrived';
    app.moveTo(origin.closedStage, ENGINE, 'recovery-closed', `${why}: the application stays ${origin.closedStage}`, { reports: state.reports.filter((r) => r.n >= firstReport).map((r) => r.n) });
  }

  if (state.stage !== origin.closedStage) await app.announceOutcome();
  await app.allSettled();
  return state;
}
