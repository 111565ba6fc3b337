/**
 * What an application filed into a round (issue 16) does with its round, its applicant's year and
 * its project, around steps 3–5 of the procedure:
 * - the round's spot-check draw arrives by signal and decides the inspection (001 §（三）4);
 * - once signed off, the quantities the award pays for (months, ㎡) are reserved within the
 *   program's limits across the applicant's applications (001 四（二）4: 36 months, 5000㎡ a
 *   year) and the award re-evaluated on what was granted; then the award is reserved within the
 *   applicant's annual caps (002 第六条) and, in a 'single' round, within what is left of the
 *   round's budget;
 * - in a 'batch' round the notice is the round's one list (002 第二十九条（二）): the application
 *   waits for it, takes its amount after pro rata (002 第五条), and asks the round to notice a
 *   reduction again;
 * - an application that ends without money releases what it held.
 */
import { getExternalWorkflowHandle, log, setHandler } from '@temporalio/workflow';
import { ENGINE, type RoundDrawResult } from '../../domain/application';
import { compareYuan } from '../../domain/money';
import { cutReason } from '../../domain/caps';
import type { Facts } from '../../domain/catalog';
import { entitlementWorkflowId, grantedFacts, quantityCutReason, quantityCuts, quantityRequest } from '../../domain/quantity-limits';
import { INSPECTION_CITATION } from '../../domain/spot-check';
import { reads } from '../activities';
import type { Application } from '../machinery';
import { roundWorkflowId } from '../../domain/rounds';
import {
  adjustReservationSignal,
  entryChangedSignal,
  releaseClaimSignal,
  releaseQuantitiesSignal,
  roundDrawSignal,
  roundNoticeSignal,
  type RoundNoticeMessage,
} from '../round-messages';

/** The round's signals: its draw and its notices. */
export function installRoundSignals(app: Application): void {
  setHandler(roundDrawSignal, (result) => {
    app.state.roundDraw = result;
    const i = app.state.inspection;
    if (i?.roundDraw?.status === 'pending') decideByRoundDraw(app, result);
    else app.record({ actor: ENGINE, action: 'round-draw-received', details: { ...result } });
    app.changed();
  });
  setHandler(roundNoticeSignal, (message) => {
    app.roundNotices.push(message);
    app.changed();
  });
}

/** The inspection of an application below the threshold, decided by the round's draw. */
export function decideByRoundDraw(app: Application, result: RoundDrawResult): void {
  const i = app.state.inspection!;
  i.roundDraw = result;
  i.required = result.selected === true;
  i.rule = {
    id: 'inspection-spot-check',
    citation: INSPECTION_CITATION,
    text: `round ${result.roundId}'s draw: ${result.rule ?? ''}; this application ranks ${result.rank} of ${result.eligible} → ${result.selected ? 'selected' : 'not selected'}`,
  };
  app.record({ actor: ENGINE, action: 'inspection-decided', details: { requirement: result.selected ? 'spot-check-selected' : 'spot-check-not-selected', roundDraw: result } });
  if (i.required && !i.result && app.state.stage === 'review') {
    app.moveTo('inspection', ENGINE, 'round-draw', `drawn for the on-site spot check of round ${result.roundId}`, { rank: result.rank, count: result.count });
  }
}

/**
 * After sign-off: the quantities within the program's limits across the applicant's applications,
 * then the award within the applicant's annual caps, then (single rounds) within the round's
 * budget. Cuts are recorded with their reasons; nothing grows.
 */
