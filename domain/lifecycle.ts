/**
 * The pure rules of the application lifecycle (domain brief, steps 1–7): what each action needs
 * beyond the role × stage table (domain/actions.ts), and what is pending for whom.
 *
 * Used by the workflow's update validators (the authority: they see the live state) and by tests.
 * Workflow-safe: no Node built-ins, no clock (callers pass `now`), no randomness.
 */
import { actionRefusal, type ActionName, type Refusal } from './actions';
import type { ApplicationState, PendingItem, Tranche } from './application';
import { addCalendarDays, shanghaiDate } from './calendar';
import { dateProblem } from './dates';
import { compareYuan, yuanProblem, type Yuan } from './money';
import type { Actor } from './roles';
import { isEndStage } from './stages';
import type {
  AgreementRequest,
  BreachReportRequest,
  ClawbackDecisionRequest,
  FraudReportRequest,
  RepaymentRequest,
  ConfirmationRequest,
  InspectionRequest,
  MaterialsRequest,
  ObjectionRequest,
  ObjectionResolutionRequest,
  PreliminaryRecordRequest,
  ProgressRequest,
  RecommendationRequest,
  ReviewExtensionRequest,
  SignOffRequest,
  SupplementRequest,
  VerificationRequest,
  WithdrawalRequest,
} from './requests';

const invalid = (message: string): Refusal => ({ type: 'InvalidInput', message });
const conflict = (message: string): Refusal => ({ type: 'Conflict', message });
const separation = (message: string): Refusal => ({ type: 'SeparationOfDuties', message });

function textProblem(value: unknown, field: string): Refusal | null {
  return typeof value === 'string' && value.trim() !== '' ? null : invalid(`${field} must not be empty`);
}

function amountProblem(value: unknown, field: string): Refusal | null {
  const problem = yuanProblem(value);
  if (problem) return invalid(`${field} ${problem}`);
  if (compareYuan(value as Yuan, '0.00') <= 0) return invalid(`${field} must be more than 0.00`);
  return null;
}

