/**
 * Drives `dinghu-generic-drug-consistency` applications through the whole procedure over HTTP, as
 * the integrating systems and staff do, for the fault tests and the soak (scripts/soak.ts): a round
 * opened by the admin (single sign-off), filing into it (one product per application), preliminary record, materials, inspection, recommendation, sign-off, the public notice (the
 * server clock advanced past it), agreement, then claim, verification, payment instruction and
 * confirmation of each of the three tranches.
 *
 * Every POST carries a fresh Idempotency-Key, and a request refused with 503 or cut off by a
 * restarting process is retried with the same key, as a careful caller does; so faults may be
 * injected while it runs. `checkConsistency` then says what is wrong with the results, if anything.
 */
import { createHash, randomUUID } from 'node:crypto';
import { shanghaiDate } from '../../domain/calendar';
import type { Role } from '../../domain/roles';
import { creditCode } from './fixtures';
import { openRound, type OpenedRound, type RoundCall } from './rounds';
import type { Answer, OutboxLine } from './time-skipping-engine';

const DAY = 86_400_000;
const PROGRAM = 'dinghu-generic-drug-consistency';
const AWARD = '3500000.00';
export const MILESTONES = [
  { milestone: 'be-filing', amount: '1000000.00' },
  { milestone: 'be-trial-submitted', amount: '1000000.00' },
  { milestone: 'consistency-passed', amount: '1500000.00' },
];
/** The staff and applicant actions of one application paid in full, in order. */
const ACTIONS_IN_ORDER = [
  'filing',
  'preliminary-record',
  'materials',
  'inspection',
  'recommendation',
  'sign-off',
  'agreement',
  ...MILESTONES.flatMap(() => ['progress', 'verification', 'confirmation']),
];

