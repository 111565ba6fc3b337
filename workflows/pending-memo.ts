/**
 * The pending items in the workflow's memo (patch `2026-12-pending-memo`), which `GET /inbox`
 * listed from visibility until the listing table replaced it (patch
 * `2026-12-listing-table`); runs recorded in between still upsert it on replay, and the catch-up
 * reads it (api/listing-catch-up.ts). The memo is a payload like any other, so the payload codec encrypts it; it holds
 * exactly the `pending` the state query answers (computed at the same moment, in `changed()`), and
 * nothing else. The key and shape are stored on the server: never rename them; a new shape gets a
 * new `v`, and a reader that does not know it asks the workflow instead.
 */
import type { PendingItem } from '../domain/application';

/** The memo field. */
export const PENDING_MEMO_KEY = 'pending';

export interface PendingMemo {
  v: 1;
  items: PendingItem[];
}

export function pendingMemoOf(items: readonly PendingItem[]): PendingMemo {
  return { v: 1, items: [...items] };
}
