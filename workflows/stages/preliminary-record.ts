/** Step 2: the preliminary record 初审备案. */
import { Application } from '../machinery';

/** Step 2, 初审备案: the intake officer checks qualification (001 §（三）3). */
export async function preliminaryRecord(app: Application): Promise<boolean> {
  await app.waitFor(() => app.state.stage !== 'preliminary-record');
  return !app.ended();
}