export async function reserveRoundAward(app: Application): Promise<void> {
  const s = app.state;
  const terms = s.roundTerms!;
  if (!(await reserveQuantities(app))) return;
  const wanted = s.award.approved!;
  const grant = await reads.reserveWithinCaps({
    ledgerId: terms.ledgerId,
    creditCode: s.applicant.creditCode,
    year: terms.year,
    request: {
      reservation: { applicationId: s.id, programId: s.programId, policyId: terms.policyId, roundId: terms.id, amount: wanted },
      caps: terms.caps,
    },
  });
  s.roundAward!.caps = grant;
  if (grant.cuts.length) cut(app, grant.granted, `annual caps (002 第六条): ${grant.cuts.map((c) => `${c.description} leaves ${c.room}`).join('; ')}`, { grant });
  app.record({ actor: ENGINE, action: 'caps-checked', details: { requested: grant.requested, granted: grant.granted, checked: grant.checked } });
  if (compareYuan(grant.granted, '0.00') === 0) {
    app.end('rejected', ENGINE, 'caps-checked', `the applicant's annual caps leave nothing for this award: ${cutReason(grant) ?? ''}`, { grant });
    return;
  }

  if (terms.signOff === 'single') {
    const allocation = await reads.allocateInRound({
      roundId: terms.id,
      request: { applicationId: s.id, applicant: s.applicant, programId: s.programId, amount: s.award.approved!, decidedBy: `sign-off by ${s.signOff?.by.name ?? 'the approver'}` },
    });
    if (compareYuan(allocation.allocated, s.award.approved!) < 0) {
      cut(app, allocation.allocated, `round ${terms.id}'s budget (002 第五条): ${allocation.changes.at(-1)?.why ?? ''}`, { allocation });
      tellLedger(app, allocation.allocated, 'cut to the round budget');
      if (compareYuan(allocation.allocated, '0.00') === 0) app.end('rejected', ENGINE, 'allocated', `round ${terms.id}'s budget is spent`, { allocation });
    }
  }
  app.changed();
}

/**
 * The program's quantity limits across the applicant's applications (001 四（二）4), before the
 * caps: the applicant's entitlement grants what is left of each (months of 36 over the years, ㎡
 * of 5000 in the round's year); when it grants less than the facts claim, the award is evaluated
 * again on the granted quantities and the approved amount becomes the lower of the two. A program
 * without limits calls nothing here, so its recorded histories replay unchanged (and a running
 * application carries the program it was filed under, so one filed before the limits never
 * reaches the call either). Returns false when the application ended (nothing left).
 */
async function reserveQuantities(app: Application): Promise<boolean> {
  const s = app.state;
  const terms = s.roundTerms!;
  const request = quantityRequest(app.program, s.facts as Facts, s.id, terms.year);
  if (!request) return true;
  const entitlementId = entitlementWorkflowId(s.programId, s.applicant.creditCode);
  const grant = await reads.reserveWithinQuantityLimits({ entitlementId, programId: s.programId, creditCode: s.applicant.creditCode, request });
  s.roundAward!.quantities = { ...grant, entitlementId };
  app.record({ actor: ENGINE, action: 'quantities-checked', details: { entitlementId, year: grant.year, lines: grant.lines } });
  if (quantityCuts(grant).length === 0) return true;
  const why = `limits across the applicant's applications (001 四（二）4): ${quantityCutReason(grant)}`;
  const again = await reads.assessAward({ program: app.program, facts: grantedFacts(s.facts as Facts, grant) });
  // Nothing left (a quantity of 0 fails the program's own ranges): cut to nothing, as the caps do, so a batch leaves it out of pro rata.
  const allowed = again.eligible ? again.amount : '0.00';
  if (compareYuan(allowed, s.award.approved!) < 0) cut(app, allowed, why, { quantities: grant, breakdown: again.breakdown });
  if (compareYuan(allowed, '0.00') === 0) {
    app.end('rejected', ENGINE, 'quantities-checked', `the program's limits across the applicant's applications leave nothing for this award: ${quantityCutReason(grant)}`, { grant });
    return false;
  }
  return true;
}

function cut(app: Application, amount: string, why: string, details: Record<string, unknown>): void {
  const s = app.state;
  s.award.approved = amount;
  s.award.changes.push({ at: app.now(), by: ENGINE, amount, why });
  app.record({ actor: ENGINE, action: 'award-cut', comment: why, details: { amount, ...details } });
}

