/**
 * One key, one action (issue 14), on the time-skipping server, through the update ids the API
 * sends (`<key>#<binding>`, domain/idempotency.ts):
 * - a key used for one action and sent with another action, or the same action with another
 *   body, is refused, and nothing is done (the defect: the second action was silently skipped);
 * - a retry with the same key and body is applied once and answered with the first answer, in
 *   the same run and in a run continued as new.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { actionBinding, keyedUpdateId } from '../../domain/idempotency';
import type { ActionName, RequestByAction } from '../../domain/actions';
import { ACTION_UPDATES, idempotencyKeyQuery, type ActionOutcome } from '../../workflows/messages';
import { actor } from '../helpers/fixtures';
import { doc, type Lifecycle, refusalOf, sleepPast, startLifecycle, stateWhen } from '../helpers/lifecycle';
import { storySteps } from '../helpers/story';

const DRUG = 'dinghu-generic-drug-consistency';
const FACTS = { drugName: '阿托伐他汀钙片' };

/** Sends an action as the API does with an Idempotency-Key: the update id binds the key to the request. */
function keyed<K extends ActionName>(handle: WorkflowHandle, action: K, request: RequestByAction[K], key: string): Promise<ActionOutcome> {
  const update = ACTION_UPDATES[action] as UpdateDefinition<ActionOutcome, [RequestByAction[K]]>;
  return handle.executeUpdate(update, { args: [request], updateId: keyedUpdateId(key, actionBinding(action, request)) });
}

describe('one Idempotency-Key, one action', () => {
  let lc: Lifecycle;
  let h: WorkflowHandle;
  const step = storySteps();

  before(async () => {
    lc = await startLifecycle('idempotency');
    // A small history limit: the application continues as new once it reaches disbursement.
    h = await lc.file(DRUG, FACTS, { historyLimit: 60 });
  });
  after(async () => {
    await lc?.stop();
  });

  const preliminary = { actor: actor('intake-officer'), decision: 'pass' as const, reason: '资格符合' };
  let firstAnswer: ActionOutcome;

  step('the key of the preliminary record, sent with the materials, is refused and the materials are not recorded', async () => {
    await stateWhen(lc, h, (s) => s.pending.some((p) => p.action === 'preliminary-record'));
    firstAnswer = await keyed(h, 'preliminary-record', preliminary, 'pr-1');
    assert.equal(firstAnswer.after.stage, 'formal-submission');

    const materials = { actor: actor('applicant-system'), documents: [doc('申请表', 'application-form')] };
    const refusal = await refusalOf(keyed(h, 'materials', materials, 'pr-1'));
    assert.equal(refusal.type, 'IdempotencyConflict');
    assert.match(refusal.message, /pr-1 was used before for the action preliminary-record/);
    const s = await lc.state(h);
    assert.equal(s.stage, 'formal-submission');
    assert.equal(s.materials.submissions.length, 0, 'nothing was recorded');
    assert.equal(s.audit.filter((a) => a.action === 'materials').length, 0);

    // With its own key, the same materials are recorded.
    const answer = await keyed(h, 'materials', materials, 'materials-1');
    assert.notEqual(answer.after.stage, 'formal-submission');
  });

  step('the same key with the same action and another body, or another caller, is refused too', async () => {
    const refusal = await refusalOf(keyed(h, 'preliminary-record', { ...preliminary, reason: '另一个理由' }, 'pr-1'));
    assert.equal(refusal.type, 'IdempotencyConflict');
    assert.match(refusal.message, /this action with another caller or body/);
    const other = await refusalOf(keyed(h, 'preliminary-record', { ...preliminary, actor: actor('intake-officer', 'another-officer') }, 'pr-1'));
    assert.equal(other.type, 'IdempotencyConflict');
  });

  step('a retry with the same key and body gets the first answer and is applied once', async () => {
    const again = await keyed(h, 'preliminary-record', preliminary, 'pr-1');
    assert.deepEqual(again, firstAnswer);
    const s = await lc.state(h);
    assert.equal(s.audit.filter((a) => a.action === 'preliminary-record').length, 1);
    const record = await h.query(idempotencyKeyQuery, 'pr-1');
    assert.equal(record?.action, 'preliminary-record');
    assert.equal(record?.binding, actionBinding('preliminary-record', preliminary));
    assert.equal(await h.query(idempotencyKeyQuery, 'never-used'), null);
  });

  step('after a continue-as-new, a retry still gets the first answer, applied once, and a reused key is still refused', async () => {
    let s = await lc.state(h);
    if (s.stage === 'inspection') await keyed(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '现场核查属实' }, 'inspection-1');
    s = await lc.state(h);
    const recommendation = { actor: actor('reviewer'), decision: 'approve' as const, amount: s.award.amountByFormula!, reason: '符合条件' };
    await keyed(h, 'recommendation', recommendation, 'recommendation-1');
    const signOff = { actor: actor('approver'), decision: 'approve' as const, amount: s.award.amountByFormula!, reason: '同意' };
    const signedOff = await keyed(h, 'sign-off', signOff, 'sign-off-1');
    assert.equal(signedOff.after.stage, 'public-notice');
    s = await lc.state(h);
    await sleepPast(lc, s.notice!.closesAt);
    await stateWhen(lc, h, (x) => x.stage === 'agreement' && x.agreement?.lastDay !== null);
    await keyed(h, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() }, 'agreement-1');
    s = await stateWhen(lc, h, (x) => x.runs > 1, 20_000);
    assert.equal(s.stage, 'disbursement');

    const again = await keyed(h, 'sign-off', signOff, 'sign-off-1');
    assert.deepEqual(again, signedOff, 'the first answer, from the run that applied it');
    const refusal = await refusalOf(keyed(h, 'withdrawal', { actor: actor('applicant-system'), reason: '不再申请' }, 'agreement-1'));
    assert.equal(refusal.type, 'IdempotencyConflict');
    s = await lc.state(h);
    assert.equal(s.stage, 'disbursement');
    assert.equal(s.audit.filter((a) => a.action === 'sign-off').length, 1);
    assert.equal(s.audit.filter((a) => a.action === 'withdrawal').length, 0);
  });
});
