/**
 * The main scenarios of an application's life, driven on Temporal's time-skipping test server
 * through the same Updates the API sends: `npm run demo` prints them as timelines, `npm run
 * record-histories` saves their histories under test/histories/ for the replay test.
 *
 * Each scenario gets its own test server (its clock only moves forward), starting on a fixed
 * date, and a worker with the real activities in a temporary data folder (outbox in its engine.db). The
 * dates are written in 2027–2033 and played in the first years, 4k later, that lie ahead of the
 * clock (scripts/story-years.ts): `stage.at` takes written dates, and every date a scenario states
 * in a request goes through `stage.date`. Years the calendar library lacks are supplied through
 * the calendar store, as an admin would with `PUT /calendar/years/<year>`, from clearly labelled
 * illustrative data.
 *
 * Weekdays move with the shift, so in shifted years a staff action may fall on a Saturday. The
 * engine refuses no action for its date (only its deadlines count working days), the dates that
 * depend on working days (the notice's close, the repayment deadline) are read from the state,
 * and every written action lies well inside the working-day deadlines around it in any year, so
 * no written date is moved to a working day.
 */
import { join } from 'node:path';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { DataConverter, UpdateDefinition } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createDatabaseDishonestyList } from '../activities/dishonesty-list';
import { createDishonestyStore } from '../lib/dishonesty-store';
import { createOutbox } from '../activities/outbox';
import { openDatabase } from '../lib/database';
import { listingStore } from '../lib/listing-store';
import { checkFiling, type FilingRound } from '../api/filing';
import type { ApplicationInput, ApplicationState, Document } from '../domain/application';
import { addCalendarDays, shanghaiDate, windowClosesAt } from '../domain/calendar';
import { defaultRoundWindow } from '../domain/catalog';
import { creditCodeCheckCharacter } from '../domain/credit-code';
import { outstandingOn } from '../domain/interest';
import type { Actor } from '../domain/roles';
import { createCalendarStore, libraryYear } from '../lib/calendar-store';
import { loadCatalog } from '../lib/catalog-store';
import { ephemeralPayloadKeys } from '../lib/codec-keys';
import { dataConverterFor } from '../lib/data-converter';
import { createLprStore, type LprStore } from '../lib/lpr-store';
import { provisionTemporal } from '../lib/provision';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { WORKFLOWS_PATH } from '../worker/worker';
import { ACTION_UPDATES, stateQuery, type ActionOutcome } from '../workflows/messages';
import type { ActionName } from '../domain/actions';
import type { RequestByAction } from '../domain/requests';
import { illustrativeCalendar } from './illustrative-calendar';
import { storyYears, type StoryYears } from './story-years';
import { quietLogger } from '../lib/quiet-logger';

/** The people in the stories: one per role, so separation of duties holds. */
const PEOPLE = {
  applicant: { id: 'filing-system-01', role: 'applicant-system', name: '企业申报系统' },
  intake: { id: 'intake-chen', role: 'intake-officer', name: '陈立' },
  reviewer: { id: 'reviewer-wang', role: 'reviewer', name: '王芳' },
  inspector: { id: 'inspector-liu', role: 'inspector', name: '刘强' },
  approver: { id: 'approver-zhao', role: 'approver', name: '赵敏' },
  finance: { id: 'finance-sun', role: 'finance-officer', name: '孙洁' },
  admin: { id: 'admin-zhou', role: 'admin', name: '周涛' },
} as const satisfies Record<string, Actor>;

/**
 * The years the scenarios are written in, first filing to last obligation's end; in the years a
 * run plays them in, they are supplied from the illustrative calendar (the library covers ≤ 2026).
 */
const WRITTEN_YEARS = { from: 2027, to: 2033 };

const DRUG = 'dinghu-generic-drug-consistency';

