/**
 * A worker with the real activities (outbox, calendar store, dishonesty list in the engine's
 * database, a SQLite file in a temporary data folder) on the time-skipping test server, and small helpers to file and act on applications the
 * way the API does: through the same Updates.
 */
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import { fetchRunsOfApplication } from '../../api/recovery';
import { createDatabaseDishonestyList } from '../../activities/dishonesty-list';
import { createOutbox, type EffectAdapter, type OutboxMessage } from '../../activities/outbox';
import type { ApplicationInput, ApplicationState } from '../../domain/application';
import type { ActionOutcome } from '../../domain/outcome';
import { shanghaiDate } from '../../domain/calendar';
import { illustrativeCalendar } from '../../scripts/illustrative-calendar';
import { sameWeekdays } from '../../scripts/story-years';
import { createCalendarStore } from '../../lib/calendar-store';
import { createLprStore } from '../../lib/lpr-store';
import { createDishonestyStore } from '../../lib/dishonesty-store';
import { loadCatalog } from '../../lib/catalog-store';
import { applicationWorkflow } from '../../workflows';
import { ACTION_UPDATES, stateQuery } from '../../workflows/messages';
import type { ActionName } from '../../domain/actions';
import type { RequestByAction } from '../../domain/requests';
import { actor, creditCode } from './fixtures';
import { tempDir, testDataConverter, timeSkippingEnvironment, workflowBundle } from './temporal';
import { openDatabase } from '../../lib/database';
import { type ListingStore, listingStore } from '../../lib/listing-store';

