/**
 * Applications live for years; the workflow code changes under them. Every history recorded under
 * test/histories/ (real runs of the demo scenarios, `npm run record-histories`) is replayed
 * against the current workflow code: a change that would make a running application take a
 * different path on replay fails here, naming the history and the event, before it is deployed.
 * The rule for such changes (patched / deprecatePatch) is in docs/changing-workflow-code.md.
 *
 * Histories recorded before payloads were encrypted replay through the codec as they are (a
 * payload without its marker passes through); `*.codec.json` was recorded with the codec on,
 * under the test-only key, and replays only through it.
 *
 * The negative test builds the workflows with one innocent-looking reordering (the clawback sends
 * the credit record before it notifies the applicant) and proves the replay catches it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ENCRYPTED_ENCODING } from '../../lib/payload-codec';
import { historyFromJson } from '../../scripts/history-json';
import { WORKFLOWS_PATH } from '../../worker/worker';
import { tempDir, testDataConverter, workflowBundle } from '../helpers/temporal';
import { quietLogger } from '../../lib/quiet-logger';

const ROOT = join(__dirname, '..', '..');
const HISTORIES = join(ROOT, 'test', 'histories');

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

interface Recorded {
  /** Relative to the project, e.g. test/histories/paid-and-kept.json. */
  file: string;
  history: History;
}

function recordedHistories(): Recorded[] {
  return readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const path = join(HISTORIES, f);
      return { file: relative(ROOT, path), history: historyFromJson(JSON.parse(readFileSync(path, 'utf8'))) };
    });
}

interface ReplayFailure {
  file: string;
  error: Error;
  /** The recorded event the code no longer matches, when it can be told. */
  event: { id: number; type: string; detail: string } | null;
  message: string;
}

/** Replays each history with the bundle; the failures, each with a message naming the file and the event. */
async function replay(bundle: WorkflowBundleWithSourceMap, histories: Recorded[]): Promise<{ replayed: number; failures: ReplayFailure[] }> {
  const failed: Array<{ recorded: Recorded; error: Error }> = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter }, histories.map((h) => ({ workflowId: h.file, history: h.history })))) {
    replayed += 1;
    if (result.error) failed.push({ recorded: histories.find((h) => h.file === result.workflowId)!, error: result.error });
  }
  const failures: ReplayFailure[] = [];
  for (const { recorded, error } of failed) {
    const event = await locate(bundle, recorded, error);
    const at = event ? `event ${event.id} ${event.type}${event.detail ? ` (${event.detail})` : ''}` : 'an event that could not be told';
    const core = /\[TMPRL\d+\][^"]*/.exec(error.message)?.[0] ?? error.message;
    failures.push({ file: recorded.file, error, event, message: `${recorded.file}: the workflow code does not replay this history at ${at}: ${error.name}: ${core}` });
  }
  return { replayed, failures };
}

/** The engine's data converter with the test-only key the `*.codec.json` histories were recorded under. */
const dataConverter: DataConverter = testDataConverter();

type Payload = temporal.api.common.v1.IPayload;
const text = new TextDecoder();

/** Every payload anywhere in a history, with where it sits (e.g. `activityTaskScheduledEventAttributes.input`). */
function payloadsOf(history: History): Array<{ at: string; payload: Payload }> {
  const found: Array<{ at: string; payload: Payload }> = [];
  const visit = (node: unknown, at: string) => {
    if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
    const metadata = (node as Payload).metadata;
    if (metadata && typeof metadata === 'object' && metadata.encoding instanceof Uint8Array) {
      found.push({ at, payload: node as Payload });
      return;
    }
    for (const [key, value] of Object.entries(node)) visit(value, /^\d+$/.test(key) ? at : `${at}.${key}`);
  };
  for (const e of history.events ?? []) visit(e, '');
  return found;
}

const encodingOf = (p: Payload) => text.decode(p.metadata!.encoding!);

