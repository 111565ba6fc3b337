/**
 * A worker with the real activities (outbox, calendar store, dishonesty list in a temporary data
 * folder) on the time-skipping test server, and small helpers to file and act on applications the
 * way the API does: through the same Updates.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import { createFileDishonestyList } from '../../activities/dishonesty-list';
import { createOutbox } from '../../activities/outbox';
import type { ApplicationInput, ApplicationState } from '../../domain/application';
import { shanghaiDate } from '../../domain/calendar';
import { createCalendarStore } from '../../lib/calendar-store';
import { loadCatalog } from '../../lib/catalog-store';
import { applicationWorkflow } from '../../workflows';
import { stateQuery } from '../../workflows/messages';
import { actor, creditCode } from './fixtures';
import { tempDir, timeSkippingEnvironment, workflowBundle } from './temporal';

export interface Lifecycle {
  env: TestWorkflowEnvironment;
  dataDir: string;
  outbox: ReturnType<typeof createOutbox>;
  calendar: ReturnType<typeof createCalendarStore>;
  catalog: ReturnType<typeof loadCatalog>;
  /** Starts an application as the API would after its filing checks. */
  file(programId: string, facts: ApplicationInput['facts'], options?: { n?: number; round?: string; spotCheckSeed?: string }): Promise<WorkflowHandle<typeof applicationWorkflow>>;
  state(handle: WorkflowHandle): Promise<ApplicationState>;
  /** Lists the dishonesty list file's entries. */
  listDishonest(codes: string[]): void;
  /** Server time as a Shanghai date. */
  today(): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startLifecycle(taskQueue: string): Promise<Lifecycle> {
  const env = await timeSkippingEnvironment();
  const dataDir = tempDir('lifecycle');
  const outbox = createOutbox(join(dataDir, 'outbox.jsonl'));
  const calendar = createCalendarStore(dataDir);
  const catalog = loadCatalog();
  const dishonestyPath = join(dataDir, 'dishonesty-list.json');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ effects: outbox, calendar, dishonestyList: createFileDishonestyList(dishonestyPath) }),
    // Every task replays the whole history: catches non-determinism in these tests.
    maxCachedWorkflows: 0,
  });
  const running = worker.run();

  const today = async () => shanghaiDate(await env.currentTimeMs());
  return {
    env,
    dataDir,
    outbox,
    calendar,
    catalog,
    async file(programId, facts, options = {}) {
      const code = creditCode(options.n ?? 5000 + (counter += 1) + Math.floor(Math.random() * 1_000_000));
      const round = options.round ?? (await today()).slice(0, 4);
      const id = `${programId}.${round}.${code}`;
      const input: ApplicationInput = {
        id,
        programId,
        round,
        catalogVersion: catalog.version,
        programHash: catalog.programHash(programId)!,
        program: catalog.getProgram(programId)!,
        applicant: { creditCode: code, name: '测试企业有限公司' },
        facts,
        filedBy: actor('applicant-system'),
        spotCheckSeed: options.spotCheckSeed ?? `test-seed-${id}`,
      };
      return env.client.workflow.start(applicationWorkflow, { workflowId: id, taskQueue, args: [input] });
    },
    state: (handle) => handle.query(stateQuery),
    listDishonest(codes) {
      writeFileSync(dishonestyPath, JSON.stringify({ entries: codes.map((c) => ({ creditCode: c, reason: '测试' })) }));
    },
    today,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** Runs an update and returns the state it answers with. */
export function act<R>(handle: WorkflowHandle, update: UpdateDefinition<ApplicationState, [R]>, request: R, updateId?: string): Promise<ApplicationState> {
  return handle.executeUpdate(update, { args: [request], ...(updateId ? { updateId } : {}) });
}

/** The refusal of an update that must be refused: its stable type and message. */
export async function refusalOf(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const err = await promise.then(
    () => assert.fail('the update was accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure);
  return { type: err.cause.type ?? undefined, message: err.cause.message };
}

export const doc = (name: string, materialId?: string) => ({
  name,
  sha256: 'a'.repeat(64),
  url: `https://files.example.gov.cn/${encodeURIComponent(name)}`,
  ...(materialId ? { materialId } : {}),
});

export const DAY_MS = 86_400_000;
