/**
 * The published contract is exact (issue 14): schemathesis, from PyPI in a virtualenv under
 * `.tools/`, sends requests generated from `/openapi.json` to `npm start` with every check on,
 * as admin, applicant-system and auditor, each for a bounded time, after the admin opened one
 * round per program (filing is possible only into an open round). No answer may be a 5xx, and
 * every failed check must be one that test/schemathesis-exceptions.json allows and justifies.
 * `npm run schemathesis` runs the same on its own and prints every finding.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type RunningEngine, startEngine } from '../helpers/engine';
import { contractEngineEnv, describeFindings, fuzzContract, PINNED_SEEDS, type FuzzResult } from '../helpers/schemathesis';
import { tempDir } from '../helpers/temporal';

describe('schemathesis against npm start: the contract is exact', { timeout: 12 * 60_000 }, () => {
  let engine: RunningEngine;
  let result: FuzzResult;
  const dir = tempDir('e2e-contract');

  before(async () => {
    engine = await startEngine(join(dir, 'data'), undefined, contractEngineEnv);
    result = await fuzzContract(engine, { reportDir: join(dir, 'reports'), secondsPerRole: 50, seeds: PINNED_SEEDS, log: (line) => console.log(`# ${line}`) });
    console.log(`# schemathesis: ${result.requests} requests, ${result.serverErrors} × 5xx, ${result.rateLimited} × 429, ${result.findings.length} findings, ${result.allowed.length} allowed, ${result.mislabelled.length} mislabelled; answers by status ${JSON.stringify(result.statuses)}; seeds ${JSON.stringify(result.seeds)}`);
  });

  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  it('sends enough requests that reach the API (not drowned in 429s)', () => {
    assert.ok(result.requests >= 1000, `only ${result.requests} requests`);
    assert.ok(result.rateLimited * 4 < result.requests, `${result.rateLimited} of ${result.requests} answers were 429: the run tested the rate limiter`);
  });

  it('no answer is a 5xx', () => {
    assert.equal(result.serverErrors, 0);
  });

  it('every failed check is allowed, with its justification, by test/schemathesis-exceptions.json', () => {
    assert.equal(result.findings.length, 0, `findings:\n${describeFindings(result.findings)}`);
  });
});
