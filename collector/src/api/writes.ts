// Writes: POST /api/traces (log one LLM call), POST /api/spans (custom span),
// PATCH /api/spans/:id (output, end, error, metadata, scores), scores on spans and
// traces, and span events (feedback and friends). New spans go through the OTLP
// pipeline; a PATCH goes through the rewrite path (a new version, enriched again).
import { Router, type Request } from 'express';
import { z } from 'zod';
import { readTenant, writeTenant } from '../auth/authenticate.ts';
import type { IngestPipeline } from '../pipeline/ingest.ts';
import type { SpanRewriter } from '../pipeline/rewrite.ts';
import type { ScoreInput, ScoreStore } from '../store/scores.ts';
import { SPAN_EVENT_KINDS, type SpanEventStore } from '../store/span-events.ts';
import type { SpanStore } from '../store/span-store.ts';
import { ApiError, notFound, storageWrite } from './errors.ts';
import {
  applyPatch,
  changesSpan,
  createSpanBody,
  createSpanDraft,
  logTraceBody,
  logTraceDraft,
  newTraceId,
  otlpRequestOf,
  patchSpanBody,
  scoreBody,
  type SpanDraft,
} from './span-input.ts';
import { decorateSpans, spanIdParam, traceIdParam } from './traces.ts';

export interface WriteRoutesOptions {
  store: SpanStore;
  pipeline: IngestPipeline;
  rewriter: SpanRewriter;
  scores: ScoreStore;
  events: SpanEventStore;
}

const scoresBody = z.union([scoreBody, z.object({ scores: z.array(scoreBody).min(1).max(50) }).strict()]);
const eventBody = z
  .object({
    kind: z.enum(SPAN_EVENT_KINDS),
    source: z.string().min(1).max(200).default('api'),
    data: z.unknown().default(null),
    id: z.string().min(1).max(100).optional(),
    time: z.iso.datetime({ offset: true }).optional(),
    tenant_id: z.string().max(63).optional(),
  })
  .strict()
  .refine((e) => JSON.stringify(e.data ?? null).length <= 64 * 1024, { message: 'data: at most 64 KiB of JSON', path: ['data'] });

/** Thumbs up/down feedback also becomes the boolean score `feedback`, so it can be filtered. */
function feedbackScore(kind: string, source: string, data: unknown): ScoreInput | null {
  if (kind !== 'feedback' || data === null || typeof data !== 'object') return null;
  const value = (data as Record<string, unknown>).value;
  if (value !== 'up' && value !== 'down') return null;
  const comment = (data as Record<string, unknown>).comment;
  return { name: 'feedback', value: value === 'up', comment: typeof comment === 'string' ? comment : '', source };
}

