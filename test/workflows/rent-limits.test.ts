/**
 * 001 四（二）4's limits across one enterprise's applications, on the time-skipping server with the
 * real application, round and entitlement workflows: "最长不超过36个月" over the years (the second
 * year's months cut so the total is 36), "单个法人企业每年享受补助租赁面积上限为5000平方米" shared by
 * two applications of one year, nothing left ends `rejected`, and an application that ends without
 * money gives its months back. Amounts are at least 100万 so each is inspected on its own and no
 * round draw is waited for.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addCalendarDays, windowClosesAt } from '../../domain/calendar';
import { ledgerWorkflowId, roundWorkflowId, seedSha256, type RoundDefinition } from '../../domain/rounds';
import { evaluateAward } from '../../domain/catalog';
import { entitlementWorkflowId, quantityRequest } from '../../domain/quantity-limits';
import type { ApplicationInput, ApplicationState } from '../../domain/application';
import { entitlementWorkflow, roundWorkflow } from '../../workflows';
import { batchSignOffUpdate, entitlementQuery, registerUpdate, reserveQuantitiesUpdate, roundStateQuery } from '../../workflows/messages';
import { actor, creditCode } from '../helpers/fixtures';
import { type Lifecycle, act, doc, outcomeOf, sleepPast, startLifecycle, stateWhen, toPublicNotice, toReview, toSignOff } from '../helpers/lifecycle';

const TASK_QUEUE = 'rent-limits';
const RENT = 'jianghai-rent-subsidy';
const SEED = 'seed-of-the-rent-limit-rounds-4410';

/** Free rent (item (2)) at 50.00 元/㎡/月: 50 × area × months. */
const rent = (rentedArea: string, months: number): Record<string, string | number> => ({ item: 'item-2', support: 'free-rent', rentedArea, months, rentPerSquareMetre: '50.00' });

