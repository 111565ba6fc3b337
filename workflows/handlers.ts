/**
 * The staff and applicant actions of an application, as Update handlers with validators.
 *
 * What each action checks and does is its module's (domain/actions/<name>.ts); this registers
 * them. A validator runs before the update is written to history: it refuses (throws) with a
 * stable error type when the role, the stage or the action's own rule forbids it, so a refused
 * action leaves no trace but its answer. A handler changes the state at once, then waits until
 * the procedure (workflows/application.ts) has reacted, and answers with a compact outcome.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { ACTION_NAMES, actionOf, refusalOf, type ActionName, type RequestByAction } from '../domain/actions';
import { outstandingOnDate } from '../domain/clawback-statement';
import { stateView, type ActionOutcome } from '../domain/outcome';
import type { Actor } from '../domain/roles';
import type { ApplicationRun } from '../domain/run';
import { ACTION_UPDATE_ALIASES, ACTION_UPDATES, calendarUpdatedSignal, stateQuery } from './messages';

export function installHandlers(app: ApplicationRun): void {
  const state = app.state;

  /** Registers one action: its module's rule as the validator, its module's change as the handler, which waits for the engine. */
  function register<K extends ActionName>(name: K): void {
    type R = RequestByAction[K];
    const definition = actionOf(name);
    const handler = async (request: R): Promise<ActionOutcome> => {
      await definition.apply(app, request);
      app.changed();
      await app.settled(app.acted());
      // A compact answer (stored in history); the caller reads the state after it.
      return { update: name, after: stateView(state) };
    };
    const validator = (request: R) => {
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

  setHandler(stateQuery, () => app.snapshot());
  setHandler(calendarUpdatedSignal, ({ year }) => {
    app.calendarYearsAnnounced.add(year);
  });

  // Every action of the registry, as its module (domain/actions/<name>.ts) applies it.
  for (const name of ACTION_NAMES) register(name);
}
