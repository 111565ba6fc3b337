/** `GET /applications/:id/history` query: the readable trail, or one run's raw history JSON. */
import { z } from 'zod';
import { RUN_ID_PATTERN } from './history';

export const HistoryQuery = z
  .object({
    format: z.enum(['trail', 'raw'], { error: 'must be trail or raw' }).optional(),
    /** The trail in full (default), or brief: no reference-data reads, only timers that fired. */
    detail: z.enum(['full', 'brief'], { error: 'must be full or brief' }).optional(),
    /** With format=raw: which run (default: the latest); the trail lists every run's id. */
    run: z.string().regex(RUN_ID_PATTERN, 'must be a run id from the trail').optional(),
  })
  .strict();
