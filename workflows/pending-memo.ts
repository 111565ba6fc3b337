/**
 * The pending items in the workflow's memo (patch `2026-12-pending-memo`): `GET /inbox` lists
 * them from visibility with the rest of the page, instead of one state query per application
 * (issue 18). The memo is a payload like any other, so the payload codec encrypts it; it holds
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