describe('rent: the 36 months and the 5000㎡ a year across one enterprise\'s applications', () => {
  let lc: Lifecycle;
  let thisYear: number;
  before(async () => {
    lc = await startLifecycle(TASK_QUEUE);
    thisYear = Number((await lc.today()).slice(0, 4));
  });
  after(async () => {
    await lc?.stop();
  });

  /** A round of the rent program for budget year `year`, its window open from today for `days` more days. */
  async function openRound(label: string, year: number, signOff: RoundDefinition['signOff'] = 'single', days = 27): Promise<RoundDefinition> {
    const today = await lc.today();
    const closes = addCalendarDays(today, days);
    const program = lc.catalog.getProgram(RENT)!;
    const definition: RoundDefinition = {
      id: `${RENT}.${label}`,
      programId: RENT,
      policyId: program.policy.id,
      label,
      year,
      window: { opens: today, closes, closesAt: windowClosesAt(closes), source: 'test' },
      budget: '100000000.00',
      catalogVersion: lc.catalog.version,
      programHash: lc.catalog.programHash(RENT)!,
      caps: [],
      signOff,
      spotCheck: { ratePercent: '5', threshold: '1000000.00', inclusive: true, seedSha256: seedSha256(SEED) },
      noticeWorkingDays: 5,
      openedBy: actor('admin'),
      openedAt: new Date().toISOString(),
    };
    await lc.env.client.workflow.start(roundWorkflow, { workflowId: roundWorkflowId(definition.id), taskQueue: TASK_QUEUE, args: [{ definition, program, seed: SEED }] });
    return definition;
  }

  /** Files enterprise `n`'s application into `round` as the API would: registered with the round, then started. */
  async function file(n: number, round: RoundDefinition, facts: Record<string, string | number>) {
    const code = creditCode(n);
    await lc.env.client.workflow.getHandle(roundWorkflowId(round.id)).executeUpdate(registerUpdate, {
      args: [
        {
          applicationId: `${RENT}.${round.label}.${code}`,
          applicant: { creditCode: code, name: '测试企业有限公司' },
          project: null,
          amountByFormula: evaluateAward(lc.catalog.getProgram(RENT)!, facts).amount,
          filedAt: new Date().toISOString(),
        },
      ],
    });
    const roundTerms: NonNullable<ApplicationInput['roundTerms']> = {
      id: round.id,
      policyId: round.policyId,
      year: round.year,
      signOff: round.signOff,
      caps: round.caps,
      ledgerId: ledgerWorkflowId(code, round.year),
      projectId: `project.${code}`,
      seedSha256: round.spotCheck.seedSha256,
    };
    return lc.file(RENT, facts, { n, round: round.label, roundTerms });
  }

  const holdings = async (n: number) => (await lc.env.client.workflow.getHandle(entitlementWorkflowId(RENT, creditCode(n))).query(entitlementQuery)).holdings;
  const lineOf = (s: ApplicationState, limitId: string) => s.roundAward!.quantities!.lines.find((l) => l.limitId === limitId)!;

  it('the entitlement answers one reservation at a time: ten at the same moment never hold more than 36 months', async () => {
    const code = creditCode(4410);
    const program = lc.catalog.getProgram(RENT)!;
    const entitlement = await lc.env.client.workflow.start(entitlementWorkflow, {
      workflowId: entitlementWorkflowId(RENT, code),
      taskQueue: TASK_QUEUE,
      args: [{ programId: RENT, creditCode: code }],
    });
    const grants = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        entitlement.executeUpdate(reserveQuantitiesUpdate, { args: [quantityRequest(program, rent('100', 5), `${RENT}.r${i}.${code}`, thisYear + (i % 3))!] }),
      ),
    );
    const months = grants.map((g) => Number(g.lines[0]!.granted));
    assert.equal(months.reduce((a, b) => a + b, 0), 36);
    assert.deepEqual([...months].sort((a, b) => b - a), [5, 5, 5, 5, 5, 5, 5, 1, 0, 0]);
    const held = (await entitlement.query(entitlementQuery)).holdings.filter((h) => h.limitId === 'months-36-per-enterprise');
    assert.equal(held.reduce((a, h) => a + Number(h.quantity), 0), 36);
    await entitlement.terminate('test over');
  });

  it('two successive years: the second year\'s months are cut so the total is 36, the award re-evaluated on them; a third year has nothing left and ends rejected', async () => {
    const n = 4411;
    const first = await toPublicNotice(await file(n, await openRound(`${thisYear}-m1`, thisYear), rent('1000', 24)));
    assert.equal(first.award.approved, '1200000.00'); // 50 × 1000 × 24
    assert.equal(lineOf(first, 'months-36-per-enterprise').granted, '24');

    const second = await toPublicNotice(await file(n, await openRound(`${thisYear + 1}-m2`, thisYear + 1), rent('1000', 24)));
    const months = lineOf(second, 'months-36-per-enterprise');
    assert.deepEqual([months.heldByOthers, months.room, months.granted], ['24', '12', '12']);
    assert.equal(second.award.approved, '600000.00'); // 50 × 1000 × 12
    const why = second.award.changes.at(-1)!.why;
    assert.match(why, /limits across the applicant's applications \(001 四（二）4\)/);
    assert.match(why, /最长不超过36个月: limit 36, already held 24, room 12 → months 24 cut to 12/);
    assert.ok(second.audit.some((a) => a.action === 'award-cut' && a.comment === why), 'recorded as a cut with the limit named');
    assert.deepEqual((await holdings(n)).filter((h) => h.limitId === 'months-36-per-enterprise').map((h) => h.quantity).sort(), ['12', '24']);

    const third = await file(n, await openRound(`${thisYear + 2}-m3`, thisYear + 2), rent('1000', 24));
    let s = await act(third, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    s = await act(third, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表', 'application-form')] });
    if (s.stage === 'inspection') s = await act(third, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '现场核查属实' });
    s = await act(third, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: s.award.amountByFormula!, reason: '符合条件' });
    await act(third, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: s.award.recommended!, reason: '同意' });
    const ended = await outcomeOf(lc, third, 'rejected');
    assert.match(ended.outcome!.reason, /limits across the applicant's applications leave nothing for this award/);
    assert.equal(lineOf(ended, 'months-36-per-enterprise').granted, '0');
    assert.equal(ended.award.approved, '0.00', 'cut to nothing, as the caps do: a batch leaves it out of pro rata');
  });

  it('two applications of one year share the 5000㎡; the months are counted across both', async () => {
    const n = 4412;
    const a = await toPublicNotice(await file(n, await openRound(`${thisYear}-a1`, thisYear), rent('3000', 12)));
    assert.equal(a.award.approved, '1800000.00'); // 50 × 3000 × 12
    const b = await toPublicNotice(await file(n, await openRound(`${thisYear}-a2`, thisYear), rent('3000', 12)));
    const area = lineOf(b, 'area-5000-per-enterprise-year');
    assert.deepEqual([area.heldByOthers, area.room, area.granted], ['3000', '2000', '2000']);
    assert.equal(lineOf(b, 'months-36-per-enterprise').granted, '12');
    assert.equal(b.award.approved, '1200000.00'); // 50 × 2000 × 12
    assert.match(b.award.changes.at(-1)!.why, /5000平方米: limit 5000, already held 3000 in \d{4}, room 2000 → rentedArea 3000 cut to 2000/);
  });

  it('an application that ends without money gives its months back: the next one gets all 36', async () => {
    const n = 4413;
    const quitting = await file(n, await openRound(`${thisYear}-w1`, thisYear), rent('1000', 30));
    await toPublicNotice(quitting);
    assert.deepEqual((await holdings(n)).map((h) => [h.limitId, h.quantity]), [
      ['months-36-per-enterprise', '30'],
      ['area-5000-per-enterprise-year', '1000'],
    ]);
    await act(quitting, 'withdrawal', { actor: actor('applicant-system'), reason: '放弃申请' });
    await outcomeOf(lc, quitting, 'withdrawn');
    let held = await holdings(n);
    for (let i = 0; i < 50 && held.length > 0; i++) held = await holdings(n);
    assert.deepEqual(held, [], 'released');

    const next = await toPublicNotice(await file(n, await openRound(`${thisYear + 1}-w2`, thisYear + 1), rent('1000', 36)));
    assert.equal(lineOf(next, 'months-36-per-enterprise').granted, '36');
    assert.equal(next.award.approved, '1800000.00'); // 50 × 1000 × 36, not cut
  });

  it('a batch round (the rent program\'s own: 报江海区政府审定): the meeting\'s line names the quantity cut, the amount after it goes to the notice', async () => {
    const n = 4414;
    await toPublicNotice(await file(n, await openRound(`${thisYear}-b1`, thisYear), rent('1000', 24)));
    const round = await openRound(`${thisYear + 1}-b2`, thisYear + 1, 'batch', 0);
    const handle = await file(n, round, rent('1000', 24));
    await toSignOff(handle, await toReview(handle));
    // The meeting decides once the window has closed and the round's spot check is drawn.
    const roundHandle = lc.env.client.workflow.getHandle(roundWorkflowId(round.id));
    await sleepPast(lc, round.window.closesAt);
    let drawn = await roundHandle.query(roundStateQuery);
    for (let i = 0; i < 50 && !drawn.draw; i++) drawn = await roundHandle.query(roundStateQuery);
    assert.ok(drawn.draw, 'the round drew its spot check');
    const decision = await roundHandle.executeUpdate(batchSignOffUpdate, {
      args: [
        {
          actor: actor('approver'),
          key: `rent-limits-${round.label}`,
          meeting: { reference: `江海区政府常务会议纪要〔${thisYear + 1}〕1号`, date: await lc.today() },
          decisions: [{ applicationId: handle.workflowId, decision: 'approve', amount: '1200000.00', reason: '同意' }],
        },
      ],
    });
    const line = decision.lines[0]!;
    assert.equal(line.outcome, 'approved', JSON.stringify(line));
    assert.equal(line.approvedAfterCaps, '600000.00'); // 50 × 1000 × 12
    assert.deepEqual((line.quantityCuts as Array<{ limitId: string; granted: string }>).map((c) => [c.limitId, c.granted]), [['months-36-per-enterprise', '12']]);
    const noticed = await stateWhen(lc, handle, (x) => x.notice !== null);
    assert.equal(noticed.award.approved, '600000.00');
  });
});
