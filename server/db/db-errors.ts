import { Conflict } from '../errors.js';

/**
 * PostgreSQL error facts, read the same way from postgres.js and PGlite errors, whether or not
 * drizzle wrapped them (drizzle puts the driver's error in `cause`).
 */
interface PostgresErrorFields {
  code?: string;
  constraint?: string;
  constraint_name?: string;
}

function findPostgresError(error: unknown): PostgresErrorFields | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const candidate = current as PostgresErrorFields & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** The violated constraint's name when `error` is a unique violation (23505), else undefined. */
export function uniqueViolation(error: unknown): string | undefined {
  const found = findPostgresError(error);
  if (found?.code !== '23505') return undefined;
  return found.constraint_name ?? found.constraint ?? '';
}

export function postgresErrorCode(error: unknown): string | undefined {
  return findPostgresError(error)?.code;
}

/** Rethrows `error`, as a CONFLICT on `input.name` with `message` when it is a unique violation. */
export function conflictOnDuplicateName(error: unknown, message: string): never {
  if (uniqueViolation(error) !== undefined) throw new Conflict(message, { field: 'input.name' });
  throw error;
}
