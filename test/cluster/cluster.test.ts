/**
 * `npm run test:cluster`: the engine on a real multi-service Temporal cluster on PostgreSQL
 * (deploy/start-cluster.ts: the four Temporal services as processes, two workers, two API
 * processes, the engine's database on the cluster's PostgreSQL): the one `npm run cluster` runs
 * (found by its `cluster.json`, deploy/running-cluster.ts), or else one the test brings up in a
 * data folder of its own and stops at the end. Not part of `npm test` (the first run builds
 * the Temporal server with Go, about 5 minutes); `.ci/run` runs it when Go is there.
 *
 * The story:
 * - an admin supplies the working-day calendar of the coming weeks through API 1; API 2 serves it
 *   at once, and an application filed and driven through API 2 has its public notice counted on
 *   it (the worker read it from the database);
 * - full lifecycles through three tranches, each application's actions alternating between the
 *   two APIs, while worker 1 is killed (SIGKILL) after the first tranche and started again after
 *   the second;
 * - at the end every application is in monitoring with every tranche paid, one payment
 *   instruction per tranche and one notice (test/helpers/procedure.ts `checkConsistency`);
 * - an API key issued through one API opens the other, and a revocation through either is
 *   refused by both; a dishonesty listing through one is served by the other;
 * - each worker and API has a data folder of its own, and nothing is in them: every piece of
 *   shared data is in the database.
 *
 * The lifecycles are started as the API starts an application (scripts/bench/direct-start.ts),
 * from the input an HTTP filing was given, with the program's notice period set to zero: the
 * cluster keeps real time, and the catalog requires at least five working days of notice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApplicationInput } from '../../domain/application';
import { shanghaiDate } from '../../domain/calendar';
import { ledgerWorkflowId, roundWorkflowId } from '../../domain/rounds';
import type { Role } from '../../domain/roles';
import { attachedWorkers, type ClusterInfo, findRunningCluster } from '../../deploy/running-cluster';
import { type Cluster, type ClusterWorkers, startCluster } from '../../deploy/start-cluster';
import { libraryYear } from '../../lib/calendar-store';
import { codecsOf, decodePayload, payloadEncryptionOf } from '../../lib/data-converter';
import { parseSettings, PROJECT_ROOT } from '../../lib/settings';
import { registerUpdate } from '../../workflows/round-messages';
import { startApplication } from '../../scripts/bench/direct-start';
import { illustrativeCalendar } from '../../scripts/illustrative-calendar';
import { answerOf } from '../helpers/answer';
import { creditCode } from '../helpers/fixtures';
import { checkConsistency, type EngineHandle, MILESTONES, Procedure } from '../helpers/procedure';
import type { OutboxLine } from '../helpers/time-skipping-engine';

const LIFECYCLES = 4;
const DAY = 86_400_000;

describe('the engine on a Temporal cluster on PostgreSQL, two workers and two APIs', { timeout: 30 * 60_000 }, () => {
  /** The cluster under test: one `npm run cluster` runs, or one brought up for the test (then `ours`). */
  let cluster: Omit<ClusterInfo, 'pid' | 'workerCount'> & { workers: ClusterWorkers };
  let ours: Cluster | undefined;
  let dataDir: string | undefined;
  let client: Client;
  let connection: Connection;
  /** A driver per API process: [API 1, API 2]. */
  let procedures: [Procedure, Procedure];
  let keys: Record<Role, string>;
  /** The application filed through API 2 (the calendar test): its input is the lifecycles' template. */
  let filedOverHttp = '';

  const engineOn = (base: string): EngineHandle => ({
    async http(method, path, role, body, headers = {}) {
      const sent: Record<string, string> = { ...headers };
      if (role) sent['X-Api-Key'] = keys[role];
      if (body !== undefined) sent['Content-Type'] = 'application/json';
      return answerOf(await fetch(`${base}${path}`, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) }));
    },
    advance: async () => Promise.reject(new Error('a cluster keeps real time')),
    now: async () => new Date(),
  });

  before(async () => {
    const running = await findRunningCluster(process.env.CLUSTER_DATA_DIR ? resolve(PROJECT_ROOT, process.env.CLUSTER_DATA_DIR) : join(PROJECT_ROOT, '.data', 'cluster'));
    if (running) {
      console.log(`# testing the cluster npm run cluster runs (process ${running.pid}, ${running.proxyUrl})`);
      cluster = { ...running, workers: attachedWorkers(running) };
    } else {
      mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
      dataDir = mkdtempSync(join(PROJECT_ROOT, '.data', 'cluster-test-'));
      // PostgreSQL runs as its own user (deploy/postgres.ts) and must reach its folder inside.
      chmodSync(dataDir, 0o755);
      ours = await startCluster({ dataDir, log: (line) => console.log(`# [cluster] ${line}`) });
      cluster = ours;
    }
    keys = JSON.parse(readFileSync(cluster.apiKeysFile, 'utf8')) as Record<Role, string>;
    procedures = [new Procedure(engineOn(cluster.apis[0]!), { pollMs: 100 }), new Procedure(engineOn(cluster.apis[1]!), { pollMs: 100 })];
    const settings = parseSettings({ ...process.env, ...cluster.engineConfig });
    connection = await Connection.connect({ address: cluster.temporalAddress });
    client = new Client({ connection, namespace: cluster.namespace, dataConverter: payloadEncryptionOf(settings).dataConverter });
  });

  after(async () => {
    await connection?.close();
    await ours?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves through both APIs behind one port', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${cluster.proxyUrl}/health`);
      assert.equal(res.status, 200);
      served.add(res.headers.get('x-served-by') ?? '');
    }
    assert.equal(served.size, 2, `the load balancer alternates between the APIs: ${[...served].join(', ')}`);
  });

  it('a calendar year an admin supplies through API 1 is served by API 2 and counts the notice of an application acting through API 2', async () => {
    const [api1, api2] = procedures;
    const years = [...new Set([0, 45].map((d) => Number(shanghaiDate(Date.now() + d * DAY).slice(0, 4))))];
    for (const year of years) {
      // The library's schedule where it knows the year (the deadlines stay the official ones), as the admin's.
      const known = libraryYear(year);
      const body = known ? { holidays: known.holidays, workdays: known.workdays } : illustrativeCalendar(year);
      const put = await engineOn(cluster.apis[0]!).http('PUT', `/calendar/years/${year}`, 'admin', body, { 'Idempotency-Key': randomUUID() });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const seen = await engineOn(cluster.apis[1]!).http('GET', `/calendar/years/${year}`, 'auditor');
      assert.equal(seen.status, 200);
      assert.equal(seen.body.source, 'admin', `API 2 serves the year ${year} API 1 stored`);
      assert.deepEqual(seen.body.holidays, [...body.holidays].sort());
    }

    await api1.openRound(LIFECYCLES + 2);
    api2.round = api1.round;
    const id = await api2.file(7_000_001);
    filedOverHttp = id;
    await api2.toNotice(id);
    const s = await api2.state(id);
    const published = (s.audit as Array<{ action: string; details?: { calendarSources?: Record<string, string> } }>).find((e) => e.action === 'notice-published');
    assert.ok(published, 'the notice is published');
    const sources = Object.values(published.details?.calendarSources ?? {});
    assert.ok(sources.length > 0 && sources.every((source) => source === 'admin'), `the worker counted on the admin's years: ${JSON.stringify(published.details?.calendarSources)}`);
  });

  it('full lifecycles through both APIs while a worker is killed and started again: every tranche paid once', async () => {
    assert.ok(filedOverHttp, 'the application filed over HTTP in the calendar test');
    const template = await inputOf(filedOverHttp);
    const ids: string[] = [];
    for (let n = 1; n <= LIFECYCLES; n++) ids.push(await startLifecycle(template, n));
    // Each application's actions alternate between the APIs, one step to the next.
    const via = (id: string, step: number) => procedures[(ids.indexOf(id) + step) % 2]!;
    await Promise.all(ids.map(async (id) => {
      await via(id, 0).toNotice(id);
      await via(id, 1).agreement(id);
    }));
    for (let n = 1; n <= MILESTONES.length; n++) {
      if (n === 2) {
        await cluster.workers.kill(0);
        // A running `npm run cluster` starts a crashed worker again by itself, a second later.
        if (ours) assert.equal(cluster.workers.pid(0), undefined, 'worker 1 is down');
      }
      if (n === 3) await cluster.workers.restart(0);
      await Promise.all(ids.map(async (id) => {
        await via(id, n).claim(id, n);
        await via(id, n + 1).instructed(id, n);
        await via(id, n).confirm(id, n);
      }));
    }
    // The outbox every worker wrote to, in the shared database, read through one API as an auditor would.
    const effects: OutboxLine[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const page = await engineOn(cluster.apis[1]!).http('GET', `/outbox-messages?after=${after}&limit=1000`, 'auditor');
      assert.equal(page.status, 200, JSON.stringify(page.body));
      effects.push(...(page.body.messages as OutboxLine[]));
      after = page.body.next as number | null;
    }
    assert.deepEqual(await checkConsistency(procedures[1], ids, effects), []);
  });

  it('an API key issued through API 1 opens API 2; revoked through API 2, API 1 refuses it; a dishonesty listing through one is seen by the other', async () => {
    const [api1, api2] = [engineOn(cluster.apis[0]!), engineOn(cluster.apis[1]!)];
    const issued = await api1.http('POST', '/api-keys', 'admin', { principalId: 'audit-office', name: '审计局', roles: ['auditor'] }, { 'Idempotency-Key': randomUUID() });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const withKey = { 'X-Api-Key': issued.body.secret as string };
    assert.equal((await api2.http('GET', '/dishonesty-list', undefined, undefined, withKey)).status, 200, 'API 2 accepts the key API 1 issued');
    const revoked = await api2.http('POST', `/api-keys/${encodeURIComponent(issued.body.id as string)}/revocation`, 'admin', { reason: '测试结束' });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal((await api1.http('GET', '/dishonesty-list', undefined, undefined, withKey)).status, 401, 'API 1 refuses the key API 2 revoked');

    const code = creditCode(990_001);
    const listed = await api1.http('PUT', `/dishonesty-list/${code}`, 'admin', { name: '测试失信企业', reason: '测试' });
    assert.equal(listed.status, 201, JSON.stringify(listed.body));
    const seen = await api2.http('GET', `/dishonesty-list/${code}`, 'auditor');
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.listed, true, 'API 2 serves the listing API 1 wrote');
  });

  it('no engine process keeps data in a local folder: each worker and API has its own DATA_DIR, and they are empty', async () => {
    assert.equal(Object.keys(cluster.processDataDirs).length, 4);
    for (const [name, dir] of Object.entries(cluster.processDataDirs)) {
      const files = existsSync(dir) ? readdirSync(dir, { recursive: true }) : [];
      assert.deepEqual(files, [], `${name}'s DATA_DIR ${dir} holds nothing`);
    }
  });

  /** The input the API started an application with (its first event), decoded. */
  async function inputOf(workflowId: string): Promise<ApplicationInput> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.ok(payload, `${workflowId} has its input in its first event`);
    return defaultPayloadConverter.fromPayload(await decodePayload(payload, codecsOf(client.options.dataConverter))) as ApplicationInput;
  }

  /** Lifecycle `n`: the template's program without a notice period, registered with the round and started as the API starts one (as the bench's lifecycles are). */
  async function startLifecycle(template: ApplicationInput, n: number): Promise<string> {
    const code = creditCode(7_100_000 + n);
    const id = `${template.programId}.${template.round}.${code}`;
    const terms = template.roundTerms!;
    const amountByFormula = (template.filingChecks?.eligibility as { amountByFormula?: string } | undefined)?.amountByFormula;
    assert.ok(terms && amountByFormula, 'the template was filed into a round, with its amount by formula');
    const applicant = { ...template.applicant, creditCode: code };
    await client.workflow.getHandle(roundWorkflowId(terms.id)).executeUpdate(registerUpdate, {
      args: [{ applicationId: id, applicant, project: template.project ?? null, amountByFormula, filedAt: new Date().toISOString() }],
    });
    await startApplication(client, {
      ...template,
      id,
      applicant,
      program: { ...template.program, notice: { ...template.program.notice, workingDays: 0 } },
      roundTerms: { ...terms, ledgerId: ledgerWorkflowId(code, terms.year) },
    });
    await procedures[n % 2]!.until(id, 'the preliminary record pending', (s) => (s.pending as Array<{ action: string }>).some((p) => p.action === 'preliminary-record'));
    return id;
  }
});
