// GET /api/traces, /api/traces/:traceId, /api/spans, /api/spans/:spanId. Thin: validate, call the store.
import { Router } from 'express';
import { evaluationEventOf, evaluationLogsRequest, SPAN_ID_PATTERN, TRACE_ID_PATTERN } from '@spanhouse/model';
import { BlobStore } from '../store/blobs.ts';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import { LIST_FIELDS, type SpanRecord } from '../store/span-columns.ts';
import { scoresByTarget, type ScoreRecord, type ScoreStore } from '../store/scores.ts';
import { briefScore, isRunning, readsScores, withFields, type SearchCursor, type SearchStore } from '../store/search.ts';
import type { SpanStore } from '../store/span-store.ts';
import type { CursorCodec } from './cursor.ts';
import { ApiError, notFound } from './errors.ts';
import { filterParams, pageParams, type FilterParams, spanFilterOf, splitMetadata } from './filters.ts';


export const traceListQuery = z.object({ ...filterParams, ...pageParams }).strict();
/** The list's filters without paging: GET /api/traces/count. */
export const traceCountQuery = z.object(filterParams).strict();
/** `fields=model,cost_usd,…`: the fields each span row carries (its keys always; every field without it). */
const listFields = z
  .string()
  .max(2000)
  .transform((text) => new Set(text.split(',').map((f) => f.trim()).filter((f) => f !== '')))
  .superRefine((fields, ctx) => {
    const unknown = [...fields].filter((f) => !LIST_FIELDS.has(f));
    if (fields.size > 0 && unknown.length === 0) return;
    const named = unknown.length > 0 ? `no field ${unknown.join(', ')}; ` : '';
    ctx.addIssue({ code: 'custom', message: `${named}a comma-separated list of: ${[...LIST_FIELDS].join(', ')}` });
  });

export const spanListQuery = z
  .object({ ...filterParams, ...pageParams, trace_id: z.string().regex(TRACE_ID_PATTERN, 'must be 32 hex characters').optional(), fields: listFields.optional() })
  .strict();

/** GET /api/traces/:traceId: every light field of each span, its content too, or the fields named. */
const traceQuery = z
  .object({ include: z.enum(['content']).optional(), fields: listFields.optional(), tenant: z.string().min(1).optional() })
  .strict()
  .refine((q) => !(q.include && q.fields), { message: 'fields names light fields and include=content asks for every field: use one of them', path: ['fields'] });

export interface TraceRoutesOptions {
  store: SpanStore;
  search: SearchStore;
  scores: ScoreStore;
  cursors: CursorCodec;
}

/** Reads a cursor and checks it belongs to this sort order. */
function pageCursor(cursors: CursorCodec, kind: string, tenantId: string, text: string | undefined, sort: string, order: string): SearchCursor | undefined {
  if (text === undefined) return undefined;
  const cursor = cursors.decode<SearchCursor>(kind, tenantId, text);
  if (cursor.sort !== sort || cursor.order !== order) throw new ApiError(400, 'bad_request', 'cursor: it belongs to another sort order');
  return cursor;
}

export function spanIdParam(raw: string): string {
  const spanId = raw.toLowerCase();
  if (!SPAN_ID_PATTERN.test(spanId)) throw new ApiError(400, 'bad_request', 'spanId: must be 16 hex characters');
  return spanId;
}

export function traceIdParam(raw: string): string {
  const traceId = raw.toLowerCase();
  if (!TRACE_ID_PATTERN.test(traceId)) throw new ApiError(400, 'bad_request', 'traceId: must be 32 hex characters');
  return traceId;
}

/** Span records with their scores (read now, or already read) and whether they are still open. */
export async function decorateSpans(scores: ScoreStore | ScoreRecord[], tenantId: string, spans: SpanRecord[]) {
  const records = Array.isArray(scores) ? scores : await scores.forTraces(tenantId, [...new Set(spans.map((s) => s.trace_id))]);
  const byTarget = scoresByTarget(records);
  return {
    byTarget,
    spans: spans.map((span) => ({
      ...span,
      running: isRunning(span),
      scores: (byTarget.get(`${span.trace_id}/${span.span_id}`) ?? []).map(briefScore),
    })),
  };
}