export interface Lifecycle {
  env: TestWorkflowEnvironment;
  dataDir: string;
  outbox: ReturnType<typeof createOutbox>;
  calendar: ReturnType<typeof createCalendarStore>;
  catalog: ReturnType<typeof loadCatalog>;
  /** The listing table the workflows write (lib/listing-store.ts), in the data folder's engine.db. */
  listing: ListingStore;
  /** Starts an application as the API would after its filing checks. */
  file(
    programId: string,
    facts: ApplicationInput['facts'],
    options?: {
      n?: number;
      round?: string;
      spotCheckSeed?: string;
      historyLimit?: number;
      program?: (p: ApplicationInput['program']) => ApplicationInput['program'];
      /** Filed into a round (as the API does after registering it there); the round's workflow is the test's. */
      roundTerms?: ApplicationInput['roundTerms'];
    },
  ): Promise<WorkflowHandle<typeof applicationWorkflow>>;
  state(handle: WorkflowHandle): Promise<ApplicationState>;
  /** Makes these codes, and only these, the ones on the dishonesty list (as an admin would over the API). */
  listDishonest(codes: string[]): Promise<void>;
  /** Server time as a Shanghai date. */
  today(): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * The state query, asked again when it gets no answer: on the time-skipping server a query that
 * arrives while the run is continuing as new can wait for a minute and then fail ("Failed to query
 * Workflow"); asked again, it reaches the new run. The unanswered query is cancelled, not left in
 * flight: a call still pending when the file tears the server down is retried by the client on a
 * closed channel, and that throws outside any test ("Channel has been shut down").
 */
async function queryState(handle: WorkflowHandle, asOf?: string): Promise<ApplicationState> {
  for (let attempt = 1; ; attempt++) {
    const abandon = new AbortController();
    const query = handle.client.withAbortSignal(abandon.signal, () => handle.query(stateQuery, asOf ? { asOf } : {}));
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([query, new Promise<null>((r) => (timer = setTimeout(() => r(null), 3000)))])
      .catch((err: unknown) => {
        if (attempt >= 5) throw err;
        return null;
      })
      .finally(() => clearTimeout(timer));
    if (answer) return answer;
    query.catch(() => undefined);
    abandon.abort();
    if (attempt >= 5) assert.fail(`the state query of ${handle.workflowId} got no answer after ${attempt} attempts`);
  }
}

function delayed(adapter: EffectAdapter, delayMs: LifecycleOptions['effectDelayMs']): EffectAdapter {
  if (!delayMs) return adapter;
  return {
    async deliver(message) {
      const ms = delayMs(message);
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      return adapter.deliver(message);
    },
  };
}

export interface LifecycleOptions {
  /**
   * Calendar years the admin supplies before the first step (illustrative, where the store does
   * not know them): by default the test server's current year and the next, so that deadlines
   * counted today can be computed on any day the suite runs. `false` supplies none.
   */
  calendarYears?: false | { from: number; to: number };
  /**
   * Real milliseconds each external effect waits before it is delivered (default none), to hold
   * an activity in flight while a test sends an update.
   */
  effectDelayMs?: (message: OutboxMessage) => number;
  /** Wraps the outbox as the receiver of the external effects, e.g. to refuse some for a while. */
  effects?: (outbox: EffectAdapter) => EffectAdapter;
}

export async function startLifecycle(taskQueue: string, options: LifecycleOptions = {}): Promise<Lifecycle> {
  const env = await timeSkippingEnvironment();
  const dataDir = tempDir('lifecycle');
  const catalog = loadCatalog();
  const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'engine.db') });
  const outbox = createOutbox(database);
  const dishonesty = createDishonestyStore(database);
  const calendar = createCalendarStore(database);
  const listing = listingStore(database);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: testDataConverter(),
    activities: createActivities({ effects: delayed(options.effects ? options.effects(outbox) : outbox, options.effectDelayMs), calendar, dishonestyList: createDatabaseDishonestyList(dishonesty), lpr: createLprStore(database), listing }),
    // A cache as in production: a query sent right after an update (as the API reads the state)
    // waits for the task in progress instead of being dropped when an uncached run is evicted.
    // Determinism is checked at `stop`: every workflow the test ran is replayed from its history.
  });
  const running = worker.run();

  /** Every application this lifecycle filed, replayed at `stop`. */
  const filed: string[] = [];
  const today = async () => shanghaiDate(await env.currentTimeMs());
  const thisYear = Number((await today()).slice(0, 4));
  const years = options.calendarYears ?? { from: thisYear, to: thisYear + 1 };
  if (years) await supplyIllustrativeYears({ calendar }, years.from, years.to);
  return {
    env,
    dataDir,
    outbox,
    calendar,
    catalog,
    listing,
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
        // A test may vary the program's settings (e.g. referOnOverdue) for one application.
        program: options.program ? options.program(catalog.getProgram(programId)!) : catalog.getProgram(programId)!,
        applicant: { creditCode: code, name: '测试企业有限公司' },
        facts,
        filedBy: actor('applicant-system'),
        spotCheckSeed: options.spotCheckSeed ?? `test-seed-${id}`,
        ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
        ...(options.roundTerms ? { roundTerms: options.roundTerms } : {}),
      };
      filed.push(id);
      return env.client.workflow.start(applicationWorkflow, { workflowId: id, taskQueue, args: [input] });
    },
    // As the API reads it: as of today by the server's clock (not the workflow's last wake).
    state: async (handle) => queryState(handle, shanghaiDate(await env.currentTimeMs())),
    async listDishonest(codes) {
      const admin = actor('admin');
      for (const listed of await dishonesty.list()) {
        if (!codes.includes(listed.creditCode)) await dishonesty.remove(listed.creditCode, '测试结束', admin);
      }
      for (const code of codes) await dishonesty.put(code, { reason: '测试' }, admin);
    },
    today,
    async stop() {
      // Every run of every application, as recorded, replayed against the workflow code: a change
      // that would break applications in flight fails the test file that exercised it.
      const histories = [];
      for (const id of filed) {
        // The application's runs, and its recovery case's when a report after the end opened one.
        for (const run of await fetchRunsOfApplication(env.client, id)) histories.push({ workflowId: `${id} (run ${run.runId})`, history: run.history });
      }
      worker.shutdown();
      await running;
      await database.destroy();
      const failures: string[] = [];
      for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle(), dataConverter: testDataConverter() }, histories)) {
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
      }
      await env.teardown();
      assert.deepEqual(failures, [], 'every workflow this test ran replays from its history');
    },
  };
}

/**
 * Takes an action as the API does: runs the update (which answers with a compact outcome, kept in
 * history) and returns the state read right after, once the engine has reacted.
 */
