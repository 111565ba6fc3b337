/**
 * One funding round (issue 16), as the procedure of a round reads:
 * 1. open: applications are filed into it (the API registers each before it starts it);
 * 2. the window closes at the end of its last day (Asia/Shanghai): the spot check is drawn over
 *    the round's applications below the inspection threshold, from the seed whose SHA-256 was
 *    published when the round opened, and each application is told (001 §（三）4);
 * 3. the executive meeting decides a list (`batchSignOff`): each line is applied as the
 *    application's sign-off, with the same checks; the approved amounts (after annual caps) are
 *    scaled pro rata to what is left of the budget (002 第五条), and one notice lists them all,
 *    with its SHA-256 (002 第二十九条（二）, 第三十四条); each application is told its amount and
 *    window; a 'single' round allocates application by application (`allocate`) instead;
 * 4. an upheld objection reduces or removes an entry: the changed entry is noticed again. Nothing
 *    ever grows: growing an award takes a new decision.
 *
 * The seed is an input of the workflow (encrypted at rest by the payload codec) and is shown by
 * the query only once drawn. Time is workflow time.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  sleep,
  type SignalDefinition,
} from '@temporalio/workflow';
import { ENGINE } from '../domain/application';
import { shanghaiDate, addCalendarDays } from '../domain/calendar';
import { actionBinding } from '../domain/idempotency';
import { compareYuan, formatYuan, parseYuan } from '../domain/money';
import { proRata } from '../domain/pro-rata';
import type { RefusalType } from '../domain/actions';
import type { Program } from '../domain/catalog';
import {
  roundDraw,
  roundTotals,
  sealNotice,
  type Allocation,
  type BatchDecision,
  type NoticeEntry,
  type RoundDefinition,
  type RoundState,
} from '../domain/rounds';
import { INSPECTION_CITATION } from '../domain/spot-check';
import { effects, reads } from './activities';
import {
  allocateUpdate,
  batchSignOffUpdate,
  entryChangedSignal,
  registerUpdate,
  roundDrawSignal,
  roundNoticeSignal,
  roundStateQuery,
  type BatchSignOffRequest,
  type RoundNoticeMessage,
} from './round-messages';

export interface RoundInput {
  definition: RoundDefinition;
  program: Program;
  /** The spot-check seed: secret until the draw, its SHA-256 published at opening. */
  seed: string;
}

const DAY_MS = 86_400_000;

