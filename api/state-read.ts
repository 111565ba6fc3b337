/**
 * How the API reads an application's state: as of today in Asia/Shanghai, by the API's clock, so
 * every amount that grows with time (the clawback statement's interest) is the amount owed at the
 * moment it is read, whatever day the workflow last woke up (workflows/messages.ts, StateReading).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { shanghaiDate } from '../domain/calendar';
import type { ApplicationState } from '../domain/application';
import { stateQuery } from '../workflows/messages';

export function readState(handle: WorkflowHandle, now: Date): Promise<ApplicationState> {
  return handle.query(stateQuery, { asOf: shanghaiDate(now.getTime()) });
}
