// Bounds on what a client can make the collector do at once: the HTTP server's own limits
// (connections, header/request/idle timeouts, requests per connection, which also caps
// pipelining), a cap on requests in flight that sheds the excess with 503 + Retry-After
// instead of queueing it, and a health check that reads cached state.
import type { Server, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { MAX_STORED_DEPTH, wellFormedInPlace } from '@spanhouse/model';
import { ApiError } from './api/errors.ts';

export interface HttpLimits {
  /** Open connections at most; more are refused by the server. */
  maxConnections: number;
  /** Requests served on one connection (pipelined or not); past it the server answers 503 and closes it. */
  maxRequestsPerSocket: number;
  /** Milliseconds a client has to send a request's headers. */
  headersTimeoutMs: number;
  /** Milliseconds a client has to send a whole request. */
  requestTimeoutMs: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Requests handled at once; more are answered 503 + Retry-After at once. */
  maxInFlight: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 1024,
  maxRequestsPerSocket: 1000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxInFlight: 256,
};

/** Seconds a shed client should wait. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 1;

export function applyServerLimits(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
}

/** Lets a request start, or says why not (the app's middleware and the gateway's direct routes ask alike). */
export interface Admission {
  admit(res: ServerResponse): ApiError | null;
}

const admissionMiddleware =
  (gate: Admission) =>
  (_req: Request, res: Response, next: NextFunction): void => {
    const refused = gate.admit(res);
    if (refused) next(refused);
    else next();
  };

/**
 * At most `maxInFlight` requests are handled at once; the next ones are answered 503 +
 * Retry-After straight away (a flood of pipelined requests costs a short answer each, not a
 * queue of storage queries). One count for the app and the gateway's direct routes.
 */
export class InFlightLimit {
  private inFlight = 0;
  private readonly shed = new ApiError(503, 'overloaded', 'the collector is busy; retry later', OVERLOAD_RETRY_AFTER_SECONDS);

  constructor(private readonly maxInFlight: number) {}

  /** Counts `res` until it ends, or answers why it may not start. */
  admit(res: ServerResponse): ApiError | null {
    if (this.inFlight >= this.maxInFlight) return this.shed;
    this.inFlight++;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.inFlight--;
    };
    res.once('finish', release);
    res.once('close', release);
    return null;
  }

  readonly middleware = admissionMiddleware(this);
}

/**
 * Storage health, checked at most once per `maxAgeMs` whatever the request rate: callers
 * within that age read the cached answer, and callers after it share one check.
 */
export class HealthCache {
  private last: { ok: boolean; at: number } | null = null;
  private running: Promise<boolean> | null = null;

  constructor(
    private readonly check: () => Promise<boolean>,
    private readonly maxAgeMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async healthy(): Promise<boolean> {
    if (this.last && this.now() - this.last.at < this.maxAgeMs) return this.last.ok;
    this.running ??= this.check()
      .catch(() => false)
      .then((ok) => {
        this.last = { ok, at: this.now() };
        this.running = null;
        return ok;
      });
    return this.running;
  }
}

/**
 * Graceful shutdown that ends in bounded time even while clients keep sending: once
 * draining, new requests on open connections are answered 503 + Retry-After with
 * `Connection: close`, responses still in flight close their connection when sent, idle
 * keep-alive connections are closed, and whatever is still open after `timeoutMs` is cut.
 */
export class Drainer {
  private draining = false;
  private readonly inFlight = new Set<ServerResponse>();

  /** Tracks `res` until it closes, or answers why it may not start (shutting down). */
  admit(res: ServerResponse): ApiError | null {
    if (this.draining) {
      res.setHeader('Connection', 'close');
      return new ApiError(503, 'shutting_down', 'the collector is shutting down; retry later', OVERLOAD_RETRY_AFTER_SECONDS);
    }
    this.inFlight.add(res);
    res.once('close', () => this.inFlight.delete(res));
    return null;
  }

  readonly middleware = admissionMiddleware(this);

  async drain(server: Server, timeoutMs: number): Promise<void> {
    this.draining = true;
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, timeoutMs);
    });
    await Promise.race([closed, cut]);
    clearTimeout(timer);
    await closed;
  }
}

/**
 * After the JSON body parser: a body nested deeper than MAX_STORED_DEPTH is a 400 (it
 * would overflow the stack wherever it is serialised again), and lone surrogates in its
 * strings become U+FFFD (they are valid JSON, but not storable UTF-8). Iterative.
 */
export function boundedJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (body !== null && typeof body === 'object' && wellFormedInPlace(body as Record<string, unknown>)) {
    next(new ApiError(400, 'bad_request', `body: nested deeper than ${MAX_STORED_DEPTH} levels`));
    return;
  }
  next();
}

/**
 * Before the JSON body parser: a request to the REST API that carries a body must send it as
 * JSON. Without this, a text/plain body reached the routes as no body at all and was answered
 * as if a field were missing.
 */
export function jsonBodyOnly(req: Request, _res: Response, next: NextFunction): void {
  if (hasBody(req) && !req.is('json')) {
    next(new ApiError(415, 'unsupported_media_type', `body: send it as JSON (Content-Type: application/json), not ${req.headers['content-type'] ?? 'no content type'}`));
    return;
  }
  next();
}

const hasBody = (req: Request) => Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * A query string that is not valid percent-encoding (`%zz`, a `%` alone, bytes that are not
 * UTF-8) is a 400, as such a path is: the query parser would otherwise keep the text as it came
 * or replace its bytes, and answer a search for something the client never sent.
 */
export function validQueryEncoding(req: Request, _res: Response, next: NextFunction): void {
  const query = req.originalUrl.indexOf('?');
  if (query >= 0) {
    try {
      for (const part of req.originalUrl.slice(query + 1).split('&')) decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      next(new ApiError(400, 'bad_request', 'the query string is not valid percent-encoding (UTF-8)'));
      return;
    }
  }
  next();
}

