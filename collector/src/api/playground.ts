// POST /api/playground/runs: replay a span (or any turns) through the gateway, traced as its
// own span tagged `playground` and linked to the source; answers the run beside the original
// (output, tokens, cost, latency). With `stream: true`, chunks come as SSE `data:` events and
// the comparison as a final `event: result`.
import { Router, type Response } from 'express';
import { writeTenant } from '../auth/authenticate.ts';
import { GatewayInputError, type ChatOutput, type Gateway } from '../gateway/gateway.ts';
import type { OpenAiErrorBody } from '../gateway/openai.ts';
import { PLAYGROUND_TAG, playgroundRequest, playgroundRunBody, runSummary, SOURCE_SPAN_KEY, SOURCE_TRACE_KEY } from '../gateway/playground.ts';
import { gatewayCall, startSse, TRACE_ID_HEADER } from '../gateway/routes.ts';
import type { SpanStore } from '../store/span-store.ts';
import { ApiError, notFound } from './errors.ts';

/** Collects a run's answer: streamed to the client as SSE, or kept for one JSON answer. */
function runOutput(res: Response, stream: boolean) {
  const state: { error: OpenAiErrorBody | null; started: boolean } = { error: null, started: false };
  const start = () => {
    if (!stream || state.started) return;
    state.started = true;
    startSse(res);
  };
  const output: ChatOutput = {
    json: (status, body) => {
      if (status >= 400) state.error = body as OpenAiErrorBody;
    },
    startStream: start,
    chunk: (chunk) => {
      if (stream && !res.destroyed) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    },
    streamError: (body) => {
      state.error = body;
    },
    endStream: () => {},
  };
  return {
    output,
    finish(result: unknown) {
      if (res.destroyed) return;
      if (!stream) return void res.status(201).json(result);
      start();
      res.end(`event: result\ndata: ${JSON.stringify(result)}\n\n`);
    },
    error: () => state.error,
  };
}

export function playgroundRoutes({ gateway, store }: { gateway: Gateway; store: SpanStore }): Router {
  const router = Router();
  router.post('/playground/runs', async (req, res) => {
    const input = playgroundRunBody.parse(req.body ?? {});
    const tenantId = writeTenant(req, input.tenant_id);
    const source = input.span_id ? await store.getSpan(tenantId, input.span_id.toLowerCase()) : null;
    if (input.span_id && !source) throw notFound(`span ${input.span_id}`);
    const request = playgroundRequest(input, source, gateway.settings);
    if (typeof request === 'string') throw new ApiError(400, 'bad_request', request);
    let call, prepared;
    try {
      call = gatewayCall(req, res, request, tenantId);
      call.fields = {
        ...call.fields,
        tags: [...new Set([PLAYGROUND_TAG, ...(call.fields.tags ?? [])])],
        metadata: { ...call.fields.metadata, ...(source ? { [SOURCE_SPAN_KEY]: source.span_id, [SOURCE_TRACE_KEY]: source.trace_id } : {}) },
      };
      if (source) call.linkedSpan = { traceId: source.trace_id, spanId: source.span_id };
      prepared = gateway.prepare(call, 'chat');
    } catch (error) {
      if (error instanceof GatewayInputError) throw new ApiError(400, 'bad_request', error.message);
      throw error;
    }
    res.setHeader(TRACE_ID_HEADER, prepared.record.traceId);
    const run = runOutput(res, input.stream === true);
    const record = await gateway.chat(call, run.output, prepared);
    const stored = await store.getSpan(tenantId, record.spanId);
    run.finish({
      run: stored ? runSummary(stored as never) : null,
      original: source ? runSummary(source as never) : null,
      error: run.error()?.error ?? null,
    });
  });
  return router;
}