export async function act<K extends ActionName>(handle: WorkflowHandle, action: K, request: RequestByAction[K], updateId?: string): Promise<ApplicationState> {
  const update = ACTION_UPDATES[action] as UpdateDefinition<ActionOutcome, [RequestByAction[K]]>;
  await handle.executeUpdate(update, { args: [request], ...(updateId ? { updateId } : {}) });
  return queryState(handle);
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

// ------------------------------------------------------------------------------------------------
// Time and polling
// ------------------------------------------------------------------------------------------------

/** Advances the test server's clock to `ms` after the instant `iso` (default: 1 s past it). */
export async function sleepPast(lc: Lifecycle, iso: string, ms = 1000): Promise<void> {
  const wait = Date.parse(iso) + ms - (await lc.env.currentTimeMs());
  if (wait > 0) await lc.env.sleep(wait);
}

/** Advances the test server's clock to `time` on the Shanghai date `date` (e.g. '2027-09-01', '10:00'). */
export async function sleepToShanghai(lc: Lifecycle, date: string, time = '10:00'): Promise<void> {
  const target = Date.parse(`${date}T${time}:00+08:00`);
  const now = await lc.env.currentTimeMs();
  assert.ok(target > now, `cannot move the clock back to ${date} ${time} (now ${new Date(now).toISOString()})`);
  await lc.env.sleep(target - now);
}

/**
 * Queries until `ok(state)` holds: after a timer fires the engine may still be running the
 * activities it triggered. Polls in real time; the test server's clock does not move meanwhile.
 */
export async function stateWhen(lc: Lifecycle, handle: WorkflowHandle, ok: (s: ApplicationState) => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<ApplicationState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await lc.state(handle);
    if (await ok(s)) return s;
    if (Date.now() > deadline) {
      assert.fail(`state did not reach the expected condition within ${timeoutMs} ms: stage ${s.stage}, pending ${JSON.stringify(s.pending)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The workflow id `lc.file` gives for a chosen applicant number `n` and round. */
export function applicationIdFor(programId: string, n: number, round: string): string {
  return `${programId}.${round}.${creditCode(n)}`;
}

/** Outbox messages of one application, optionally of one type, in the order written. */
export function outboxOf(lc: Lifecycle, applicationId: string, type?: string) {
  return lc.outbox.read({ applicationId, ...(type === undefined ? {} : { type }) });
}

// ------------------------------------------------------------------------------------------------
// Driving an application through its stages, the way staff would
// ------------------------------------------------------------------------------------------------

/** Preliminary record passed, formal submission handed in: at review or inspection. */
export async function toReview(handle: WorkflowHandle): Promise<ApplicationState> {
  await act(handle, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
  const s = await act(handle, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表', 'application-form')] });
  assert.ok(s.stage === 'review' || s.stage === 'inspection', `expected review or inspection, got ${s.stage}`);
  return s;
}

/** From review or inspection: inspected when required, then recommended at `amount` (default: the formula's). */
export async function toSignOff(handle: WorkflowHandle, s: ApplicationState, amount?: string): Promise<ApplicationState> {
  if (s.stage === 'inspection') s = await act(handle, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '现场核查属实' });
  s = await act(handle, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: amount ?? s.award.amountByFormula!, reason: '符合条件' });
  assert.equal(s.stage, 'sign-off');
  return s;
}

/** Filed to approved: the state right after the sign-off (public notice published, or waiting for a calendar). */
export async function toPublicNotice(handle: WorkflowHandle, amount?: string): Promise<ApplicationState> {
  let s = await toReview(handle);
  s = await toSignOff(handle, s, amount);
  s = await act(handle, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: s.award.recommended!, reason: '同意' });
  assert.equal(s.stage, 'public-notice');
  return s;
}

/**
 * From filing to disbursement, side by side: each approved and noticed today, the notices run
 * out, the agreements signed the day after the last notice closed.
 */
export async function toDisbursement(lc: Lifecycle, handles: WorkflowHandle[], amount?: string): Promise<ApplicationState[]> {
  const noticed = [];
  for (const h of handles) noticed.push(await toPublicNotice(h, amount));
  for (const s of noticed) assert.ok(s.notice, 'the notice is published (is the calendar year supplied?)');
  await sleepPast(lc, noticed.map((s) => s.notice!.closesAt).sort().at(-1)!);
  const out = [];
  for (const h of handles) {
    await stateWhen(lc, h, (x) => x.stage === 'agreement' && x.agreement?.lastDay !== null);
    const d = await act(h, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    assert.equal(d.stage, 'disbursement');
    out.push(d);
  }
  return out;
}

/** Tranche `n` claimed, verified, instructed and confirmed paid today (server time). */
export async function payTranche(lc: Lifecycle, handle: WorkflowHandle, n: number): Promise<ApplicationState> {
  let s = await lc.state(handle);
  const t = s.tranches.find((x) => x.n === n)!;
  await act(handle, 'progress', { actor: actor('applicant-system'), milestone: t.milestone, evidence: [doc(`${t.milestone}.pdf`)] });
  await act(handle, 'verification', { actor: actor('reviewer'), n, accepted: true, reason: '凭证齐全' });
  // Usually answered instructed; when the application continues as new first, the next run instructs.
  await stateWhen(lc, handle, (x) => x.tranches[n - 1]!.status === 'instructed');
  s = await act(handle, 'confirmation', { actor: actor('finance-officer'), n, treasuryReference: `GK-${handle.workflowId}-${n}`, paidOn: await lc.today() });
  assert.equal(s.tranches[n - 1]!.status, 'paid');
  return s;
}

// ------------------------------------------------------------------------------------------------
// Test data
// ------------------------------------------------------------------------------------------------

/**
 * TEST DATA, not the official schedule: a plausible working-day calendar shaped like the State
 * Council notices for 2027 — New Year, Spring Festival (春节, 2027-02-06), Qingming (2027-04-05),
 * Labour Day, Dragon Boat (端午, 2027-06-09), Mid-Autumn (中秋, 2027-09-15), National Day — with
 * make-up weekend working days (调休), written for 2027 and given for `year`, which must fall on
 * the same weekdays as 2027 (a `calendar` story year, see helpers/story.ts) so that every make-up
 * day is still a weekend day.
 */
export function calendarLike2027(year: number): { holidays: string[]; workdays: string[] } {
  if (!sameWeekdays(year, 2027)) throw new Error(`${year} does not fall on the weekdays of 2027`);
  const shift = (d: string) => `${year}${d.slice(4)}`;
  return {
    holidays: [
      '2027-01-01', '2027-01-02', '2027-01-03',
      '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12',
      '2027-04-03', '2027-04-04', '2027-04-05',
      '2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04', '2027-05-05',
      '2027-06-09',
      '2027-09-15',
      '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07',
    ].map(shift),
    workdays: ['2027-01-31', '2027-02-20', '2027-05-08', '2027-09-26', '2027-10-09'].map(shift),
  };
}

/**
 * Waits until the applicant has been told how the application ended (the last thing the engine
 * does), then returns the final state. Polls instead of `handle.result()`, which would let the
 * server skip time for every other application on it.
 */
export async function outcomeOf(lc: Lifecycle, handle: WorkflowHandle, stage: string, timeoutMs = 10_000): Promise<ApplicationState> {
  const key = `${handle.workflowId}:outcome:${stage}`;
  const deadline = Date.now() + timeoutMs;
  while (!(await lc.outbox.read()).some((m) => m.idempotencyKey === key)) {
    if (Date.now() > deadline) {
      const s = await lc.state(handle);
      assert.fail(`no outcome notification ${key} within ${timeoutMs} ms: stage ${s.stage}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const s = await lc.state(handle);
  assert.equal(s.stage, stage);
  return s;
}

/**
 * Supplies every year from `from` to `to` that the calendar store does not know yet with the
 * ILLUSTRATIVE calendar (scripts/illustrative-calendar.ts: any year, not the official schedule),
 * as the admin would (PUT /calendar/years/<year>). Tests count their working days against it.
 */
export async function supplyIllustrativeYears(lc: Pick<Lifecycle, 'calendar'>, from: number, to: number): Promise<void> {
  const known = (await lc.calendar.current()).knownYears();
  for (let y = from; y <= to; y++) if (!known.includes(y)) await lc.calendar.putYear(y, illustrativeCalendar(y), 'admin');
}
