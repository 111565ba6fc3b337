import type { EngineActor } from '../domain/application';

/** The actor of entries the engine makes itself: timers fired, routing computed, effects sent. */
export const ENGINE: EngineActor = { id: 'engine', role: 'engine', name: 'Approval engine' };
