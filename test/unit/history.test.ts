/**
 * The audit trail (api/history.ts) read from the real recorded histories under test/histories/
 * (`npm run record-histories`): who acted in which order, payment instructions and confirmations
 * with their amounts and references, timers, the clawback, and numbering across continue-as-new.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as grpcStatus, Metadata } from '@grpc/grpc-js';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { historyFromJson } from '../../lib/history-json';
import { testDataConverter } from '../helpers/temporal';
import { auditTrail, fetchRunHistory, fetchRuns, historyReport, rawHistoryJson, runIdOf, type AuditEntry, type History, type Run } from '../../api/history';

const HISTORIES = join(__dirname, '..', 'histories');

function fixture(file: string): Run & { json: unknown } {
  const json: unknown = JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'));
  const history = historyFromJson(json);
  const runId = runIdOf(history);
  assert.ok(runId, `${file}: no run id in the started event`);
  return { runId, history, json };
}

const PAID = 'dinghu-generic-drug-consistency.2027.91441200MA0000101H';
const MOVED_OUT_FILES = [1, 2, 3, 4].map((k) => `moved-out-in-year-3.run-${k}.json`);
const of = (trail: AuditEntry[], kind: AuditEntry['kind'], action?: string) => trail.filter((e) => e.kind === kind && (action === undefined || e.action === action));

test('a full lifecycle: the filer, then every person who acted, in order, with the engine in between', () => {
  const trail = auditTrail([fixture('paid-and-kept.json')]);
  assert.equal(trail[0]!.kind, 'filed');
  assert.deepEqual(trail[0]!.actor, { id: 'filing-system-01', role: 'applicant-system', name: '企业申报系统' });
  assert.match(trail[0]!.summary, new RegExp(`filed application ${PAID.replace(/\./g, '\\.')}: 肇庆鼎湖示例制药有限公司`));

  const tranche = ['progress:filing-system-01', 'verification:reviewer-wang', 'confirmation:finance-sun'];
  assert.deepEqual(
    of(trail, 'action').map((e) => `${e.action}:${e.actor?.id}`),
    [
      'preliminary-record:intake-chen',
      'materials:filing-system-01',
      'inspection:inspector-liu',
      'recommendation:reviewer-wang',
      'sign-off:approver-zhao',
      'agreement:filing-system-01',
      ...tranche,
      ...tranche,
      ...tranche,
    ],
  );

  const signOff = of(trail, 'action', 'sign-off')[0]!;
  assert.equal(signOff.summary, 'approver 赵敏 (approver-zhao) signed off: approve 3500000.00 yuan (同意，予以公示)');
  assert.equal(signOff.endpoint, `POST /applications/${PAID}/sign-off`);
  assert.equal(signOff.at, '2027-04-19T02:00:00.017Z');
  assert.equal(signOff.outcome, 'applied');
  assert.deepEqual(signOff.amounts, { amount: '3500000.00' });
  assert.deepEqual(signOff.changes, {
    stage: { from: 'sign-off', to: 'public-notice' },
    'award.approved': { from: null, to: '3500000.00' },
  });

  assert.deepEqual(
    of(trail, 'stage').map((e) => e.changes?.stage?.to),
    ['preliminary-record', 'formal-submission', 'review', 'inspection', 'review', 'sign-off', 'public-notice', 'agreement', 'disbursement', 'monitoring', 'completed'],
  );
  // A stage names who moved it: the engine started the inspection, the inspector ended it.
  const stages = of(trail, 'stage');
  assert.equal(stages[3]!.actor?.id, 'engine');
  assert.equal(stages[4]!.actor?.id, 'inspector-liu');

  const last = trail.at(-1)!;
  assert.equal(last.kind, 'completed');
  assert.equal(last.summary, 'the application ended at stage completed: every obligation period ended on 2033-03-14');
  for (let i = 1; i < trail.length; i++) assert.ok(trail[i]!.eventId > trail[i - 1]!.eventId, `entry ${i} is out of order`);
});

test('a payment instruction is an effect with its amount and idempotency reference', () => {
  const instructions = of(auditTrail([fixture('paid-and-kept.json')]), 'effect', 'sendPaymentInstruction');
  assert.deepEqual(
    instructions.map((e) => [e.amounts?.amount, e.paymentReference?.tranche, e.paymentReference?.idempotencyKey, e.outcome, e.actor?.id]),
    [
      ['1000000.00', 1, `${PAID}:tranche:1:payment-instruction`, 'delivered', 'engine'],
      ['1000000.00', 2, `${PAID}:tranche:2:payment-instruction`, 'delivered', 'engine'],
      ['1500000.00', 3, `${PAID}:tranche:3:payment-instruction`, 'delivered', 'engine'],
    ],
  );
  assert.match(instructions[2]!.summary, /tranche 3 \(consistency-passed\): 1500000\.00 yuan to 肇庆鼎湖示例制药有限公司 \(91441200MA0000101H\)/);
  assert.equal(instructions[0]!.at, '2027-05-20T02:00:00.008Z');
});

test('a confirmation shows the treasury reference, the tranche amount and the instruction it settles', () => {
  const confirmations = of(auditTrail([fixture('paid-and-kept.json')]), 'action', 'confirmation');
  assert.deepEqual(
    confirmations.map((e) => e.paymentReference),
    [1, 2, 3].map((n) => ({
      tranche: n,
      treasuryReference: ['GK-20270524-00101H-1', 'GK-20270914-00101H-2', 'GK-20280314-00101H-3'][n - 1],
      idempotencyKey: `${PAID}:tranche:${n}:payment-instruction`,
    })),
  );
  const first = confirmations[0]!;
  assert.equal(first.summary, 'finance-officer 孙洁 (finance-sun) confirmed tranche 1 (1000000.00 yuan) paid on 2027-05-24, treasury reference GK-20270524-00101H-1');
  assert.equal(first.endpoint, `POST /applications/${PAID}/tranches/1/confirmation`);
  assert.deepEqual(first.amounts, { 'tranche amount': '1000000.00' });
  assert.deepEqual(first.changes?.['tranche 1.status'], { from: 'instructed', to: 'paid' });
  // The last payment starts monitoring: the answer shows the stage it moved to.
  assert.deepEqual(confirmations[2]!.changes?.stage, { from: 'disbursement', to: 'monitoring' });
});

test('timers: what each waited for, when it fires, and which fired', () => {
  const trail = auditTrail([fixture('paid-and-kept.json')]);
  assert.deepEqual(
    of(trail, 'timer-fired').map((e) => [e.at, e.timer?.id, e.timer?.purpose, e.timer?.firesAt]),
    [
      ['2027-04-26T16:00:00.005Z', '4', 'the end of the public-notice window (publication 1)', '2027-04-26T16:00:00.000Z'],
      ['2033-03-14T16:00:00.008Z', '6', 'the end of obligation stay-5-years (2033-03-14)', '2033-03-14T16:00:00.000Z'],
    ],
  );
  const started = of(trail, 'timer-started');
  assert.deepEqual(
    started.map((e) => [e.timer?.id, e.timer?.purpose, e.outcome]),
    [
      ['1', 'the materials deadline', 'cancelled'],
      ['2', 'the review deadline', 'cancelled'],
      ['3', 'the review deadline', 'cancelled'],
      ['4', 'the end of the public-notice window (publication 1)', 'fired'],
      ['5', 'the agreement deadline', 'cancelled'],
      ['6', 'the end of obligation stay-5-years (2033-03-14)', 'fired'],
    ],
  );
  assert.equal(started[0]!.timer?.firesAt, '2027-03-31T16:00:00.000Z');
  assert.equal(started[0]!.timer?.cancelledAt, '2027-03-15T02:00:00.016Z');

  const firedOnly = auditTrail([fixture('paid-and-kept.json')], { timers: 'fired' });
  assert.equal(of(firedOnly, 'timer-started').length, 0);
  assert.equal(of(firedOnly, 'timer-fired').length, 2);
});

test('a clawback: the decision, the effects with amounts, the repayments and the outstanding balance', () => {
  const trail = auditTrail(MOVED_OUT_FILES.map(fixture));
  const decision = of(trail, 'action', 'clawback-decision')[0]!;
  assert.equal(decision.actor?.id, 'approver-zhao');
  assert.deepEqual(decision.changes?.['clawback.principal'], { from: null, to: '3500000.00' });
  assert.deepEqual(decision.changes?.stage, { from: 'monitoring', to: 'clawback' });

  const repayments = of(trail, 'action', 'repayments');
  assert.deepEqual(
    repayments.map((e) => [e.run, e.actor?.id, e.amounts]),
    [
      [4, 'finance-sun', { amount: '1000000.00', 'outstanding after': '2785625.00' }],
      [4, 'finance-sun', { amount: '2789107.03', 'outstanding after': '0.00' }],
    ],
  );
  assert.equal(repayments[1]!.summary, 'finance-officer 孙洁 (finance-sun) recorded a repayment of 2789107.03 yuan paid on 2030-07-20; 0.00 yuan now outstanding');
  assert.equal(trail.at(-1)!.summary, 'the application ended at stage clawed-back: everything recovered: principal 3500000.00, interest 289107.03, repaid 3789107.03');

  // Unpaid by the deadline: the deadline timer fires, the engine refers the case with the amount outstanding.
  const referred = auditTrail([fixture('unpaid-clawback-referred.json')]);
  const deadline = of(referred, 'timer-fired').find((e) => e.timer?.purpose === 'the repayment deadline');
  assert.equal(deadline?.at, '2027-12-27T16:00:00.003Z');
  const referrals = of(referred, 'effect', 'sendReferral');
  assert.deepEqual(
    referrals.map((e) => [e.summary.includes('judicial authorities'), e.amounts]),
    [
      [true, undefined],
      [false, { outstanding: '2026750.00' }],
    ],
  );
  const toReferred = of(referred, 'stage').find((e) => e.changes?.stage?.to === 'referred');
  assert.equal(toReferred?.actor?.id, 'engine');
  assert.deepEqual(of(referred, 'action', 'repayments')[0]?.amounts, { amount: '2044250.00', 'outstanding after': '0.00' });
});

test('continued as new: four runs numbered in order, each naming the next', () => {
  const runs = MOVED_OUT_FILES.map(fixture);
  const report = historyReport(runs);
  assert.equal(report.applicationId, 'dinghu-generic-drug-consistency.2027.91441200MA0000102L');
  assert.deepEqual(
    report.runs.map((r) => [r.run, r.runId, r.status, r.continuedFrom, r.continuedAs, r.stageAtStart, r.stageAtEnd]),
    [
      [1, runs[0]!.runId, 'continued-as-new', null, runs[1]!.runId, null, 'disbursement'],
      [2, runs[1]!.runId, 'continued-as-new', runs[0]!.runId, runs[2]!.runId, 'disbursement', 'disbursement'],
      [3, runs[2]!.runId, 'continued-as-new', runs[1]!.runId, runs[3]!.runId, 'disbursement', 'clawback'],
      [4, runs[3]!.runId, 'completed', runs[2]!.runId, null, 'clawback', 'clawed-back'],
    ],
  );
  const trail = report.entries;
  for (const e of trail) assert.equal(e.runId, runs[e.run - 1]!.runId);
  for (let i = 1; i < trail.length; i++) assert.ok(trail[i]!.run >= trail[i - 1]!.run, `entry ${i}: run numbers go back`);
  const continued = of(trail, 'continued-as-new');
  assert.deepEqual(continued.map((e) => e.run), [1, 2, 3]);
  continued.forEach((e, i) => assert.ok(e.summary.includes(`run ${i + 2} (${runs[i + 1]!.runId})`), e.summary));
  assert.deepEqual(of(trail, 'resumed').map((e) => e.run), [2, 3, 4]);

  // Tranche 3 was verified in run 2 and instructed in run 3, after the continue-as-new.
  const instruction3 = of(trail, 'effect', 'sendPaymentInstruction').find((e) => e.paymentReference?.tranche === 3);
  assert.equal(instruction3?.run, 3);
  assert.equal(instruction3?.amounts?.amount, '1500000.00');
  const confirmation3 = of(trail, 'action', 'confirmation').find((e) => e.paymentReference?.tranche === 3);
  assert.deepEqual([confirmation3?.run, confirmation3?.paymentReference?.treasuryReference], [3, 'GK-20280314-00102L-3']);

  // Given only the later runs, numbering comes from the state's run counter, not from 1.
  const later = historyReport(runs.slice(2));
  assert.deepEqual(later.runs.map((r) => r.run), [3, 4]);
  assert.equal(later.entries[0]!.kind, 'resumed');
  assert.equal(later.entries[0]!.summary, `run 3 carries on from run 2 (${runs[1]!.runId}) at stage disbursement`);
});

test('a run whose history lost its closing event (the time-skipping server leaves such) is shown continued as new, since the next run names it', () => {
  const runs = MOVED_OUT_FILES.map(fixture);
  const events = runs[1]!.history.events!;
  // Run 2 cut after its last WorkflowTaskStarted, as the test server left one in CI (2026-12-03).
  const lastTaskStarted = events.map((e) => e.eventType).lastIndexOf(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const cut = { ...runs[1]!, history: { events: events.slice(0, lastTaskStarted + 1) } };
  const report = historyReport([runs[0]!, cut, runs[2]!, runs[3]!]);
  assert.deepEqual(
    report.runs.map((r) => [r.run, r.status, r.continuedAs]),
    [
      [1, 'continued-as-new', runs[1]!.runId],
      [2, 'continued-as-new', runs[2]!.runId],
      [3, 'continued-as-new', runs[3]!.runId],
      [4, 'completed', null],
    ],
  );
  const continued = of(report.entries, 'continued-as-new');
  assert.deepEqual(continued.map((e) => e.run), [1, 2, 3]);
  assert.match(continued[1]!.summary, new RegExp(`run 3 \\(${runs[2]!.runId}\\) carries on at stage disbursement \\(this run's history ends at event ${lastTaskStarted + 1} without its closing event`));
  assert.equal(continued[1]!.at, report.runs[2]!.startedAt, 'dated when the next run started');
  // The last run, still running, is never taken for one continued.
  const running = historyReport([runs[0]!, { ...runs[1]!, history: { events: runs[1]!.history.events!.slice(0, lastTaskStarted + 1) } }]);
  assert.deepEqual(running.runs.map((r) => r.status), ['continued-as-new', 'running']);
});

test('reads can be left out; effects and actions stay', () => {
  const full = auditTrail([fixture('jianghai-progress-tranches.json')]);
  const lean = auditTrail([fixture('jianghai-progress-tranches.json')], { reads: false });
  assert.ok(of(full, 'activity').length > 0);
  assert.equal(of(lean, 'activity').length, 0);
  assert.equal(of(lean, 'effect').length, of(full, 'effect').length);
  assert.equal(of(lean, 'action').length, 15);
  // The filing records the yuan facts; a progress claim its cumulative investment.
  assert.deepEqual(full[0]!.amounts, { 'facts.agreedInvestment': '400000000.00', amountByFormula: '4000000.00' });
  assert.deepEqual(of(full, 'action', 'progress').map((e) => e.amounts?.cumulativeInvestment), ['125000000.00', '250000000.00', '400000000.00']);
  const schedule = of(full, 'activity', 'paymentSchedule')[0]!;
  assert.deepEqual(schedule.amounts, { approved: '4000000.00', 'tranche 1': '1200000.00', 'tranche 2': '1200000.00', 'tranche 3': '1600000.00' });
});

test('raw: the JSON Temporal tooling reads, identical to the recorded file', () => {
  const { history, json } = fixture('fraud-before-payment.json');
  const raw = rawHistoryJson(history);
  assert.deepEqual(raw, json);
  assert.equal(historyFromJson(JSON.parse(JSON.stringify(raw))).events?.length, history.events?.length);
});

test('signals, refused actions and terminations are rendered too', () => {
  const { EventType } = temporal.api.enums.v1;
  const payloads = (value: unknown) => ({ payloads: [defaultPayloadConverter.toPayload(value)] });
  const at = (s: number) => ({ seconds: 1_830_000_000 + s, nanos: 0 });
  const actor = { id: 'approver-zhao', role: 'approver', name: '赵敏' };
  const history: History = temporal.api.history.v1.History.fromObject({
    events: [
      {
        eventId: 1,
        eventTime: at(0),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        workflowExecutionStartedEventAttributes: {
          originalExecutionRunId: 'run-a',
          input: payloads({ id: 'p.2028.X', programId: 'p', round: '2028', applicant: { creditCode: 'X', name: 'Acme' }, facts: {}, filedBy: actor }),
        },
      },
      {
        eventId: 2,
        eventTime: at(60),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        workflowExecutionSignaledEventAttributes: { signalName: 'calendarUpdated', input: payloads({ year: 2029 }) },
      },
      {
        eventId: 3,
        eventTime: at(120),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        workflowExecutionUpdateAcceptedEventAttributes: {
          acceptedRequest: { meta: { updateId: 'u-1' }, input: { name: 'signOff', args: payloads({ actor, decision: 'approve', amount: '800000.00', reason: 'ok' }) } },
        },
      },
      {
        eventId: 4,
        eventTime: at(121),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        workflowExecutionUpdateCompletedEventAttributes: {
          meta: { updateId: 'u-1' },
          outcome: { failure: { message: 'sign-off is only possible at stage sign-off', applicationFailureInfo: { type: 'WrongStage' } } },
        },
      },
      {
        eventId: 5,
        eventTime: at(180),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        workflowExecutionTerminatedEventAttributes: { reason: 'test cleanup', identity: 'ops@host' },
      },
    ],
  });
  const report = historyReport([{ runId: 'run-a', history }]);
  assert.deepEqual(
    report.entries.map((e) => [e.kind, e.summary]),
    [
      ['filed', 'approver 赵敏 (approver-zhao) filed application p.2028.X: Acme (X) under program p, round 2028'],
      ['signal', 'signal calendarUpdated received: the working-day calendar for 2029 was supplied'],
      ['action-refused', 'approver 赵敏 (approver-zhao) was refused: signed off: approve 800000.00 yuan (ok) (WrongStage: sign-off is only possible at stage sign-off)'],
      ['terminated', 'the workflow was terminated by ops@host: test cleanup'],
    ],
  );
  assert.equal(report.entries[1]!.at, new Date((1_830_000_000 + 60) * 1000).toISOString());
  assert.deepEqual([report.runs[0]!.status, report.runs[0]!.closedAt], ['terminated', new Date((1_830_000_000 + 180) * 1000).toISOString()]);
});

/** A client that knows the four moved-out runs, as Temporal would serve them. */
/** A client that answers with these runs, and decrypts with the test-only key as the API's client does with its own. */
function fakeClient(runs: Run[]): Client {
  const byId = new Map(runs.map((r) => [r.runId, r.history]));
  const latest = runs.at(-1)!.runId;
  const notFound = Object.assign(new Error('workflow execution not found'), { code: grpcStatus.NOT_FOUND, details: 'not found', metadata: new Metadata() });
  return {
    workflow: {
      getHandle: (_id: string, runId?: string) => ({
        describe: async () => ({ runId: latest }),
        fetchHistory: async () => {
          const h = byId.get(runId ?? latest);
          if (!h) throw notFound;
          return h;
        },
      }),
    },
    options: { loadedDataConverter: { payloadCodecs: testDataConverter().payloadCodecs } },
  } as unknown as Client;
}

