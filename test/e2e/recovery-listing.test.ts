/**
 * End to end, issue 15: a recovery case in the listing and the inbox, on the dev server (`npm
 * start`, SQLite visibility: the time-skipping test server has no visibility list). The listing
 * must show an application with a recovery case once, under the application's id, with the
 * case's stage and pending roles, and no longer at the stage its closed workflow ended at.
 *
 * The dev server's clock cannot skip a notice window, so the paid application is started as a
 * continued run is (the application workflow with `resume`), at disbursement with its lump sum
 * instructed, from the state of an application filed over HTTP a moment before; from then on
 * everything is over HTTP: finance confirms the payment (→ `completed`, the workflow closes), an
 * inspector reports fraud (→ the recovery case).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import type { ApplicationInput, ApplicationState, Tranche } from '../../domain/application';
import { shanghaiDate } from '../../domain/calendar';
import { loadCatalog } from '../../lib/catalog-store';
import type { Role } from '../../domain/roles';
import { creditCode } from '../helpers/fixtures';
import { doc } from '../helpers/lifecycle';
import { http, type HttpAnswer, type RunningEngine, startEngine } from '../helpers/engine';
import { callOn, openRound } from '../helpers/rounds';
import { tempDir } from '../helpers/temporal';

const PROGRAM = 'dinghu-rnd-institution';
const FACTS = { institutionCategory: 'national-key-lab-or-engineering-centre', recognitionDocument: '国科发〔2026〕12号' };

describe('a recovery case in the listing and the inbox, on the dev server', { timeout: 300_000 }, () => {
  let engine: RunningEngine;
  let connection: Connection;
  const dataDir = tempDir('e2e-recovery-listing');
  const code = creditCode(7301);
  let id = '';

  const call = (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(engine, method, path, options);
  async function eventually(path: string, role: Role, ok: (a: HttpAnswer) => boolean, what: string): Promise<HttpAnswer> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await call('GET', path, { role });
      if (ok(answer)) return answer;
      if (Date.now() > deadline) assert.fail(`waited 20 s for ${what}; last answer ${answer.status} ${JSON.stringify(answer.body).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  before(async () => {
    engine = await startEngine(dataDir, undefined, { DEV_API_KEYS: 'true' });
    connection = await Connection.connect({ address: `127.0.0.1:${engine.ports.temporal}` });
  });
  after(async () => {
    await connection?.close();
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  it('a completed application with a recovery case is listed once, under its id, at the case\'s stage; the inbox shows its pending decision', async () => {
    // The state of a real filing (into the round the admin opened; one application per recognised
    // institution), carried on as a run resumed at disbursement.
    const round = await openRound(callOn(engine), PROGRAM);
    const institution = (n: number) => ({ code: `GJZDSYS-${n}`, name: `鼎湖示例国家重点实验室${n}` });
    const filed = await call('POST', '/applications', {
      role: 'applicant-system',
      body: { programId: PROGRAM, roundId: round.id, applicant: { creditCode: creditCode(7300), name: '鼎湖示例研究院' }, project: institution(7300), facts: FACTS },
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const template: ApplicationState = (await eventually(`/applications/${filed.body.id}`, 'auditor', (a) => a.status === 200, 'the filing')).body;
    const catalog = loadCatalog();
    const program = catalog.getProgram(PROGRAM)!;
    id = `${PROGRAM}.${filed.body.round}.${code}.${institution(7301).code}`;
    const now = new Date().toISOString();
    const tranche: Tranche = {
      n: 1, milestone: 'lump-sum', amount: '2000000.00', status: 'instructed', paidOn: null, treasuryReference: null, condition: 'one-time award after the public notice',
      trigger: { kind: 'after-notice' }, claimableFrom: null, claims: [], instructionProblem: null, confirmation: null,
      instruction: { idempotencyKey: `${id}:tranche:1:payment-instruction`, at: now, budgetCheck: {} },
    };
    const { links: _links, ...base } = template as ApplicationState & { links?: unknown };
    const state: ApplicationState = {
      ...base,
      id,
      applicant: { creditCode: code, name: '鼎湖示例研究院' },
      project: { declared: institution(7301), check: base.project?.check ?? null },
      stage: 'disbursement',
      award: { ...base.award, recommended: '2000000.00', approved: '2000000.00' },
      tranches: [tranche],
      pending: [],
    };
    const input: ApplicationInput = {
      id,
      programId: PROGRAM,
      round: filed.body.round,
      catalogVersion: catalog.version,
      programHash: catalog.programHash(PROGRAM)!,
      program,
      applicant: state.applicant,
      facts: FACTS,
      project: institution(7301),
      filedBy: { id: 'e2e', role: 'applicant-system', name: 'e2e' },
      resume: { state, keys: {} },
    };
    await new Client({ connection }).workflow.start('applicationWorkflow', { workflowId: id, taskQueue: 'subsidy-applications', args: [input] });

    const paidOn = shanghaiDate(Date.now());
    const confirmed = await call('POST', `/applications/${id}/tranches/1/confirmation`, { role: 'finance-officer', body: { treasuryReference: 'GK-LIST-1', paidOn }, headers: { 'Idempotency-Key': 'list-confirmation' } });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.stage, 'completed');
    await eventually(`/applications?applicant=${code}&stage=completed&open=false`, 'auditor', (a) => a.body.total === 1, 'the completed application listed');

    const report = await call('POST', `/applications/${id}/fraud-report`, { role: 'inspector', body: { findings: '认定文件系伪造', evidence: [doc('核查笔录.pdf')] }, headers: { 'Idempotency-Key': 'list-fraud' } });
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.equal(report.body.stage, 'recovery');

    // One item, under the application's id, at the case's stage, open, pending for the approver.
    const listed = await eventually(`/applications?applicant=${code}`, 'auditor', (a) => a.body.items?.[0]?.stage === 'recovery', 'the case listed');
    assert.equal(listed.body.total, 1, JSON.stringify(listed.body));
    const [item] = listed.body.items;
    assert.deepEqual([item.id, item.stage, item.status, item.pendingRoles], [id, 'recovery', 'RUNNING', ['approver']]);
    assert.ok(item.links.self.endsWith(encodeURIComponent(id)));
    // No longer listed at the stage its closed workflow ended at.
    const completed = await call('GET', `/applications?applicant=${code}&stage=completed`, { role: 'auditor' });
    assert.equal(completed.body.total, 0, JSON.stringify(completed.body));
    const recovering = await call('GET', `/applications?stage=recovery&pendingRole=approver`, { role: 'auditor' });
    assert.deepEqual(recovering.body.items.map((i: { id: string }) => i.id), [id]);

    const inbox = await eventually('/inbox', 'approver', (a) => a.body.items?.some((i: { id: string }) => i.id === id), 'the inbox');
    const mine = inbox.body.items.filter((i: { id: string }) => i.id === id);
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0].pending.map((p: { action: string }) => p.action), ['clawback-decision']);
  });
});