/** What a scenario can do: move the clock, file, act, read. */
export interface Stage {
  readonly env: TestWorkflowEnvironment;
  readonly taskQueue: string;
  /** Moves the server clock forward to `time` on the Shanghai date `date`, as written (2027…2033). */
  at(date: string, time?: string): Promise<void>;
  /** The same for a date already in the run's years: one the engine computed. */
  atRunDate(date: string, time?: string): Promise<void>;
  /** A written date in the run's years: every date a scenario states in a request goes through it. */
  date(written: string): string;
  /** A written year in the run's years. */
  year(written: number): number;
  /** Files an application the way the API does after its filing checks. */
  file(options: { programId: string; applicantNo: number; name: string; facts: ApplicationInput['facts']; seed: string; historyLimit?: number }): Promise<WorkflowHandleWithFirstExecutionRunId>;
  /** Takes an action as the API does: its update, then the state once the engine has reacted. */
  act<K extends ActionName>(handle: WorkflowHandle, action: K, request: RequestByAction[K]): Promise<ApplicationState>;
  state(handle: WorkflowHandle): Promise<ApplicationState>;
  /** Polls (in real time, the clock holds still) until the state satisfies `ok`. */
  until(handle: WorkflowHandle, ok: (s: ApplicationState) => boolean, what: string): Promise<ApplicationState>;
  today(): Promise<string>;
  /**
   * The exact amount outstanding on `date` (in the run's years), as finance computes it before
   * paying in full: the state's statement is as of the workflow's latest time, which may be days
   * behind.
   */
  outstandingOn(handle: WorkflowHandle, date: string): Promise<string>;
}

export interface Scenario {
  /** File name in test/histories/ and the demo's heading. */
  id: string;
  title: string;
  summary: string;
  /** Shanghai date (as written) and time the server clock is moved to first. */
  start: { date: string; time: string };
  run(stage: Stage): Promise<WorkflowHandleWithFirstExecutionRunId>;
}

// ------------------------------------------------------------------------------------------------
// The scenarios
// ------------------------------------------------------------------------------------------------

const doc = (name: string, materialId?: string): Document => ({
  name,
  sha256: sha256Of(name),
  url: `https://files.example.gov.cn/${encodeURIComponent(name)}`,
  ...(materialId ? { materialId } : {}),
});

/** A stable, obviously fake digest per document name (the demo has no files). */
function sha256Of(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.codePointAt(0)!) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

const MATERIALS = [
  doc('扶持资金申请表.pdf', 'application-form'),
  doc('营业执照复印件.pdf', 'business-licence'),
  doc('委托研发合同.pdf', 'research-contract'),
];

const PAYMENTS = [
  { milestone: 'be-filing', evidence: 'BE备案凭证.pdf', claim: '2027-05-17', verify: '2027-05-20', paid: '2027-05-24' },
  { milestone: 'be-trial-submitted', evidence: '受理通知书.pdf', claim: '2027-09-06', verify: '2027-09-09', paid: '2027-09-14' },
  { milestone: 'consistency-passed', evidence: '一致性评价批件.pdf', claim: '2028-03-06', verify: '2028-03-09', paid: '2028-03-14' },
];