const typeName = (e: HistoryEvent) => (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
const eventId = (e: HistoryEvent) => Number(e.eventId);
const isTaskScheduled = (e: HistoryEvent) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED;
const isTaskCompleted = (e: HistoryEvent) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;

function describeEvent(e: HistoryEvent): string {
  const a = e.activityTaskScheduledEventAttributes;
  if (a) return `activity ${a.activityType?.name}`;
  if (e.timerStartedEventAttributes) return `timer ${e.timerStartedEventAttributes.timerId}`;
  return '';
}

/**
 * The recorded event the code disagrees with. The history is replayed in prefixes, each ending
 * where a workflow task is scheduled (as a running workflow's history does); the first prefix
 * that fails holds the commands of the workflow task the code now does differently. Among the
 * events those commands recorded, the one core's message names (e.g. "scheduled event
 * 'notifyApplicant'"), else the first.
 */
async function locate(bundle: WorkflowBundleWithSourceMap, recorded: Recorded, error: Error): Promise<ReplayFailure['event']> {
  const events = recorded.history.events ?? [];
  const cuts = events.flatMap((e, i) => (i > 0 && isTaskScheduled(e) ? [i + 1] : []));
  if (cuts.at(-1) !== events.length) cuts.push(events.length);
  // Binary search for the shortest failing prefix (a prefix fails when any shorter one does).
  let lo = 0;
  let hi = cuts.length - 1;
  let probe = hi;
  async function* probes() {
    while (lo < hi) {
      probe = (lo + hi) >> 1;
      yield { workflowId: `${recorded.file}@${cuts[probe]}`, history: { events: events.slice(0, cuts[probe]) } };
    }
  }
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter }, probes())) {
    if (result.error) hi = probe;
    else lo = probe + 1;
  }
  const firstFailing = cuts[hi]!;
  const prefix = events.slice(0, firstFailing);
  const lastCompleted = prefix.map(isTaskCompleted).lastIndexOf(true);
  const batch = prefix.slice(lastCompleted + 1).filter((e) => describeEvent(e) !== '');
  const named = /scheduled event '([^']+)'/.exec(error.message)?.[1];
  const e = batch.find((x) => named !== undefined && (x.activityTaskScheduledEventAttributes?.activityType?.name === named || x.timerStartedEventAttributes?.timerId === named)) ?? batch[0] ?? prefix[lastCompleted];
  return e ? { id: eventId(e), type: typeName(e), detail: describeEvent(e) } : null;
}

