/** Step 1: the filing checks. */
import { reads } from '../activities';
import { ENGINE } from '../../domain/application';
import { Application } from '../machinery';

/** Step 1: the serious-dishonesty list (002 第四条), looked up when the application arrives. */
export async function filingChecks(app: Application): Promise<boolean> {
  const check = await reads.checkDishonestyList({ applicationId: app.state.id, creditCode: app.state.applicant.creditCode });
  app.state.dishonestyCheck = check;
  if (check.listed) {
    app.end('rejected', ENGINE, 'dishonesty-check', `${app.state.applicant.creditCode} is on the serious-dishonesty list 严重失信主体名单 (002 第四条)`, {
      source: check.source,
      entry: check.entry,
    });
    return false;
  }
  app.record({ actor: ENGINE, action: 'dishonesty-check', details: { listed: false, source: check.source, checkedAt: check.checkedAt } });
  return !app.ended();
}
