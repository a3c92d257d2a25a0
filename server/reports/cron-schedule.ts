/**
 * A schedule's cron expression in its IANA time zone, read by croner (never by hand): five fields
 * (minute hour day-of-month month day-of-week), so a digest cannot be asked for every second, and
 * at least an hour between runs. The period a run reviews ends at its occurrence and starts at the
 * occurrence before it, so consecutive runs cover time without gaps or overlaps, whatever the
 * daylight-saving shifts of the zone.
 */
import { Cron } from 'croner';
import { BadInput } from '../errors.js';

const MIN_INTERVAL_MS = 3600_000;

/** The zone's canonical IANA name (`utc` is `UTC`), or undefined when this runtime does not know it. */
export function canonicalTimezone(timezone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The zone's canonical name; BAD_USER_INPUT on `field` when it is not one. */
export function parseTimezone(timezone: string, field = 'input.timezone'): string {
  const canonical = canonicalTimezone(timezone.trim());
  if (!canonical) throw new BadInput(field, `${field}: ${timezone} is not an IANA time zone (such as Europe/Berlin)`);
  return canonical;
}

/** The parsed schedule in a zone parseTimezone accepted; BAD_USER_INPUT on `field` naming what is wrong. */
export function parseCron(expression: string, timezone: string, field = 'input.cron'): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new BadInput(field, `${field}: must have five fields (minute hour day-of-month month day-of-week)`);
  let cron: Cron;
  try {
    cron = new Cron(parts.join(' '), { timezone, paused: true });
  } catch (error) {
    throw new BadInput(field, `${field}: ${(error as Error).message}`);
  }
  const [first, second] = cron.nextRuns(2);
  if (!first || !second) throw new BadInput(field, `${field}: never runs`);
  if (second.getTime() - first.getTime() < MIN_INTERVAL_MS) throw new BadInput(field, `${field}: must run at most once an hour`);
  return cron;
}

/** The first occurrence after `after`, or null when there is none. */
export function nextOccurrence(cron: Cron, after: Date): Date | null {
  return cron.nextRun(after);
}

/** The occurrence before `occurrence`: where the period ending at `occurrence` starts. */
export function previousOccurrence(cron: Cron, occurrence: Date): Date {
  const [previous] = cron.previousRuns(1, occurrence);
  // A pattern with no earlier occurrence (a date in one year): review the week before.
  return previous ?? new Date(occurrence.getTime() - 7 * 24 * 3600_000);
}