function documentsProblem(value: unknown, field: string): Refusal | null {
  if (!Array.isArray(value) || value.length === 0) return invalid(`${field} must list at least one document`);
  for (const [i, d] of value.entries()) {
    const doc = d as Record<string, unknown>;
    if (typeof doc?.name !== 'string' || doc.name.trim() === '') return invalid(`${field}[${i}].name must not be empty`);
    if (typeof doc.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(doc.sha256)) return invalid(`${field}[${i}].sha256 must be 64 lowercase hex digits`);
    if (typeof doc.url !== 'string' || !/^https?:\/\//.test(doc.url)) return invalid(`${field}[${i}].url must be an http(s) URL`);
  }
  return null;
}

/** A date the actor states (signed on, paid on): real, not in the future, not before `earliest`. */
function statedDateProblem(value: unknown, field: string, today: string, earliest: string | null, earliestWhat: string): Refusal | null {
  const problem = dateProblem(value);
  if (problem) return invalid(`${field} ${problem}`);
  const date = value as string;
  if (date > today) return invalid(`${field} ${date} is in the future (today is ${today} in Asia/Shanghai)`);
  if (earliest && date < earliest) return invalid(`${field} ${date} is before ${earliestWhat} (${earliest})`);
  return null;
}

/** Checks one after the other; the first refusal wins. */
function first(...checks: Array<() => Refusal | null>): Refusal | null {
  for (const check of checks) {
    const refusal = check();
    if (refusal) return refusal;
  }
  return null;
}

export function trancheOf(state: ApplicationState, n: number): Tranche | undefined {
  return state.tranches.find((t) => t.n === n);
}

/** Whether money has moved or is moving: a payment instruction was sent for some tranche. */
export function paymentStarted(state: ApplicationState): boolean {
  return state.tranches.some((t) => t.status === 'instructed' || t.status === 'paid');
}

/** The request refusal of each action, after the role × stage table. `now` is an ISO instant. */
const actionProblems = {
  'preliminary-record': (_s: ApplicationState, r: PreliminaryRecordRequest) =>
    first(
      () => (r.decision === 'pass' || r.decision === 'fail' ? null : invalid('decision must be pass or fail')),
      () => textProblem(r.reason, 'reason'),
    ),

  materials: (_s: ApplicationState, r: MaterialsRequest) => documentsProblem(r.documents, 'documents'),

  'supplement-request': (s: ApplicationState, r: SupplementRequest) =>
    first(
      () =>
        s.review?.supplement
          ? conflict(
              `the supplement request may be made only once, listing everything missing (一次性告知, 002 第三十一条); it was made at ${s.review.supplement.requestedAt}`,
            )
          : null,
      () => (Array.isArray(r.items) && r.items.length > 0 ? null : invalid('items must list at least one missing item')),
      () => (r.items.every((i) => typeof i === 'string' && i.trim() !== '') ? null : invalid('items must not contain empty entries')),
      () =>
        r.dueInWorkingDays === undefined || (Number.isInteger(r.dueInWorkingDays) && r.dueInWorkingDays >= 1 && r.dueInWorkingDays <= 60)
          ? null
          : invalid('dueInWorkingDays must be a whole number of working days between 1 and 60'),
    ),

  'review-extension': (s: ApplicationState, r: ReviewExtensionRequest, _now: string, program: ActionContext) =>
    first(
      () =>
        s.review?.extension
          ? conflict(`the review may be extended only once (002 第三十一条); it was extended by ${s.review.extension.days} days at ${s.review.extension.at}`)
          : null,
      () =>
        Number.isInteger(r.days) && r.days >= 1 && r.days <= program.extensionMaxDays
          ? null
          : invalid(`days must be a whole number between 1 and ${program.extensionMaxDays} (不超过${program.extensionMaxDays}日)`),
      () => textProblem(r.reason, 'reason'),
    ),

  inspection: (_s: ApplicationState, r: InspectionRequest) =>
    first(
      () => (r.result === 'pass' || r.result === 'fail' ? null : invalid('result must be pass or fail')),
      () => textProblem(r.findings, 'findings'),
    ),

  recommendation: (s: ApplicationState, r: RecommendationRequest) =>
    first(
      () => (r.decision === 'approve' || r.decision === 'reject' ? null : invalid('decision must be approve or reject')),
      () => textProblem(r.reason, 'reason'),
      () => (r.decision === 'approve' ? amountProblem(r.amount, 'amount') : null),
      () =>
        r.decision === 'approve' && s.award.amountByFormula && compareYuan(r.amount!, s.award.amountByFormula) > 0
          ? invalid(`amount ${r.amount} is above the ${s.award.amountByFormula} the program's formula allows`)
          : null,
      () => (r.decision !== 'approve' && r.amount !== undefined ? invalid('amount is only given to approve') : null),
      () =>
        s.inspection?.result && s.inspection.result.by.id === r.actor.id
          ? separation(`${r.actor.name} inspected this application and may not also recommend it`)
          : null,
    ),

  'sign-off': (s: ApplicationState, r: SignOffRequest) =>
    first(
      () => (['approve', 'reject', 'return'].includes(r.decision) ? null : invalid('decision must be approve, reject or return')),
      () => textProblem(r.reason, 'reason'),
      // Fix: a return for re-review clears `recommendation`; whoever recommended an earlier round
      // reviewed the application too and may not sign off the next one.
      () =>
        s.recommendation?.by.id === r.actor.id || s.returns.some((x) => x.recommendation.by.id === r.actor.id)
          ? separation(`${r.actor.name} recommended this application and may not also sign it off`)
          : null,
      () =>
        s.inspection?.result?.by.id === r.actor.id
          ? separation(`${r.actor.name} inspected this application and may not also sign it off`)
          : null,
      () => (r.decision === 'approve' ? amountProblem(r.amount, 'amount') : null),
      () =>
        r.decision === 'approve' && s.award.recommended && compareYuan(r.amount!, s.award.recommended) > 0
          ? invalid(`amount ${r.amount} is above the recommended ${s.award.recommended}`)
          : null,
      () => (r.decision !== 'approve' && r.amount !== undefined ? invalid(`amount is only given to approve`) : null),
    ),

  objections: (s: ApplicationState, r: ObjectionRequest, now: string) =>
    first(
      () => textProblem(r.text, 'text'),
      () => textProblem(r.objector?.name, 'objector.name'),
      () => (!s.notice ? conflict('the notice is not published yet') : null),
      () =>
        s.notice && (s.notice.closed || now >= s.notice.closesAt)
          ? conflict(`the notice window closed at the end of ${s.notice.lastDay}; objections are received during the window only`)
          : null,
    ),

  resolution: (s: ApplicationState, r: ObjectionResolutionRequest) => {
    const objection = s.notice?.objections.find((o) => o.n === r.n);
    return first(
      () => (objection ? null : invalid(`there is no objection ${r.n}`)),
      () => (objection!.status === 'open' ? null : conflict(`objection ${r.n} was already resolved (${objection!.status})`)),
      () => (typeof r.upheld === 'boolean' ? null : invalid('upheld must be true or false')),
      () => textProblem(r.decision, 'decision'),
      () => (!r.upheld && r.amount !== undefined ? invalid('amount is only given when an upheld objection reduces the award') : null),
      () => (r.upheld && r.amount !== undefined ? amountProblem(r.amount, 'amount') : null),
      () =>
        r.upheld && r.amount !== undefined && s.award.approved && compareYuan(r.amount, s.award.approved) >= 0
          ? invalid(`amount ${r.amount} does not reduce the approved ${s.award.approved}; omit it to refuse the award`)
          : null,
    );
  },

  agreement: (s: ApplicationState, r: AgreementRequest, now: string) =>
    statedDateProblem(r.signedOn, 'signedOn', shanghaiDate(now), s.signOff ? shanghaiDate(s.signOff.at) : null, 'the government sign-off'),

  progress: (s: ApplicationState, r: ProgressRequest, now: string) => {
    const tranche = s.tranches.find((t) => t.milestone === r.milestone);
    return first(
      () => suspension(s),
      () =>
        tranche
          ? null
          : invalid(`milestone ${JSON.stringify(r.milestone)} is not in the schedule (${s.tranches.map((t) => t.milestone).join(', ')})`),
      () =>
        tranche!.status === 'scheduled' || tranche!.status === 'rejected'
          ? null
          : conflict(`tranche ${tranche!.n} (${tranche!.milestone}) is already ${tranche!.status}`),
      () =>
        tranche!.claimableFrom && shanghaiDate(now) < tranche!.claimableFrom
          ? conflict(`tranche ${tranche!.n} (${tranche!.milestone}) may be claimed from ${tranche!.claimableFrom}`)
          : null,
      () => documentsProblem(r.evidence, 'evidence'),
      () => {
        if (tranche!.trigger.kind !== 'progress') return r.cumulativeInvestment === undefined ? null : amountProblem(r.cumulativeInvestment, 'cumulativeInvestment');
        if (r.cumulativeInvestment === undefined) return invalid(`cumulativeInvestment is required to claim the progress tranche ${tranche!.milestone}`);
        return amountProblem(r.cumulativeInvestment, 'cumulativeInvestment');
      },
      () =>
        tranche!.trigger.kind === 'progress' && compareYuan(r.cumulativeInvestment!, tranche!.trigger.thresholdAmount) < 0
          ? invalid(
              `cumulativeInvestment ${r.cumulativeInvestment} does not reach ${tranche!.trigger.thresholdAmount} ` +
                `(${tranche!.trigger.reachesPercent} % of ${tranche!.trigger.fact}) needed for ${tranche!.milestone}`,
            )
          : null,
    );
  },

  verification: (s: ApplicationState, r: VerificationRequest) => {
    const tranche = trancheOf(s, r.n);
    return first(
      () => suspension(s),
      () => (tranche ? null : invalid(`there is no tranche ${r.n}`)),
      () => (tranche!.status === 'claimed' ? null : conflict(`tranche ${r.n} is ${tranche!.status}, not claimed: there is no progress report to verify`)),
      () => (typeof r.accepted === 'boolean' ? null : invalid('accepted must be true or false')),
      () => textProblem(r.reason, 'reason'),
    );
  },

  confirmation: (s: ApplicationState, r: ConfirmationRequest, now: string) => {
    const tranche = trancheOf(s, r.n);
    return first(
      () => (tranche ? null : invalid(`there is no tranche ${r.n}`)),
      () =>
        tranche!.status === 'paid'
          ? conflict(`tranche ${r.n} was already confirmed paid on ${tranche!.paidOn} (treasury reference ${tranche!.treasuryReference})`)
          : null,
      () => (tranche!.status === 'instructed' ? null : conflict(`tranche ${r.n} is ${tranche!.status}: no payment instruction was sent for it yet`)),
      () => textProblem(r.treasuryReference, 'treasuryReference'),
      () => {
        const other = s.tranches.find((t) => t.treasuryReference === r.treasuryReference);
        return other ? conflict(`treasury reference ${r.treasuryReference} already confirms tranche ${other.n}`) : null;
      },
      () =>
        tranche!.claims.at(-1)?.verification?.by.id === r.actor.id
          ? separation(`${r.actor.name} verified this tranche and may not also confirm its payment`)
          : null,
      () =>
        statedDateProblem(r.paidOn, 'paidOn', shanghaiDate(now), tranche!.instruction ? shanghaiDate(tranche!.instruction.at) : null, 'the payment instruction'),
    );
  },

  withdrawal: (s: ApplicationState, r: WithdrawalRequest) =>
    first(
      () => textProblem(r.reason, 'reason'),
      () =>
        paymentStarted(s)
          ? conflict('a payment has been instructed or made: an application may be withdrawn only before payment')
          : null,
      // Fix: the engine sends a verified tranche's payment instruction at once, so it may be in
      // flight while this validator runs; a withdrawal accepted then would not stop the money.
      () => {
        const moving = s.tranches.find((t) => t.status === 'verified');
        return moving
          ? conflict(`tranche ${moving.n} is verified for payment and its instruction is under way: an application may be withdrawn only before payment`)
          : null;
      },
    ),

  'fraud-report': (_s: ApplicationState, r: FraudReportRequest) =>
    first(
      () => textProblem(r.findings, 'findings'),
      () => documentsProblem(r.evidence, 'evidence'),
    ),

  'breach-report': (s: ApplicationState, r: BreachReportRequest) =>
    first(
      () => textProblem(r.findings, 'findings'),
      () =>
        s.obligations.some((o) => o.id === r.obligation)
          ? null
          : invalid(
              `obligation ${JSON.stringify(r.obligation)} is not one of this application's obligations` +
                (s.obligations.length ? ` (${s.obligations.map((o) => o.id).join(', ')})` : ' (it has none)'),
            ),
      () =>
        moneyPaid(s)
          ? null
          : conflict('no money has been paid yet: an obligation cannot be broken before payment (report fraud instead)'),
    ),

  'clawback-decision': (s: ApplicationState, r: ClawbackDecisionRequest, now: string) => {
    const report = openReport(s);
    return first(
      () => (report ? null : conflict('there is no open fraud or breach report to decide on')),
      () =>
        report!.by.id === r.actor.id
          ? separation(`${r.actor.name} made report ${report!.n} and may not also decide on it`)
          : null,
      () => (r.decision === 'recover' || r.decision === 'dismiss' ? null : invalid('decision must be recover or dismiss')),
      () => textProblem(r.reason, 'reason'),
      () =>
        r.decisionDate === undefined ? null : statedDateProblem(r.decisionDate, 'decisionDate', shanghaiDate(now), shanghaiDate(report!.at), 'the report'),
      () =>
        r.dueInWorkingDays === undefined || (Number.isInteger(r.dueInWorkingDays) && r.dueInWorkingDays >= 1 && r.dueInWorkingDays <= 250)
          ? null
          : invalid('dueInWorkingDays must be a whole number of working days between 1 and 250'),
      () => (r.referToJudiciary === undefined || typeof r.referToJudiciary === 'boolean' ? null : invalid('referToJudiciary must be true or false')),
    );
  },

  repayments: (s: ApplicationState, r: RepaymentRequest, now: string, context: ActionContext) =>
    first(
      () => amountProblem(r.amount, 'amount'),
      () => statedDateProblem(r.paidOn, 'paidOn', shanghaiDate(now), s.clawback?.decisionDate ?? null, 'the clawback decision'),
      () => (s.clawback?.settledAt ? conflict(`the clawback was settled at ${s.clawback.settledAt}; nothing is outstanding`) : null),
      () => (!context.outstandingOn ? conflict('the clawback statement is being prepared; retry in a moment') : null),
      () => {
        const outstanding = context.outstandingOn?.(r.paidOn);
        if (outstanding === undefined) return null;
        return compareYuan(r.amount, outstanding) > 0
          ? invalid(`amount ${r.amount} is more than the ${outstanding} outstanding on ${r.paidOn}`)
          : null;
      },
    ),
};

/** What some validators need beyond the state: program settings and the live statement. */
export interface ActionContext {
  extensionMaxDays: number;
  /** The exact amount outstanding on a date, from the clawback statement with the LPR in force. */
  outstandingOn?: (date: string) => Yuan;
}

/** While a fraud or breach report waits for the approver, no tranche moves towards payment. */
function suspension(s: ApplicationState): Refusal | null {
  const open = openReport(s);
  return open ? conflict(`report ${open.n} (${open.kind}) waits for the approver's decision: disbursement is suspended until then`) : null;
}

/** Money reached the applicant: some tranche is confirmed paid. */
function moneyPaid(state: ApplicationState): boolean {
  return state.tranches.some((t) => t.status === 'paid');
}

/** The report waiting for the approver's decision, if any. */
export function openReport(state: ApplicationState) {
  return state.reports.find((r) => r.status === 'open');
}

/**
 * Why `actor` may not take `action` now: role and stage first (the table), then the action's own
 * conditions. `null` means the action is accepted.
 */
export function refusalOf(
  action: ActionName,
  state: ApplicationState,
  request: { actor: Actor } & Record<string, unknown>,
  now: string,
  context: ActionContext,
): Refusal | null {
  const byTable = actionRefusal(action, request.actor, state);
  if (byTable) return byTable;
  if (request.comment !== undefined && typeof request.comment !== 'string') return invalid('comment must be text');
  const check = actionProblems[action] as (s: ApplicationState, r: unknown, now: string, context: ActionContext) => Refusal | null;
  return check(state, request, now, context);
}

/**
 * Everything people must do next, derived from the state alone so that it can never drift from
 * it: the pending list, the listing's pending roles and its next due date all come from here.
 */
export function pendingOf(state: ApplicationState, today: string): PendingItem[] {
  const items: PendingItem[] = [];
  const waiting = state.calendarWait;
  if (waiting) {
    items.push({
      role: 'admin',
      action: 'calendar-year',
      path: `/calendar/years/${waiting.year}`,
      dueAt: null,
      reason: `the working-day calendar for ${waiting.year} is needed for ${waiting.purpose}; supply it with PUT /calendar/years/${waiting.year}`,
    });
  }
  const report = openReport(state);
  if (report && !isEndStage(state.stage)) {
    items.push({
      role: 'approver',
      action: 'clawback-decision',
      path: 'clawback-decision',
      dueAt: null,
      reason: `${report.kind} report ${report.n}: recover the paid funds or dismiss (not by the person who reported)`,
    });
  }
  switch (state.stage) {
    case 'clawback':
    case 'referred': {
      const c = state.clawback;
      if (!c || c.settledAt) break;
      items.push({ role: 'finance-officer', action: 'repayments', path: 'repayments', dueAt: state.stage === 'clawback' ? c.dueAt : null, reason: `${c.outstanding} outstanding as of ${c.asOf}` });
      if (c.overdueSince && state.stage === 'clawback') {
        items.push({ role: 'approver', action: 'repayment-overdue', path: null, dueAt: c.dueAt, reason: `repayment overdue since the end of ${c.lastDay}` });
      }
      break;
    }
    case 'preliminary-record':
      items.push({ role: 'intake-officer', action: 'preliminary-record', path: 'preliminary-record', dueAt: null });
      break;
    case 'formal-submission':
      items.push({ role: 'applicant-system', action: 'materials', path: 'materials', dueAt: state.materials.dueAt });
      break;
    case 'supplement-requested':
      items.push({
        role: 'applicant-system',
        action: 'materials',
        path: 'materials',
        dueAt: state.review?.supplement?.dueAt ?? null,
        reason: 'answer the supplement request',
      });
      break;
    case 'inspection':
    case 'review': {
      // Between the materials and the start of the review clock there is no review state yet.
      const review = state.review;
      const due = review?.clock.dueAt ?? null;
      if (state.stage === 'inspection') items.push({ role: 'inspector', action: 'inspection', path: 'inspection', dueAt: due });
      else items.push({ role: 'reviewer', action: 'recommendation', path: 'recommendation', dueAt: due });
      if (review && review.escalatedFor === due) {
        items.push({
          role: 'approver',
          action: 'review-extension',
          path: 'review-extension',
          dueAt: due,
          reason: `review overdue since the end of ${review.clock.lastDay}: extend it once (at most ${review.extensionMaxDays} days) or see that it is finished; nothing is approved automatically`,
        });
      }
      break;
    }
    case 'sign-off':
      items.push({ role: 'approver', action: 'sign-off', path: 'sign-off', dueAt: null });
      break;
    case 'public-notice':
      for (const o of state.notice?.objections ?? []) {
        if (o.status === 'open') items.push({ role: 'approver', action: 'resolution', path: `objections/${o.n}/resolution`, dueAt: null });
      }
      break;
    case 'agreement':
      items.push({ role: 'applicant-system', action: 'agreement', path: 'agreement', dueAt: state.agreement?.dueAt ?? null });
      break;
    case 'disbursement': {
      const claimable = state.tranches.filter(
        (t) => (t.status === 'scheduled' || t.status === 'rejected') && t.trigger.kind !== 'after-notice' && (!t.claimableFrom || t.claimableFrom <= today),
      );
      if (claimable.length > 0) {
        items.push({ role: 'applicant-system', action: 'progress', path: 'progress', dueAt: null, reason: `claimable: ${claimable.map((t) => t.milestone).join(', ')}` });
      }
      for (const t of state.tranches) {
        if (t.status === 'claimed') items.push({ role: 'reviewer', action: 'verification', path: `progress/${t.n}/verification`, dueAt: null });
        if (t.status === 'instructed') items.push({ role: 'finance-officer', action: 'confirmation', path: `tranches/${t.n}/confirmation`, dueAt: null });
        if (t.status === 'verified' && t.instructionProblem) {
          items.push({ role: 'finance-officer', action: 'payment-instruction', path: null, dueAt: null, reason: t.instructionProblem });
        }
      }
      break;
    }
    default:
      break;
  }
  return items;
}

/** `date` plus `years` calendar years; 29 February becomes 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  const md = date.slice(5);
  if (md === '02-29') {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    return `${y}-02-${leap ? '29' : '28'}`;
  }
  return `${y}-${md}`;
}

/**
 * A period "within N days of D" ends at the end of D + N: the day of the event itself is not
 * counted (民法典 第二百零一条: 开始的当日不计入，自下一日开始计算).
 */
export function lastDayAfter(eventDate: string, days: number): string {
  return addCalendarDays(eventDate, days);
}
