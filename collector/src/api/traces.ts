// GET /api/traces, /api/traces/:traceId, /api/spans/:spanId. Thin: validate, call the store.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { SpanStore, TraceCursor } from '../store/span-store.ts';
import { ApiError, notFound } from './errors.ts';

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time')
  .transform((s) => new Date(s));
const number = z.coerce.number().finite();

const listQuery = z
  .object({
    since: time.optional(),
    until: time.optional(),
    status: z.enum(['success', 'error', 'timeout']).optional(),
    model: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    min_cost: number.min(0).optional(),
    max_cost: number.min(0).optional(),
    min_latency_ms: number.min(0).optional(),
    max_latency_ms: number.min(0).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
  })
  .strict();

export function encodeCursor(cursor: TraceCursor): string {
  return Buffer.from(`${cursor.startUs}:${cursor.traceId}`).toString('base64url');
}

export function decodeCursor(text: string): TraceCursor {
  const [start, traceId] = Buffer.from(text, 'base64url').toString('utf8').split(':');
  const startUs = Number(start);
  if (!Number.isSafeInteger(startUs) || !HEX_TRACE_ID.test(traceId ?? '')) throw new ApiError(400, 'bad_request', 'cursor: not a cursor this API returned');
  return { startUs, traceId };
}

export interface TraceRoutesOptions {
  store: SpanStore;
  /** The tenant a request may read; `requested` is the `tenant` query parameter, if any. */
  tenantOf: (req: Request, requested?: string) => string;
}

export function traceRoutes({ store, tenantOf }: TraceRoutesOptions): Router {
  const router = Router();

  router.get('/traces', async (req, res) => {
    const q = listQuery.parse(req.query);
    const page = await store.listTraces({
      tenantId: tenantOf(req, q.tenant),
      since: q.since,
      until: q.until,
      status: q.status,
      model: q.model,
      provider: q.provider,
      service: q.service,
      name: q.name,
      minCost: q.min_cost,
      maxCost: q.max_cost,
      minLatencyMs: q.min_latency_ms,
      maxLatencyMs: q.max_latency_ms,
      limit: q.limit,
      cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
    });
    res.json({ data: page.traces, next_cursor: page.nextCursor ? encodeCursor(page.nextCursor) : null });
  });

  router.get('/traces/:traceId', async (req, res) => {
    const traceId = req.params.traceId.toLowerCase();
    if (!HEX_TRACE_ID.test(traceId)) throw new ApiError(400, 'bad_request', 'traceId: must be 32 hex characters');
    const q = z.object({ include: z.enum(['content']).optional(), tenant: z.string().min(1).optional() }).strict().parse(req.query);
    const found = await store.getTrace(tenantOf(req, q.tenant), traceId, q.include === 'content');
    if (!found) throw notFound(`trace ${traceId}`);
    res.json(found);
  });

  router.get('/spans/:spanId', async (req, res) => {
    const spanId = req.params.spanId.toLowerCase();
    if (!HEX_SPAN_ID.test(spanId)) throw new ApiError(400, 'bad_request', 'spanId: must be 16 hex characters');
    const q = z.object({ tenant: z.string().min(1).optional() }).strict().parse(req.query);
    const span = await store.getSpan(tenantOf(req, q.tenant), spanId);
    if (!span) throw notFound(`span ${spanId}`);
    res.json(span);
  });

  return router;
}
