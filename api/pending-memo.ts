/**
 * Reading the pending items an application keeps in its memo (workflows/pending-memo.ts, patch
 * `2026-12-pending-memo`, kept until patch `2026-12-listing-table` replaced it with the listing
 * table), which `client.workflow.list()` returns decoded with each execution: the catch-up
 * (api/listing-catch-up.ts) writes them into the listing rows of runs from that time. The memo
 * comes from outside the API's process, so it is checked like any input; a memo that is missing
 * (a run started before the patch) or of a shape this API does not know gives `null`, and the
 * inbox asks the workflow.
 */
import { z } from 'zod';
import type { PendingItem } from '../domain/application';
import { ROLES } from '../domain/roles';
import { PENDING_MEMO_KEY, type PendingMemo } from '../workflows/messages';

const PendingMemoSchema: z.ZodType<PendingMemo> = z.object({
  v: z.literal(1),
  // Strict: an item with a field this API does not know is not shown without it; the query shows it whole.
  items: z.array(
    z
      .object({
        role: z.enum(ROLES),
        action: z.string(),
        path: z.string().nullable(),
        dueAt: z.string().nullable(),
        reason: z.string().optional(),
      })
      .strict(),
  ),
});

/** The pending items in an execution's memo, or `null` when it holds none this API can read. */
export function pendingInMemo(memo: Record<string, unknown> | undefined): PendingItem[] | null {
  const parsed = PendingMemoSchema.safeParse(memo?.[PENDING_MEMO_KEY]);
  return parsed.success ? parsed.data.items : null;
}
