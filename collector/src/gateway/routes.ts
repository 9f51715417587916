// HTTP routes of the gateway, in OpenAI's wire format. POST /v1/chat/completions and
// POST /v1/embeddings are answered by node's own request handler, ahead of Express
// (directGatewayRoutes): the same admission (shutdown, in-flight cap, API key), body limit
// and error bodies as the app's routes, without the router, its middleware chain and
// body-parser, which cost a proxied call about a third of its time in the collector
// (docs/gateway-overhead.md, seventh round). GET /v1/models stays on the app. Thin: headers
// in, gateway.ts does the work, the answer out as JSON or server-sent events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import express from 'express';
import getRawBody from 'raw-body';
import { writeTenant, type Authenticator } from '../auth/authenticate.ts';
import { ApiError, loggedProblemOf, storageUnavailable, type Problem, type ProblemWriter } from '../api/errors.ts';
import type { Admission } from '../http-limits.ts';
import { callFieldsFromHeaders, ClientCancelledError, GatewayInputError, type ChatOutput, type Gateway, type GatewayCall } from './gateway.ts';
import { headerValue, openAiError } from './openai.ts';

export const GATEWAY_PATHS = ['/v1/chat/completions', '/v1/embeddings', '/v1/models'];
/** The header a client sends its own upstream key in (when the operator allows it). */
export const UPSTREAM_KEY_HEADER = 'x-spanhouse-upstream-key';
export const TRACE_ID_HEADER = 'x-spanhouse-trace-id';

const OPENAI_TYPE_OF_STATUS: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error' };

/** A JSON answer on a bare response (what Express's res.json does, without it). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function writeProblem(res: ServerResponse, problem: Problem): void {
  const type = OPENAI_TYPE_OF_STATUS[problem.status] ?? (problem.status >= 500 ? 'server_error' : 'invalid_request_error');
  sendJson(res, problem.status, openAiError(problem.message, type, problem.code));
}

/** Any error on a gateway route as OpenAI answers it. */
export const writeOpenAiProblem: ProblemWriter = (_req, res, problem) => writeProblem(res, problem);

/** True for a path the gateway answers (so auth failures there use OpenAI's error shape). */
export const isGatewayPath = (path: string) => GATEWAY_PATHS.includes(path);

/** Starts a server-sent events answer (no proxy buffering, headers out at once). */
export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
}

/** ChatOutput on an HTTP response: JSON, or SSE `data:` lines ending in `[DONE]`. */
export function httpOutput(res: ServerResponse): ChatOutput {
  const write = (text: string) => {
    if (!res.destroyed) res.write(text);
  };
  return {
    json: (status, body) => {
      if (!res.destroyed) sendJson(res, status, body);
    },
    startStream: () => startSse(res),
    chunk: (chunk) => write(`data: ${JSON.stringify(chunk)}\n\n`),
    streamError: (body) => write(`data: ${JSON.stringify(body)}\n\n`),
    endStream: () => {
      if (!res.destroyed) res.end('data: [DONE]\n\n');
    },
  };
}

const headerOf = (req: IncomingMessage, name: string) => headerValue(req.headers, name);

/** The call a request stands for; its signal aborts when the client goes away before the answer ends. */
export function gatewayCall(req: IncomingMessage, res: ServerResponse, body: unknown, tenantId: string): GatewayCall {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new ClientCancelledError());
  });
  return {
    tenantId,
    body,
    traceparent: headerOf(req, 'traceparent'),
    fields: callFieldsFromHeaders((name) => headerOf(req, name)),
    clientKey: headerOf(req, UPSTREAM_KEY_HEADER),
    signal: controller.signal,
  };
}

export interface DirectGatewayOptions {
  gateway: Gateway;
  auth: Authenticator;
  /** Checked in order before the key, as the app's middleware would. */
  admission: readonly Admission[];
  maxBodyBytes: number;
  log: (message: string) => void;
}

