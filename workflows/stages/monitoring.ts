/** Step 8: the obligations that outlive payment. */
import { ENGINE } from '../../domain/application';
import { windowClosesAt } from '../../domain/calendar';
import { addYears } from '../../domain/lifecycle';
import { Application } from '../machinery';

/** Step 8: obligations that outlive payment (e.g. 5 years in the district, 000). */
export async function monitoring(app: Application): Promise<void> {
  if (app.state.stage !== 'monitoring' && !(await startMonitoring(app))) return;
  const endsOn = app.state.obligations.filter((o) => o.status === 'running').map((o) => o.endsOn!).sort().at(-1)!;
  const last = app.state.obligations.filter((o) => o.status === 'running' && o.endsOn === endsOn).map((o) => o.id).join(', ');
  // An ordinary timer, however many years; a fraud or breach report may interrupt it.
  for (;;) {
    const over = !(await app.waitFor(() => app.halted() || app.continueAsNewDue(), { at: windowClosesAt(endsOn), purpose: `the end of obligation ${last} (${endsOn})` }));
    if (app.halted()) return;
    if (over) break;
    await app.continueAsNewIfDue();
  }
  // A report still waiting for the approver keeps the application open past the period.
  await app.waitFor(() => app.halted() || !app.suspended());
  if (app.halted()) return;
  for (const o of app.state.obligations) o.status = 'ended';
  app.end('completed', ENGINE, 'obligations-ended', `every obligation period ended on ${endsOn}`, {});
}

/** Fixes each obligation's period from the payment dates; false when none runs (completed). */
async function startMonitoring(app: Application): Promise<boolean> {
  const paidOn = app.state.tranches.map((t) => t.paidOn!).sort();
  for (const o of app.state.obligations) {
    if (o.years === null) continue;
    const def = app.program.obligations.find((x) => x.id === o.id);
    o.startsOn = def?.runsFrom === 'first-payment' ? paidOn[0]! : paidOn[paidOn.length - 1]!;
    o.endsOn = addYears(o.startsOn, o.years);
    o.status = 'running';
  }
  const running = app.state.obligations.filter((o) => o.status === 'running');
  if (running.length === 0) {
    app.end('completed', ENGINE, 'completed', 'every tranche is paid and no obligation period runs', {});
    return false;
  }
  const endsOn = running.map((o) => o.endsOn!).sort().at(-1)!;
  app.moveTo('monitoring', ENGINE, 'monitoring-started', `obligations run until the end of ${endsOn}`, {
    obligations: running.map((o) => ({ id: o.id, startsOn: o.startsOn, endsOn: o.endsOn })),
  });
  return true;
}
