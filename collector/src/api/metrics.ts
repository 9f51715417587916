// GET /api/metrics: the cost/latency chart's data, for the same filters as the lists.
import { SPAN_TYPES } from '@spanhouse/model';
import { Router } from 'express';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import { BUCKET_SECONDS, GROUP_COLUMNS, type Bucket, type GroupColumn, type MetricsStore, type TimeBucket } from '../store/metrics.ts';
import { ApiError } from './errors.ts';
import { filterParams, spanFilterOf, splitMetadata, timeWindow } from './filters.ts';

/** Most buckets one answer may span. */
export const MAX_BUCKETS = 10_000;
/** Window when `since` is not given: enough buckets for a chart, few enough to be quick. */
const DEFAULT_WINDOW_BUCKETS: Record<TimeBucket, number> = { minute: 360, hour: 168, day: 90 };
/** Window when `since` is not given and the window is one bucket: a week. */
const DEFAULT_WINDOW_MS = 7 * 86_400_000;

/** The window of a bucketed answer: `until` defaults to now, `since` to a chart's worth of buckets before it. */
export function bucketWindow(q: { since?: Date; until?: Date; bucket: Bucket }): { since: Date; until: Date } {
  if (q.bucket === 'window') return timeWindow(q, DEFAULT_WINDOW_MS);
  const { since, until } = timeWindow(q, DEFAULT_WINDOW_BUCKETS[q.bucket] * BUCKET_SECONDS[q.bucket] * 1000);
  if ((until.getTime() - since.getTime()) / 1000 / BUCKET_SECONDS[q.bucket] > MAX_BUCKETS) {
    throw new ApiError(400, 'bad_request', `bucket: more than ${MAX_BUCKETS} ${q.bucket} buckets between since and until; use a larger bucket`);
  }
  return { since, until };
}

export const metricsQuery = z
  .object({
    ...filterParams,
    /** One span type, or `all`; LLM calls (generation and embedding) when absent. */
    type: z.enum([...SPAN_TYPES, 'all']).optional(),
    /** `window`: one bucket for the whole window, with its exact percentiles (a chart's totals, a table by group). */
    bucket: z.enum(['minute', 'hour', 'day', 'window']).default('hour'),
    group_by: z
      .string()
      .refine((g) => Object.hasOwn(GROUP_COLUMNS, g) || (g.startsWith('metadata.') && g.length > 'metadata.'.length && g.length <= 209), {
        message: `must be one of ${Object.keys(GROUP_COLUMNS).join(', ')} or metadata.<key>`,
      })
      .optional(),
  })
  .strict();

export function metricsRoutes({ metrics }: { metrics: MetricsStore }): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const { rest, metadata } = splitMetadata(req.query as Record<string, unknown>);
    const q = metricsQuery.parse(rest);
    const tenantId = readTenant(req, q.tenant);
    const { since, until } = bucketWindow(q);
    const { type, ...filters } = q;
    const groupBy = q.group_by === undefined ? undefined : q.group_by.startsWith('metadata.') ? { metadataKey: q.group_by.slice('metadata.'.length) } : { column: q.group_by as GroupColumn };
    const data = await metrics.query({
      ...spanFilterOf({ ...filters, since, until }, tenantId, metadata),
      type: type === undefined || type === 'all' ? undefined : type,
      types: type === undefined ? ['generation', 'embedding'] : undefined,
      bucket: q.bucket,
      groupBy,
    });
    res.json({ data });
  });
  return router;
}
