/**
 * Activities are built by a factory from their dependencies (adapters and stores), so the worker
 * wires the real ones, tests wire temporary ones, and workflows import only the type.
 *
 * Two kinds:
 * - reads of data that changes at run time (working-day calendar, the dishonesty list) and
 *   computations whose code may change (award, schedule): run once, recorded in history, so
 *   replay never depends on today's data or today's code;
 * - external effects (notice, notifications, payment instructions, escalations): one adapter
 *   interface, each message with an idempotency key so a retry never sends anything twice.
 */
import { ApplicationFailure } from '@temporalio/common';
import { disbursementSchedule, evaluateAward, type AwardEvaluation, type Facts, type Program, type ScheduleLine } from '../domain/catalog';
import { UnknownCalendarYearError, windowClosesAt, workingDaysFrom, yearOf } from '../domain/calendar';
import type { Yuan } from '../domain/money';
import type { CalendarStore } from '../lib/calendar-store';
import type { LprTable } from '../domain/lpr';
import type { LprStore } from '../lib/lpr-store';
import type {
  ApplicantNotification,
  ObjectorNotification,
  NoticePublication,
  PaymentInstruction,
  Escalation,
  WorkingDaysAnswer,
  DishonestyCheck,
  EffectReceipt,
  CreditRecord,
  Referral,
} from '../domain/effects';
import type { DishonestyList } from './dishonesty-list';
import type { EffectAdapter } from './outbox';
import { createRoundActivities } from './rounds';
import { createListingActivities } from './listing';
import type { ListingStore } from '../lib/listing-store';
import type { RoundNotice } from '../domain/rounds';

export interface ActivityDeps {
  effects: EffectAdapter;
  calendar: Pick<CalendarStore, 'current'>;
  dishonestyList: DishonestyList;
  /** LPR fixings, shipped and admin-added at run time. */
  lpr: Pick<LprStore, 'current'>;
  /** The listing table in the engine's database, which the workflows keep current. */
  listing: Pick<ListingStore, 'write'>;
  clock?: () => Date;
}


export function createActivities(deps: ActivityDeps) {
  const clock = deps.clock ?? (() => new Date());
  return {
    ...createRoundActivities(),
    ...createListingActivities(deps.listing, clock),

    /** Publishes a round's notice list 公示 (one list per round; a correction lists the changed entries). */
    async publishRoundNotice(notice: RoundNotice): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'round-notice', applicationId: `round:${notice.roundId}`, idempotencyKey: `${notice.roundId}:notice:${notice.publication}`, ...notice });
    },

    /** 002 第四条: not on the serious-dishonesty list 严重失信主体名单 when filing. */
    async checkDishonestyList(input: { applicationId: string; creditCode: string }): Promise<DishonestyCheck> {
      const found = await deps.dishonestyList.lookup(input.creditCode);
      return { listed: found.listed, source: found.source, checkedAt: clock().toISOString(), ...(found.entry ? { entry: found.entry } : {}) };
    },

    /**
     * The first `count` working days from `from` (itself included when it is a working day), or
     * which year nobody has supplied: the workflow then waits for an admin, it does not fail.
     */
    async workingDays(input: { from: string; count: number }): Promise<WorkingDaysAnswer> {
      // The years as the engine's database has them now (an admin's year supplied through any API).
      const calendar = await deps.calendar.current();
      const data = calendar.data();
      try {
        const { days, lastDay } = workingDaysFrom(data, input.from, input.count);
        const sources: Record<string, string> = {};
        for (const y of new Set(days.map(yearOf))) sources[String(y)] = calendar.year(y)?.source ?? 'unknown';
        return { ok: true, from: input.from, count: input.count, days, lastDay, closesAt: windowClosesAt(lastDay), sources };
      } catch (err) {
        if (err instanceof UnknownCalendarYearError) return { ok: false, missingYear: err.year, message: err.message };
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
        throw err;
      }
    },

    /** The award the pinned program gives for the facts, with its breakdown. */
    async assessAward(input: { program: Program; facts: Facts }): Promise<AwardEvaluation> {
      return evaluateAward(input.program, input.facts);
    },

    /** The tranches for the approved amount under the pinned program. */
    async paymentSchedule(input: { program: Program; facts: Facts; approved: Yuan }): Promise<ScheduleLine[]> {
      try {
        return disbursementSchedule(input.program, input.facts, input.approved);
      } catch (err) {
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
        throw err;
      }
    },

    /** Tells the applicant (through its filing system) about a decision on its application. */
    async notifyApplicant(message: ApplicantNotification): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'notification', recipient: 'applicant', ...message });
    },

    /** The written decision on an objection that was not upheld, to the objector. */
    async notifyObjector(message: ObjectorNotification): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'notification', recipient: 'objector', ...message });
    },

    /** Publishes the public notice 公示 on the government website. */
    async publishNotice(message: NoticePublication): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'notice', ...message });
    },

    /** The payment instruction to the treasury for one tranche; written once per tranche. */
    async sendPaymentInstruction(message: PaymentInstruction): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'payment-instruction', ...message });
    },

    /** The LPR fixings in force now (shipped plus admin-added), recorded in history when read. */
    async lprTable(): Promise<LprTable> {
      // The fixings as the engine's database has them now (an admin's fixing added through any API).
      return (await deps.lpr.current()).table();
    },

    /** Writes the applicant into credit management 信用管理. */
    async recordCredit(message: CreditRecord): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'credit-record', ...message });
    },

    /** Refers the case to the judicial authorities or to enforcement. */
    async sendReferral(message: Referral): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: message.to === 'judiciary' ? 'judicial-referral' : 'enforcement-referral', ...message });
    },

    /** Tells the staff of a role that something is overdue or blocked. */
    async escalate(message: Escalation): Promise<EffectReceipt> {
      return deps.effects.deliver({ type: 'escalation', ...message });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
