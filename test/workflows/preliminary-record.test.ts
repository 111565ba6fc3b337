/**
 * The application workflow on Temporal's time-skipping test server: filing and the preliminary
 * record, driven through the same update the API uses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createOutbox } from '../../activities/outbox';
import { createDatabaseDishonestyList } from '../../activities/dishonesty-list';
import { createDishonestyStore } from '../../lib/dishonesty-store';
import { createCalendarStore } from '../../lib/calendar-store';
import { createLprStore } from '../../lib/lpr-store';
import type { ApplicationInput, ApplicationState } from '../../domain/application';
import { loadCatalog } from '../../lib/catalog-store';
import { applicationWorkflow } from '../../workflows';
import { stateQuery, ACTION_UPDATES } from '../../workflows/messages';
import { shanghaiDate } from '../../domain/calendar';
import { actor, creditCode } from '../helpers/fixtures';
import { supplyIllustrativeYears } from '../helpers/lifecycle';
import { openDatabase } from '../../lib/database';
import { listingStore } from '../../lib/listing-store';
import { tempDir, testDataConverter, timeSkippingEnvironment, workflowBundle } from '../helpers/temporal';

const TASK_QUEUE = 'preliminary-record-tests';

describe('preliminary record (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let outbox: ReturnType<typeof createOutbox>;
  let n = 0;
  /** The round the applications file into: the test server's current year. */
  let round: string;
  const catalog = loadCatalog();

  before(async () => {
    env = await timeSkippingEnvironment();
    const reference = await openDatabase({ kind: 'sqlite', file: join(tempDir('reference'), 'engine.db') });
    outbox = createOutbox(reference);
    const calendar = createCalendarStore(reference);
    round = shanghaiDate(await env.currentTimeMs()).slice(0, 4);
    // The years its deadlines are counted in, as the admin supplies them where the library stops.
    await supplyIllustrativeYears({ calendar }, Number(round), Number(round) + 1);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      dataConverter: testDataConverter(),
      activities: createActivities({
        effects: outbox,
        calendar,
        dishonestyList: createDatabaseDishonestyList(createDishonestyStore(reference)),
        lpr: createLprStore(reference),
        listing: listingStore(await openDatabase({ kind: 'sqlite', file: ':memory:' })),
      }),
      // Every task replays the whole history: catches non-determinism in these tests.
      maxCachedWorkflows: 0,
    });
    running = worker.run();
  });

  after(async () => {
    worker.shutdown();
    await running;
    await env.teardown();
  });

  async function file(): Promise<{ id: string; input: ApplicationInput }> {
    n += 1;
    const code = creditCode(1000 + n);
    const id = `dinghu-emergency-major-project.${round}.${code}`;
    const input: ApplicationInput = {
      id,
      programId: 'dinghu-emergency-major-project',
      round,
      catalogVersion: catalog.version,
      programHash: catalog.programHash('dinghu-emergency-major-project')!,
      program: catalog.getProgram('dinghu-emergency-major-project')!,
      applicant: { creditCode: code, name: '测试应急装备有限公司' },
      facts: { fixedInvestment: '1200000000.00' },
      filedBy: actor('applicant-system'),
    };
    await env.client.workflow.start(applicationWorkflow, { workflowId: id, taskQueue: TASK_QUEUE, args: [input] });
    return { id, input };
  }

  async function refusalOf(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
    const err = await promise.then(
      () => assert.fail('the update was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(err)}`);
    assert.ok(err.cause instanceof ApplicationFailure);
    return { type: err.cause.type ?? undefined, message: err.cause.message };
  }

  it('when filed, then it waits at preliminary-record with a pending item for the intake officer', async () => {
    const { id } = await file();
    const state = await env.client.workflow.getHandle(id).query(stateQuery);
    assert.equal(state.stage, 'preliminary-record');
    assert.deepEqual(state.pending, [
      { role: 'intake-officer', action: 'preliminary-record', path: 'preliminary-record', dueAt: null },
    ]);
    assert.equal(state.audit[0]?.action, 'filing');
    assert.equal(state.audit[0]?.actor.role, 'applicant-system');
  });

  it('when the intake officer passes it, then it moves to formal-submission and awaits materials', async () => {
    const { id } = await file();
    const handle = env.client.workflow.getHandle(id);
    const outcome = await handle.executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [{ actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' }] });
    // The update answers with a compact outcome (what history keeps); the state is read after it.
    assert.equal(outcome.update, 'preliminary-record');
    assert.equal(outcome.after.stage, 'formal-submission');
    assert.ok(!('audit' in outcome.after), 'the answer carries no audit trail');
    const state = await handle.query(stateQuery);
    assert.equal(state.stage, 'formal-submission');
    assert.equal(state.preliminaryRecord?.decision, 'pass');
    assert.deepEqual(state.pending.map((p) => [p.role, p.action]), [['applicant-system', 'materials']]);
    const last = state.audit.find((e) => e.action === 'preliminary-record')!;
    assert.deepEqual([last.action, last.from, last.to, last.actor.id, last.comment], [
      'preliminary-record',
      'preliminary-record',
      'formal-submission',
      'test-intake-officer',
      '资格符合',
    ]);
  });

  it('when the intake officer fails it, then it ends rejected with the reason and the applicant is told once', async () => {
    const { id } = await file();
    const handle = env.client.workflow.getHandle(id);
    await handle.executeUpdate(ACTION_UPDATES['preliminary-record'], {
      args: [{ actor: actor('intake-officer'), decision: 'fail', reason: '非本区注册企业' }],
    });
    const result: ApplicationState = await handle.result();
    assert.equal(result.stage, 'rejected');
    assert.match(result.outcome?.reason ?? '', /非本区注册企业/);
    assert.deepEqual(result.pending, []);
    const notes = await outbox.read({ applicationId: id });
    assert.equal(notes.length, 1);
    assert.equal(notes[0]?.type, 'notification');
    assert.equal(notes[0]?.idempotencyKey, `${id}:outcome:rejected`);
  });

  it('when recorded twice, then the second is refused as WrongStage and changes nothing', async () => {
    const { id } = await file();
    const handle = env.client.workflow.getHandle(id);
    await handle.executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [{ actor: actor('intake-officer'), decision: 'pass', reason: 'ok' }] });
    const refusal = await refusalOf(
      handle.executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [{ actor: actor('intake-officer'), decision: 'fail', reason: 'again' }] }),
    );
    assert.equal(refusal.type, 'WrongStage');
    assert.match(refusal.message, /at stage formal-submission/);
    assert.equal((await handle.query(stateQuery)).stage, 'formal-submission');
  });

  it('when someone other than an intake officer records it, then it is refused as Forbidden', async () => {
    const { id } = await file();
    const refusal = await refusalOf(
      env.client.workflow
        .getHandle(id)
        .executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [{ actor: actor('reviewer'), decision: 'pass', reason: 'ok' }] }),
    );
    assert.equal(refusal.type, 'Forbidden');
  });

  it('when the reason is empty, then it is refused as InvalidInput', async () => {
    const { id } = await file();
    const refusal = await refusalOf(
      env.client.workflow
        .getHandle(id)
        .executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [{ actor: actor('intake-officer'), decision: 'pass', reason: ' ' }] }),
    );
    assert.equal(refusal.type, 'InvalidInput');
  });

  it('when the same update id arrives twice, then it applies once and both callers get the same answer', async () => {
    const { id } = await file();
    const handle = env.client.workflow.getHandle(id);
    const request = { actor: actor('intake-officer'), decision: 'pass' as const, reason: 'ok' };
    const first = await handle.executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [request], updateId: 'pr-1' });
    const second = await handle.executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [request], updateId: 'pr-1' });
    assert.deepEqual(second, first, 'the second caller gets the first answer');
    assert.equal(first.after.stage, 'formal-submission');
    const state = await handle.query(stateQuery);
    assert.equal(state.audit.filter((e) => e.action === 'preliminary-record').length, 1);
  });
});
