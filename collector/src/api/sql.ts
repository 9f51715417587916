// POST /api/sql: one read-only SELECT over the caller's own tables (see store/sql.ts).
import { Router } from 'express';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import { QueueFullError } from '../store/fair-queue.ts';
import { SqlError, type SqlStore } from '../store/sql.ts';
import { ApiError } from './errors.ts';

const sqlBody = z
  .object({
    query: z.string().min(1),
    format: z.enum(['json', 'csv']).default('json'),
    /** Admin keys only: read another tenant, as ?tenant= does (which other endpoints take). */
    tenant: z.string().min(1).optional(),
  })
  .strict();

const sqlQuery = z.object({ tenant: z.string().min(1).optional() }).strict();

export function sqlRoutes({ sql }: { sql: SqlStore }): Router {
  const router = Router();
  router.post('/sql', async (req, res) => {
    const input = sqlBody.parse(req.body ?? {});
    // the tenant as every endpoint takes it (?tenant=), or the body's field; both must agree
    const q = sqlQuery.parse(req.query);
    if (q.tenant !== undefined && input.tenant !== undefined && q.tenant !== input.tenant) {
      throw new ApiError(400, 'bad_request', 'tenant: ?tenant= and the body\'s "tenant" name different tenants; give one');
    }
    const tenantId = readTenant(req, q.tenant ?? input.tenant);
    try {
      const result = await sql.run(tenantId, input.query, input.format);
      if (typeof result === 'string') res.type('text/csv').send(result);
      else res.json(result);
    } catch (error) {
      if (error instanceof QueueFullError) throw new ApiError(error.status, error.status === 429 ? 'too_many_requests' : 'unavailable', error.message, error.retryAfterSeconds);
      if (error instanceof SqlError) throw error.code === 'sql_unavailable' ? new ApiError(503, error.code, error.message, 1) : new ApiError(400, error.code, error.message);
      throw error;
    }
  });
  return router;
}
