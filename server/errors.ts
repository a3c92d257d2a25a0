/**
 * Vigil's typed errors. Services throw these; the GraphQL formatter (schema/format-error.ts) and the
 * HTTP handlers map each one to its code. Nothing matches on error messages.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** The HTTP status used where the error ends a plain HTTP request (exports, health, bots). */
  abstract readonly httpStatus: number;
  /** Extra machine-readable facts, placed in `extensions` next to the code. */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class Unauthenticated extends AppError {
  readonly code = 'UNAUTHENTICATED';
  readonly httpStatus = 401;
  constructor(message = 'Authentication required: send a bearer token in the Authorization header') {
    super(message);
  }
}

export class Forbidden extends AppError {
  readonly code = 'FORBIDDEN';
  readonly httpStatus = 403;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, details);
  }
}

/** Bad input, naming the field at fault (a dotted path such as `input.email` or `events.3.line`). */
export class BadInput extends AppError {
  readonly code = 'BAD_USER_INPUT';
  readonly httpStatus = 400;
  constructor(
    readonly field: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { field, ...details });
  }
}

export class NotFound extends AppError {
  readonly code = 'NOT_FOUND';
  readonly httpStatus = 404;
  constructor(resource: string, id: string) {
    super(`${resource} ${id} was not found`, { resource, id });
  }
}

export class Conflict extends AppError {
  readonly code = 'CONFLICT';
  readonly httpStatus = 409;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, details);
  }
}
