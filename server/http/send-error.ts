import type { Response } from 'express';
import { AppError, Unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * A refusal of a plain HTTP route (exports, recordings), in GraphQL's error shape: the typed
 * error's status, code and details; anything else a 500 without its stack, logged.
 */
export function sendError(res: Response, error: unknown, log: Logger, what: string): void {
  if (error instanceof AppError) {
    if (error instanceof Unauthenticated) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(error.httpStatus).json({ errors: [{ message: error.message, extensions: { code: error.code, ...error.details } }] });
    return;
  }
  log.error({ err: error }, `${what} failed`);
  res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
}
