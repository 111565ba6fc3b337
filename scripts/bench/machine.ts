/**
 * The machine a bench ran on, recorded with its figures: cores, memory, the load average (the host
 * is shared), node and the commit measured.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { PROJECT_ROOT } from '../../lib/settings';

/** The 1-, 5- and 15-minute load averages now, as `uptime` prints them. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

export function machine() {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? Number.NaN);
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalMiB: Math.round(kb('MemTotal') / 1024),
    memAvailableMiB: Math.round(kb('MemAvailable') / 1024),
    loadAverageAtStart: loadAverage(),
    node: process.version,
    commit,
    uncommittedChanges: dirty,
  };
}
