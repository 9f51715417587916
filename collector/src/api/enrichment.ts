// Enrichment jobs and views: GET /api/clusters, POST /api/clusters/recluster,
// POST /api/costs/recompute (after prices change).
import { Router } from 'express';
import { z } from 'zod';
import { readTenant, writeTenant } from '../auth/authenticate.ts';
import type { Enrichment } from '../enrichment/index.ts';
import type { SpanRewriter } from '../pipeline/rewrite.ts';
import { timeParam } from './filters.ts';

/** A job window: at most `limit` spans, newest versions only. */
const windowBody = z
  .object({ since: timeParam, until: timeParam.optional(), limit: z.number().int().min(1).max(50_000).default(5_000) })
  .strict()
  .refine((w) => !w.until || w.until > w.since, 'until must be after since');

export function enrichmentRoutes({ rewriter, enrichment }: { rewriter: SpanRewriter; enrichment: Enrichment }): Router {
  const router = Router();

  router.get('/clusters', async (req, res) => {
    const q = z
      .object({ limit: z.coerce.number().int().min(1).max(1000).default(100), since: timeParam.optional(), until: timeParam.optional(), tenant: z.string().min(1).optional() })
      .strict()
      .refine((w) => !w.since || !w.until || w.until > w.since, 'until must be after since')
      .parse(req.query);
    const data = await enrichment.clusters.list(readTenant(req, q.tenant), enrichment.embedder.id, q.limit, { since: q.since, until: q.until });
    res.json({ data });
  });

  router.post('/clusters/recluster', async (req, res) => {
    const w = windowBody.parse(req.body ?? {});
    const tenantId = writeTenant(req);
    const result = await rewriter.reviseWindow(tenantId, { since: w.since, until: w.until ?? new Date(), types: ['generation'], limit: w.limit }, (spans) =>
      enrichment.clustering.reclusterSpans(tenantId, spans),
    );
    res.json({ spans_read: result.read, spans_updated: result.written });
  });

  router.post('/costs/recompute', async (req, res) => {
    const w = windowBody.parse(req.body ?? {});
    const tenantId = writeTenant(req);
    const result = await rewriter.reviseWindow(tenantId, { since: w.since, until: w.until ?? new Date(), types: ['generation', 'embedding'], limit: w.limit }, async (spans) =>
      // client-supplied costs stay as they are; the rest are priced again with today's table
      spans.filter((span) => span.cost_source !== 'client').map((span) => enrichment.pricer.priceSpan({ ...span, cost_usd: null, cost_source: '', cost_details: {}, pricing: null, unpriced: false })),
    );
    res.json({ spans_read: result.read, spans_updated: result.written });
  });

  return router;
}
