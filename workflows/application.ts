/**
 * One application's life, from filing to the last yuan repaid (domain brief, "Lifecycle of one
 * application"), read as the procedure: `PROCEDURE` lists its steps, each in its own file under
 * workflows/stages/, run one after another until one ends the application; then recovery when
 * the approver decided to recover paid funds (workflows/clawback.ts), and the applicant is told
 * how it ended. Staff and applicant actions arrive as Updates (workflows/handlers.ts); each is
 * refused by its validator, synchronously and with a stable error type, when the stage, the role,
 * separation of duties or the request forbids it. The machinery the steps use (effects and their
 * retries, waits with named timers, calendar waits, continue-as-new, search attributes, settling
 * of answers) is workflows/machinery.ts.
 *
 * Time is workflow time; dates are Asia/Shanghai. Working days and program computations come from
 * activities, so they are computed once and recorded in history. Every deadline is a timer.
 *
 * Patches in force (see docs/changing-workflow-code.md):
 * - `instruct-before-continue-as-new` (workflows/stages/disbursement.ts): instruct verified tranches first.
 * - `refresh-before-overdue` (workflows/clawback.ts): refresh the statement before escalating.
 * - `2026-12-working-days-local` (workflows/machinery.ts `workingDays`): working days are read by a
 *   local activity, so an action that sets a deadline answers without a server round trip.
 * - `2026-12-pending-memo` (workflows/machinery.ts `upsertPendingMemo`): the pending items are kept
 *   in the memo too, so `GET /inbox` lists them without a state query per application.
 * - `2026-12-listing-table` (workflows/machinery.ts `listingWriter`): the application writes its
 *   row of the listing table (an activity) whenever it changes, instead of the memo.
 */
import { ENGINE, type ApplicationInput, type ApplicationState } from '../domain/application';
import type { Stage } from '../domain/stages';
import { clawback } from './clawback';
import { installHandlers } from './handlers';
import { Application } from './machinery';
import { filingChecks } from './stages/filing-checks';
import { preliminaryRecord } from './stages/preliminary-record';
import { formalSubmission } from './stages/formal-submission';
import { reviewAndSignOff } from './stages/review';
import { publicNotice } from './stages/public-notice';
import { agreement } from './stages/agreement';
import { disbursement } from './stages/disbursement';
import { monitoring } from './stages/monitoring';
import { installRoundSignals, releaseRoundHolds } from './stages/round-award';

/** The steps of the domain brief's procedure; each answers whether the application carries on. */
const PROCEDURE: ReadonlyArray<{ step: string; resumesAt?: Stage; run: (app: Application) => Promise<boolean> }> = [
  { step: '1. filing checks (serious-dishonesty list)', run: filingChecks },
  { step: '2. preliminary record', run: preliminaryRecord },
  { step: '2. formal submission of the materials', run: formalSubmission },
  { step: '3–4. review, inspection and government sign-off', run: reviewAndSignOff },
  { step: '5. public notice', run: publicNotice },
  { step: '6. support agreement', run: agreement },
  { step: '7. disbursement by milestone', resumesAt: 'disbursement', run: disbursement },
  { step: '8. monitoring of obligations', resumesAt: 'monitoring', run: async (app) => (await monitoring(app), false) },
];

export async function applicationWorkflow(input: ApplicationInput): Promise<ApplicationState> {
  const app = new Application(input);
  installHandlers(app);
  if (input.roundTerms || input.resume?.state.roundTerms) installRoundSignals(app);

  if (!input.resume) {
    app.record({ actor: input.filedBy, action: 'filing', to: app.state.stage, details: { facts: input.facts, checks: input.filingChecks } });
  } else {
    app.record({ actor: ENGINE, action: 'continued-as-new', details: { run: app.state.runs, stage: app.state.stage } });
  }
  app.changed();

  // The procedure, one step after another, until one ends the application. A run continued as
  // new re-enters the same sequence at the step of the stage the previous run stopped at (only
  // disbursement and monitoring continue as new; a clawback goes straight to recovery below).
  const from = input.resume ? PROCEDURE.findIndex((step) => step.resumesAt === app.state.stage) : 0;
  for (const step of from < 0 ? [] : PROCEDURE.slice(from)) {
    if (!(await step.run(app))) break;
  }

  // Steps 9–10: recovery, when the approver decided to recover paid funds.
  if (app.state.clawback && !app.state.clawback.settledAt && (app.state.stage === 'clawback' || app.state.stage === 'referred')) {
    await clawback(app);
  }

  // Filed into a round and ended before any money moved: its list entry, caps reservation and project claim go.
  await releaseRoundHolds(app);
  await app.announceOutcome();
  await app.allSettled();
  return app.state;
}
