import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';

/** An error with an HTTP status and a message safe to show the caller. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** Every API error becomes `{"error": {"code", "message"}}`; internals are logged, not leaked. */
export function apiErrorHandler(log: (message: string) => void) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ApiError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
    } else if (error instanceof ZodError) {
      const message = error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
      res.status(400).json({ error: { code: 'bad_request', message } });
    } else if (error && typeof error === 'object' && 'type' in error && (error as { type: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'bad_request', message: 'body is not valid JSON' } });
    } else {
      log(`API error: ${(error as Error)?.stack ?? String(error)}`);
      res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
    }
  };
}
