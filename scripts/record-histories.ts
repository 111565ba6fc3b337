/**
 * `npm run record-histories`: runs the demo scenarios (scripts/scenarios.ts) on the time-skipping
 * server and writes each workflow run's full history to test/histories/, where the replay test
 * (test/workflows/replay.test.ts) replays every one against the current workflow code.
 *
 * Re-record only when adding a scenario, never to make a failing replay pass: a failing replay
 * means the change would break applications in flight (docs/changing-workflow-code.md).
 *
 * File names: `<scenario>.json`, or `<scenario>.run-<k>.json` for each run of an application
 * that continued as new. `npm run record-histories -- <scenario-id>` records only that scenario.
 * `--label <label>` writes `<scenario>.<label>.json` beside the existing files instead: a new
 * recording for new behaviour, next to the old one it must not replace.
 *
 * Payloads are recorded encrypted, as the engine writes them, under the test-only key
 * (test/helpers/TEST-ONLY-payload-keys.json) that the replay test decrypts with;
 * `--payload-keys <key file>` names another key file (lib/codec-keys.ts shape).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { readKeyFile } from '../lib/codec-keys';
import { dataConverterFor } from '../lib/data-converter';
import { historyToJson } from './history-json';
import { createRunner, SCENARIOS } from './scenarios';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});

const HISTORIES_DIR = join(__dirname, '..', 'test', 'histories');
const TEST_ONLY_KEYS = join(__dirname, '..', 'test', 'helpers', 'TEST-ONLY-payload-keys.json');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const labelAt = args.indexOf('--label');
  const label = labelAt >= 0 ? args[labelAt + 1] : undefined;
  if (labelAt >= 0 && !/^[a-z0-9-]+$/.test(label ?? '')) throw new Error('--label needs a name of lower-case letters, digits and dashes');
  const keysAt = args.indexOf('--payload-keys');
  const keysFile = keysAt >= 0 ? args[keysAt + 1] : TEST_ONLY_KEYS;
  if (!keysFile) throw new Error('--payload-keys needs the path of a key file');
  const flagged = new Set([labelAt, keysAt].filter((at) => at >= 0).flatMap((at) => [at, at + 1]));
  const wanted = args.filter((_, i) => !flagged.has(i));
  const base = (id: string) => (label ? `${id}.${label}` : id);
  const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const scenarios = SCENARIOS.filter((s) => wanted.length === 0 || wanted.includes(s.id));
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'subsidy-histories-'));
  mkdirSync(HISTORIES_DIR, { recursive: true });
  try {
    const runner = await createRunner(dataDir, undefined, dataConverterFor(readKeyFile(keysFile)));
    console.log(`payloads encrypted under the key file ${relative(process.cwd(), keysFile)}`);
    if (runner.years.note) console.log(runner.years.note);
    for (const scenario of scenarios) {
      await runner.run(scenario, async (o) => {
        // Replace this scenario's files only.
        const own = base(scenario.id);
        for (const f of readdirSync(HISTORIES_DIR)) {
          if (f === `${own}.json` || (f.startsWith(`${own}.run-`) && f.endsWith('.json'))) rmSync(join(HISTORIES_DIR, f));
        }
        for (const [i, runId] of o.runIds.entries()) {
          const history = await o.env.client.workflow.getHandle(o.workflowId, runId).fetchHistory();
          const name = o.runIds.length === 1 ? `${own}.json` : `${own}.run-${i + 1}.json`;
          const path = join(HISTORIES_DIR, name);
          writeFileSync(path, `${historyToJson(history)}\n`);
          console.log(`${relative(process.cwd(), path)}: ${history.events?.length ?? 0} events (${o.final.stage}, run ${i + 1} of ${o.runIds.length})`);
        }
      });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`recorded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