/** Filing to the support agreement signed: dinghu-generic-drug-consistency, 3 500 000.00 approved. */
async function fileAndApprove(s: Stage, applicantNo: number, name: string, seed: string, historyLimit?: number): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const h = await s.file({ programId: DRUG, applicantNo, name, facts: { drugName: '盐酸二甲双胍片', approvalNumber: '国药准字H20270001' }, seed, ...(historyLimit ? { historyLimit } : {}) });
  await s.at('2027-03-03', '09:30');
  await s.act(h, 'preliminary-record', { actor: PEOPLE.intake, decision: 'pass', reason: '持有人注册在鼎湖区，委托区内研发公司，资格符合' });
  await s.at('2027-03-15');
  let st = await s.act(h, 'materials', { actor: PEOPLE.applicant, documents: MATERIALS });
  expect(st.stage === 'inspection', `mandatory inspection at 100万 or more, got ${st.stage}`);
  await s.at('2027-03-24', '14:00');
  await s.act(h, 'inspection', { actor: PEOPLE.inspector, result: 'pass', findings: '现场核查：生产线与研发合同属实' });
  await s.at('2027-04-12');
  st = await s.act(h, 'recommendation', { actor: PEOPLE.reviewer, decision: 'approve', amount: st.award.amountByFormula!, reason: '三个节点均符合四（二）1，按公式全额' });
  await s.at('2027-04-19');
  st = await s.act(h, 'sign-off', { actor: PEOPLE.approver, decision: 'approve', amount: st.award.recommended!, reason: '同意，予以公示' });
  expect(st.stage === 'public-notice', `public notice after sign-off, got ${st.stage}`);
  // The notice runs its 5 working days without objection.
  await s.atRunDate(addCalendarDays(shanghaiDate(Date.parse(st.notice!.closesAt)), 1), '09:00');
  await s.until(h, (x) => x.stage === 'agreement', 'the agreement stage after the notice');
  await s.at('2027-04-29');
  await s.act(h, 'agreement', { actor: PEOPLE.applicant, signedOn: s.date('2027-04-29'), comment: '协议含5年不迁出条款及收回条款' });
  return h;
}

