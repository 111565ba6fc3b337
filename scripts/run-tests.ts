/**
 * Runs every test file under test/ with node's built-in runner, in one process tree so CI reads a
 * single summary. Optional arguments filter by path substring: `npm test -- unit` runs
 * test/unit only, `npm test -- credit-code` one file. test/cluster runs only when named
 * (`npm run test:cluster`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    });
}

// Fast tests first: pure rules, then workflows on the time-skipping server, then end to end.
const order = ['unit', 'workflows', 'e2e'];
const filters = process.argv.slice(2);
// test/cluster (npm run test:cluster) runs only when asked for by name: it builds and starts a cluster.
const CLUSTER = join('test', 'cluster');
const files = testFiles(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => (filters.length === 0 ? !f.startsWith(CLUSTER) : filters.some((needle) => f.includes(needle))))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

function rank(file: string): number {
  const i = order.findIndex((dir) => file.startsWith(join('test', dir)));
  return i < 0 ? order.length : i;
}

if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ')}`);
  process.exit(1);
}

// Two cores: run files one at a time so servers started by workflow and e2e tests do not starve
// each other; each file still runs its own tests in order.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', ...files],
  { cwd: root, stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
