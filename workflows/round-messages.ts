/**
 * Messages of the entities that span applications (issue 16): the round (workflows/round.ts), the
 * applicant's year (workflows/ledger.ts) and the project (workflows/project.ts), and the signals
 * a round sends its applications. Shared by the workflows, the activities and the API. Their names
 * are stored in histories: never rename one.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Grant, Reservation } from '../domain/caps';
import type { QuantityGrant, QuantityHolding, QuantityRequest } from '../domain/quantity-limits';
import type { ClaimVerdict, ProjectClaim } from '../domain/projects';
import type { Yuan } from '../domain/money';
import type { RoundCap, RoundEntry, RoundState, BatchDecision, Allocation, NoticeEntry } from '../domain/rounds';
import type { RoundDrawResult } from '../domain/application';
import type { ScaledAward } from '../domain/pro-rata';
import type { Actor } from '../domain/roles';

// ---- the round ----------------------------------------------------------------------------------

export const roundStateQuery = defineQuery<RoundState>('roundState');

/** The API files an application into the round, before it starts the application: refused once the window closed. */
export const registerUpdate = defineUpdate<RoundEntry, [RoundEntry]>('register');

/** One line of the executive meeting's decision. */
export interface MeetingLine {
  applicationId: string;
  decision: 'approve' | 'reject' | 'return';
  amount?: Yuan;
  reason: string;
}

export interface BatchSignOffRequest {
  actor: Actor;
  /** The caller's Idempotency-Key: each application's sign-off is keyed `<key>:<application id>`. */
  key: string;
  meeting: { reference: string; date: string };
  decisions: MeetingLine[];
}

/** POST /rounds/:id/sign-off: the executive meeting's decision on a list, applied to each application. */
export const batchSignOffUpdate = defineUpdate<BatchDecision, [BatchSignOffRequest]>('batchSignOff');

/** A single sign-off in a 'single' round: the award within what is left of the budget. */
export interface AllocationRequest {
  applicationId: string;
  applicant: { creditCode: string; name: string };
  programId: string;
  amount: Yuan;
  decidedBy: string;
}
export const allocateUpdate = defineUpdate<Allocation, [AllocationRequest]>('allocate');

/** An application's award changed after it was noticed (an upheld objection): `amount` null removes it. */
export interface EntryChange {
  applicationId: string;
  amount: Yuan | null;
  why: string;
}
export const entryChangedSignal = defineSignal<[EntryChange]>('entryChanged');

// ---- what a round tells its applications --------------------------------------------------------

/** The round's spot-check draw, for one application. */
export const roundDrawSignal = defineSignal<[RoundDrawResult]>('roundDraw');

/** The round published a notice listing this application: its amount after pro rata, the window. */
export interface RoundNoticeMessage {
  roundId: string;
  publication: number;
  sha256: string;
  publishedOn: string;
  lastDay: string;
  days: string[];
  closesAt: string;
  entry: NoticeEntry;
  proRata: (ScaledAward & { factor: string; budget: Yuan; total: Yuan; batch: number | null }) | null;
}
export const roundNoticeSignal = defineSignal<[RoundNoticeMessage]>('roundNotice');

// ---- the applicant's year (annual caps) ---------------------------------------------------------

export interface ReserveRequest {
  reservation: Omit<Reservation, 'at'>;
  caps: RoundCap[];
}
/** Reserve an award within the applicant's annual caps: answers what is granted and what was cut. */
export const reserveUpdate = defineUpdate<Grant, [ReserveRequest]>('reserve');
/** Lower what an application holds (pro rata, an upheld objection), or release it (amount "0.00"). */
export const adjustReservationSignal = defineSignal<[{ applicationId: string; amount: Yuan; why: string }]>('adjustReservation');
export const ledgerQuery = defineQuery<{ creditCode: string; year: number; reservations: Reservation[] }>('ledger');

// ---- the applicant's entitlement under a program (quantity limits) ------------------------------

/** Reserve quantities (months, ㎡) within the program's limits: answers what each limit grants. */
export const reserveQuantitiesUpdate = defineUpdate<QuantityGrant, [QuantityRequest]>('reserveQuantities');
/** The application ended without money: what it held no longer counts. */
export const releaseQuantitiesSignal = defineSignal<[{ applicationId: string; why: string }]>('releaseQuantities');
export const entitlementQuery = defineQuery<{ programId: string; creditCode: string; holdings: QuantityHolding[] }>('entitlement');

// ---- the project (double dipping) ---------------------------------------------------------------

export const claimUpdate = defineUpdate<ClaimVerdict, [ProjectClaim]>('claim');
/** The application ended without money, or the filing never started: the claim no longer counts. */
export const releaseClaimSignal = defineSignal<[{ applicationId: string; reason: string }]>('releaseClaim');
export const projectQuery = defineQuery<{ key: string; claims: ProjectClaim[] }>('project');
