// OTLP/HTTP receiver (POST /v1/traces, /v1/logs and /v1/metrics), answering as the OTLP/HTTP spec says:
// the response in the request's encoding, partial_success for rejected spans, 400 for
// an undecodable body, 413 past the size limit, 415 for other content types, and 503
// with Retry-After when storage fails so exporters retry.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ProblemWriter } from '../api/errors.ts';
import type { TenantOf } from '@spanhouse/model';
import { contentTypeOf, encodeErrorStatus, encodingOf, type OtlpEncoding } from './otlp-codec.ts';
import { OTLP_SIGNALS, type OtlpExport } from './otlp-export.ts';

export interface OtlpReceiverOptions {
  /** Decodes, stores and answers one export (shared with the gRPC receiver). */
  exporter: OtlpExport;
  /** Largest accepted body, after decompression. */
  maxBodyBytes: number;
  /** Which tenant a request's data belongs to (for a trusted relay: decided per resource). */
  tenantOf: (req: Request) => TenantOf;
  /** Seconds an exporter should wait before retrying after a storage failure. */
  retryAfterSeconds?: number;
}

/** A router or proxy in front of the exporter names the route its calls took. */
export const ROUTING_ALIAS_HEADER = 'x-spanhouse-routing-alias';

// google.rpc.Code values used in Status bodies
const RPC_INVALID_ARGUMENT = 3;
const RPC_NOT_FOUND = 5;
const RPC_UNAVAILABLE = 14;
/** google.rpc.Code for an HTTP status, as the gRPC/HTTP mapping has it. */
const RPC_CODE_OF_STATUS: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 12, 405: 12, 408: 4, 413: 8, 415: 3, 429: 8, 503: 14 };
const RPC_INTERNAL = 13;

type Encoded = Request & { otlpEncoding?: OtlpEncoding };

function sendStatus(res: Response, encoding: OtlpEncoding, httpStatus: number, rpcCode: number, message: string): void {
  res.status(httpStatus).type(contentTypeOf(encoding)).send(encodeErrorStatus(encoding, rpcCode, message));
}

/** Any error under /v1 as OTLP answers it: google.rpc.Status in the request's encoding (JSON if unknown). */
export const writeOtlpProblem: ProblemWriter = (req, res, problem) => {
  const encoding = (req as Encoded).otlpEncoding ?? encodingOf(req.headers['content-type']) ?? 'json';
  const rpcCode = RPC_CODE_OF_STATUS[problem.status] ?? (problem.status >= 500 ? RPC_INTERNAL : RPC_INVALID_ARGUMENT);
  sendStatus(res, encoding, problem.status, rpcCode, problem.message);
};

export function otlpReceiver(options: OtlpReceiverOptions): express.Router {
  const router = express.Router();
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const rawBody = express.raw({ type: () => true, limit: options.maxBodyBytes, inflate: true });

  const requireOtlpContentType = (req: Encoded, res: Response, next: NextFunction) => {
    const encoding = encodingOf(req.headers['content-type']);
    if (!encoding) {
      sendStatus(res, 'json', 415, RPC_INVALID_ARGUMENT, `unsupported content type "${req.headers['content-type'] ?? ''}": send application/x-protobuf or application/json`);
      return;
    }
    req.otlpEncoding = encoding;
    next();
  };

  // POST /v1/traces, /v1/logs, /v1/metrics: decode, store, answer in the request's encoding.
  for (const signal of OTLP_SIGNALS) {
    router.post(`/v1/${signal}`, requireOtlpContentType, rawBody, async (req: Encoded, res: Response) => {
      const encoding = req.otlpEncoding!;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const outcome = await options.exporter(signal, body, encoding, { tenantOf: options.tenantOf(req), routingAlias: req.get(ROUTING_ALIAS_HEADER) });
      if (outcome.ok) {
        res.status(200).type(contentTypeOf(encoding)).send(outcome.body);
      } else if (outcome.reason === 'invalid') {
        sendStatus(res, encoding, 400, RPC_INVALID_ARGUMENT, outcome.message);
      } else {
        res.setHeader('Retry-After', retryAfter);
        sendStatus(res, encoding, 503, RPC_UNAVAILABLE, outcome.message);
      }
    });
  }
  // Anything else under /v1/ is not an OTLP endpoint: a status, never the UI's HTML.
  router.all(/^\/v1\//, (req: Request, res: Response) => {
    sendStatus(res, encodingOf(req.headers['content-type']) ?? 'json', 404, RPC_NOT_FOUND, `no OTLP endpoint ${req.method} ${req.path}: use POST /v1/traces, /v1/logs or /v1/metrics`);
  });

  return router;
}