/** Claims, verifies, instructs and pays tranches 1..count on the dates of PAYMENTS. */
async function pay(s: Stage, h: WorkflowHandle, count: number): Promise<void> {
  for (const [i, p] of PAYMENTS.slice(0, count).entries()) {
    const n = i + 1;
    await s.at(p.claim);
    await s.act(h, 'progress', { actor: PEOPLE.applicant, milestone: p.milestone, evidence: [doc(p.evidence, 'milestone-evidence')] });
    await s.at(p.verify);
    await s.act(h, 'verification', { actor: PEOPLE.reviewer, n, accepted: true, reason: `节点凭证齐全：${p.evidence}` });
    // Usually already in the answer; after a continue-as-new the next run sends it.
    await s.until(h, (x) => x.tranches[i]!.status === 'instructed', `payment instruction for tranche ${n}`);
    await s.at(p.paid, '15:00');
    const paidOn = s.date(p.paid);
    await s.act(h, 'confirmation', { actor: PEOPLE.finance, n, treasuryReference: `GK-${paidOn.replace(/-/g, '')}-${h.workflowId.slice(-6)}-${n}`, paidOn });
  }
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'paid-and-kept',
    title: 'a. Paid and kept',
    summary: 'dinghu-generic-drug-consistency: three milestones paid, five years in the district, completed',
    start: { date: '2027-03-01', time: '10:00' },
    async run(s) {
      const h = await fileAndApprove(s, 101, '肇庆鼎湖示例制药有限公司', 'demo-seed-paid-and-kept');
      await pay(s, h, 3);
      await s.until(h, (x) => x.stage === 'monitoring', 'monitoring after the last payment');
      // Five years from the last payment (2028-03-14): the period ends at 24:00 on 2033-03-14.
      await s.at('2033-03-15', '09:00');
      await s.until(h, (x) => x.stage === 'completed', 'completed when the obligation period ends');
      return h;
    },
  },
  {
    id: 'moved-out-in-year-3',
    title: 'b. Moved out in year 3',
    summary: 'paid in full, moved out of the district in year 3: clawback of everything paid with LPR interest, repaid in two parts',
    start: { date: '2027-03-01', time: '10:00' },
    async run(s) {
      // A small history limit: this application continues as new on its way (several recorded runs).
      const h = await fileAndApprove(s, 102, '鼎湖迁出示例药业有限公司', 'demo-seed-moved-out', 60);
      await pay(s, h, 3);
      await s.until(h, (x) => x.stage === 'monitoring', 'monitoring after the last payment');
      await s.at('2030-06-10');
      await s.act(h, 'breach-report', { actor: PEOPLE.inspector, obligation: 'stay-5-years', findings: `企业已于${s.year(2030)}年5月将注册地迁至广州市，违反5年内不迁出约定` });
      await s.at('2030-06-17');
      let st = await s.act(h, 'clawback-decision', {
        actor: PEOPLE.approver,
        decision: 'recover',
        decisionDate: s.date('2030-06-17'),
        reason: '获得资金支持后5年内迁出鼎湖区，依协议及002第三十三条收回已拨付资金并按LPR计息',
      });
      expect(st.stage === 'clawback', `clawback after the decision, got ${st.stage}`);
      await s.at('2030-07-05');
      st = await s.act(h, 'repayments', { actor: PEOPLE.finance, amount: '1000000.00', paidOn: s.date('2030-07-05'), comment: '第一笔退款' });
      await s.at('2030-07-20');
      const paidOn = s.date('2030-07-20');
      await s.act(h, 'repayments', { actor: PEOPLE.finance, amount: await s.outstandingOn(h, paidOn), paidOn, comment: '余款' });
      await s.until(h, (x) => x.stage === 'clawed-back', 'clawed-back once nothing is outstanding');
      return h;
    },
  },
  {
    id: 'fraud-before-payment',
    title: 'c. Fraud before payment',
    summary: 'a forged document found during review, before any money moved: rejected, credit recorded',
    start: { date: '2027-03-01', time: '10:00' },
    async run(s) {
      const h = await s.file({ programId: DRUG, applicantNo: 103, name: '鼎湖虚报示例医药有限公司', facts: { drugName: '阿莫西林胶囊' }, seed: 'demo-seed-fraud' });
      await s.at('2027-03-03', '09:30');
      await s.act(h, 'preliminary-record', { actor: PEOPLE.intake, decision: 'pass', reason: '资格符合' });
      await s.at('2027-03-15');
      await s.act(h, 'materials', { actor: PEOPLE.applicant, documents: MATERIALS });
      await s.at('2027-03-24', '14:00');
      await s.act(h, 'inspection', { actor: PEOPLE.inspector, result: 'pass', findings: '现场核查：生产线存在' });
      await s.at('2027-04-02');
      const st = await s.act(h, 'fraud-report', {
        actor: PEOPLE.inspector,
        findings: '委托研发合同系伪造：区内研发公司否认签约，印章与备案不符',
        evidence: [doc('研发公司情况说明.pdf'), doc('印章比对意见.pdf')],
      });
      expect(st.stage === 'rejected', `rejected on fraud before payment, got ${st.stage}`);
      return h;
    },
  },
  {
    id: 'unpaid-clawback-referred',
    title: 'd. Unpaid clawback referred',
    summary: 'fraud found after two tranches were paid: recovery decided, deadline missed, referred to enforcement, later repaid',
    start: { date: '2027-03-01', time: '10:00' },
    async run(s) {
      const h = await fileAndApprove(s, 104, '鼎湖逾期示例生物科技有限公司', 'demo-seed-referred');
      await pay(s, h, 2);
      await s.at('2027-11-08');
      await s.act(h, 'fraud-report', {
        actor: PEOPLE.inspector,
        findings: 'BE试验受理通知书系变造，骗取第二笔资金',
        evidence: [doc('药审中心复函.pdf')],
      });
      await s.at('2027-11-15');
      let st = await s.act(h, 'clawback-decision', {
        actor: PEOPLE.approver,
        decision: 'recover',
        decisionDate: s.date('2027-11-15'),
        referToJudiciary: true,
        reason: '弄虚作假骗取资金，收回已拨付资金并按LPR计息，涉嫌犯罪移送司法机关',
      });
      expect(st.stage === 'clawback', `clawback after the decision, got ${st.stage}`);
      const lastDay = st.clawback!.lastDay ?? (await s.until(h, (x) => x.clawback?.lastDay != null, 'the repayment deadline')).clawback!.lastDay!;
      // Nothing is repaid: the deadline passes.
      await s.atRunDate(addCalendarDays(lastDay, 1), '09:00');
      st = await s.until(h, (x) => x.stage === 'referred', 'referred once the repayment deadline passed');
      await s.at('2028-04-10');
      const paidOn = s.date('2028-04-10');
      await s.act(h, 'repayments', { actor: PEOPLE.finance, amount: await s.outstandingOn(h, paidOn), paidOn, comment: '强制执行到账' });
      await s.until(h, (x) => x.stage === 'clawed-back', 'clawed-back once repaid in full');
      return h;
    },
  },
  {
    id: 'jianghai-progress-tranches',
    title: 'e. A major project paid on progress',
    summary: 'jianghai-major-project: filed in the September window, 0.3 % / 0.3 % / 0.4 % of the agreed 4亿 at 30 % / 60 % / 100 % invested, no obligation period',
    // The program takes applications in September only (001 §（三）1: 每年9月为申报月).
    start: { date: '2027-09-01', time: '10:00' },
    async run(s) {
      const h = await s.file({ programId: 'jianghai-major-project', applicantNo: 105, name: '江海示例应急装备有限公司', facts: { agreedInvestment: '400000000.00', projectName: '应急装备产业园' }, seed: 'demo-seed-jianghai' });
      await s.at('2027-09-03', '09:30');
      await s.act(h, 'preliminary-record', { actor: PEOPLE.intake, decision: 'pass', reason: '重大项目，投资协议已签订' });
      await s.at('2027-09-17');
      let st = await s.act(h, 'materials', { actor: PEOPLE.applicant, documents: [doc('扶持资金申请表.pdf', 'application-form'), doc('投资协议.pdf')] });
      if (st.stage === 'inspection') {
        await s.at('2027-09-29', '14:00');
        st = await s.act(h, 'inspection', { actor: PEOPLE.inspector, result: 'pass', findings: '项目已开工，投资协议属实' });
      }
      await s.at('2027-10-18');
      st = await s.act(h, 'recommendation', { actor: PEOPLE.reviewer, decision: 'approve', amount: st.award.amountByFormula!, reason: '符合重大项目扶持条件' });
      await s.at('2027-10-25');
      st = await s.act(h, 'sign-off', { actor: PEOPLE.approver, decision: 'approve', amount: st.award.recommended!, reason: '区政府审定同意' });
      expect(st.stage === 'public-notice', `public notice after sign-off, got ${st.stage}`);
      await s.atRunDate(addCalendarDays(shanghaiDate(Date.parse(st.notice!.closesAt)), 1), '09:00');
      await s.until(h, (x) => x.stage === 'agreement', 'the agreement stage after the notice');
      await s.at('2027-11-05');
      st = await s.act(h, 'agreement', { actor: PEOPLE.applicant, signedOn: s.date('2027-11-05') });
      const steps = [
        { invested: '125000000.00', claim: '2028-04-10', paid: '2028-04-20' },
        { invested: '250000000.00', claim: '2028-11-06', paid: '2028-11-16' },
        { invested: '400000000.00', claim: '2029-06-11', paid: '2029-06-21' },
      ];
      for (const [i, step] of steps.entries()) {
        const t = st.tranches[i]!;
        await s.at(step.claim);
        await s.act(h, 'progress', { actor: PEOPLE.applicant, milestone: t.milestone, cumulativeInvestment: step.invested, evidence: [doc(`投资进度审计报告-${i + 1}.pdf`)] });
        await s.at(addCalendarDays(step.claim, 3));
        await s.act(h, 'verification', { actor: PEOPLE.inspector, n: t.n, accepted: true, reason: '审计报告与现场一致' });
        await s.until(h, (x) => x.tranches[i]!.status === 'instructed', `payment instruction for tranche ${t.n}`);
        await s.at(step.paid, '15:00');
        const paidOn = s.date(step.paid);
        st = await s.act(h, 'confirmation', { actor: PEOPLE.finance, n: t.n, treasuryReference: `JH-${paidOn.replace(/-/g, '')}-${t.n}`, paidOn });
      }
      await s.until(h, (x) => x.stage === 'completed', 'completed after the last tranche (no obligation period)');
      return h;
    },
  },
];

