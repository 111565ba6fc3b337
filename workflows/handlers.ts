/**
 * The staff and applicant actions of an application, as Update handlers with validators.
 *
 * What each action checks and does is its module's (domain/actions/<name>.ts); this registers
 * them. A validator runs before the update is written to history: it refuses (throws) with a
 * stable error type when the role, the stage or the action's own rule forbids it, so a refused
 * action leaves no trace but its answer. A handler changes the state at once, then waits until
 * the procedure (workflows/application.ts) has reacted, and answers with a compact outcome.
 */
import { ApplicationFailure, currentUpdateInfo, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { ACTION_NAMES, actionOf, refusalOf, type ActionName, type RequestByAction } from '../domain/actions';
import { outstandingOnDate } from '../domain/clawback-statement';
import { actionBinding, keyOfUpdateId, type KeyRecord } from '../domain/idempotency';
import { stateView, type ActionOutcome } from '../domain/outcome';
import type { Actor } from '../domain/roles';
import type { ApplicationRun } from '../domain/run';
import { ACTION_UPDATE_ALIASES, ACTION_UPDATES, calendarUpdatedSignal, idempotencyKeyQuery, retryEffectsSignal, stateQuery } from './messages';

/**
 * The Idempotency-Key of a keyed update (its id is `<key>#<binding>`, domain/idempotency.ts),
 * checked against the request it came with; `undefined` for an update sent without a key.
 */
function keyOf(action: ActionName, request: unknown): { key: string; binding: string } | undefined {
  const keyed = keyOfUpdateId(currentUpdateInfo()?.id);
  if (!keyed) return undefined;
  const binding = actionBinding(action, request as { actor: Actor });
  if (binding !== keyed.binding) {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      message: `the update id ${keyed.key}#… does not bind this request (expected ${binding})`,
      nonRetryable: true,
    });
  }
  return keyed;
}

export function installHandlers(app: ApplicationRun): void {
  const state = app.state;

  /** Registers one action: its module's rule as the validator, its module's change as the handler, which waits for the engine. */
  function register<K extends ActionName>(name: K): void {
    type R = RequestByAction[K];
    const definition = actionOf(name);
    const handler = async (request: R): Promise<ActionOutcome> => {
      const keyed = keyOf(name, request);
      // A retry that reached a later run (Temporal answers one in the same run itself): the first answer, nothing applied.
      const earlier = keyed && app.keys[keyed.key];
      if (earlier?.outcome) return earlier.outcome as ActionOutcome;
      // The key is taken from now on, so another action sent with it while this one runs is refused.
      const record: KeyRecord | undefined = keyed && { action: name, binding: keyed.binding, at: app.now(), outcome: null };
      if (keyed && record) app.keys[keyed.key] = record;
      try {
        await definition.apply(app, request);
      } catch (err) {
        if (keyed) delete app.keys[keyed.key];
        throw err;
      }
      app.changed();
      await app.settled(app.acted());
      // A compact answer (stored in history); the caller reads the state after it.
      const outcome: ActionOutcome = { update: name, after: stateView(state), ...(request.attempt ? { attempt: request.attempt } : {}) };
      if (record) record.outcome = outcome;
      return outcome;
    };
    const validator = (request: R) => {
      const keyed = keyOf(name, request);
      const earlier = keyed && app.keys[keyed.key];
      if (keyed && earlier) {
        if (earlier.binding === keyed.binding) return; // a retry: answered with the first outcome
        throw ApplicationFailure.create({
          type: 'IdempotencyConflict',
          message: `Idempotency-Key ${keyed.key} was used before for ${earlier.action === name ? 'this action with another caller or body' : `the action ${earlier.action}`} (at ${earlier.at}); send a new key for a new action`,
          nonRetryable: true,
        });
      }
      const refusal = refusalOf(name, state, request as unknown as { actor: Actor } & Record<string, unknown>, new Date().toISOString(), {
        extensionMaxDays: app.program.review.extensionMaxDays,
        ...(app.lpr && state.clawback ? { outstandingOn: (date: string) => outstandingOnDate(state, app.lpr!, date) } : {}),
      });
      if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
    };
    // The update is named after the action; its earlier names answer too, for histories recorded with them.
    for (const update of [ACTION_UPDATES[name], ...ACTION_UPDATE_ALIASES[name]] as Array<UpdateDefinition<ActionOutcome, [R]>>) {
      setHandler(update, handler, { validator });
    }
  }

  setHandler(stateQuery, (reading) => app.snapshot(reading?.asOf));
  setHandler(idempotencyKeyQuery, (key) => app.keys[key] ?? null);
  setHandler(calendarUpdatedSignal, ({ year }) => {
    app.calendarYearsAnnounced.add(year);
  });
  setHandler(retryEffectsSignal, ({ actor, reason }) => app.retryEffects(actor, reason));

  // Every action of the registry, as its module (domain/actions/<name>.ts) applies it.
  for (const name of ACTION_NAMES) register(name);
}
