// GET /api/otel-metrics: the GenAI OTLP metrics (gen_ai.client.token.usage,
// gen_ai.client.operation.duration, gen_ai.server.*) summed per time bucket.
import { Router } from 'express';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import { OTEL_METRIC_GROUPS, type OtelMetricGroup, type OtelMetricsStore } from '../store/otel-metrics.ts';
import { timeParam } from './filters.ts';
import { bucketWindow } from './metrics.ts';

export const otelMetricsQuery = z
  .object({
    since: timeParam.optional(),
    until: timeParam.optional(),
    /** One metric, e.g. gen_ai.client.token.usage; every stored metric when absent. */
    name: z.string().min(1).max(255).optional(),
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
    group_by: z.enum(Object.keys(OTEL_METRIC_GROUPS) as [OtelMetricGroup, ...OtelMetricGroup[]]).optional(),
    tenant: z.string().optional(),
  })
  .strict();

export function otelMetricsRoutes({ otelMetrics }: { otelMetrics: OtelMetricsStore }): Router {
  const router = Router();
  router.get('/otel-metrics', async (req, res) => {
    const q = otelMetricsQuery.parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const { since, until } = bucketWindow(q);
    const data = await otelMetrics.query({ tenantId, since, until, bucket: q.bucket, name: q.name, groupBy: q.group_by });
    res.json({ data });
  });
  return router;
}
