/** Step 6: the support agreement. */
import { ENGINE } from '../../domain/application';
import { addCalendarDays } from '../../domain/calendar';
import { Application, deadline } from '../machinery';

/** Step 6: the support agreement, where the program requires one, signed before money moves. */
export async function agreement(app: Application): Promise<boolean> {
  const required = app.program.agreement.required;
  app.state.agreement = { required, lastDay: null, dueAt: null, signedOn: null, recordedBy: null, recordedAt: null };
  if (!required) {
    app.record({ actor: ENGINE, action: 'agreement-not-required', details: { program: app.program.id } });
    return true;
  }
  app.moveTo('agreement', ENGINE, 'agreement-due', 'the program requires a support agreement before payment', {});
  const n = app.program.deadlines.agreementSigningWorkingDays;
  // Fix: signed while the deadline waits for a calendar year: the wait ends, payment goes ahead.
  // Counted from the day after the notice closed, not from the moment the engine noticed it.
  const from = app.state.notice ? addCalendarDays(app.state.notice.lastDay, 1) : app.tomorrow();
  const window = await app.workingDays(from, n, 'the agreement signing deadline', () => app.state.stage === 'agreement');
  if (!window) return !app.ended();
  app.state.agreement.lastDay = window.lastDay;
  app.state.agreement.dueAt = window.closesAt;
  app.record({ actor: ENGINE, action: 'deadline', details: { for: 'agreement', workingDays: n, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
  app.changed();
  const inTime = await app.waitFor(() => app.state.stage !== 'agreement', deadline(window.closesAt, 'the agreement deadline'));
  if (!inTime) {
    app.end('lapsed', ENGINE, 'deadline-missed', `the support agreement was not signed by the end of ${window.lastDay}`, { lastDay: window.lastDay });
    return false;
  }
  return !app.ended();
}
