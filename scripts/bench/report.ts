/**
 * What `npm run bench` leaves behind in `.bench/<timestamp>/`: `results.json` (every figure with
 * its conditions), `report.md` (the figures as a table, against the targets) and
 * `ratios.svg` (hand-written SVG: one bar per ratio of the engine to bare Temporal). Also the
 * summary line the bench prints last.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PaidLifecycle } from './paid-lifecycle';
import { round, type Summary } from './stats';

type Kinds = Record<'http' | 'direct' | 'bare', Summary>;

export interface BenchResults {
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: Record<string, unknown> & { nproc: number; memTotalMiB: number; commit: string };
  conditions: Record<string, unknown> & { concurrency: number; actionConcurrency: number };
  filings: Kinds;
  actions: Kinds;
  lifecycles: Record<'engine' | 'bare', Summary> & { shape: { updates: number; activities: number } };
  history: { application: string; events: number; bytes: number; bytesMeasure: string; updateAnswers: number; updateAnswerBytes: number; warmReplay: Summary; coldReplayMs: number };
  paidLifecycle: PaidLifecycle;
  memory: { bytesPerCachedWorkflow: number | null; cachedWorkflowsAdded: number; cacheSize: number; peakRssMiB: number; rssSamples: Array<{ atSeconds: number; phase: string; rssMiB: number }>; before: { rssBytes: number }; after: { rssBytes: number }; measure: string };
  listing: Array<{
    applicationsInFlight: number;
    applicationsClosed?: number;
    listing?: Summary;
    closedListing?: Summary;
    inbox?: Summary;
    statuses?: Record<string, Record<number, number>>;
    notReached?: { level: number; started: number; reason: string };
  }>;
}

/** The ratios the issue sets targets for, computed one way for the JSON, the table and the chart. */
function ratiosOf(r: Pick<BenchResults, 'filings' | 'actions' | 'lifecycles'>) {
  return {
    lifecycleEnginePerBare: round(r.lifecycles.engine.opsPerSecond / r.lifecycles.bare.opsPerSecond),
    filingsHttpPerBare: round(r.filings.http.opsPerSecond / r.filings.bare.opsPerSecond),
    filingsDirectPerBare: round(r.filings.direct.opsPerSecond / r.filings.bare.opsPerSecond),
    actionP50HttpPerBare: round(r.actions.http.p50Ms / r.actions.bare.p50Ms),
    actionP50DirectPerBare: round(r.actions.direct.p50Ms / r.actions.bare.p50Ms),
    actionP99HttpPerBare: round(r.actions.http.p99Ms / r.actions.bare.p99Ms),
    apiOverheadP50Ms: round(r.actions.http.p50Ms - r.actions.direct.p50Ms),
    apiOverheadP99Ms: round(r.actions.http.p99Ms - r.actions.direct.p99Ms),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** One horizontal bar per ratio, a line at 1 (as fast as bare Temporal), each bar labelled. */
function ratioChart(bars: ReadonlyArray<{ label: string; value: number; target?: number }>): string {
  const width = 720;
  const left = 300;
  const barHeight = 26;
  const top = 40;
  const height = top + bars.length * (barHeight + 12) + 30;
  const max = Math.max(2, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), ...bars.map((b) => b.target ?? 0)) * 1.1;
  const x = (v: number) => Math.round((left + ((width - left - 60) * v) / max) * 10) / 10;
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = bars.map((b, i) => {
    const y = top + i * (barHeight + 12);
    const value = Number.isFinite(b.value) ? b.value : 0;
    const target = b.target === undefined ? '' : `<line x1="${x(b.target)}" x2="${x(b.target)}" y1="${y - 3}" y2="${y + barHeight + 3}" stroke="#c0392b" stroke-width="2" stroke-dasharray="4 2"/>`;
    return [
      `<text x="${left - 8}" y="${y + barHeight / 2 + 5}" text-anchor="end" font-size="13">${escape(b.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${Math.max(1, x(value) - left)}" height="${barHeight}" fill="#2e86c1"/>`,
      `<text x="${x(value) + 6}" y="${y + barHeight / 2 + 5}" font-size="13">${Number.isFinite(b.value) ? b.value.toFixed(2) : 'n/a'}</text>`,
      target,
    ].join('\n  ');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `  <rect width="${width}" height="${height}" fill="white"/>`,
    `  <text x="12" y="22" font-size="15" font-weight="bold">The engine ÷ bare Temporal (1 = as fast; dashed red: the issue's target)</text>`,
    `  <line x1="${x(1)}" x2="${x(1)}" y1="${top - 6}" y2="${height - 24}" stroke="#555" stroke-width="1"/>`,
    `  <text x="${x(1)}" y="${height - 8}" font-size="12" text-anchor="middle">1</text>`,
    `  ${rows.join('\n  ')}`,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes the three files into `dir` and answers the line the bench prints last. */
export function writeReport(dir: string, results: BenchResults): { summaryLine: string } {
  const ratios = ratiosOf(results);
  const summaryLine = `ratio=${ratios.lifecycleEnginePerBare} api_p99_overhead_ms=${ratios.apiOverheadP99Ms}`;
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ ...results, ratios, summaryLine }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'ratios.svg'),
    ratioChart([
      { label: 'lifecycles/s: engine ÷ bare', value: ratios.lifecycleEnginePerBare },
      { label: 'filings/s: HTTP ÷ trivial workflow', value: ratios.filingsHttpPerBare, target: 0.8 },
      { label: 'filings/s: direct client ÷ trivial', value: ratios.filingsDirectPerBare },
      { label: 'action p50: HTTP ÷ bare Update', value: ratios.actionP50HttpPerBare, target: 1.5 },
      { label: 'action p50: direct Update ÷ bare', value: ratios.actionP50DirectPerBare },
      { label: 'action p99: HTTP ÷ bare Update', value: ratios.actionP99HttpPerBare },
    ]),
  );
  const { filings: f, actions: a, lifecycles: lc, history: h, paidLifecycle: p, memory: m, listing: l, machine, conditions } = results;
  const kindRow = (name: string, s: Summary, extra = '') => `| ${name} | ${s.ops} | ${s.errors} | ${s.opsPerSecond.toFixed(1)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${extra} |`;
  const md = [
    `# Bench ${results.startedAt} (${results.mode} mode)`,
    '',
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.memTotalMiB} MiB (/proc/meminfo), load ${String(machine.loadAverageAtStart)} at start, ${String(machine.loadAverageAtEnd)} at end (shared host); node ${String(machine.node)}.`,
    `Commit ${machine.commit}${machine.uncommittedChanges ? ' (with uncommitted changes)' : ''}; ${results.durationSeconds} s in all.`,
    `Conditions: ${String(conditions.temporal)}; ${String(conditions.payloads)}; worker ${JSON.stringify(conditions.worker)}; filings ${conditions.concurrency} at a time, actions ${conditions.actionConcurrency} at a time; sizes ${JSON.stringify(conditions.sizes)}.`,
    '',
    '**Summary line**: `' + summaryLine + '`: `ratio` is whole lifecycles per second through the engine ÷ bare lifecycles per second (below).',
    '',
    '![ratios](ratios.svg)',
    '',
    '## Filings (interleaved rounds)',
    '',
    'A filing counts once Temporal has nothing left to do for it (no workflow task or activity pending: the application waits for its preliminary record; the trivial workflow has completed); ops/s is the count over the wall time of its rounds, settling included; latency is what the caller waits for its answer (HTTP `201`, or the start acknowledged).',
    '',
    '| kind | ops | errors | ops/s | p50 | p99 | |',
    '|---|---|---|---|---|---|---|',
    kindRow('HTTP `POST /applications` (with an Idempotency-Key)', f.http, `÷ trivial: **${ratios.filingsHttpPerBare}** (target ≥ 0.8)`),
    kindRow('direct client, the same input (the start only)', f.direct, `÷ trivial: ${ratios.filingsDirectPerBare}`),
    kindRow('trivial workflow (returns at once)', f.bare),
    '',
    '## A staff action: `preliminary-record`',
    '',
    '| kind | ops | errors | ops/s | p50 | p99 | |',
    '|---|---|---|---|---|---|---|',
    kindRow('HTTP, with an Idempotency-Key', a.http, `p50 ÷ bare: **${ratios.actionP50HttpPerBare}×** (target ≤ 1.5×)`),
    kindRow('direct Update, the same request and update id', a.direct, `p50 ÷ bare: ${ratios.actionP50DirectPerBare}×`),
    kindRow('bare Update on a waiting trivial workflow', a.bare),
    '',
    `API overhead (HTTP − direct Update): **${ratios.apiOverheadP50Ms} ms p50, ${ratios.apiOverheadP99Ms} ms p99** (target ≤ 3 ms p50, ≤ 5 ms p99).`,
    '',
    '## The whole lifecycle, through three tranches (interleaved rounds)',
    '',
    `The engine: an application of \`dinghu-generic-drug-consistency\` started with the input the API gave a filing over HTTP (its identity new, its program's notice period zero: a bench-only program, since the catalog requires 5 working days and the dev server keeps real time), then ${lc.shape.updates} actions over HTTP: preliminary record, materials, inspection, recommendation, sign-off, agreement, and for each tranche the claim, its verification and the confirmation, the engine sending each payment instruction (${lc.shape.activities} activities scheduled). The bare side: a workflow with ${lc.shape.updates} Updates and ${lc.shape.activities} activities, driven the same way. ${conditions.concurrency} lifecycles at a time; latency is one whole lifecycle.`,
    '',
    '| kind | lifecycles | errors | per second | p50 | p99 | |',
    '|---|---|---|---|---|---|---|',
    kindRow('through the engine (HTTP actions)', lc.engine, `÷ bare: **${ratios.lifecycleEnginePerBare}**`),
    kindRow('bare Temporal, the same Updates and activities', lc.bare),
    '',
    '## History and replay',
    '',
    `**The paid lifecycle** (\`${p.scenario}\`, scripts/scenarios.ts: filed, approved, noticed, three tranches paid, monitored to \`${p.finalStage}\`), run by this commit's workflow code on the time-skipping server: **${p.events} events, ${kb(p.bytes)}** in ${p.runs} run(s) (${h.bytesMeasure}) for ${p.actions} actions (${(p.events / Math.max(p.actions, 1)).toFixed(1)} events and ${kb(p.bytes / Math.max(p.actions, 1))} per action); update answers ${kb(p.updateAnswerBytes)} (target ≤ 120 events, ≤ 80 KB).`,
    `Its replay in a warm replayer (\`Worker.runReplayHistories\`, the worker's bundle, every run): **${ms(p.warmReplay.p50Ms)} p50**, ${ms(p.warmReplay.p99Ms)} p99 over ${p.warmReplay.ops} replays (target ≤ 40 ms); the first (cold, creating the replayer) ${p.coldReplayMs} ms.`,
    '',
    `On the dev server, ${h.application}: ${h.events} events, ${kb(h.bytes)}; ${h.updateAnswers} update answers, ${kb(h.updateAnswerBytes)}; warm replay ${ms(h.warmReplay.p50Ms)} p50, ${ms(h.warmReplay.p99Ms)} p99 over ${h.warmReplay.ops}, cold ${h.coldReplayMs} ms.`,
    '',
    '## Worker memory per cached workflow',
    '',
    m.bytesPerCachedWorkflow === null
      ? 'Not measured: no workflow was added.'
      : `**${mib(m.bytesPerCachedWorkflow)}** per workflow: RSS ${mib(m.before.rssBytes)} → ${mib(m.after.rssBytes)} for ${m.cachedWorkflowsAdded} workflows added to a cache of at most ${m.cacheSize} (${m.measure}). RSS includes garbage not yet collected, so this is an upper bound. Peak RSS of the worker during the run: ${m.peakRssMiB} MiB (sampled every 5 s, in results.json).`,
    '',
    '## Listing and inbox',
    '',
    'One request at a time, default page size (20), from the listing table (lib/listing-store.ts); every answer timed. The closed applications are rows of the listing table as finished applications leave them, written through its store (scripts/bench/closed-applications.ts).',
    '',
    '| in flight | closed | request | answered | p50 | p99 | statuses |',
    '|---|---|---|---|---|---|---|',
    ...l.flatMap((level) => {
      const closed = level.applicationsClosed ?? 0;
      if (level.notReached) {
        return [`| ${level.notReached.level} not reached (${level.applicationsInFlight} running, ${level.notReached.started} started for it) | ${closed} | — | — | — | — | ${level.notReached.reason.split('\n')[0]} |`];
      }
      const row = (request: string, m: Summary | undefined, statuses: Record<number, number> | undefined) =>
        m ? [`| ${level.applicationsInFlight} | ${closed} | ${request} | ${m.ops} | ${ms(m.p50Ms)} | ${ms(m.p99Ms)} | ${JSON.stringify(statuses ?? {})} |`] : [];
      return [
        ...row('`GET /applications?stage=preliminary-record` (auditor)', level.listing, level.statuses?.listing),
        ...row('`GET /applications?open=false` (auditor)', level.closedListing, level.statuses?.closedListing),
        ...row('`GET /inbox` (intake officer)', level.inbox, level.statuses?.inbox),
      ];
    }),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'report.md'), md);
  return { summaryLine };
}
