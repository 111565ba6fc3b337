/**
 * Split payees (issue 17, 001 四（二）5: 奖励20%可用于奖励团队牵头人，不高于200万元), on the time-skipping
 * server: one award divided into tranches for two payees, each with its own payment instruction to
 * its own payee, sent exactly once, and each confirmed paid on its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actor } from '../helpers/fixtures';
import { act, type Lifecycle, outboxOf, startLifecycle, stateWhen, toDisbursement } from '../helpers/lifecycle';

const PROGRAM = 'jianghai-tech-innovation';
const FACTS = {
  mainBusinessRevenue: '15000000000.00',
  rndExpenseRatioPercent: '2',
  inventionPatents3y: 120,
  provincialResearchProjects: 3,
  nationalKeyLabs: 1,
  teamLeaderName: '张研究',
  teamLeaderAccount: '中国银行江门分行 6217000000000000001',
};

describe('an award split between the enterprise and its team leader', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('split-payees');
  });
  after(async () => {
    await lc?.stop();
  });

  it('pays each payee its own tranche, with its own payment instruction, exactly once', async () => {
    const h = await lc.file(PROGRAM, FACTS);
    await stateWhen(lc, h, (s) => s.pending.some((p) => p.action === 'preliminary-record'));
    const [d] = await toDisbursement(lc, [h]);
    const award = d!.award.approved!;
    assert.equal(award, '30000000.00', 'tier (3): at most 3000万');
    const s = await stateWhen(lc, h, (x) => x.tranches.length === 2 && x.tranches.every((t) => t.status === 'instructed'));
    assert.deepEqual(
      s.tranches.map((t) => [t.payee?.id, t.amount]),
      [['applicant', '28000000.00'], ['team-leader', '2000000.00']],
      '20 % is 600万, cut to 200万; the enterprise keeps the rest',
    );
    const instructions = (await outboxOf(lc, h.workflowId, 'payment-instruction'));
    assert.equal(instructions.length, 2);
    const toApplicant = instructions.find((m) => m.tranche === 1);
    const toLeader = instructions.find((m) => m.tranche === 2);
    assert.ok(toApplicant && toLeader, JSON.stringify(instructions));
    assert.deepEqual(toApplicant.payee, s.applicant);
    assert.deepEqual(toLeader.payee, { payee: 'team-leader', name: FACTS.teamLeaderName, account: FACTS.teamLeaderAccount, onBehalfOf: s.applicant });
    assert.equal(toLeader.amount, '2000000.00');

    for (const n of [1, 2]) {
      await act(h, 'confirmation', { actor: actor('finance-officer'), n, treasuryReference: `GK-SPLIT-${n}`, paidOn: await lc.today() });
    }
    const paid = await stateWhen(lc, h, (x) => x.tranches.every((t) => t.status === 'paid'));
    assert.equal(paid.tranches.reduce((sum, t) => sum + Number(t.amount), 0), 30_000_000);
    // Each instruction once, whatever retries happened.
    assert.equal((await outboxOf(lc, h.workflowId, 'payment-instruction')).length, 2);
  });
});
