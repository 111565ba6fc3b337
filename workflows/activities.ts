/**
 * The workflow's handles on its activities, defined once with their timeouts and retry policy.
 * Activity options are not part of replay, so they may be tuned; activity names may not.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const retry = { initialInterval: '5 seconds', maximumInterval: '10 minutes' } as const;

/** Reads and computations: quick, retried until they answer. */
export const reads = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

/**
 * The same reads as local activities: run by the worker that runs the workflow task, with no
 * round trip through the server's task queues, and recorded in history as markers. For pure,
 * quick computations on the worker's own reference data (working days), which an action waits for.
 */
export const localReads = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

/** External effects: retried with backoff for as long as it takes (a receiver may be down for a day). */
export const effects = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });

/** Payment instructions give up after a day of failures and tell finance, then try again. */
export const payments = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', scheduleToCloseTimeout: '1 day', retry });

/**
 * The listing table's writes (activities/listing.ts): a regular activity, retried until the
 * database answers, so that neither an action's answer nor the workflow task waits for it. (A
 * local activity made the listing current with the answer, but held every workflow task open for
 * it, and with a worker cache of 0 it left workflows stuck: the soak of 2026-12-03.)
 */
export const listingWrites = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  allowEagerDispatch: false,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
