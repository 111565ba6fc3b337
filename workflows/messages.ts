/**
 * Messages of the application workflow, defined once and shared by the workflow and the API.
 * Their names are stored in histories: never rename one.
 *
 * Staff and applicant actions are Updates, not Signals: the caller needs to know at once whether
 * the action was accepted (right stage, right role) or refused and why, and an update id makes a
 * retried request apply once.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApplicationState } from '../domain/application';
import type { Actor } from '../domain/roles';

/** Every action carries who takes it (from the credential) and their comment or reason. */
export interface ActionRequest {
  actor: Actor;
}

export interface PreliminaryRecordRequest extends ActionRequest {
  decision: 'pass' | 'fail';
  reason: string;
}

export const stateQuery = defineQuery<ApplicationState>('state');

export const preliminaryRecordUpdate = defineUpdate<ApplicationState, [PreliminaryRecordRequest]>(
  'preliminaryRecord',
);
