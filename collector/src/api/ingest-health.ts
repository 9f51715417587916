// GET /api/ingest-health: the tenant's ingest health over the last day (or since/until).
import { Router } from 'express';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import type { IngestHealthStore } from '../store/ingest-health.ts';
import { timeParam, timeWindow } from './filters.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export const ingestHealthQuery = z
  .object({
    tenant: z.string().min(1).optional(),
    since: timeParam.optional(),
    until: timeParam.optional(),
    top: z.coerce.number().int().min(1).max(200).default(20),
  })
  .strict();

export function ingestHealthRoutes({ health }: { health: IngestHealthStore }): Router {
  const router = Router();
  router.get('/ingest-health', async (req, res) => {
    const q = ingestHealthQuery.parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const { since, until } = timeWindow(q, DAY_MS);
    res.json(await health.report(tenantId, since, until, q.top));
  });
  return router;
}
