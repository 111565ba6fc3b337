/**
 * Rate-limit counts in the engine's database (issue 19: shared data where every host sees it):
 * express-rate-limit's `Store` over the table `rate_limit_counts`, so that every API process of
 * a deployment counts against the same limits (`RATE_LIMIT_STORE=database`, the default when
 * `DATABASE_URL` names PostgreSQL). The one-machine default stays the in-memory store
 * (api/rate-limits.ts).
 *
 * A count is a fixed window per key: the first hit opens a window of the limiter's `windowMs`,
 * later hits within it add to it, the first hit after it opens a new one. Each increment is one
 * upsert and one read in a transaction, so two processes counting the same key at once add up
 * (PostgreSQL locks the row; SQLite takes its write lock at the transaction's start). Windows long
 * over are swept now and then by whichever process counts.
 */
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { EngineDatabase } from '../lib/database';
import type { RateLimiterName, RateLimitStores } from './rate-limits';

const DEFAULT_WINDOW_MS = 60_000;

export function databaseRateLimitStores(db: EngineDatabase, clock: () => number = Date.now): RateLimitStores {
  return (limiter) => new DatabaseStore(db, limiter, clock);
}

class DatabaseStore implements Store {
  /** Counts are shared with every process using the database. */
  readonly localKeys = false;
  private windowMs = DEFAULT_WINDOW_MS;
  private lastSweep = 0;

  constructor(
    private readonly db: EngineDatabase,
    private readonly limiter: RateLimiterName,
    private readonly clock: () => number,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.db
      .selectFrom('rate_limit_counts')
      .select(['hits', 'window_start'])
      .where('limiter', '=', this.limiter)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || Number(row.window_start) + this.windowMs <= this.clock()) return undefined;
    return this.info(row);
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.clock();
    const expired = now - this.windowMs;
    const info = await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('rate_limit_counts')
        .values({ limiter: this.limiter, key, window_start: now, hits: 1 })
        .onConflict((oc) =>
          oc.columns(['limiter', 'key']).doUpdateSet((eb) => ({
            hits: eb.case().when('rate_limit_counts.window_start', '<=', expired).then(1).else(eb('rate_limit_counts.hits', '+', 1)).end(),
            window_start: eb.case().when('rate_limit_counts.window_start', '<=', expired).then(now).else(eb.ref('rate_limit_counts.window_start')).end(),
          })),
        )
        .execute();
      const row = await trx
        .selectFrom('rate_limit_counts')
        .select(['hits', 'window_start'])
        .where('limiter', '=', this.limiter)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return this.info(row);
    });
    if (now - this.lastSweep > this.windowMs) {
      this.lastSweep = now;
      await this.db.deleteFrom('rate_limit_counts').where('limiter', '=', this.limiter).where('window_start', '<=', expired).execute();
    }
    return info;
  }

  async decrement(key: string): Promise<void> {
    await this.db
      .updateTable('rate_limit_counts')
      .set((eb) => ({ hits: eb('hits', '-', 1) }))
      .where('limiter', '=', this.limiter)
      .where('key', '=', key)
      .where('hits', '>', 0)
      .execute();
  }

  async resetKey(key: string): Promise<void> {
    await this.db.deleteFrom('rate_limit_counts').where('limiter', '=', this.limiter).where('key', '=', key).execute();
  }

  private info(row: { hits: number | string; window_start: number | string }): ClientRateLimitInfo {
    return { totalHits: Number(row.hits), resetTime: new Date(Number(row.window_start) + this.windowMs) };
  }
}