export function traceRoutes({ store, search, scores, cursors }: TraceRoutesOptions): Router {
  const router = Router();

  /** The trace filters of a list or count request. */
  const traceSearchOf = (q: FilterParams, tenantId: string, metadata: Array<[string, string]>) => {
    const f = spanFilterOf(q, tenantId, metadata);
    return {
      tenantId,
      since: f.since,
      until: f.until,
      status: f.status,
      model: f.model,
      modelContains: f.modelContains,
      provider: f.provider,
      service: f.service,
      name: f.name,
      tags: f.tags,
      userId: f.userId,
      sessionId: f.sessionId,
      minCost: f.minCost,
      maxCost: f.maxCost,
      minLatencyMs: f.minLatencyMs,
      maxLatencyMs: f.maxLatencyMs,
      minInputTokens: f.minInputTokens,
      maxInputTokens: f.maxInputTokens,
      minOutputTokens: f.minOutputTokens,
      maxOutputTokens: f.maxOutputTokens,
      minTotalTokens: f.minTotalTokens,
      maxTotalTokens: f.maxTotalTokens,
      spans: { routingAlias: f.routingAlias, clusterId: f.clusterId, type: f.type, metadata: f.metadata, q: f.q },
      score: f.score,
    };
  };

  router.get('/traces', async (req, res) => {
    const { rest, metadata } = splitMetadata(req.query as Record<string, unknown>);
    const q = traceListQuery.parse(rest);
    const tenantId = readTenant(req, q.tenant);
    const filters = traceSearchOf(q, tenantId, metadata);
    const page = await search.listTraces({
      ...filters,
      sort: q.sort,
      order: q.order,
      limit: q.limit,
      cursor: pageCursor(cursors, 'traces', tenantId, q.cursor, q.sort, q.order),
    });
    res.json({ data: page.data, next_cursor: page.nextCursor ? cursors.encode('traces', tenantId, page.nextCursor) : null });
  });

  // The trace's span scores as OTLP/JSON log records (gen_ai.evaluation.result), to POST to an OTLP /v1/logs.
  router.get('/traces/:traceId/evaluations', async (req, res) => {
    const traceId = traceIdParam(req.params.traceId);
    const q = z.object({ tenant: z.string().min(1).optional() }).strict().parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const stored = await scores.forTraces(tenantId, [traceId]);
    res.json(evaluationLogsRequest(stored.filter((s) => s.span_id !== '')));
  });

  // before /traces/:traceId, which would take `count` for an id
  router.get('/traces/count', async (req, res) => {
    const { rest, metadata } = splitMetadata(req.query as Record<string, unknown>);
    const q = traceCountQuery.parse(rest);
    res.json({ count: await search.countTraces(traceSearchOf(q, readTenant(req, q.tenant), metadata)) });
  });

  router.get('/spans', async (req, res) => {
    const { rest, metadata } = splitMetadata(req.query as Record<string, unknown>);
    const q = spanListQuery.parse(rest);
    const tenantId = readTenant(req, q.tenant);
    const page = await search.listSpans({
      ...spanFilterOf(q, tenantId, metadata),
      traceId: q.trace_id,
      sort: q.sort,
      order: q.order,
      limit: q.limit,
      cursor: pageCursor(cursors, 'spans', tenantId, q.cursor, q.sort, q.order),
      fields: q.fields,
    });
    res.json({ data: page.data, next_cursor: page.nextCursor ? cursors.encode('spans', tenantId, page.nextCursor) : null });
  });

  router.get('/traces/:traceId', async (req, res) => {
    const traceId = traceIdParam(req.params.traceId);
    const q = traceQuery.parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    // scores only when asked for (always without `fields`): one statement less for a page that shows none
    const withScores = readsScores(q.fields);
    const [found, stored] = await Promise.all([
      store.getTrace(tenantId, traceId, q.include === 'content', q.fields),
      withScores ? scores.forTraces(tenantId, [traceId]) : [],
    ]);
    if (!found) throw notFound(`trace ${traceId}`);
    const { spans, byTarget } = await decorateSpans(stored, tenantId, found.spans);
    const trace = withScores ? { ...found.trace, scores: (byTarget.get(`${traceId}/`) ?? []).map(briefScore) } : found.trace;
    res.json({ trace, spans: spans.map((span) => withFields(span, q.fields)) });
  });

  router.get('/spans/:spanId', async (req, res) => {
    const spanId = spanIdParam(req.params.spanId);
    const q = z.object({ tenant: z.string().min(1).optional(), include: z.enum(['evaluation_events']).optional() }).strict().parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const span = await store.getSpan(tenantId, spanId);
    if (!span) throw notFound(`span ${spanId}`);
    const stored = await scores.forTraces(tenantId, [span.trace_id]);
    const { spans } = await decorateSpans(stored, tenantId, [span]);
    if (q.include !== 'evaluation_events') return void res.json(spans[0]);
    // the span's scores as OTel gen_ai.evaluation.result events, as an OTel sender would record them
    const own = stored.filter((s) => s.span_id === spanId);
    res.json({ ...spans[0], evaluation_events: own.map(evaluationEventOf) });
  });

  // The bytes of a blob part (an inline image, audio) of the span's messages.
  const blobs = new BlobStore(store.client);
  router.get('/spans/:spanId/blobs/:blobId', async (req, res) => {
    const spanId = spanIdParam(req.params.spanId);
    const blobId = req.params.blobId.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(blobId)) throw new ApiError(400, 'bad_request', 'blobId: must be 64 hex characters (the sha256 the message part names)');
    const q = z.object({ tenant: z.string().min(1).optional() }).strict().parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const blob = await blobs.get(tenantId, spanId, blobId);
    if (!blob) throw notFound(`blob ${blobId} of span ${spanId}`);
    // served as data, never as a page: no sniffing, no scripts even if the sender lied about the type
    const mediaType = /^(?:image|audio|video)\/[\w.+-]+$|^application\/pdf$/.test(blob.mime_type) ? blob.mime_type : 'application/octet-stream';
    res.set({ 'content-type': mediaType, 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'", 'cache-control': 'private, max-age=3600' });
    res.send(blob.bytes);
  });

  return router;
}
