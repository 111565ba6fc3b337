/**
 * `npm run schemathesis`: the contract test of test/e2e/contract.test.ts on its own, printing
 * every finding. Starts the engine (`npm start` on free ports, a temporary data folder), runs
 * schemathesis with every check as admin, applicant-system and auditor, stops the engine, and
 * exits 1 on any 5xx or any finding test/schemathesis-exceptions.json does not allow.
 * `SCHEMATHESIS_SECONDS` sets each role's time budget (default 50).
 */
import { join } from 'node:path';
import { contractEngineEnv, describeFindings, fuzzContract } from '../test/helpers/schemathesis';
import { startEngine } from '../test/helpers/engine';
import { tempDir } from '../test/helpers/temporal';

async function main(): Promise<number> {
  const dir = tempDir('schemathesis');
  console.log(`Starting the engine in ${dir}`);
  const engine = await startEngine(join(dir, 'data'), undefined, contractEngineEnv);
  try {
    const seconds = Number(process.env.SCHEMATHESIS_SECONDS ?? 50);
    const result = await fuzzContract(engine, { reportDir: join(dir, 'reports'), secondsPerRole: seconds, log: (line) => console.log(line) });
    console.log(`requests: ${result.requests}, 5xx: ${result.serverErrors}, 429: ${result.rateLimited}, findings: ${result.findings.length}, allowed by the exceptions file: ${result.allowed.length}, mislabelled: ${result.mislabelled.length}`);
    console.log(`answers by status: ${JSON.stringify(result.statuses)}`);
    console.log(`seeds: ${JSON.stringify(result.seeds)}; reports in ${join(dir, 'reports')}`);
    if (result.findings.length) console.log(`Findings:\n${describeFindings(result.findings)}`);
    if (result.mislabelled.length) console.log(`Mislabelled by schemathesis (the body is schema-invalid by the document):\n${describeFindings(result.mislabelled)}`);
    if (result.allowed.length) console.log(`Allowed:\n${describeFindings(result.allowed.map((a) => a.finding))}`);
    if (result.unusedExceptions.length) console.log(`Exceptions no finding needed this run: ${result.unusedExceptions.map((e) => `${e.code} ${e.operation}${e.field ? ` ${e.field}` : ''}`).join('; ')}`);
    return result.findings.length === 0 && result.serverErrors === 0 && result.rateLimited * 4 < result.requests ? 0 : 1;
  } finally {
    await engine.interrupt();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
