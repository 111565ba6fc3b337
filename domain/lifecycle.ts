/**
 * The pure rules of the application lifecycle (domain brief, steps 1–7): what is pending for whom,
 * and how periods are counted. What each action needs is in its module (domain/actions/<name>.ts).
 *
 * Used by the workflow's update validators (the authority: they see the live state) and by tests.
 * Workflow-safe: no Node built-ins, no clock (callers pass `now`), no randomness.
 */
import type { ApplicationState, PendingItem } from './application';
import { addCalendarDays } from './calendar';
import { isEndStage } from './stages';
import { openReport } from './actions/rules';

/** The rule that refuses an action is in its module (domain/actions/<name>.ts); these are named here too. */
export { refusalOf } from './actions';



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
      const draw = state.inspection?.roundDraw;
      if (state.stage === 'inspection') items.push({ role: 'inspector', action: 'inspection', path: 'inspection', dueAt: due });
      else if (draw?.status === 'pending') items.push({ role: 'reviewer', action: 'recommendation', path: null, dueAt: due, reason: `recommend after round ${draw.roundId} draws its spot check, when its window closes` });
      else {
        // 002 第三十六条 where the policies leave it to the reviewer: the other application is named.
        const other = state.project?.check?.verdict === 'shown-to-reviewer' ? state.project.check.reason : undefined;
        items.push({ role: 'reviewer', action: 'recommendation', path: 'recommendation', dueAt: due, ...(other ? { reason: `no double dipping: ${other}` } : {}) });
      }
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
      // A round run by the executive meeting is signed off as one list, on the round.
      if (state.roundTerms?.signOff === 'batch') {
        items.push({ role: 'approver', action: 'sign-off', path: `/rounds/${state.roundTerms.id}/sign-off`, dueAt: null, reason: `decided by the executive meeting with the rest of round ${state.roundTerms.id}` });
      } else items.push({ role: 'approver', action: 'sign-off', path: 'sign-off', dueAt: null });
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
