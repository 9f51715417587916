// HTTP routes of the gateway, in OpenAI's wire format: POST /v1/chat/completions,
// POST /v1/embeddings, GET /v1/models. Thin: headers in, gateway.ts does the work, the
// answer out as JSON or server-sent events. Errors are OpenAI error bodies.
import express, { type Request, type Response } from 'express';
import { writeTenant } from '../auth/authenticate.ts';
import type { ProblemWriter } from '../api/errors.ts';
import { callFieldsFromHeaders, ClientCancelledError, GatewayInputError, type ChatOutput, type Gateway, type GatewayCall } from './gateway.ts';
import { openAiError } from './openai.ts';

export const GATEWAY_PATHS = ['/v1/chat/completions', '/v1/embeddings', '/v1/models'];
/** The header a client sends its own upstream key in (when the operator allows it). */
export const UPSTREAM_KEY_HEADER = 'x-spanhouse-upstream-key';
export const TRACE_ID_HEADER = 'x-spanhouse-trace-id';

const OPENAI_TYPE_OF_STATUS: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error' };

/** Any error on a gateway route as OpenAI answers it. */
export const writeOpenAiProblem: ProblemWriter = (_req, res, problem) => {
  const type = OPENAI_TYPE_OF_STATUS[problem.status] ?? (problem.status >= 500 ? 'server_error' : 'invalid_request_error');
  res.status(problem.status).json(openAiError(problem.message, type, problem.code));
};

/** True for a path the gateway answers (so auth failures there use OpenAI's error shape). */
export const isGatewayPath = (path: string) => GATEWAY_PATHS.includes(path);

/** Starts a server-sent events answer (no proxy buffering, headers out at once). */
export function startSse(res: Response): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
}

/** ChatOutput on an HTTP response: JSON, or SSE `data:` lines ending in `[DONE]`. */
export function httpOutput(res: Response): ChatOutput {
  const write = (text: string) => {
    if (!res.destroyed) res.write(text);
  };
  return {
    json: (status, body) => {
      if (!res.destroyed) res.status(status).json(body);
    },
    startStream: () => startSse(res),
    chunk: (chunk) => write(`data: ${JSON.stringify(chunk)}\n\n`),
    streamError: (body) => write(`data: ${JSON.stringify(body)}\n\n`),
    endStream: () => {
      if (!res.destroyed) res.end('data: [DONE]\n\n');
    },
  };
}

/** The call a request stands for; its signal aborts when the client goes away before the answer ends. */
export function gatewayCall(req: Request, res: Response, body: unknown): GatewayCall {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new ClientCancelledError());
  });
  return {
    tenantId: writeTenant(req),
    body,
    traceparent: req.get('traceparent'),
    fields: callFieldsFromHeaders((name) => req.get(name)),
    clientKey: req.get(UPSTREAM_KEY_HEADER),
    signal: controller.signal,
  };
}

export function gatewayRoutes({ gateway, maxBodyBytes }: { gateway: Gateway; maxBodyBytes: number }): express.Router {
  const router = express.Router();
  const json = express.json({ limit: maxBodyBytes, type: () => true });

  const handle = (kind: 'chat' | 'embeddings') => async (req: Request, res: Response) => {
    try {
      const call = gatewayCall(req, res, req.body);
      const prepared = gateway.prepare(call, kind);
      res.setHeader(TRACE_ID_HEADER, prepared.record.traceId);
      await (kind === 'chat' ? gateway.chat(call, httpOutput(res), prepared) : gateway.embeddings(call, httpOutput(res), prepared));
    } catch (error) {
      if (!(error instanceof GatewayInputError)) throw error;
      res.status(error.status).json(openAiError(error.message));
    }
  };
  router.post('/v1/chat/completions', json, handle('chat'));
  router.post('/v1/embeddings', json, handle('embeddings'));
  router.get('/v1/models', (req, res) => {
    writeTenant(req);
    res.json(gateway.models());
  });
  return router;
}
