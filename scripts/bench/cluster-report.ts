/**
 * What `npm run bench -- --cluster` leaves in `.bench/<timestamp>/`: `results.json` and
 * `report.md`, the whole lifecycle's throughput on the embedded dev server and on the cluster
 * side by side, each beside bare Temporal on the same server; and the line it prints last.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LifecycleRun } from './lifecycle';
import { medianRate, round, type Summary, summarise } from './stats';

/** One Temporal's figures: the engine's lifecycles and the bare ones, interleaved on it. */
export interface ServerFigures {
  temporal: string;
  lifecycles: Record<'engine' | 'bare', Summary>;
  /** Lifecycles per second of each round, in the order run. */
  perRoundPerSecond: Record<'engine' | 'bare', number[]>;
  /** The median of the rounds' rates: the figure reported. */
  medianPerSecond: Record<'engine' | 'bare', number>;
  /** medianPerSecond.engine ÷ medianPerSecond.bare. */
  ratio: number;
  shape: LifecycleRun['shape'];
  loadAverage: { atStart: string; atEnd: string };
  firstErrors: string[];
  /** Seconds the bring-up's steps took (the cluster's). */
  timings?: Record<string, number>;
}

export interface ClusterBenchResults {
  mode: 'cluster quick' | 'cluster full';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: Record<string, unknown> & { nproc: number; memTotalMiB: number; commit: string };
  conditions: Record<string, unknown> & { concurrency: number; rounds: number; perRound: number };
  embedded: ServerFigures;
  cluster: ServerFigures;
}

/** One server's figures from its lifecycle run. */
export function figuresOf(temporal: string, run: LifecycleRun, loadAverage: ServerFigures['loadAverage'], timings?: Record<string, number>): ServerFigures {
  const rate = (r: { ops: number; elapsedMs: number }) => round((r.ops * 1000) / r.elapsedMs);
  const medianPerSecond = { engine: medianRate(run.engine.rounds), bare: medianRate(run.bare.rounds) };
  return {
    temporal,
    lifecycles: {
      engine: summarise(run.engine.latenciesMs, run.engine.elapsedMs, run.engine.errors.length),
      bare: summarise(run.bare.latenciesMs, run.bare.elapsedMs, run.bare.errors.length),
    },
    perRoundPerSecond: { engine: run.engine.rounds.map(rate), bare: run.bare.rounds.map(rate) },
    medianPerSecond,
    ratio: round(medianPerSecond.engine / medianPerSecond.bare),
    shape: run.shape,
    loadAverage,
    firstErrors: [...run.engine.errors, ...run.bare.errors].slice(0, 3),
    ...(timings ? { timings } : {}),
  };
}

/** Writes the two files into `dir` and answers the line the bench prints last. */
export function writeClusterReport(dir: string, results: ClusterBenchResults): { summaryLine: string } {
  const { embedded: e, cluster: c, machine, conditions } = results;
  const clusterPerEmbedded = {
    engine: round(c.medianPerSecond.engine / e.medianPerSecond.engine),
    bare: round(c.medianPerSecond.bare / e.medianPerSecond.bare),
  };
  const summaryLine = `ratio=${c.ratio} embedded_ratio=${e.ratio} lifecycles_per_s=${c.medianPerSecond.engine} embedded_lifecycles_per_s=${e.medianPerSecond.engine}`;
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ ...results, clusterPerEmbedded, summaryLine }, null, 2)}\n`);
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const rates = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const row = (name: string, f: ServerFigures, kind: 'engine' | 'bare') => {
    const s = f.lifecycles[kind];
    return `| ${name} | ${kind === 'engine' ? 'through the engine (HTTP actions)' : 'bare Temporal, the same Updates and activities'} | **${f.medianPerSecond[kind].toFixed(2)}** | ${rates(f.perRoundPerSecond[kind])} | ${s.ops} | ${s.errors} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${kind === 'engine' ? `÷ bare **${f.ratio}**` : ''} |`;
  };
  const md = [
    `# Bench ${results.startedAt} (${results.mode} mode): the whole lifecycle on the cluster and on the embedded dev server`,
    '',
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.memTotalMiB} MiB; load average (1, 5, 15 min) ${e.loadAverage.atStart} → ${e.loadAverage.atEnd} during the embedded run, ${c.loadAverage.atStart} → ${c.loadAverage.atEnd} during the cluster's (shared host); node ${String(machine.node)}.`,
    `Commit ${machine.commit}${machine.uncommittedChanges ? ' (with uncommitted changes)' : ''}; ${results.durationSeconds} s in all.`,
    '',
    '**Summary line**: `' + summaryLine + '`: `ratio` is the engine\'s lifecycles per second ÷ bare lifecycles per second on the cluster, `embedded_ratio` the same on the embedded dev server; `lifecycles_per_s` and `embedded_lifecycles_per_s` are the engine\'s lifecycles per second on each (medians of the rounds).',
    '',
    `The embedded default ran first (${e.temporal}), was stopped, and then the cluster (${c.temporal}). On each, ${conditions.rounds} interleaved rounds of ${conditions.perRound} lifecycles of each kind, ${conditions.concurrency} at a time: the engine's (an application started with the input the API gave a filing over HTTP, its program's notice period zero, then ${c.shape.updates} actions over HTTP and ${c.shape.activities} activities) and the bare one (a workflow with the same Updates and activities). Per second: the median over the rounds of each round's rate; latency: one whole lifecycle.`,
    '',
    '| Temporal | kind | lifecycles/s (median) | each round | lifecycles | errors | p50 | p99 | |',
    '|---|---|---|---|---|---|---|---|---|',
    row('embedded dev server', e, 'engine'),
    row('embedded dev server', e, 'bare'),
    row('cluster on PostgreSQL', c, 'engine'),
    row('cluster on PostgreSQL', c, 'bare'),
    '',
    `Cluster ÷ embedded: the engine's lifecycles **${clusterPerEmbedded.engine}**, bare Temporal's ${clusterPerEmbedded.bare}.`,
    '',
    `Every process of both setups ran on this one ${machine.nproc}-core host, the load generator too: on the cluster, PostgreSQL, four Temporal services, two workers, two APIs and the load balancer share the cores the dev server had to itself. These figures compare the two setups on this host; they do not say what the cluster gives on machines of its own.`,
    ...(c.timings ? ['', `The cluster's bring-up (s): ${Object.entries(c.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ')}.`] : []),
    ...(e.firstErrors.length + c.firstErrors.length > 0 ? ['', 'First errors:', ...[...e.firstErrors, ...c.firstErrors].map((x) => `- ${x.split('\n')[0]}`)] : []),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'report.md'), md);
  return { summaryLine };
}