function refuse(type: RefusalType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export async function roundWorkflow(input: RoundInput): Promise<RoundState> {
  const { definition } = input;
  const state: RoundState = { definition, program: input.program, status: 'open', entries: [], draw: null, batches: [], allocations: [], notices: [], trail: [] };
  const keys: Record<string, string> = {};
  const corrections: NoticeEntry[] = [];
  let busy = 0;
  const now = () => new Date().toISOString();
  const record = (actor: string, action: string, details?: Record<string, unknown>) =>
    state.trail.push({ at: now(), actor, action, ...(details ? { details } : {}) });
  const windowOpen = () => state.status === 'open' && Date.now() < Date.parse(definition.window.closesAt);

  setHandler(roundStateQuery, () => state);

  setHandler(
    registerUpdate,
    (entry) => {
      const known = state.entries.find((e) => e.applicationId === entry.applicationId);
      if (known) return known;
      state.entries.push(entry);
      return entry;
    },
    {
      validator: (entry) => {
        if (state.entries.some((e) => e.applicationId === entry.applicationId)) return;
        if (!windowOpen()) {
          refuse('WrongStage', `round ${definition.id} took applications ${definition.window.opens}–${definition.window.closes} (Asia/Shanghai); it is closed`);
        }
        if (Date.now() < Date.parse(`${definition.window.opens}T00:00:00+08:00`)) {
          refuse('WrongStage', `round ${definition.id} opens for applications on ${definition.window.opens} (Asia/Shanghai)`);
        }
      },
    },
  );

  setHandler(
    batchSignOffUpdate,
    async (req: BatchSignOffRequest) => {
      busy += 1;
      try {
        keys[req.key] = actionBinding('batch-sign-off', req);
        const n = state.batches.length + 1;
        const budgetBefore = roundTotals(state).remaining;
        const lines = await Promise.all(
          req.decisions.map((line) =>
            reads.applyMeetingDecision({ key: req.key, roundId: definition.id, batch: n, actor: req.actor, meeting: req.meeting, line }),
          ),
        );
        const approved = lines.filter((l) => l.outcome === 'approved' && compareYuan(l.approvedAfterCaps!, '0.00') > 0);
        const scaling = approved.length ? proRata(approved.map((l) => ({ id: l.applicationId, amount: l.approvedAfterCaps! })), budgetBefore) : null;
        const batch: BatchDecision = {
          n,
          meeting: req.meeting,
          by: req.actor,
          at: now(),
          lines,
          budgetBefore,
          scaling: scaling ? { total: scaling.total, scaled: scaling.scaled, factor: scaling.factor } : null,
        };
        state.batches.push(batch);
        const allocations: Allocation[] = (scaling?.awards ?? []).map((award) => {
          const entry = state.entries.find((e) => e.applicationId === award.id)!;
          return {
            applicationId: award.id,
            applicant: entry.applicant,
            programId: definition.programId,
            decidedBy: `meeting ${req.meeting.reference} (${req.meeting.date}), batch ${n}`,
            approved: award.approved,
            allocated: award.scaled,
            proRata: { ...award, factor: scaling!.factor, budget: scaling!.budget, total: scaling!.total },
            changes: [],
            status: 'allocated',
          };
        });
        state.allocations.push(...allocations);
        record(req.actor.id, 'batch-sign-off', { n, meeting: req.meeting, lines: lines.length, approved: approved.length, scaling: batch.scaling });
        if (allocations.length) {
          const entries: NoticeEntry[] = allocations.map((a) => ({ applicationId: a.applicationId, applicant: a.applicant, programId: a.programId, amount: a.allocated }));
          await publish('list', entries, (applicationId) => {
            const a = allocations.find((x) => x.applicationId === applicationId)!;
            return { ...a.proRata!, batch: n };
          });
        }
        return batch;
      } finally {
        busy -= 1;
      }
    },
    {
      validator: (req: BatchSignOffRequest) => {
        if (req.actor.role !== 'approver') refuse('Forbidden', 'the executive meeting\'s decision is recorded by an approver');
        const earlier = keys[req.key];
        if (earlier !== undefined && earlier !== actionBinding('batch-sign-off', req)) {
          throw ApplicationFailure.create({ type: 'IdempotencyConflict', message: `Idempotency-Key ${req.key} was used before for another meeting decision`, nonRetryable: true });
        }
        if (definition.signOff !== 'batch') refuse('Conflict', `round ${definition.id} is signed off application by application (POST /applications/:id/sign-off)`);
        if (state.status !== 'closed' || !state.draw) refuse('WrongStage', `round ${definition.id} is decided after its window closes (${definition.window.closes}) and its spot check is drawn`);
        const seen = new Set<string>();
        req.decisions.forEach((line, i) => {
          if (seen.has(line.applicationId)) refuse('InvalidInput', `decisions[${i}].applicationId: ${line.applicationId} is listed twice`);
          seen.add(line.applicationId);
          if (!state.entries.some((e) => e.applicationId === line.applicationId)) {
            refuse('InvalidInput', `decisions[${i}].applicationId: ${line.applicationId} was not filed into round ${definition.id}`);
          }
          if (state.allocations.some((a) => a.applicationId === line.applicationId)) {
            refuse('Conflict', `decisions[${i}].applicationId: ${line.applicationId} was already decided and noticed in this round`);
          }
        });
      },
    },
  );

  setHandler(
    allocateUpdate,
    (req) => {
      const known = state.allocations.find((a) => a.applicationId === req.applicationId && a.status !== 'removed');
      if (known) return known;
      const remaining = roundTotals(state).remaining;
      const allocated = compareYuan(req.amount, remaining) <= 0 ? req.amount : remaining;
      const allocation: Allocation = {
        applicationId: req.applicationId,
        applicant: req.applicant,
        programId: req.programId,
        decidedBy: req.decidedBy,
        approved: req.amount,
        allocated,
        proRata: null,
        changes: allocated === req.amount ? [] : [{ at: now(), amount: allocated, why: `the round's budget had ${remaining} left` }],
        status: 'allocated',
      };
      state.allocations.push(allocation);
      record(ENGINE.id, 'allocated', { applicationId: req.applicationId, approved: req.amount, allocated, remaining });
      return allocation;
    },
    {
      validator: (req) => {
        if (definition.signOff !== 'single') refuse('Conflict', `round ${definition.id} is decided by the executive meeting as one list`);
        if (!state.entries.some((e) => e.applicationId === req.applicationId)) refuse('InvalidInput', `${req.applicationId} was not filed into round ${definition.id}`);
      },
    },
  );

  // A reduction is applied at once; a 'batch' round notices the changed entries again (below).
  setHandler(entryChangedSignal, (change) => {
    const entry = state.entries.find((e) => e.applicationId === change.applicationId);
    if (entry && change.amount === null && !entry.ended) entry.ended = { at: now(), why: change.why };
    const a = state.allocations.find((x) => x.applicationId === change.applicationId && x.status !== 'removed');
    if (!a) return;
    const amount = change.amount ?? '0.00';
    if (compareYuan(amount, a.allocated) >= 0 && change.amount !== null) {
      record(ENGINE.id, 'increase-refused', { applicationId: a.applicationId, allocated: a.allocated, asked: amount, why: 'an award grows only by a new decision' });
      return;
    }
    a.allocated = formatYuan(parseYuan(amount));
    a.status = change.amount === null ? 'removed' : 'reduced';
    a.changes.push({ at: now(), amount: a.allocated, why: change.why });
    record(ENGINE.id, a.status, { applicationId: a.applicationId, allocated: a.allocated, why: change.why });
    if (definition.signOff === 'batch') corrections.push({ applicationId: a.applicationId, applicant: a.applicant, programId: a.programId, amount: a.allocated, change: change.why });
  });

  /** Publishes a notice for `entries`; each listed application is told its amount and window. */
  async function publish(kind: 'list' | 'correction', entries: NoticeEntry[], proRataOf: (id: string) => RoundNoticeMessage['proRata']): Promise<void> {
    const window = await workingDaysFromTomorrow(definition.noticeWorkingDays);
    const notice = sealNotice({
      roundId: definition.id,
      publication: state.notices.length + 1,
      kind,
      publishedOn: shanghaiDate(Date.now()),
      lastDay: window.lastDay,
      closesAt: window.closesAt,
      entries,
    });
    state.notices.push(notice);
    await effects.publishRoundNotice(notice);
    record(ENGINE.id, 'notice-published', { publication: notice.publication, kind, entries: entries.length, lastDay: notice.lastDay, sha256: notice.sha256 });
    for (const entry of notice.entries) {
      await tell(entry.applicationId, roundNoticeSignal, {
        roundId: definition.id,
        publication: notice.publication,
        sha256: notice.sha256,
        publishedOn: notice.publishedOn,
        lastDay: notice.lastDay,
        days: window.days,
        closesAt: notice.closesAt,
        entry,
        proRata: proRataOf(entry.applicationId),
      });
    }
  }

  /** The notice window: working days from the day after publication; waits a day at a time for a missing calendar year. */
  async function workingDaysFromTomorrow(count: number) {
    for (;;) {
      const answer = await reads.workingDays({ from: addCalendarDays(shanghaiDate(Date.now()), 1), count });
      if (answer.ok) return answer;
      record(ENGINE.id, 'calendar-missing', { year: answer.missingYear, purpose: 'the round notice window' });
      await sleep(DAY_MS, { summary: `a calendar for ${answer.missingYear}, for the round notice window` });
    }
  }

  /** Signals an application; one that no longer runs is recorded, not fatal to the round. */
  async function tell<A>(applicationId: string, signal: SignalDefinition<[A]>, arg: A): Promise<void> {
    try {
      await getExternalWorkflowHandle(applicationId).signal(signal, arg);
    } catch (err) {
      record(ENGINE.id, 'application-not-told', { applicationId, problem: (err as Error).message });
      log.warn('application not told', { round: definition.id, applicationId, problem: (err as Error).message });
    }
  }

  // 1–2. Open until the end of the window's last day; then the spot check over the round.
  const untilClose = Date.parse(definition.window.closesAt) - Date.now();
  if (untilClose > 0) await sleep(untilClose, { summary: `the end of round ${definition.id}'s window (${definition.window.closes})` });
  state.status = 'closed';
  record(ENGINE.id, 'window-closed', { closes: definition.window.closes, applications: state.entries.length });
  // Applications that already ended (withdrawn, rejected at the preliminary record) take no part.
  const draw = roundDraw(input.seed, state.entries.filter((e) => !e.ended), definition.spotCheck, INSPECTION_CITATION);
  state.draw = draw;
  record(ENGINE.id, 'spot-check-drawn', { seedSha256: draw.seedSha256, eligible: draw.ranking.length, count: draw.count, selected: draw.selected });
  for (const [i, ranked] of draw.ranking.entries()) {
    await tell(ranked.applicationId, roundDrawSignal, {
      roundId: definition.id,
      status: 'drawn',
      seedSha256: draw.seedSha256,
      seed: draw.seed,
      selected: draw.selected.includes(ranked.applicationId),
      rank: i + 1,
      eligible: draw.ranking.length,
      count: draw.count,
      rule: draw.rule,
    });
  }

  // 3–4. Decisions arrive as updates; a 'batch' round notices reductions again as they come (a
  // 'single' round's applications notice their own).
  for (;;) {
    await condition(() => corrections.length > 0 && busy === 0);
    await publish('correction', corrections.splice(0), () => null);
  }
}