// ------------------------------------------------------------------------------------------------
// Running them
// ------------------------------------------------------------------------------------------------

export interface ScenarioOutcome {
  scenario: Scenario;
  workflowId: string;
  /** Run ids oldest first (more than one when the application continued as new). */
  runIds: string[];
  final: ApplicationState;
  handle: WorkflowHandle;
  env: TestWorkflowEnvironment;
}

export interface Runner {
  dataDir: string;
  /** The local outbox the scenarios' effects go to, in the run's engine database. */
  outbox: ReturnType<typeof createOutbox>;
  /** The years this run plays the scenarios in. */
  years: StoryYears;
  /** Runs one scenario on a fresh time-skipping server; `use` sees it before the server stops. */
  run<T>(scenario: Scenario, use: (outcome: ScenarioOutcome) => Promise<T>): Promise<T>;
}

/**
 * `dataConverter`: the engine's (lib/data-converter.ts) with the keys to encrypt under; by default
 * a random key for this run, since each scenario's server lives in memory and ends with it.
 */
export async function createRunner(
  dataDir: string,
  log: (line: string) => void = () => undefined,
  dataConverter: DataConverter = dataConverterFor(ephemeralPayloadKeys()),
): Promise<Runner> {
  const { testServer } = provisionTemporal();
  const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'engine.db') });
  const outbox = createOutbox(database);
  const calendar = createCalendarStore(database);
  const catalog = loadCatalog();
  const lpr = createLprStore(database);
  const activities = createActivities({
    effects: outbox,
    calendar,
    dishonestyList: createDatabaseDishonestyList(createDishonestyStore(database)),
    lpr,
    listing: listingStore(database),
  });
  // Each server's clock starts at the real time when its scenario starts: an hour covers a run.
  const years = storyYears(WRITTEN_YEARS, SCENARIOS.map((s) => s.start), Date.now(), { marginMs: 3_600_000 });
  for (let year = years.run.from; year <= years.run.to; year++) {
    if (libraryYear(year)) continue; // never shadow a year the library knows
    await calendar.putYear(year, illustrativeCalendar(year), `${PEOPLE.admin.id} (illustrative data)`);
  }
  log(`calendar years ${years.run.from}–${years.run.to} supplied by the admin through the calendar store (PUT /calendar/years/<year>)`);
  const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });

  return {
    dataDir,
    outbox,
    years,
    async run(scenario, use) {
      const env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: testServer } },
        client: { dataConverter },
      });
      await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
      const taskQueue = `demo-${scenario.id}`;
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities, dataConverter });
      try {
        return await worker.runUntil(async () => {
          const stage = stageOn(env, taskQueue, catalog, lpr, years);
          await stage.at(scenario.start.date, scenario.start.time);
          const handle = await scenario.run(stage);
          // The applicant's outcome notification is the engine's last act: wait for the result.
          const final = (await handle.result()) as ApplicationState;
          const runIds = await runChain(env, handle.workflowId, handle.firstExecutionRunId);
          return use({ scenario, workflowId: handle.workflowId, runIds, final, handle, env });
        });
      } finally {
        await env.teardown();
      }
    },
  };
}

