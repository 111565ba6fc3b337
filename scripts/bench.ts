/**
 * `npm run bench [-- --quick] [--concurrency C]`: the engine measured side by side with bare
 * Temporal (issue 18), on its own in-memory dev server, worker and API (scripts/bench/processes.ts).
 *
 * In one run, interleaved so both sides meet the same machine: filings (HTTP, the direct client
 * with the same input, a trivial workflow), a staff action (`preliminary-record` over HTTP, the
 * direct Update with the same request, a bare Update), the history of an application taken to its
 * public notice (events, bytes, warm replay) and of the paid lifecycle `paid-and-kept` on the
 * time-skipping server (scripts/bench/paid-lifecycle.ts), worker memory per cached workflow, and listing and
 * inbox latency with 1 000 applications in flight (10 000 in the full mode), and the whole
 * lifecycle through three tranches beside its bare baseline (scripts/bench/lifecycle.ts).
 *
 * Writes JSON, a markdown report and an SVG chart to `.bench/<timestamp>/` (git-ignored), and
 * prints last `ratio=<…> api_p99_overhead_ms=<…>`. It asserts nothing about speed; it fails only
 * when the engine does not do what is asked of it.
 *
 * `--cluster` measures only the whole lifecycle, on the embedded default and then on a Temporal
 * cluster on PostgreSQL with two workers and two APIs behind a load balancer, side by side
 * (scripts/bench/cluster-mode.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { ApplicationInput } from '../domain/application';
import { actionBinding, keyedUpdateId } from '../domain/idempotency';
import type { Role } from '../domain/roles';
import { DEFAULT_WORKFLOW_CACHE_SIZE, PROJECT_ROOT } from '../lib/settings';
import { Procedure } from '../test/helpers/procedure';
import { openRound } from '../test/helpers/rounds';
import { ACTION_UPDATES, SEARCH_ATTRIBUTES, type PreliminaryRecordRequest } from '../workflows/messages';
import { emptyMeasure, type Measured, pool, rotation, round } from './bench/load';
import { BARE_TASK_QUEUE, type BenchEngine, ENGINE_TASK_QUEUE, residentBytes, startBenchEngine } from './bench/processes';
import { startApplication } from './bench/direct-start';
import { measureLifecyclesInNewRound } from './bench/lifecycle';
import { runClusterBench } from './bench/cluster-mode';
import { writeClosedApplications } from './bench/closed-applications';
import { paidLifecycle } from './bench/paid-lifecycle';
import { writeReport } from './bench/report';
import { benchCreditCode, type Http, httpOn, inputOf } from './bench/engine-client';
import { loadAverage, machine } from './bench/machine';
import { summarise } from './bench/stats';
import { bareDone, bareUpdate, type bareUpdateWorkflow, type bareWorkflow } from './bench/bare-workflows';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '8' },
    /** WORKER_WORKFLOW_CACHE_SIZE for the engine's worker; unset: the engine's default. */
    'cache-size': { type: 'string' },
    /** The whole lifecycle on the embedded dev server, then on a cluster on PostgreSQL (scripts/bench/cluster-mode.ts). */
    cluster: { type: 'boolean', default: false },
  },
});
const QUICK = values.quick;
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || CONCURRENCY > 64) {
  console.error(`--concurrency must be a whole number from 1 to 64 (got ${JSON.stringify(values.concurrency)})`);
  process.exit(2);
}
const CACHE_SIZE = values['cache-size'];
if (CACHE_SIZE !== undefined && !/^\d{1,6}$/.test(CACHE_SIZE)) {
  console.error(`--cache-size must be a whole number of workflows (got ${JSON.stringify(CACHE_SIZE)})`);
  process.exit(2);
}
/** How many workflows the engine's worker caches: the option, or the engine's default (lib/settings.ts). */
const WORKER_CACHE = CACHE_SIZE !== undefined ? Number(CACHE_SIZE) : DEFAULT_WORKFLOW_CACHE_SIZE;
/** The sizes of each mode: quick fits in 3 minutes on 2 cores, the full mode is the issue's table. */
const SIZES = QUICK
  ? { filingRounds: 3, filingsPerRound: 40, actionRounds: 3, actionsPerRound: 20, lifecycleRounds: 2, lifecyclesPerRound: 8, inFlight: [1000], closed: 10_000, listingSamples: 12, replays: 10 }
  : { filingRounds: 5, filingsPerRound: 80, actionRounds: 5, actionsPerRound: 30, lifecycleRounds: 3, lifecyclesPerRound: 16, inFlight: [1000, 10_000], closed: 100_000, listingSamples: 20, replays: 20 };
