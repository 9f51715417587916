// GET /api/values: known values of a filter field, for autocomplete. Thin: validate, call the store.
import { Router } from 'express';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import { VALUE_FIELDS, type ValueStore } from '../store/values.ts';
import { timeParam } from './filters.ts';
import { DEFAULT_WINDOW_MS } from './sessions.ts';

export const valuesQuery = z
  .object({
    field: z.enum(VALUE_FIELDS),
    contains: z.string().min(1).max(200).optional(),
    since: timeParam.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    tenant: z.string().min(1).max(1000).optional(),
  })
  .strict();

export function valueRoutes({ values }: { values: ValueStore }): Router {
  const router = Router();
  router.get('/values', async (req, res) => {
    const q = valuesQuery.parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const since = q.since ?? new Date(Date.now() - DEFAULT_WINDOW_MS);
    res.json({ data: await values.values({ tenantId, field: q.field, since, contains: q.contains, limit: q.limit }) });
  });
  return router;
}