/**
 * The scenarios record applications as they were filed before rounds: the catalog's window for
 * the year stands in for the round (its label is the id's middle part, as before).
 */
function catalogRound(catalog: ReturnType<typeof loadCatalog>, programId: string, today: string): FilingRound {
  const program = catalog.getProgram(programId)!;
  const window = defaultRoundWindow(program.filingWindow, Number(today.slice(0, 4)));
  if (!window) throw new Error(`${programId} has no catalog window to stand in for a round`);
  const label = program.filingWindow.kind === 'monthly' ? window.opens.slice(0, 7) : today.slice(0, 4);
  return {
    definition: {
      id: `${programId}.${label}`,
      label,
      window: { opens: window.opens, closes: window.closes, closesAt: windowClosesAt(window.closes), source: window.rule },
      catalogVersion: catalog.version,
      programHash: catalog.programHash(programId)!,
    },
    program,
  };
}

function stageOn(env: TestWorkflowEnvironment, taskQueue: string, catalog: ReturnType<typeof loadCatalog>, lpr: LprStore, years: StoryYears): Stage {
  const today = async () => shanghaiDate(await env.currentTimeMs());
  const stage: Stage = {
    env,
    taskQueue,
    today,
    date: years.date,
    year: years.year,
    at: (date, time) => stage.atRunDate(years.date(date), time),
    async atRunDate(date, time = '10:00') {
      const target = Date.parse(`${date}T${time}:00+08:00`);
      const now = await env.currentTimeMs();
      if (target <= now) throw new Error(`cannot move the clock back to ${date} ${time} (it is ${new Date(now).toISOString()})`);
      await env.sleep(target - now);
    },
    async file({ programId, applicantNo, name, facts, seed, historyLimit }) {
      const body = `91441200MA${String(applicantNo).padStart(7, '0')}`;
      const creditCode = body + creditCodeCheckCharacter(body);
      const filing = { programId, applicant: { creditCode, name }, facts };
      const accepted = checkFiling(catalogRound(catalog, programId, await today()), filing, new Date(await env.currentTimeMs()));
      const id = `${programId}.${accepted.round}.${creditCode}`;
      const input: ApplicationInput = {
        id,
        programId,
        round: accepted.round,
        catalogVersion: accepted.catalogVersion,
        programHash: accepted.programHash,
        program: accepted.program,
        applicant: filing.applicant,
        facts,
        filedBy: PEOPLE.applicant,
        filingChecks: accepted.checks,
        spotCheckSeed: seed,
        ...(historyLimit ? { historyLimit } : {}),
      };
      return env.client.workflow.start('applicationWorkflow', { workflowId: id, taskQueue, args: [input] });
    },
    async act(handle, action, request) {
      await handle.executeUpdate(ACTION_UPDATES[action] as UpdateDefinition<ActionOutcome, [typeof request]>, { args: [request] });
      return stage.state(handle);
    },
    state: (handle) => handle.query(stateQuery),
    async outstandingOn(handle, date) {
      const st = await stage.state(handle);
      const c = st.clawback!;
      return outstandingOn(
        {
          tranches: st.tranches.filter((t) => t.status === 'paid').map((t) => ({ tranche: t.n, amount: t.amount, paidOn: t.paidOn! })),
          decisionDate: c.decisionDate,
          asOf: date,
          rateMode: c.rateMode,
          dayCount: c.dayCount,
          tenor: c.tenor,
          repayments: c.repayments.map((r) => ({ amount: r.amount, paidOn: r.paidOn })),
          lpr: (await lpr.current()).table(),
        },
        date,
      );
    },
    async until(handle, ok, what) {
      const started = Date.now();
      for (;;) {
        const s = await stage.state(handle);
        if (ok(s)) return s;
        if (Date.now() - started > 15_000) throw new Error(`${handle.workflowId}: no ${what} within 15 s (stage ${s.stage})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return stage;
}

/** Follows continue-as-new from the first run: every run id, oldest first. */
async function runChain(env: TestWorkflowEnvironment, workflowId: string, firstRunId: string): Promise<string[]> {
  const ids = [firstRunId];
  for (;;) {
    const history = await env.client.workflow.getHandle(workflowId, ids.at(-1)).fetchHistory();
    const last = history.events?.at(-1);
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return ids;
    ids.push(next);
  }
}

function expect(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`scenario went off script: ${message}`);
}
