/**
 * The product documents' retry schedule: the first attempt at once, then after 1, 5, 15, 60 and
 * 240 minutes; a sixth failure is final. Each wait gets up to 10% of jitter added, so receivers
 * that failed together are not all retried in the same second.
 */
export const RETRY_DELAYS_MINUTES = [1, 5, 15, 60, 240] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MINUTES.length + 1;
/** The longest a receiver's Retry-After is honoured for. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

/**
 * When to try again after failed attempt number `attempts` (1-based), or null when that was the
 * last. A receiver's Retry-After (429, 503) replaces the scheduled wait.
 */
export function nextAttemptAt(attempts: number, now: Date, retryAfterSeconds: number | null, random: () => number = Math.random): Date | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const scheduledMs = RETRY_DELAYS_MINUTES[attempts - 1]! * 60_000;
  const waitMs = retryAfterSeconds !== null ? Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS) * 1000 : scheduledMs;
  return new Date(now.getTime() + waitMs + Math.floor(random() * waitMs * 0.1));
}
