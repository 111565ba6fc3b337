/** Step 2 (cont.): the formal submission of the materials. */
import { ENGINE } from '../../domain/application';
import { Application, deadline } from '../machinery';

/** Step 2 (cont.): the applicant hands in the full materials by the program's deadline. */
export async function formalSubmission(app: Application): Promise<boolean> {
  const n = app.program.deadlines.formalSubmissionWorkingDays;
  if (n !== undefined) {
    // Fix: materials handed in while the deadline waits for a calendar year end the wait (no
    // deadline is needed any more) instead of leaving the review unstarted behind the wait.
    const window = await app.workingDays(app.tomorrow(), n, 'the formal-submission deadline', () => app.state.stage === 'formal-submission');
    if (!window && app.ended()) return false;
    if (window) {
      app.state.materials.lastDay = window.lastDay;
      app.state.materials.dueAt = window.closesAt;
      app.record({ actor: ENGINE, action: 'deadline', details: { for: 'materials', workingDays: n, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
      app.changed();
    }
  }
  const inTime = await app.waitFor(() => app.state.stage !== 'formal-submission', deadline(app.state.materials.dueAt, 'the materials deadline'));
  if (!inTime) {
    app.end('lapsed', ENGINE, 'deadline-missed', `the full materials were not handed in by the end of ${app.state.materials.lastDay}`, {
      lastDay: app.state.materials.lastDay,
    });
    return false;
  }
  return !app.ended();
}
