/**
 * The entities across applications (issue 16), on the time-skipping server, through their own
 * messages: the applicant's year answers reservations one at a time (many at the same moment
 * never exceed a cap), the project judges claims (and forgets released ones), and the round takes
 * filings only while its window is open, allocates a single round's awards within its budget and
 * never lets an award grow after it was noticed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addCalendarDays, windowClosesAt } from '../../domain/calendar';
import { ledgerWorkflowId, seedSha256, type RoundDefinition } from '../../domain/rounds';
import { ledgerWorkflow, projectWorkflow, roundWorkflow } from '../../workflows';
import {
  allocateUpdate,
  claimUpdate,
  entryChangedSignal,
  ledgerQuery,
  projectQuery,
  registerUpdate,
  releaseClaimSignal,
  reserveUpdate,
  roundStateQuery,
} from '../../workflows/messages';
import { actor, creditCode } from '../helpers/fixtures';
import { type Lifecycle, refusalOf, sleepPast, startLifecycle } from '../helpers/lifecycle';

const TASK_QUEUE = 'rounds-entities';
const SEED = 'secret-seed-of-the-test-round-8811';
const WAREHOUSE = 'qianhai-warehouse-smart-upgrade';
const CAP = { id: 'program-600wan', scope: 'applicant-per-program' as const, amount: '6000000.00', description: 'At most 600万元 a year per enterprise (002 第十一条)' };

describe('the entities across applications', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle(TASK_QUEUE);
  });
  after(async () => {
    await lc?.stop();
  });

  it('the applicant\'s year: ten reservations at the same moment never exceed the cap, and each is granted what was left when its turn came', async () => {
    const code = creditCode(8801);
    const year = Number((await lc.today()).slice(0, 4));
    const ledger = await lc.env.client.workflow.start(ledgerWorkflow, { workflowId: ledgerWorkflowId(code, year), taskQueue: TASK_QUEUE, args: [{ creditCode: code, year }] });
    const grants = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ledger.executeUpdate(reserveUpdate, {
          args: [{ reservation: { applicationId: `${WAREHOUSE}.${year}.${code}.P${i}`, programId: WAREHOUSE, policyId: 'qianhai', roundId: `${WAREHOUSE}.${year}`, amount: '1000000.00' }, caps: [CAP] }],
        }),
      ),
    );
    const granted = grants.map((g) => Number(g.granted));
    assert.equal(granted.reduce((a, b) => a + b, 0), 6_000_000);
    assert.deepEqual(granted.filter((g) => g > 0).length, 6);
    for (const g of grants.filter((x) => x.granted === '0.00')) assert.equal(g.cuts[0]!.capId, 'program-600wan');
    const held = await ledger.query(ledgerQuery);
    assert.equal(held.reservations.length, 10);
    assert.equal(held.reservations.reduce((a, r) => a + Number(r.amount), 0), 6_000_000);
    await ledger.terminate('test over');
  });

  it('the project: a second program of the same nature under another policy is refused; released, it no longer counts', async () => {
    const project = await lc.env.client.workflow.start(projectWorkflow, { workflowId: 'project.TEST-DIP-1', taskQueue: TASK_QUEUE, args: [{ key: 'project.TEST-DIP-1' }] });
    const claim = (applicationId: string, programId: string, policyId: string) => ({
      applicationId,
      applicant: { creditCode: creditCode(8802), name: '测试企业' },
      programId,
      policyId,
      roundId: `${programId}.2030`,
      nature: 'fixed-asset-investment',
      per: 'project' as const,
      doubleDipping: 'refuse' as const,
      claimedAt: new Date().toISOString(),
      released: null,
    });
    const first = await project.executeUpdate(claimUpdate, { args: [claim('a.2030.X.TEST-DIP-1', 'jianghai-major-project', 'jianghai')] });
    assert.equal(first.verdict, 'accepted');
    const second = await project.executeUpdate(claimUpdate, { args: [claim('b.2030.X.TEST-DIP-1', WAREHOUSE, 'qianhai')] });
    assert.equal(second.verdict, 'refused');
    assert.equal(second.others[0]!.applicationId, 'a.2030.X.TEST-DIP-1');
    await project.signal(releaseClaimSignal, { applicationId: 'a.2030.X.TEST-DIP-1', reason: 'rejected' });
    const third = await project.executeUpdate(claimUpdate, { args: [claim('b.2030.X.TEST-DIP-1', WAREHOUSE, 'qianhai')] });
    assert.equal(third.verdict, 'accepted');
    // The ended application filed again (its id is taken for good) does not revive its claim.
    await project.executeUpdate(claimUpdate, { args: [claim('a.2030.X.TEST-DIP-1', 'jianghai-major-project', 'jianghai')] });
    const claims = (await project.query(projectQuery)).claims;
    assert.ok(claims.find((c) => c.applicationId === 'a.2030.X.TEST-DIP-1')!.released, 'still released');
    await project.terminate('test over');
  });

  it('a single round: takes filings while open, allocates within what is left of its budget, never lets an award grow, and refuses filings once closed', async () => {
    const today = await lc.today();
    const program = lc.catalog.getProgram(WAREHOUSE)!;
    const closes = addCalendarDays(today, 2);
    const definition: RoundDefinition = {
      id: `${WAREHOUSE}.wf-single`,
      programId: WAREHOUSE,
      policyId: program.policy.id,
      label: 'wf-single',
      year: Number(today.slice(0, 4)),
      window: { opens: today, closes, closesAt: windowClosesAt(closes), source: 'test' },
      budget: '5000000.00',
      catalogVersion: lc.catalog.version,
      programHash: lc.catalog.programHash(WAREHOUSE)!,
      caps: [CAP],
      signOff: 'single',
      spotCheck: { ratePercent: '5', threshold: '1000000.00', inclusive: true, seedSha256: seedSha256(SEED) },
      noticeWorkingDays: 5,
      openedBy: actor('admin'),
      openedAt: new Date().toISOString(),
    };
    const round = await lc.env.client.workflow.start(roundWorkflow, { workflowId: `round.${definition.id}`, taskQueue: TASK_QUEUE, args: [{ definition, program, seed: SEED }] });
    const entry = (n: number) => ({ applicationId: `${WAREHOUSE}.wf-single.${creditCode(n)}.P1`, applicant: { creditCode: creditCode(n), name: `企业${n}` }, project: { code: 'P1', name: '仓库' }, amountByFormula: '3000000.00', filedAt: new Date().toISOString() });
    for (const n of [8811, 8812]) await round.executeUpdate(registerUpdate, { args: [entry(n)] });
    assert.equal((await round.query(roundStateQuery)).definition.spotCheck.seedSha256, seedSha256(SEED));
    assert.equal(JSON.stringify(await round.query(roundStateQuery)).includes(SEED), false, 'the seed stays secret before the draw');

    const allocate = (n: number) =>
      round.executeUpdate(allocateUpdate, { args: [{ applicationId: entry(n).applicationId, applicant: entry(n).applicant, programId: WAREHOUSE, amount: '3000000.00', decidedBy: 'sign-off' }] });
    assert.equal((await allocate(8811)).allocated, '3000000.00');
    const second = await allocate(8812);
    assert.equal(second.allocated, '2000000.00', 'what is left of the budget');
    assert.match(second.changes[0]!.why, /had 2000000.00 left/);

    // A change that would grow an award is refused; a reduction is kept.
    await round.signal(entryChangedSignal, { applicationId: entry(8812).applicationId, amount: '2500000.00', why: 'more' });
    await round.signal(entryChangedSignal, { applicationId: entry(8811).applicationId, amount: '1000000.00', why: 'objection upheld' });
    let s = await round.query(roundStateQuery);
    for (let i = 0; i < 50 && !s.trail.some((t) => t.action === 'increase-refused'); i++) s = await round.query(roundStateQuery);
    assert.ok(s.trail.some((t) => t.action === 'increase-refused'), JSON.stringify(s.trail));
    assert.equal(s.allocations.find((a) => a.applicationId === entry(8812).applicationId)!.allocated, '2000000.00');
    assert.equal(s.allocations.find((a) => a.applicationId === entry(8811).applicationId)!.allocated, '1000000.00');

    await sleepPast(lc, definition.window.closesAt);
    const late = await refusalOf(round.executeUpdate(registerUpdate, { args: [entry(8813)] }));
    assert.equal(late.type, 'WrongStage');
    assert.match(late.message, /closed/);
    const closed = await round.query(roundStateQuery);
    assert.equal(closed.status, 'closed');
    assert.equal(closed.draw!.seed, SEED, 'revealed at the draw');
    assert.equal(closed.draw!.ranking.length, 0, 'nothing below the threshold');
    await round.terminate('test over');
  });
});
