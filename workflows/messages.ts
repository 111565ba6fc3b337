/**
 * Messages of the application workflow, defined once and shared by the workflow and the API.
 * Their names are stored in histories: never rename one.
 *
 * Staff and applicant actions are Updates, not Signals: the caller needs to know at once whether
 * the action was accepted (right stage, right role) or refused and why, and an update id makes a
 * retried request apply once. Each request carries the actor (from the credential, never from the
 * body) and an optional comment; the rest is the HTTP body of the matching endpoint.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApplicationState } from '../domain/application';
import type { KeyRecord } from '../domain/idempotency';
import type { Actor } from '../domain/roles';
import type { ActionOutcome } from '../domain/outcome';
import type { UpdateDefinition } from '@temporalio/common';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../domain/actions';
import type { RequestByAction } from '../domain/requests';

/** The request of each action, in domain/requests.ts; part of this public message module. */
export type * from '../domain/requests';

/**
 * What an accepted action answers: a compact outcome (domain/outcome.ts), stored in history. The
 * state is read with `stateQuery` after it. Histories recorded before answered with the whole state.
 */
export type { ActionOutcome, StateView } from '../domain/outcome';

/** The search attributes the workflow keeps, which the API lists and filters by. */
export { SEARCH_ATTRIBUTES, startingAttributes } from './search-attributes';

/** Where the workflow keeps its pending items for the inbox (workflows/pending-memo.ts). */
export { PENDING_MEMO_KEY, type PendingMemo } from './pending-memo';

/**
 * How a caller reads the state: `asOf`, the Asia/Shanghai date of the moment it reads (the API
 * sends today's). A query sees workflow time as of the workflow's last task, which can be days old
 * in a quiet clawback; every amount that grows with time (the clawback statement) is computed as of
 * `asOf` instead, so paying the shown `outstanding` on that date settles it. Without it, or for an
 * earlier date: the workflow's own today.
 */
export interface StateReading {
  asOf?: string;
}

export const stateQuery = defineQuery<ApplicationState, [StateReading?]>('state');

/** What the application remembers of an Idempotency-Key (domain/idempotency.ts): `null` when it was never used on it. */
export const idempotencyKeyQuery = defineQuery<KeyRecord | null, [string]>('idempotencyKey');

/** Every action's Workflow Update, named after the action (domain/actions/). */
export const ACTION_UPDATES = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, defineUpdate<ActionOutcome, [RequestByAction[typeof name]]>(name)]),
) as { readonly [K in ActionName]: UpdateDefinition<ActionOutcome, [RequestByAction[K]]> };

/**
 * The same updates under their earlier names (`signOff`, `repayment`, …), which histories recorded
 * before updates were named after their action: the workflow answers to both, so they replay.
 */
export const ACTION_UPDATE_ALIASES = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, ACTIONS[name].aliases.map((alias: string) => defineUpdate(alias))]),
) as unknown as { readonly [K in ActionName]: ReadonlyArray<UpdateDefinition<ActionOutcome, [RequestByAction[K]]>> };


/**
 * Sent by the API when an admin supplies a calendar year, so that applications waiting for it
 * resume at once (they also look again by themselves once a day).
 */
export const calendarUpdatedSignal = defineSignal<[{ year: number }]>('calendarUpdated');

/**
 * An admin asks for the effects refused by their receiver to be tried again now rather than at
 * their hourly retry (`POST /applications/:id/effect-retry`, operator repair), e.g. once the
 * receiver is fixed. A signal, not an update: there is nothing to refuse (the API checks first
 * that an effect is waiting, and a retry that finds none changes nothing), the caller waits for
 * no answer, and an update would be answered only once the delivery, which may take minutes, is
 * settled. The workflow records the admin and the reason in its audit trail.
 */
export const retryEffectsSignal = defineSignal<[EffectRetryRequest]>('retryEffects');

export interface EffectRetryRequest {
  /** The admin, from the credential. */
  actor: Actor;
  reason: string;
}

/** The messages of the round, the applicant's year, its entitlement and the project that callers send (issue 16; workflows/round-messages.ts). */
export {
  allocateUpdate,
  batchSignOffUpdate,
  claimUpdate,
  entitlementQuery,
  entryChangedSignal,
  ledgerQuery,
  projectQuery,
  registerUpdate,
  releaseClaimSignal,
  reserveQuantitiesUpdate,
  reserveUpdate,
  roundStateQuery,
} from './round-messages';