test('fetchRuns walks back from the latest run through continuedExecutionRunId, oldest first', async () => {
  const runs = MOVED_OUT_FILES.map(fixture);
  const client = fakeClient(runs);
  const id = 'dinghu-generic-drug-consistency.2027.91441200MA0000102L';
  assert.deepEqual((await fetchRuns(client, id)).map((r) => r.runId), runs.map((r) => r.runId));
  const capped = await fetchRuns(client, id, { maxRuns: 2 });
  assert.deepEqual(capped.map((r) => r.runId), [runs[2]!.runId, runs[3]!.runId]);
  assert.deepEqual(historyReport(capped).runs.map((r) => r.run), [3, 4]);

  assert.equal((await fetchRunHistory(client, id)).runId, runs[3]!.runId);
  assert.equal((await fetchRunHistory(client, id, runs[0]!.runId)).history, runs[0]!.history);
  await assert.rejects(fetchRunHistory(client, id, '00000000-0000-4000-8000-000000000000'), WorkflowNotFoundError);
});

test('a history recorded with the codec on reads, once fetched, as the audit trail of its plain recording', async () => {
  const encrypted = fixture('unpaid-clawback-referred.codec.json');
  const plain = fixture('unpaid-clawback-referred.json');
  const steps = (trail: AuditEntry[]) => of(trail, 'action').map((e) => `${e.action} ${e.actor?.role} ${e.summary}`);
  // As Temporal hands it back, encrypted: the trail cannot tell what was done.
  assert.notDeepEqual(steps(auditTrail([structuredClone(encrypted)])), steps(auditTrail([plain])));
  const id = runIdOf(encrypted.history)!;
  const [fetched] = await fetchRuns(fakeClient([{ runId: id, history: structuredClone(encrypted.history) }]), 'unpaid-clawback-referred');
  const read = steps(auditTrail([fetched!]));
  assert.ok(read.length >= 10, read.join('\n'));
  assert.deepEqual(read, steps(auditTrail([plain])));
  assert.ok(!JSON.stringify(rawHistoryJson(fetched!.history)).includes('YmluYXJ5L2VuY3J5cHRlZA'), 'the raw history is served decrypted');
});

