/**
 * The listing table's one writer (lib/listing-store.ts): an application's workflow sends its row
 * each time its stage, deadlines or pending items change, as an activity (retried until the
 * database answers). A row older than the one stored is not written, so a retried or late write
 * never undoes a newer one.
 */
import type { ListingRow } from '../domain/listing-row';
import { type ListingStore, storedRowOf } from '../lib/listing-store';

export function createListingActivities(store: Pick<ListingStore, 'write'>, clock: () => Date) {
  return {
    async recordListing(row: ListingRow): Promise<{ written: boolean }> {
      return { written: await store.write(storedRowOf(row), clock()) };
    },
  };
}