/** What the driver needs of an engine: HTTP with a role's key, and the server clock. */
export interface EngineHandle {
  http(method: string, path: string, role?: Role, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  advance(ms: number): Promise<void>;
  now(): Promise<Date>;
}

function doc(name: string) {
  const sha256 = createHash('sha256').update(`faults:${name}`).digest('hex');
  return { name, sha256, url: `https://files.example.gov.cn/faults/${sha256.slice(0, 12)}.pdf` };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Procedure {
  /** POSTs and GETs answered, counting every retry (for progress-based fault injection). */
  requests = 0;
  /** Requests that met a fault (503 or no answer) and were retried with the same key. */
  retries = 0;
  /** State reads that failed and were read again while waiting. */
  readRetries = 0;

  /**
   * `filingKeys: false` files without an Idempotency-Key: a keyed filing looks the key up in
   * visibility, which Temporal's time-skipping test server does not offer. A retried filing then
   * meets the application its first attempt started (409 naming it), which is the same outcome.
   */
  constructor(
    private readonly engine: EngineHandle,
    private readonly options: { timeoutMs?: number; filingKeys?: boolean; pollMs?: number } = {},
  ) {}

  private get timeoutMs() {
    return this.options.timeoutMs ?? 120_000;
  }

  private async call(method: string, path: string, role: Role, body?: unknown, key?: string): Promise<Answer & { attempts: number }> {
    const deadline = Date.now() + this.timeoutMs;
    let attempts = 0;
    for (;;) {
      try {
        attempts++;
        const answer = await this.engine.http(method, path, role, body, key ? { 'Idempotency-Key': key } : {});
        this.requests++;
        if (answer.status !== 503) return { ...answer, attempts };
      } catch {
        // no answer: the API restarts; retry
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: only 503 or no answer for ${this.timeoutMs / 1000} s`);
      this.retries++;
      await delay(250);
    }
  }

  /** A state-changing action: one fresh key, kept across retries; anything but 200/201 throws. */
  async act(id: string, path: string, role: Role, body: unknown): Promise<any> {
    const answer = await this.call('POST', `/applications/${encodeURIComponent(id)}/${path}`, role, body, randomUUID());
    if (answer.status !== 200) throw new Error(`${id}: POST ${path} as ${role} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async state(id: string): Promise<any> {
    const answer = await this.call('GET', `/applications/${encodeURIComponent(id)}`, 'auditor');
    if (answer.status !== 200) throw new Error(`${id}: GET answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Polls the state until `done`, or throws naming what it waited for. */
  /**
   * Polls the state until `done`, or throws naming what it waited for. A read that fails is read
   * again: right after a worker dies, Temporal may still route the query to the dead worker's
   * sticky queue (the time-skipping test server does so until a workflow task moves it).
   */
  async until(id: string, what: string, done: (s: any) => boolean, timeoutMs = this.timeoutMs): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let s: any;
      let failed = '';
      try {
        s = await this.state(id);
        if (done(s)) return s;
      } catch (err) {
        failed = (err as Error).message;
        this.readRetries++;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${id}: waited ${timeoutMs / 1000} s for ${what}; ` +
            (s ? `stage ${s.stage}, pending ${JSON.stringify(s.pending?.map((p: any) => p.action))}, tranches ${JSON.stringify(s.tranches?.map((t: any) => t.status))}` : failed),
        );
      }
      await delay(this.options.pollMs ?? 300);
    }
  }

  private pending(s: any, action: string) {
    return (s.pending as any[]).some((p) => p.action === action);
  }

  async today(): Promise<string> {
    return shanghaiDate((await this.engine.now()).getTime());
  }

  /** The working-day calendar of every year the next `days` reach, supplied as an admin would when missing. */
  async ensureCalendar(days = 150): Promise<void> {
    const now = await this.engine.now();
    const years = new Set([0, days].map((d) => Number(shanghaiDate(now.getTime() + d * DAY).slice(0, 4))));
    for (const year of years) {
      const known = await this.call('GET', `/calendar/years/${year}`, 'auditor');
      if (known.status === 200) continue;
      const holidays = [`${year}-01-01`, `${year}-05-01`, `${year}-05-02`, `${year}-05-03`, ...[1, 2, 3, 4, 5, 6, 7].map((d) => `${year}-10-0${d}`)];
      const put = await this.call('PUT', `/calendar/years/${year}`, 'admin', { holidays, workdays: [] }, randomUUID());
      if (put.status !== 200) throw new Error(`PUT /calendar/years/${year}: ${put.status} ${JSON.stringify(put.body)}`);
    }
  }

  /** The round `file` files into, once `openRound` opened it. */
  round: OpenedRound | undefined;

  /**
   * The admin opens a round of the program from the server's today (after `ensureCalendar`), signed
   * off one application at a time, with a budget of exactly the award times `applications` (so
   * an award allocated twice would leave one short). A retry whose first attempt opened it meets
   * 409 naming it: ours.
   */
  async openRound(applications: number): Promise<OpenedRound> {
    const call: RoundCall = async (method, path, role, body) => {
      const answer = await this.call(method, path, role, body);
      if (answer.status !== 409 || answer.attempts === 1 || typeof answer.body?.existingId !== 'string') return answer;
      const opened = await this.call('GET', `/rounds/${encodeURIComponent(answer.body.existingId)}`, 'auditor');
      return { status: opened.status === 200 ? 201 : opened.status, body: opened.body };
    };
    const budget = (BigInt(AWARD.replace('.', '')) * BigInt(applications)).toString();
    this.round = await openRound(call, PROGRAM, { today: await this.today(), budget: `${budget.slice(0, -2)}.${budget.slice(-2)}` });
    return this.round;
  }

  /** Files application number `n` (its credit code, its own product) into the round and waits for its preliminary record to be pending. */
  async file(n: number): Promise<string> {
    if (!this.round) throw new Error('no round to file into: call openRound() first');
    const answer = await this.call(
      'POST',
      '/applications',
      'applicant-system',
      {
        programId: PROGRAM,
        roundId: this.round.id,
        applicant: { creditCode: creditCode(n), name: `肇庆鼎湖示例制药有限公司${n}` },
        project: { code: `MET-XR-500-${n}`, name: '盐酸二甲双胍缓释片 0.5g' },
        facts: { drugName: '盐酸二甲双胍缓释片' },
      },
      this.options.filingKeys === false ? undefined : randomUUID(),
    );
    const retriedIntoItself = answer.status === 409 && answer.attempts > 1 && typeof answer.body?.existingId === 'string';
    if (answer.status !== 201 && !retriedIntoItself) throw new Error(`filing ${n}: ${answer.status} ${JSON.stringify(answer.body)}`);
    const id = (retriedIntoItself ? answer.body.existingId : answer.body.id) as string;
    await this.until(id, 'the pending preliminary record', (s) => this.pending(s, 'preliminary-record'));
    return id;
  }

  /** From the preliminary record to the public notice, published. */
  async toNotice(id: string): Promise<void> {
    await this.act(id, 'preliminary-record', 'intake-officer', { decision: 'pass', reason: '持有人注册在鼎湖区，资格符合' });
    await this.until(id, 'formal-submission', (s) => this.pending(s, 'materials'));
    const documents = [
      { ...doc('扶持资金申请表'), materialId: 'application-form' },
      { ...doc('营业执照复印件'), materialId: 'business-licence' },
      { ...doc('委托区内研发公司的研发合同'), materialId: 'research-contract' },
    ];
    await this.act(id, 'materials', 'applicant-system', { documents });
    await this.until(id, 'inspection', (s) => this.pending(s, 'inspection'));
    await this.act(id, 'inspection', 'inspector', { result: 'pass', findings: '现场核查：研发合同真实' });
    await this.until(id, 'review', (s) => this.pending(s, 'recommendation'));
    await this.act(id, 'recommendation', 'reviewer', { decision: 'approve', amount: AWARD, reason: '符合四（二）1，按三个节点合计350万元' });
    await this.until(id, 'sign-off', (s) => this.pending(s, 'sign-off'));
    await this.act(id, 'sign-off', 'approver', { decision: 'approve', amount: AWARD, reason: '同意' });
    // Published (a bench-only program without a notice period is past it at once).
    await this.until(id, 'the notice published', (s) => Boolean(s.notice));
  }

  /** Advances the server clock past the latest notice close, until every application has left public-notice. */
  async pastNotices(ids: string[]): Promise<void> {
    let latest = 0;
    for (const id of ids) latest = Math.max(latest, Date.parse((await this.until(id, 'its notice', (s) => Boolean(s.notice))).notice.closesAt));
    for (let attempt = 0; attempt < 4; attempt++) {
      const remaining = latest - (await this.engine.now()).getTime();
      await this.engine.advance(Math.max(remaining, 0) + 60_000 + attempt * 3_600_000);
      let left = true;
      for (const id of ids) {
        const moved = await this.until(id, 'the notice to close', (s) => s.stage !== 'public-notice', 15_000).catch(() => undefined);
        if (!moved) left = false;
      }
      if (left) return;
    }
    throw new Error('applications still at public-notice after advancing past every close');
  }

  /** The agreement signed today → disbursement with the tranches scheduled. */
  async agreement(id: string): Promise<void> {
    await this.until(id, 'the pending agreement', (s) => this.pending(s, 'agreement'));
    await this.act(id, 'agreement', 'applicant-system', { signedOn: await this.today() });
    await this.until(id, 'disbursement with its tranches', (s) => s.stage === 'disbursement' && s.tranches.length === MILESTONES.length);
  }

  /** Tranche `n` (1-based) claimed and verified; resolves when it is instructed. */
  async claim(id: string, n: number): Promise<void> {
    const { milestone } = MILESTONES[n - 1]!;
    await this.until(id, `tranche ${n} claimable`, (s) => this.pending(s, 'progress'));
    await this.act(id, 'progress', 'applicant-system', { milestone, evidence: [doc(`${milestone} 证明材料`)] });
    await this.until(id, `tranche ${n} claimed`, (s) => s.tranches[n - 1].status === 'claimed');
    await this.act(id, `progress/${n}/verification`, 'reviewer', { accepted: true, reason: '节点证明材料核实无误' });
  }

  async instructed(id: string, n: number, timeoutMs?: number): Promise<any> {
    return this.until(id, `tranche ${n} instructed`, (s) => ['instructed', 'paid'].includes(s.tranches[n - 1].status), timeoutMs);
  }

  /** The finance officer confirms tranche `n` paid today. */
  async confirm(id: string, n: number): Promise<void> {
    const paidOn = await this.today();
    await this.act(id, `tranches/${n}/confirmation`, 'finance-officer', { treasuryReference: `GK-FAULT-${n}-${paidOn.replaceAll('-', '')}`, paidOn });
    await this.until(id, `tranche ${n} paid`, (s) => s.tranches[n - 1].status === 'paid');
  }
}

/**
 * Everything that is wrong with `ids` after the whole procedure, one sentence each (none: all
 * right): the stage, every tranche paid with its amount and confirmed once, paid total equal to the
 * award, the audit trail complete with each action once and in order, and exactly one payment
 * instruction per tranche and one notice among the effects delivered (`effects`: one entry per
 * effect applied where it lands; a duplicate key is itself an inconsistency).
 */
export async function checkConsistency(procedure: Procedure, ids: string[], effects: OutboxLine[]): Promise<string[]> {
  const wrong: string[] = [];
  const keys = new Map<string, number>();
  for (const e of effects) keys.set(e.idempotencyKey, (keys.get(e.idempotencyKey) ?? 0) + 1);
  for (const [key, count] of keys) if (count > 1) wrong.push(`effect ${key} applied ${count} times`);
  for (const id of ids) {
    let s: any;
    try {
      s = await procedure.state(id);
    } catch (err) {
      wrong.push(`${id} lost: ${(err as Error).message}`);
      continue;
    }
    if (s.stage !== 'monitoring') wrong.push(`${id} at ${s.stage}, not monitoring`);
    const paid = (s.tranches as any[]).filter((t) => t.status === 'paid');
    if (paid.length !== MILESTONES.length) wrong.push(`${id}: ${paid.length} of ${MILESTONES.length} tranches paid`);
    for (const [i, m] of MILESTONES.entries()) {
      const t = s.tranches[i];
      if (t?.amount !== m.amount) wrong.push(`${id} tranche ${i + 1}: amount ${t?.amount}, not ${m.amount}`);
    }
    const paidCents = paid.reduce((sum, t) => sum + Math.round(Number(t.amount) * 100), 0);
    if (paidCents !== Math.round(Number(s.award?.approved) * 100)) wrong.push(`${id}: paid ${paidCents / 100}, approved ${s.award?.approved}`);
    const actions = (s.audit as any[]).filter((a) => a.actor?.role !== 'engine' && ACTIONS_IN_ORDER.includes(a.action)).map((a) => a.action);
    if (JSON.stringify(actions) !== JSON.stringify(ACTIONS_IN_ORDER)) wrong.push(`${id}: audit trail ${actions.join(',')}`);
    const confirmations = (s.audit as any[]).filter((a) => a.action === 'confirmation').length;
    if (confirmations !== MILESTONES.length) wrong.push(`${id}: ${confirmations} confirmations`);
    const mine = effects.filter((e) => e.applicationId === id);
    for (const [i, m] of MILESTONES.entries()) {
      const instructions = mine.filter((e) => e.type === 'payment-instruction' && Number(e.tranche) === i + 1);
      if (instructions.length !== 1) wrong.push(`${id} tranche ${i + 1}: ${instructions.length} payment instructions`);
      else if (instructions[0]!.amount !== m.amount) wrong.push(`${id} tranche ${i + 1}: instructed ${String(instructions[0]!.amount)}`);
    }
    const notices = mine.filter((e) => e.type === 'notice').length;
    if (notices !== 1) wrong.push(`${id}: ${notices} notices published`);
  }
  return wrong;
}