/** Staff actions are timed one at a time: their latency, not a queue behind other callers. */
const ACTION_CONCURRENCY = 1;
const PROGRAM = 'dinghu-emergency-major-project';

const t0 = Date.now();
const say = (line: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True once Temporal has nothing left to do for the workflow until someone acts (no task, no activity pending). */
async function settled(client: Client, workflowId: string): Promise<boolean> {
  const { raw, status } = await client.workflow.getHandle(workflowId).describe();
  if (status.name !== 'RUNNING') return true;
  return !raw.pendingWorkflowTask && (raw.pendingActivities?.length ?? 0) === 0 && Number(raw.workflowExecutionInfo?.historyLength ?? 0) > 3;
}

/** Waits until every workflow of `ids` has settled, polling each at most every 50 ms. */
async function settleAll(client: Client, ids: readonly string[]): Promise<void> {
  await pool(ids, CONCURRENCY, async (id) => {
    const deadline = Date.now() + 120_000;
    while (!(await settled(client, id))) {
      if (Date.now() > deadline) throw new Error(`${id} did not settle within 120 s`);
      await delay(50);
    }
  });
}

async function main(): Promise<void> {
  let summaryLine = '';
  const started = new Date();
  const host = machine();
  say(`${QUICK ? 'quick' : 'full'} mode, concurrency ${CONCURRENCY}, on ${host.nproc} cores (load ${host.loadAverageAtStart})`);
  // The replayer runs in this process: its worker says only what matters.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const engine = await startBenchEngine({ say, ...(CACHE_SIZE !== undefined ? { workerEnv: { WORKER_WORKFLOW_CACHE_SIZE: CACHE_SIZE } } : {}) });
  let stopping: Promise<void> | undefined;
  const stopEngine = () => (stopping ??= engine.stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping every process the bench started...`);
      void stopEngine().finally(() => process.exit(130));
    });
  }
  const connection = await Connection.connect({ address: engine.temporalAddress });
  try {
    const client = new Client({ connection, namespace: 'default', dataConverter: engine.dataConverter });
    const http = httpOn(engine.apiUrl, engine.keys);
    // Polled every 50 ms: a caller waiting for the engine's own step (a payment instruction) sees it soon after.
    const procedure = new Procedure({ http, now: async () => new Date(), advance: async () => Promise.reject(new Error('the dev server keeps real time')) }, { pollMs: 50 });
    const results = await measure(engine, client, http, procedure);
    const finished = new Date();
    const dir = join(PROJECT_ROOT, '.bench', started.toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    const report = writeReport(dir, {
      mode: QUICK ? 'quick' : 'full',
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
      machine: { ...host, loadAverageAtEnd: loadAverage() },
      conditions: {
        concurrency: CONCURRENCY,
        actionConcurrency: ACTION_CONCURRENCY,
        sizes: SIZES,
        temporal: 'Temporal CLI dev server, in memory, on this host; one engine worker, one API process, one bare worker',
        payloads: 'both sides encrypted with the engine\'s AES-256-GCM codec (the same development key)',
        worker: { ...engine.workerSettings, cachedWorkflowsAtMost: WORKER_CACHE },
        program: PROGRAM,
      },
      ...results,
    });
    say(`report: ${join(dir, 'report.md')}`);
    summaryLine = report.summaryLine;
  } catch (err) {
    const dead = engine.casualties();
    throw dead ? new Error(`${(err as Error).message}\n${dead}`) : err;
  } finally {
    await connection.close().catch(() => undefined);
    say('stopping every process the bench started...');
    await stopEngine();
  }
  // The last line, for scripts reading the output.
  console.log(summaryLine);
}

/** Each kind's summary, with its first errors (if any) to explain them. */
function summaries<K extends string>(m: Record<K, Measured>) {
  return Object.fromEntries(Object.entries<Measured>(m).map(([k, v]) => [k, { ...summarise(v.latenciesMs, v.elapsedMs, v.errors.length), firstErrors: v.errors.slice(0, 3) }])) as Record<
    K,
    ReturnType<typeof summarise> & { firstErrors: string[] }
  >;
}

async function measure(engine: BenchEngine, client: Client, http: Http, procedure: Procedure) {
  await procedure.ensureCalendar();
  const opened = await openRound((m, p, r, b) => http(m, p, r, b), PROGRAM, { budget: '100000000000.00' });
  const roundLabel = opened.label;
  let serial = 0;
  const filingBody = (n: number) => ({
    programId: PROGRAM,
    roundId: opened.id,
    applicant: { creditCode: benchCreditCode(n), name: `基准测试应急装备有限公司${n}` },
    project: { code: `BENCH-${n}`, name: '应急装备产业园' },
    facts: { fixedInvestment: '1200000000.00' },
  });
  const fileOverHttp = async (): Promise<string> => {
    const n = ++serial;
    const answer = await http('POST', '/applications', 'applicant-system', filingBody(n), { 'Idempotency-Key': randomUUID() });
    if (answer.status !== 201) throw new Error(`filing ${n} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer.body.id as string;
  };
  // A filing as the API starts it, with the same input; only its identity is new.
  let template: ApplicationInput | undefined;
  const fileDirect = async (): Promise<string> => {
    const n = ++serial;
    const creditCode = benchCreditCode(n);
    const id = `${PROGRAM}.${roundLabel}.${creditCode}.BENCH-COPY-${n}`;
    // The template's identity replaced: its applicant's credit code stays (the listing shows it).
    await startApplication(client, { ...template!, id });
    return id;
  };
  const startBare = async (): Promise<string> => {
    const id = `bench-bare-${++serial}`;
    await client.workflow.start<typeof bareWorkflow>('bareWorkflow', { workflowId: id, taskQueue: BARE_TASK_QUEUE });
    return id;
  };
  const runningOnEngine = async () => (await client.workflow.count(`TaskQueue = '${ENGINE_TASK_QUEUE}' AND ExecutionStatus = 'Running'`)).count;

  // Warm-up, not measured: the code paths of every kind run once or more before any clock starts.
  say('warming up (a few filings of each kind, not measured)...');
  const warm = [await fileOverHttp(), await fileOverHttp()];
  await settleAll(client, warm);
  template = await inputOf(client, warm[0]!);
  const warmIds = [await fileDirect(), await fileDirect(), await startBare(), await startBare()];
  await settleAll(client, warmIds);

  // The worker's resident memory every 5 s, with the phase the bench is in.
  let phase = 'warm-up';
  const rssSamples: Array<{ atSeconds: number; phase: string; rssMiB: number }> = [];
  const sampleStart = Date.now();
  const sampler = setInterval(() => rssSamples.push({ atSeconds: Math.round((Date.now() - sampleStart) / 1000), phase, rssMiB: Math.round(residentBytes(engine.pids.worker) / 2 ** 20) }), 5000);
  try {
    return await measurePhases(engine, client, http, procedure, { fileOverHttp, fileDirect, startBare, runningOnEngine, setPhase: (p: string) => void (phase = p), rssSamples });
  } finally {
    clearInterval(sampler);
  }
}

interface Starters {
  fileOverHttp: () => Promise<string>;
  fileDirect: () => Promise<string>;
  startBare: () => Promise<string>;
  runningOnEngine: () => Promise<number>;
  setPhase: (phase: string) => void;
  rssSamples: Array<{ atSeconds: number; phase: string; rssMiB: number }>;
}

async function measurePhases(engine: BenchEngine, client: Client, http: Http, procedure: Procedure, starters: Starters) {
  const { fileOverHttp, fileDirect, startBare, runningOnEngine, setPhase, rssSamples } = starters;
  let serial = 0;
  // Worker memory before the applications of this run are cached.
  await delay(1000);
  const memoryBefore = { rssBytes: residentBytes(engine.pids.worker), running: await runningOnEngine() };

  // 1. Filings, interleaved.
  setPhase('filings');
  say(`filings: ${SIZES.filingRounds} interleaved rounds of ${SIZES.filingsPerRound} per kind, ${CONCURRENCY} at a time...`);
  const filings = { http: emptyMeasure(), direct: emptyMeasure(), bare: emptyMeasure() };
  const filedOverHttp: string[] = [];
  const kinds: Array<{ name: keyof typeof filings; start: () => Promise<string> }> = [
    { name: 'http', start: fileOverHttp },
    { name: 'direct', start: fileDirect },
    { name: 'bare', start: startBare },
  ];
  for (let r = 0; r < SIZES.filingRounds; r++) {
    for (const kind of rotation(kinds, r)) {
      const ids: string[] = [];
      await round(
        filings[kind.name],
        SIZES.filingsPerRound,
        CONCURRENCY,
        async () => void ids.push(await kind.start()),
        () => settleAll(client, ids),
      );
      if (kind.name === 'http') filedOverHttp.push(...ids);
    }
  }

  // 2. A staff action: preliminary-record over HTTP, the direct Update with the same request, a bare Update.
  const perKind = SIZES.actionRounds * SIZES.actionsPerRound;
  if (filedOverHttp.length < 2 * perKind) throw new Error(`only ${filedOverHttp.length} applications filed, ${2 * perKind} needed for the actions`);
  setPhase('staff action');
  say(`staff action: ${SIZES.actionRounds} interleaved rounds of ${SIZES.actionsPerRound} per kind, one at a time...`);
  const bareTargets: string[] = [];
  await pool(Array.from({ length: perKind }), CONCURRENCY, async () => {
    const id = `bench-bare-update-${++serial}`;
    await client.workflow.start<typeof bareUpdateWorkflow>('bareUpdateWorkflow', { workflowId: id, taskQueue: BARE_TASK_QUEUE });
    bareTargets.push(id);
  });
  await settleAll(client, bareTargets);
  const actions = { http: emptyMeasure(), direct: emptyMeasure(), bare: emptyMeasure() };
  const forHttp = filedOverHttp.slice(0, perKind);
  const forDirect = filedOverHttp.slice(perKind, 2 * perKind);
  const reason = '申报主体注册在鼎湖区，资格符合';
  const actionKinds: Array<{ name: keyof typeof actions; act: (i: number) => Promise<void> }> = [
    {
      name: 'http',
      act: async (i) => {
        const id = forHttp[i]!;
        const answer = await http('POST', `/applications/${encodeURIComponent(id)}/preliminary-record`, 'intake-officer', { decision: 'pass', reason }, { 'Idempotency-Key': randomUUID() });
        if (answer.status !== 200) throw new Error(`preliminary-record on ${id} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
      },
    },
    {
      name: 'direct',
      act: async (i) => {
        // The request exactly as api/action-routes.ts sends it for the intake officer's development key.
        const request: PreliminaryRecordRequest = { decision: 'pass', reason, actor: { id: 'dev-intake-officer', role: 'intake-officer', name: 'intake-officer (development key)' } };
        const updateId = keyedUpdateId(randomUUID(), actionBinding('preliminary-record', request));
        await client.workflow.getHandle(forDirect[i]!).executeUpdate(ACTION_UPDATES['preliminary-record'], { args: [request], updateId });
      },
    },
    { name: 'bare', act: async (i) => void (await client.workflow.getHandle(bareTargets[i]!).executeUpdate(bareUpdate, { args: [{ n: i }] })) },
  ];
  const offset = { http: 0, direct: 0, bare: 0 };
  for (let r = 0; r < SIZES.actionRounds; r++) {
    for (const kind of rotation(actionKinds, r)) {
      const base = offset[kind.name];
      await round(actions[kind.name], SIZES.actionsPerRound, ACTION_CONCURRENCY, (i) => kind.act(base + i));
      offset[kind.name] += SIZES.actionsPerRound;
    }
  }
  await pool(bareTargets, CONCURRENCY, async (id) => client.workflow.getHandle(id).signal(bareDone));

  // 3. The whole lifecycle through three tranches, and its bare baseline, interleaved. One round
  // of the procedure's program for every application of the lifecycles and the history below.
  setPhase('lifecycle');
  const lifecycles = await measureLifecyclesInNewRound({
    client,
    procedure,
    rounds: SIZES.lifecycleRounds,
    perRound: SIZES.lifecyclesPerRound,
    concurrency: CONCURRENCY,
    say,
  });

  // 3a. History and replay of an application taken to its public notice (six actions, filing included).
  setPhase('history');
  say('history: one application of dinghu-generic-drug-consistency taken to its public notice...');
  const noticed = await procedure.file(9_000_001);
  await procedure.toNotice(noticed);
  await settleAll(client, [noticed]);
  const history = await client.workflow.getHandle(noticed).fetchHistory();
  const events = history.events ?? [];
  const protoBytes = temporal.api.history.v1.History.encode(history).finish().length;
  const answers = events.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes);
  const answerBytes = answers.reduce((sum, e) => sum + temporal.api.history.v1.HistoryEvent.encode(e).finish().length, 0);
  const replayMs: number[] = [];
  const copies = Array.from({ length: SIZES.replays + 1 }, (_, i) => ({ workflowId: `${noticed}#replay-${i}`, history }));
  let last = performance.now();
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code: engine.workflowBundleCode }, dataConverter: engine.dataConverter }, copies)) {
    const now = performance.now();
    if (result.error) throw new Error(`the replay of ${noticed} failed: ${String(result.error)}`);
    replayMs.push(now - last);
    last = now;
  }
  const coldReplayMs = replayMs.shift()!;

  // 3b. The paid lifecycle of the issue's table, on the time-skipping server (its waits pass at once).
  setPhase('paid lifecycle');
  say('history: the paid lifecycle (paid-and-kept) on the time-skipping server, then its warm replays...');
  const paid = await paidLifecycle({ replays: SIZES.replays, dataConverter: engine.dataConverter, workflowBundleCode: engine.workflowBundleCode });

  // 4. For each level of applications in flight: fill up to it, then listing and inbox; worker memory at the first.
  const applicationsQuery = `TaskQueue = '${ENGINE_TASK_QUEUE}' AND ExecutionStatus = 'Running' AND ${SEARCH_ATTRIBUTES.stage.name} IS NOT NULL`;
  const applicationsInFlight = async () => (await client.workflow.count(applicationsQuery)).count;
  let memoryAfter: { rssBytes: number; running: number } | undefined;
  const listing: Array<Record<string, unknown> & { applicationsInFlight: number }> = [];
  for (const level of SIZES.inFlight) {
    const missing = Math.max(level - (await applicationsInFlight()), 0);
    setPhase(`fill to ${level}`);
    say(`filling to ${level} applications in flight: ${missing} more, started directly with the same input...`);
    const filled: string[] = [];
    try {
      await pool(Array.from({ length: missing }), CONCURRENCY, async () => void filled.push(await fileDirect()));
      await settleAll(client, filled);
    } catch (err) {
      // The engine could not keep up at this level: said in the report, and the figures so far kept.
      const dead = engine.casualties();
      const reason = `${(err as Error).message}${dead ? `\n${dead}` : ''}`;
      say(`the engine did not settle ${level} applications in flight: ${reason.split('\n')[0]}`);
      listing.push({ applicationsInFlight: await applicationsInFlight(), notReached: { level, started: filled.length, reason } });
      break;
    }
    await delay(2000);
    memoryAfter ??= { rssBytes: residentBytes(engine.pids.worker), running: await runningOnEngine() };
    const applications = await applicationsInFlight();
    const dead = engine.casualties();
    if (dead) throw new Error(dead);

    setPhase(`listing at ${level}`);
    listing.push({ applicationsInFlight: applications, ...(await measureReads(applications, 0)) });
  }
  if (listing.every((level) => !level.notReached)) {
    // 5. The closed applications of past years beside those in flight: rows of the listing table as
    // their workflows' last writes leave them, written through the same store.
    setPhase(`closed ${SIZES.closed}`);
    say(`writing ${SIZES.closed} closed applications into the listing table...`);
    await writeClosedApplications(join(engine.dataDir, 'engine.db'), SIZES.closed);
    const applications = await applicationsInFlight();
    setPhase(`listing with ${SIZES.closed} closed`);
    listing.push({ applicationsInFlight: applications, applicationsClosed: SIZES.closed, ...(await measureReads(applications, SIZES.closed)) });
  }

  const after = memoryAfter!;

  /** The listing, the listing of closed ones and the inbox, one request at a time, interleaved. */
  async function measureReads(applications: number, closed: number) {
    say(`listing and inbox with ${applications} applications in flight and ${closed} closed, ${SIZES.listingSamples} requests each, one at a time...`);
    const reads = { listing: emptyMeasure(), closedListing: emptyMeasure(), inbox: emptyMeasure() };
    const statuses = { listing: {} as Record<number, number>, closedListing: {} as Record<number, number>, inbox: {} as Record<number, number> };
    const readKinds: Array<{ name: keyof typeof reads; path: string; role: Role }> = [
      { name: 'listing', path: '/applications?stage=preliminary-record', role: 'auditor' },
      { name: 'closedListing', path: '/applications?open=false', role: 'auditor' },
      { name: 'inbox', path: '/inbox', role: 'intake-officer' },
    ];
    for (let r = 0; r < SIZES.listingSamples; r++) {
      for (const kind of rotation(readKinds, r)) {
        // Every answer is timed; only a failure to answer or a 5xx is an error.
        await round(reads[kind.name], 1, 1, async () => {
          const answer = await http('GET', kind.path, kind.role);
          statuses[kind.name][answer.status] = (statuses[kind.name][answer.status] ?? 0) + 1;
          if (answer.status >= 500) throw new Error(`GET ${kind.path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
        });
      }
    }
    return { ...summaries(reads), statuses };
  }
  // Past the cache size, the worker evicts: at most that many are held in memory.
  const cachedAdded = Math.min(after.running, WORKER_CACHE) - Math.min(memoryBefore.running, WORKER_CACHE);

  return {
    filings: summaries(filings),
    actions: summaries(actions),
    lifecycles: { ...summaries({ engine: lifecycles.engine, bare: lifecycles.bare }), shape: lifecycles.shape },
    history: {
      application: 'dinghu-generic-drug-consistency at public-notice: filing, preliminary-record, materials, inspection, recommendation, sign-off',
      events: events.length,
      bytes: protoBytes,
      bytesMeasure: 'the History protobuf as Temporal stores it (History.encode), payloads encrypted',
      updateAnswers: answers.length,
      updateAnswerBytes: answerBytes,
      warmReplay: summarise(replayMs, replayMs.reduce((a, b) => a + b, 0)),
      coldReplayMs: Math.round(coldReplayMs),
    },
    paidLifecycle: paid,
    memory: {
      before: memoryBefore,
      after,
      cachedWorkflowsAdded: cachedAdded,
      bytesPerCachedWorkflow: cachedAdded > 0 ? Math.round((after.rssBytes - memoryBefore.rssBytes) / cachedAdded) : null,
      cacheSize: WORKER_CACHE,
      peakRssMiB: Math.max(...rssSamples.map((x) => x.rssMiB), 0),
      rssSamples,
      measure: 'VmRSS of the worker process (/proc/<pid>/status) before the measured filings and after the fill to the first level of applications in flight, divided by the running workflows added on its task queue (applications and their project entities), counting at most the cache size',
    },
    listing,
  };
}

const run = values.cluster
  ? () => runClusterBench({ quick: QUICK, concurrency: CONCURRENCY, cacheSize: CACHE_SIZE, say }).then((summaryLine) => console.log(summaryLine))
  : main;
run().then(() => process.exit(0)).catch((err) => {
  console.error(`[bench] failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
