/**
 * How the bench talks to an engine, wherever it runs (its own dev server, or a cluster behind a
 * load balancer): HTTP with the development API keys, and the input a workflow was started with.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApplicationInput } from '../../domain/application';
import { creditCodeCheckCharacter } from '../../domain/credit-code';
import type { Role } from '../../domain/roles';
import { codecsOf, decodePayload } from '../../lib/data-converter';
import { answerOf } from '../../test/helpers/answer';

export interface Http {
  (method: string, path: string, role?: Role, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

/** Requests to the API at `baseUrl`, each role with its development key. */
export function httpOn(baseUrl: string, keys: Record<Role, string>): Http {
  return async (method, path, role, body, headers = {}) => {
    const sent: Record<string, string> = { ...headers };
    if (role) sent['X-Api-Key'] = keys[role];
    if (body !== undefined) sent['Content-Type'] = 'application/json';
    return answerOf(await fetch(`${baseUrl}${path}`, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) }));
  };
}

/** A credit code for number `n` of the bench, valid (check character) and distinct per n. */
export function benchCreditCode(n: number): string {
  const body = `91441200MB${String(n).padStart(7, '0')}`;
  return body + creditCodeCheckCharacter(body);
}

/** The first event's input of a workflow, decoded (the client's codec, then JSON). */
export async function inputOf(client: Client, workflowId: string): Promise<ApplicationInput> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`${workflowId} has no input in its first event`);
  return defaultPayloadConverter.fromPayload(await decodePayload(payload, codecsOf(client.options.dataConverter))) as ApplicationInput;
}
