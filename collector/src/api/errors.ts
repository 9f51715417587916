import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { SpoolFullError } from '../pipeline/spool.ts';

/** An error with an HTTP status and a message safe to show the caller. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds a client should wait before retrying (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** Seconds a client should wait after a storage failure before it retries. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** The answer to a write whose storage failed: 503 + Retry-After, so clients retry. */
export const storageUnavailable = (cause?: unknown) =>
  Object.assign(new ApiError(503, 'unavailable', 'storage is unavailable; retry later', STORAGE_RETRY_AFTER_SECONDS), { cause });

/** Runs a write against storage: an ApiError passes through, any other failure is a 503 + Retry-After. */
export async function storageWrite<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SpoolFullError) throw new ApiError(503, 'spool_full', error.message, STORAGE_RETRY_AFTER_SECONDS);
    throw error instanceof ApiError ? error : storageUnavailable(error);
  }
}

/** What an error means for the caller: status, code and a message that leaks no internals. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

const CODE_OF_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'timeout',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** An error thrown by body-parser, the router (bad percent-encoding) or http-errors. */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  limit?: number;
  message?: string;
}

/**
 * ClickHouse refusing a read over the limits every store query runs with (SESSION_DEFAULTS in
 * store/query.ts): the caller can do something about it, so it is told, not "internal error".
 * 503, so OTLP clients retry a write that hit one (a smaller or later batch may pass).
 */
const QUERY_LIMITS: Record<string, Problem> = {
  MEMORY_LIMIT_EXCEEDED: { status: 503, code: 'query_too_large', message: 'the request needs more memory than one query may use here: narrow the time window or add filters' },
  TIMEOUT_EXCEEDED: { status: 503, code: 'query_timeout', message: 'the request ran past the time one query may take here: narrow the time window or add filters' },
};

/** Pure: the problem an error stands for. Unknown errors are a 500 whose details stay in the log. */
export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  // @clickhouse/client's ClickHouseError (server and chDB alike): `type` names the error
  const type = error instanceof Error ? (error as Error & { type?: unknown }).type : undefined;
  if (typeof type === 'string' && type in QUERY_LIMITS) return QUERY_LIMITS[type];
  if (error instanceof ZodError) {
    const message = error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
    return { status: 400, code: 'bad_request', message };
  }
  if (error instanceof Error && error.name === 'OtlpDecodeError') return { status: 400, code: 'bad_request', message: error.message };
  const e = (error && typeof error === 'object' ? error : {}) as HttpLikeError;
  const status = e.status ?? e.statusCode;
  if (e.type === 'entity.parse.failed') return { status: 400, code: 'bad_request', message: 'body is not valid JSON' };
  if (e.type === 'entity.too.large') return { status: 413, code: 'too_large', message: `body larger than the limit of ${e.limit} bytes` };
  if (error instanceof URIError) return { status: 400, code: 'bad_request', message: 'the path is not valid percent-encoding' };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: CODE_OF_STATUS[status] ?? 'bad_request', message: e.expose !== false && e.message ? e.message : 'bad request' };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}

/** problemOf, with the cause of a server fault (5xx) logged: internals go to the log, not the caller. */
export function loggedProblemOf(error: unknown, log: (message: string) => void, where: string): Problem {
  const problem = problemOf(error);
  if (problem.status >= 500) {
    const cause = error instanceof ApiError ? error.cause : error;
    if (cause !== undefined) log(`error on ${where}: ${(cause as Error)?.stack ?? String(cause)}`);
  }
  return problem;
}

/** Writes a problem in one protocol's shape (the REST API's JSON, or OTLP's google.rpc.Status). */
export type ProblemWriter = (req: Request, res: Response, problem: Problem) => void;

export const writeApiProblem: ProblemWriter = (_req, res, problem) => {
  res.status(problem.status).json({ error: { code: problem.code, message: problem.message } });
};

/**
 * The one error handler of the app: every error, on every route, becomes a JSON (or, under
 * a prefix given in `byPrefix`, that protocol's) answer. Never Express's HTML page, never
 * a stack trace; internals are logged, not leaked.
 */
export function errorHandler(log: (message: string) => void, byPrefix: Record<string, ProblemWriter> = {}) {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const problem = loggedProblemOf(error, log, `${req.method} ${req.path}`);
    if (res.headersSent) {
      next(error); // Express closes the connection; nothing more can be said
      return;
    }
    if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
    const prefix = Object.keys(byPrefix).find((p) => req.path === p || req.path.startsWith(`${p}/`));
    (prefix ? byPrefix[prefix] : writeApiProblem)(req, res, problem);
  };
}

/** The last route: anything unmatched is a 404 in the protocol of its prefix. */
export function unknownRoute(req: Request, _res: Response, next: NextFunction): void {
  next(notFound(`route ${req.method} ${req.path}`));
}