describe('replay: recorded histories against the current workflow code', () => {
  it('every history under test/histories/ replays without a determinism error', async () => {
    const histories = recordedHistories();
    assert.ok(histories.length > 0, 'no histories under test/histories/ (npm run record-histories)');
    const { replayed, failures } = await replay(await workflowBundle(), histories);
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures.map((f) => f.message), [], failures.map((f) => f.message).join('\n'));
  });

  it('a history recorded with the codec on holds no plaintext payload, and replays only through the codec', async () => {
    const all = recordedHistories();
    const encrypted = all.filter((h) => h.file.endsWith('.codec.json'));
    assert.ok(encrypted.length > 0, 'no history recorded with the codec (npm run record-histories -- <scenario> --label codec)');
    // The applicant of the scenario, found in clear in its recording without the codec.
    const name = '鼎湖逾期示例生物科技有限公司';
    const plain = all.find((h) => h.file.endsWith('unpaid-clawback-referred.json'))!;
    assert.ok(payloadsOf(plain.history).some(({ payload }) => text.decode(payload.data ?? new Uint8Array()).includes(name)), 'the plain recording shows the name');
    for (const h of encrypted) {
      const payloads = payloadsOf(h.history);
      // Left in clear by design: search attributes (the service indexes them) and the SDK's patch markers.
      const clear = payloads.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING);
      assert.deepEqual(
        [...new Set(clear.map(({ at }) => at.replace(/indexedFields\.\w+$/, 'indexedFields.*')))].sort(),
        ['.markerRecordedEventAttributes.details.patch-data.payloads', '.upsertWorkflowSearchAttributesEventAttributes.searchAttributes.indexedFields.*'],
        `${h.file}: only search attributes and patch markers are in clear`,
      );
      const kinds = new Set(payloads.filter(({ payload }) => encodingOf(payload) === ENCRYPTED_ENCODING).map(({ at }) => at));
      for (const kind of [
        '.workflowExecutionStartedEventAttributes.input.payloads',
        '.activityTaskScheduledEventAttributes.input.payloads',
        '.activityTaskCompletedEventAttributes.result.payloads',
        '.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input.args.payloads',
        '.workflowExecutionUpdateCompletedEventAttributes.outcome.success.payloads',
        '.workflowExecutionCompletedEventAttributes.result.payloads',
      ]) assert.ok(kinds.has(kind), `${h.file}: ${kind} encrypted`);
      for (const { payload } of payloads) assert.ok(!text.decode(payload.data ?? new Uint8Array()).includes(name), `${h.file}: the applicant's name in clear`);
    }
    // Without the key, the worker cannot read the workflow's input: the replay fails.
    const withoutCodec: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, encrypted.map((h) => ({ workflowId: h.file, history: h.history })))) {
      if (result.error) withoutCodec.push(result.workflowId);
    }
    assert.deepEqual(withoutCodec.sort(), encrypted.map((h) => h.file).sort(), 'without the codec the encrypted histories do not replay');
  });

  it('a reordering change (credit record before the applicant notice) is caught, naming the history and the event', async (t) => {
    const variant = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: quietLogger,
      webpackConfigHook: (config) => {
        config.module!.rules!.push({ test: /[\\/]workflows[\\/]clawback\.ts$/, enforce: 'pre', use: [{ loader: swapLoader() }] });
        return config;
      },
    });
    const histories = recordedHistories();
    // The histories in which the clawback notified the applicant, then wrote the credit record.
    const affected = histories.filter((h) => {
      const types = (h.history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
      return types.some((type, i) => type === 'notifyApplicant' && types[i + 1] === 'recordCredit');
    });
    assert.ok(affected.length > 0, 'no recorded history reaches a clawback decision (npm run record-histories)');

    const { failures } = await replay(variant, histories);
    assert.deepEqual(
      failures.map((f) => f.file).sort(),
      affected.map((h) => h.file).sort(),
      `expected exactly the clawback histories to fail:\n${failures.map((f) => f.message).join('\n')}`,
    );
    for (const f of failures) {
      t.diagnostic(f.message);
      assert.ok(f.error instanceof DeterminismViolationError, `${f.file}: expected a DeterminismViolationError, got ${f.error.name}: ${f.error.message}`);
      assert.ok(f.event, `${f.file}: the failure names no event: ${f.message}`);
      const recorded = histories.find((h) => h.file === f.file)!.history.events!.find((e) => eventId(e) === f.event!.id)!;
      assert.equal(recorded.activityTaskScheduledEventAttributes?.activityType?.name, 'notifyApplicant', f.message);
      assert.match(f.message, new RegExp(`^${escape(f.file)}: .* at event ${f.event.id} ACTIVITY_TASK_SCHEDULED \\(activity notifyApplicant\\)`));
    }
  });
});

/**
 * A webpack loader (written to a temporary file, as loaders are modules) that swaps the two
 * effects at the start of the clawback in the source of workflows/clawback.ts.
 */
function swapLoader(): string {
  const path = join(tempDir('replay-variant'), 'swap-clawback-effects.js');
  writeFileSync(
    path,
    `module.exports = function swap(source) {
  const a = 'effects.notifyApplicant(', b = 'effects.recordCredit(';
  const count = (s) => source.split(s).length - 1;
  if (count(a) !== 1 || count(b) !== 1) {
    throw new Error('replay.test.ts: workflows/clawback.ts no longer calls ' + a + ' and ' + b + ' once each; update the negative test');
  }
  return source.replace(a, '@@A@@').replace(b, a).replace('@@A@@', b);
};
`,
  );
  return path;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
