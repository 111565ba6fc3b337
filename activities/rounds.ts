/**
 * The activities that reach other workflows on behalf of a round or an application (issue 16):
 * an application reserves its quantities in its applicant's entitlement (workflows/entitlement.ts)
 * and its award in its applicant's year (workflows/ledger.ts) and asks its
 * round for budget (single sign-off); a round applies the executive meeting's decision to each
 * application on its list. They use the worker's own client (the same connection, namespace and
 * payload codec), so Temporal retries them and every answer is recorded in the caller's history.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { updateEntity } from '../lib/entities';
import type { ApplicationState } from '../domain/application';
import type { Grant } from '../domain/caps';
import { quantityCuts, type QuantityGrant, type QuantityRequest } from '../domain/quantity-limits';
import { actionBinding, keyedUpdateId } from '../domain/idempotency';
import type { Allocation, BatchLine } from '../domain/rounds';
import { roundWorkflowId } from '../domain/rounds';
import type { Actor } from '../domain/roles';
import type { SignOffRequest } from '../domain/actions/sign-off';
import { ACTION_UPDATES, stateQuery } from '../workflows/messages';
import {
  allocateUpdate,
  reserveQuantitiesUpdate,
  reserveUpdate,
  type AllocationRequest,
  type MeetingLine,
  type ReserveRequest,
} from '../workflows/round-messages';

function client(): Client {
  return Context.current().client;
}

/** An update id stable across retries of this very activity: the update applies once. */
function callId(what: string): string {
  const info = Context.current().info;
  return `${what}:${info.workflowExecution?.workflowId}:${info.workflowExecution?.runId}:${info.activityId}`;
}

export function createRoundActivities() {
  return {
    /** Reserves an award within the applicant's annual caps, starting the applicant's year when it is the first. */
    async reserveWithinCaps(input: { ledgerId: string; creditCode: string; year: number; request: ReserveRequest }): Promise<Grant> {
      return updateEntity(
        client(),
        { type: 'ledgerWorkflow', id: input.ledgerId, taskQueue: Context.current().info.taskQueue, args: [{ creditCode: input.creditCode, year: input.year }] },
        reserveUpdate,
        [input.request],
        callId('reserve'),
      );
    },

    /**
     * Reserves an application's quantities (months, ㎡) within its program's limits across the
     * applicant's applications, starting the applicant's entitlement when it is the first.
     */
    async reserveWithinQuantityLimits(input: { entitlementId: string; programId: string; creditCode: string; request: QuantityRequest }): Promise<QuantityGrant> {
      return updateEntity(
        client(),
        { type: 'entitlementWorkflow', id: input.entitlementId, taskQueue: Context.current().info.taskQueue, args: [{ programId: input.programId, creditCode: input.creditCode }] },
        reserveQuantitiesUpdate,
        [input.request],
        callId('reserve-quantities'),
      );
    },

    /** A single sign-off's award, within what is left of its round's budget. */
    async allocateInRound(input: { roundId: string; request: AllocationRequest }): Promise<Allocation> {
      return client().workflow.getHandle(roundWorkflowId(input.roundId)).executeUpdate(allocateUpdate, {
        args: [input.request],
        updateId: callId('allocate'),
      });
    },

    /**
     * Applies the executive meeting's decision on one application as its sign-off, with the same
     * checks as a single sign-off (the application's validator): keyed `<key>:<application id>`,
     * so a retry applies it once. A refusal is the line's outcome, not a failure: one application
     * refused or returned never blocks the others.
     */
    async applyMeetingDecision(input: {
      key: string;
      roundId: string;
      batch: number;
      actor: Actor;
      meeting: { reference: string; date: string };
      line: MeetingLine;
    }): Promise<BatchLine> {
      const { line } = input;
      const request: SignOffRequest = {
        actor: input.actor,
        decision: line.decision,
        ...(line.amount !== undefined ? { amount: line.amount } : {}),
        reason: line.reason,
        meeting: { ...input.meeting, round: input.roundId, batch: input.batch },
      };
      const key = `${input.key}:${line.applicationId}`;
      const handle = client().workflow.getHandle(line.applicationId);
      try {
        await handle.executeUpdate(ACTION_UPDATES['sign-off'], { args: [request], updateId: keyedUpdateId(key, actionBinding('sign-off', request)) });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
          return { ...line, outcome: 'refused', problem: { type: err.cause.type ?? 'refused', detail: err.cause.message } };
        }
        if ((err as Error).name === 'WorkflowNotFoundError') {
          return { ...line, outcome: 'refused', problem: { type: 'not-found', detail: `application ${line.applicationId} is not running` } };
        }
        throw err;
      }
      const state: ApplicationState = await handle.query(stateQuery);
      if (line.decision !== 'approve') return { ...line, outcome: line.decision === 'return' ? 'returned' : 'rejected' };
      return {
        ...line,
        outcome: 'approved',
        approvedAfterCaps: state.award.approved ?? '0.00',
        ...(state.roundAward?.caps?.cuts.length ? { capCuts: state.roundAward.caps.cuts } : {}),
        ...(state.roundAward?.quantities && quantityCuts(state.roundAward.quantities).length ? { quantityCuts: quantityCuts(state.roundAward.quantities) } : {}),
      };
    },
  };
}