export function writeRoutes({ store, pipeline, rewriter, scores, events }: WriteRoutesOptions): Router {
  const router = Router();
  const body = (req: Request) => (req.body === undefined ? {} : req.body);

  async function ingest(tenantId: string, draft: SpanDraft): Promise<void> {
    const result = await pipeline.ingestTraces(otlpRequestOf(draft), tenantId);
    if (result.rejected > 0) throw new ApiError(400, 'bad_request', result.errorMessage || 'the span could not be stored');
  }

  async function spanOr404(tenantId: string, spanId: string) {
    const span = await store.getSpan(tenantId, spanId);
    if (!span) throw notFound(`span ${spanId}`);
    return span;
  }

  async function refuseExisting(tenantId: string, spanId: string | undefined): Promise<void> {
    if (spanId && (await store.getSpan(tenantId, spanId))) throw new ApiError(409, 'conflict', `span ${spanId} exists: PATCH /api/spans/${spanId} changes it`);
  }

  router.post('/traces', async (req, res) => {
    const input = logTraceBody.parse(body(req));
    const tenantId = writeTenant(req, input.tenant_id);
    const draft = logTraceDraft(input, Date.now() * 1000);
    await storageWrite(async () => {
      await refuseExisting(tenantId, input.span_id);
      await ingest(tenantId, draft);
      await scores.setScores(tenantId, draft.traceId, draft.spanId, (input.scores ?? []).map((s) => ({ ...s, source: 'api' })));
    });
    res.status(201).json({ trace_id: draft.traceId, span_id: draft.spanId });
  });

  router.post('/spans', async (req, res) => {
    const input = createSpanBody.parse(body(req));
    const tenantId = writeTenant(req, input.tenant_id);
    const draft = await storageWrite(async () => {
      await refuseExisting(tenantId, input.span_id);
      let traceId = input.trace_id;
      if (!traceId && input.parent_span_id) traceId = (await spanOr404(tenantId, input.parent_span_id)).trace_id;
      const draft = createSpanDraft(input, traceId ?? newTraceId(), Date.now() * 1000);
      await ingest(tenantId, draft);
      await scores.setScores(tenantId, draft.traceId, draft.spanId, (input.scores ?? []).map((s) => ({ ...s, source: 'api' })));
      return draft;
    });
    res.status(201).json({ trace_id: draft.traceId, span_id: draft.spanId, running: draft.attributes['spanhouse.span.open'] === true });
  });

  router.patch('/spans/:spanId', async (req, res) => {
    const spanId = spanIdParam(req.params.spanId);
    const patch = patchSpanBody.parse(body(req));
    const tenantId = writeTenant(req, patch.tenant_id);
    let traceId: string;
    if (changesSpan(patch)) {
      const revised = await rewriter.reviseSpan(tenantId, spanId, (span) => applyPatch(span, patch, Date.now() * 1000));
      if (!revised) throw notFound(`span ${spanId}`);
      traceId = revised.trace_id;
    } else {
      traceId = (await spanOr404(tenantId, spanId)).trace_id;
    }
    const given = [...(patch.score ? [patch.score] : []), ...(patch.scores ?? []), ...(patch.metrics ?? [])];
    await scores.setScores(tenantId, traceId, spanId, given.map((s) => ({ ...s, source: 'api' })));
    const { spans } = await decorateSpans(scores, tenantId, [await spanOr404(tenantId, spanId)]);
    res.json(spans[0]);
  });

  router.post('/spans/:spanId/scores', async (req, res) => {
    const spanId = spanIdParam(req.params.spanId);
    const tenantId = writeTenant(req);
    const input = scoresBody.parse(body(req));
    const span = await spanOr404(tenantId, spanId);
    const stored = await scores.setScores(tenantId, span.trace_id, spanId, ('scores' in input ? input.scores : [input]).map((s) => ({ ...s, source: 'api' })));
    res.status(201).json({ data: stored });
  });

  router.post('/traces/:traceId/scores', async (req, res) => {
    const traceId = traceIdParam(req.params.traceId);
    const tenantId = writeTenant(req);
    const input = scoresBody.parse(body(req));
    const traceStartUs = await scores.traceStart(tenantId, traceId); // null: no such trace
    if (traceStartUs === null) throw notFound(`trace ${traceId}`);
    const stored = await scores.setScores(tenantId, traceId, '', ('scores' in input ? input.scores : [input]).map((s) => ({ ...s, source: 'api' })), { traceStartUs });
    res.status(201).json({ data: stored });
  });

  router.post('/spans/:spanId/events', async (req, res) => {
    const spanId = spanIdParam(req.params.spanId);
    const input = eventBody.parse(body(req));
    const tenantId = writeTenant(req, input.tenant_id);
    const span = await spanOr404(tenantId, spanId);
    const event = await events.add(tenantId, span.trace_id, spanId, {
      kind: input.kind,
      source: input.source,
      data: input.data,
      id: input.id,
      time: input.time ? new Date(input.time) : undefined,
    });
    const score = feedbackScore(input.kind, input.source, input.data);
    if (score) await scores.setScores(tenantId, span.trace_id, spanId, [score]);
    res.status(201).json(event);
  });

  router.get('/spans/:spanId/events', async (req, res) => {
    const spanId = spanIdParam(req.params.spanId);
    const q = z.object({ tenant: z.string().min(1).optional() }).strict().parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    await spanOr404(tenantId, spanId);
    res.json({ data: await events.list(tenantId, spanId), next_cursor: null });
  });

  return router;
}
