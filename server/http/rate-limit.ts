/**
 * Rate limits per bearer token and per client IP: requests in the current minute are counted in
 * PostgreSQL (one upsert of both keys per request), so several instances enforce one limit. Over a
 * limit: 429 with Retry-After (the seconds until the minute ends) and a JSON error naming it.
 * Failed sign-ins (a token with a bad secret) are counted like any request, and are recorded and
 * alerted on as before (the activity log, FAILED_SIGN_INS rules).
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';

export interface RateLimits {
  readonly perToken: number;
  readonly perIp: number;
}

const WINDOW_MS = 60_000;

export function rateLimiter(db: Database, clock: Clock, limits: RateLimits, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const keys: { key: string; kind: 'token' | 'ip'; max: number }[] = [];
    const bearer = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
    // The token's hash, never the token: the table must not hold credentials.
    if (limits.perToken > 0 && bearer)
      keys.push({ key: `token:${createHash('sha256').update(bearer).digest('base64url').slice(0, 32)}`, kind: 'token', max: limits.perToken });
    if (limits.perIp > 0) keys.push({ key: `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`, kind: 'ip', max: limits.perIp });
    if (keys.length === 0) return next();
    const now = clock.now().getTime();
    const windowStart = new Date(now - (now % WINDOW_MS));
    let counts: { key: string; count: number }[];
    try {
      counts = await queryRows<{ key: string; count: number }>(
        db,
        sql`insert into rate_limit_windows (key, window_start, count)
            values ${sql.join(
              keys.map(({ key }) => sql`(${key}, ${windowStart.toISOString()}::timestamptz, 1)`),
              sql`, `,
            )}
            on conflict (key, window_start) do update set count = rate_limit_windows.count + 1
            returning key, count`,
      );
    } catch (error) {
      // Counting failed (the database is away): the request meets the same outage on its own.
      logger.warn({ err: error }, 'rate limit not counted');
      return next();
    }
    const exceeded = keys.find(({ key, max }) => (counts.find((row) => row.key === key)?.count ?? 0) > max);
    if (!exceeded) return next();
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000));
    res.setHeader('Retry-After', String(retryAfterSeconds));
    res.status(429).json({
      errors: [
        {
          message: `Too many requests: more than ${exceeded.max} a minute ${exceeded.kind === 'token' ? 'with this token' : 'from this address'}; retry in ${retryAfterSeconds} s`,
          extensions: { code: 'TOO_MANY_REQUESTS', limit: exceeded.kind, max: exceeded.max, retryAfterSeconds },
        },
      ],
    });
  };
}

/** Deletes past windows every minute; safe on every instance at once (the delete is idempotent). */
export function startRateLimitSweeper(db: Database, clock: Clock, logger: Logger): Disposable {
  return startPeriodicJob({
    name: 'rate-limit-sweeper',
    intervalMs: WINDOW_MS,
    logger,
    work: async () => {
      await db.execute(sql`delete from rate_limit_windows where window_start < ${new Date(clock.now().getTime() - 5 * WINDOW_MS).toISOString()}::timestamptz`);
    },
  });
}