/**
 * A 'batch' round's notice: asks the round to notice a reduction again when an objection reduced
 * the award, then waits for the round's next list naming this application, and takes from it the
 * amount and the window. Returns false when the application ended meanwhile.
 */
export async function receiveRoundNotice(app: Application): Promise<RoundNoticeMessage | null> {
  const s = app.state;
  const terms = s.roundTerms!;
  if (app.republishRequested) {
    app.republishRequested = false;
    await tellRound(app, { applicationId: s.id, amount: s.award.approved, why: s.award.changes.at(-1)?.why ?? 'reduced' });
  }
  const after = s.roundAward!.notice?.publication ?? 0;
  const next = () => app.roundNotices.find((m) => m.publication > after && m.roundId === terms.id);
  await app.waitFor(() => app.ended() || next() !== undefined);
  if (app.ended()) return null;
  const message = next()!;
  app.roundNotices.splice(0, app.roundNotices.indexOf(message) + 1);
  const amount = message.entry.amount;
  if (compareYuan(amount, s.award.approved!) < 0) {
    const why = message.proRata
      ? `pro rata (002 第五条): the round's approved ${message.proRata.total} above its budget ${message.proRata.budget}, factor ${message.proRata.factor}; exact share ${message.proRata.exactShare}, ${message.proRata.fenAdded} fen added by the largest-remainder rule`
      : `round ${terms.id}'s notice ${message.publication}`;
    cut(app, amount, why, { proRata: message.proRata });
    tellLedger(app, amount, 'pro rata');
  }
  if (message.proRata) s.roundAward!.proRata = message.proRata;
  s.roundAward!.notice = { publication: message.publication, sha256: message.sha256 };
  return message;
}

/** Lowers what the application holds in its applicant's year. */
function tellLedger(app: Application, amount: string, why: string): void {
  const terms = app.state.roundTerms!;
  void signalQuietly(app, terms.ledgerId, () =>
    getExternalWorkflowHandle(terms.ledgerId).signal(adjustReservationSignal, { applicationId: app.state.id, amount, why }),
  );
}

async function tellRound(app: Application, change: { applicationId: string; amount: string | null; why: string }): Promise<void> {
  const terms = app.state.roundTerms!;
  await signalQuietly(app, roundWorkflowId(terms.id), () => getExternalWorkflowHandle(roundWorkflowId(terms.id)).signal(entryChangedSignal, change));
}

async function signalQuietly(app: Application, target: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (err) {
    app.record({ actor: ENGINE, action: 'signal-not-delivered', details: { target, problem: (err as Error).message } });
    log.warn('signal not delivered', { id: app.state.id, target, problem: (err as Error).message });
  }
}

/**
 * An application that ended before any money was paid releases what it held: its place on the
 * round's list (noticed again as removed), its reservation in the applicant's year, its quantities
 * in the applicant's entitlement, its claim on the project.
 */
export async function releaseRoundHolds(app: Application): Promise<void> {
  const s = app.state;
  const terms = s.roundTerms;
  if (!terms || !app.ended() || s.tranches.some((t) => t.paidOn !== null)) return;
  const why = `${s.stage}: ${s.outcome?.reason ?? ''}`.trim();
  // The round takes it off its list (noticed again as removed), or out of its draw when not drawn yet.
  await tellRound(app, { applicationId: s.id, amount: null, why });
  if (s.roundAward?.caps) {
    await signalQuietly(app, terms.ledgerId, () =>
      getExternalWorkflowHandle(terms.ledgerId).signal(adjustReservationSignal, { applicationId: s.id, amount: '0.00', why }),
    );
  }
  const quantities = s.roundAward?.quantities;
  if (quantities) {
    await signalQuietly(app, quantities.entitlementId, () =>
      getExternalWorkflowHandle(quantities.entitlementId).signal(releaseQuantitiesSignal, { applicationId: s.id, why }),
    );
  }
  await signalQuietly(app, terms.projectId, () => getExternalWorkflowHandle(terms.projectId).signal(releaseClaimSignal, { applicationId: s.id, reason: why }));
}