const DIRECT_ROUTES: Readonly<Record<string, 'chat' | 'embeddings'>> = { '/v1/chat/completions': 'chat', '/v1/embeddings': 'embeddings' };
/** The routes directGatewayRoutes serves (`POST /v1/…`), for the OpenAPI document's parity test. */
export const DIRECT_GATEWAY_ROUTES: readonly string[] = Object.keys(DIRECT_ROUTES).map((path) => `POST ${path}`);

/** A URL's path as Express's default router matches it: any case, one trailing slash allowed. */
function routePath(url: string): string {
  const query = url.indexOf('?');
  const path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * node's request handler for the gateway's two POST routes. Returns false for any other
 * request, which the caller hands to the app.
 */
export function directGatewayRoutes(options: DirectGatewayOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const kind = req.method === 'POST' ? DIRECT_ROUTES[routePath(req.url ?? '')] : undefined;
    if (!kind) return false;
    answer(options, kind, req, res).catch((error: unknown) => {
      const problem = loggedProblemOf(error, options.log, `POST ${routePath(req.url ?? '')}`);
      if (res.headersSent) {
        res.destroy(); // mid-answer: nothing more can be said
        return;
      }
      if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
      writeProblem(res, problem);
    });
    return true;
  };
}

async function answer(options: DirectGatewayOptions, kind: 'chat' | 'embeddings', req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const gate of options.admission) {
    const refused = gate.admit(res);
    if (refused) throw refused;
  }
  const auth = await options.auth.authenticate(req).catch((error: unknown) => {
    throw error instanceof ApiError ? error : storageUnavailable(error); // keys could not be read: 503 + Retry-After
  });
  const body = await readJsonBody(req, options.maxBodyBytes);
  await runCall(options.gateway, kind, gatewayCall(req, res, body, auth.tenantId), res);
}

/** Prepares and runs one call, answering on `res`; bad input is an OpenAI 400. */
async function runCall(gateway: Gateway, kind: 'chat' | 'embeddings', call: GatewayCall, res: ServerResponse): Promise<void> {
  try {
    const prepared = gateway.prepare(call, kind);
    res.setHeader(TRACE_ID_HEADER, prepared.record.traceId);
    await (kind === 'chat' ? gateway.chat(call, httpOutput(res), prepared) : gateway.embeddings(call, httpOutput(res), prepared));
  } catch (error) {
    if (!(error instanceof GatewayInputError)) throw error;
    sendJson(res, error.status, openAiError(error.message));
  }
}

const DECODERS: Readonly<Record<string, () => Transform>> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

/**
 * The request's JSON body, decompressed as its Content-Encoding says, at most `limit` bytes
 * once decompressed (raw-body, as express.json reads it). Any Content-Type is taken as JSON,
 * as OpenAI's clients do not all send one.
 */
async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const encoding = (headerOf(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
  let stream: NodeJS.ReadableStream = req;
  if (encoding !== 'identity') {
    const decoder = DECODERS[encoding];
    if (!decoder) throw new ApiError(415, 'unsupported_media_type', `content-encoding "${encoding}" is not supported: send gzip, deflate, br or none`);
    const decoding = decoder();
    req.on('error', (error) => decoding.destroy(error));
    stream = req.pipe(decoding);
  }
  let text: string;
  try {
    text = await getRawBody(stream, { limit, encoding: 'utf8', length: encoding === 'identity' ? headerOf(req, 'content-length') : undefined });
  } catch (error) {
    const status = (error as { status?: number }).status;
    // raw-body's own errors (too large, aborted, length mismatch) carry a status; a broken compressed body does not
    throw status === undefined ? new ApiError(400, 'bad_request', `body: not valid ${encoding} data`) : error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'bad_request', 'body is not valid JSON');
  }
}

/** GET /v1/models (the POST routes are answered before the app: directGatewayRoutes). */
export function gatewayRoutes({ gateway }: { gateway: Gateway }): express.Router {
  const router = express.Router();
  router.get('/v1/models', (req, res) => {
    writeTenant(req);
    res.json(gateway.models());
  });
  return router;
}
