/**
 * The pure rules of a recovery case (domain/recovery.ts): its id, which actions open one, when a
 * closed application is refused one, and what the `recovery` stage allows and asks for.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplicationState, ClawbackState, Tranche } from '../../domain/application';
import { pendingOf, refusalOf } from '../../domain/lifecycle';
import { applicationIdOfWorkflow, isRecoveryCaseId, opensRecovery, recoveryCaseId, recoveryRefusal } from '../../domain/recovery';
import type { Stage } from '../../domain/stages';
import { actor } from '../helpers/fixtures';

const ID = 'dinghu-rnd-institution.2027.91350100M000100Y43';
const NOW = '2029-03-05T02:00:00.000Z';

/** The fields these rules read, of an application that ended at `stage` with these tranches. */
function ended(stage: Stage, tranches: Array<Pick<Tranche, 'status'>>, clawback: Partial<ClawbackState> | null = null): ApplicationState {
  return {
    id: ID,
    stage,
    tranches: tranches.map((t, i) => ({ n: i + 1, amount: '2000000.00', paidOn: t.status === 'paid' ? '2027-04-01' : null, ...t })),
    obligations: [],
    reports: [],
    clawback,
    calendarWait: null,
  } as unknown as ApplicationState;
}

describe('recovery case rules', () => {
  it('the case id is derived from the application id, and back', () => {
    assert.equal(recoveryCaseId(ID), `${ID}.recovery`);
    assert.equal(applicationIdOfWorkflow(recoveryCaseId(ID)), ID);
    assert.equal(applicationIdOfWorkflow(ID), ID);
    assert.ok(isRecoveryCaseId(recoveryCaseId(ID)) && !isRecoveryCaseId(ID));
  });

  it('only the reports open a case', () => {
    assert.deepEqual(['fraud-report', 'breach-report', 'clawback-decision', 'repayments', 'confirmation'].map(opensRecovery), [true, true, false, false, false]);
  });

  it('a closed application that paid something opens a case; one that paid nothing, or is under a clawback, is a Conflict saying why', () => {
    assert.equal(recoveryRefusal(ended('completed', [{ status: 'paid' }])), null);
    assert.equal(recoveryRefusal(ended('withdrawn', [{ status: 'paid' }, { status: 'scheduled' }])), null);
    const unpaid = recoveryRefusal(ended('rejected', []));
    assert.equal(unpaid?.type, 'Conflict');
    assert.match(unpaid!.message, /ended at stage rejected before any money was paid: there is nothing to recover/);
    // Instructed but never confirmed paid: nothing reached the applicant.
    assert.equal(recoveryRefusal(ended('withdrawn', [{ status: 'instructed' }]))?.type, 'Conflict');
    const recovered = recoveryRefusal(ended('clawed-back', [{ status: 'paid' }], { decisionDate: '2028-01-10' }));
    assert.equal(recovered?.type, 'Conflict');
    assert.match(recovered!.message, /under the clawback decided on 2028-01-10/);
  });

  it('at the recovery stage: reports by the inspector and the approver\'s decision are taken, nothing else; the open report is the approver\'s', () => {
    const s = ended('recovery', [{ status: 'paid' }]);
    const report = { findings: '认定文件系伪造', evidence: [{ name: 'a.pdf', sha256: 'a'.repeat(64), url: 'https://files.example.gov.cn/a.pdf' }] };
    assert.equal(refusalOf('fraud-report', s, { actor: actor('inspector'), ...report }, NOW, { extensionMaxDays: 20 }), null);
    assert.equal(refusalOf('confirmation', s, { actor: actor('finance-officer'), n: 1, treasuryReference: 'GK-1', paidOn: '2029-03-05' }, NOW, { extensionMaxDays: 20 })?.type, 'WrongStage');
    assert.equal(refusalOf('withdrawal', s, { actor: actor('applicant-system'), reason: '撤回' }, NOW, { extensionMaxDays: 20 })?.type, 'WrongStage');
    const withReport = { ...s, reports: [{ n: 1, kind: 'fraud', findings: 'x', evidence: [], obligation: null, by: actor('inspector', 'zhao'), at: NOW, afterPayment: true, status: 'open', decision: null }] } as ApplicationState;
    assert.equal(refusalOf('clawback-decision', withReport, { actor: actor('approver', 'zhao'), decision: 'recover', reason: '伪造' }, NOW, { extensionMaxDays: 20 })?.type, 'SeparationOfDuties');
    assert.equal(refusalOf('clawback-decision', withReport, { actor: actor('approver', 'wang'), decision: 'recover', reason: '伪造' }, NOW, { extensionMaxDays: 20 }), null);
    assert.deepEqual(pendingOf(withReport, '2029-03-05').map((p) => [p.role, p.action]), [['approver', 'clawback-decision']]);
    assert.deepEqual(pendingOf(s, '2029-03-05'), []);
  });
});
