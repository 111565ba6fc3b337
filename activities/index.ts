/**
 * Activities are built by a factory from their dependencies (adapters), so the worker wires the
 * real ones, tests wire temporary ones, and workflows import only the type.
 */
import type { EffectAdapter } from './outbox';

export interface ActivityDeps {
  effects: EffectAdapter;
}

export interface ApplicantNotification {
  applicationId: string;
  /** Stable per effect, e.g. `<id>:preliminary-record:notification`, so a retry sends nothing twice. */
  idempotencyKey: string;
  creditCode: string;
  subject: string;
  body: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    /** Tells the applicant (through its filing system) about a decision on its application. */
    async notifyApplicant(notification: ApplicantNotification): Promise<{ delivered: boolean; at: string }> {
      return deps.effects.deliver({ type: 'notification', recipient: 'applicant', ...notification });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