test('timers are named by what the workflow recorded, never guessed from their duration', () => {
  // Recorded before the workflow named its timers: the weekly statement refresh (7 days) and the
  // repayment deadline. The deadline instant is in the workflow's own audit, so it is named; the
  // weekly timer has no recorded purpose, and a 7-day duration alone names nothing.
  const trail = auditTrail([fixture('unpaid-clawback-referred.json')]);
  const started = of(trail, 'timer-started');
  const weekly = started.filter((e) => e.timer?.durationMs === 604_800_000);
  assert.ok(weekly.length > 0, 'the fixture has weekly timers');
  assert.ok(weekly.every((e) => e.timer?.purpose === null), JSON.stringify(weekly.map((e) => e.timer?.purpose)));
  assert.ok(started.some((e) => e.timer?.purpose === 'the repayment deadline'));

  // A timer the workflow named when it started it: its summary in the event's user metadata.
  const named = structuredClone(fixture('paid-and-kept.json'));
  const events = named.history.events!;
  const timer = events.find((e) => e.timerStartedEventAttributes)!;
  timer.userMetadata = { summary: defaultPayloadConverter.toPayload('the materials deadline, as named by the workflow') };
  const renamed = of(auditTrail([named]), 'timer-started')[0]!;
  assert.equal(renamed.timer?.purpose, 'the materials deadline, as named by the workflow');
});

test('an update answers with a compact outcome, and the audit trail reads the same from it as from a whole state', () => {
  // The same scenario recorded before (each answer the whole state) and after (compact outcomes).
  const whole = fixture('paid-and-kept.json');
  const compact = fixture('paid-and-kept.compact-answers.json');
  const answers = (run: Run) => run.history.events!.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes);
  const compactAnswer = defaultPayloadConverter.fromPayload(answers(compact)[0]!.workflowExecutionUpdateCompletedEventAttributes!.outcome!.success!.payloads![0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(compactAnswer).sort(), ['after', 'update']);
  assert.ok(!('audit' in (compactAnswer.after as object)), 'no audit trail in an answer');

  const actions = (run: Run) => of(auditTrail([run]), 'action').map((e) => [e.action, e.summary, e.changes, e.amounts, e.paymentReference?.tranche]);
  assert.deepEqual(actions(compact), actions(whole));
  const stages = (run: Run) => of(auditTrail([run]), 'stage').map((e) => [e.changes?.stage?.to, e.actor?.id]);
  assert.deepEqual(stages(compact), stages(whole));
});
