/**
 * A recurring review's schedule: a five-field cron expression (minute hour day-of-month month
 * day-of-week) read by croner in an IANA time zone, so "09:00 on the first of each quarter" stays
 * 09:00 local across daylight-saving changes. At most one run a day: a review is a campaign of
 * days or weeks, and a schedule firing more often is a mistake.
 */
import { Cron } from 'croner';
import { BadInput } from '../errors.js';

const MIN_INTERVAL_MS = 86_400_000;

/** The schedule; BAD_USER_INPUT on `field` (the expression's) or `zoneField` (the time zone's) when either is wrong. */
export function parseRecurrence(expression: string, timeZone: string, field: string, zoneField: string): Cron {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new BadInput(zoneField, `${zoneField}: ${timeZone} is not an IANA time zone (such as Europe/Berlin)`);
  }
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new BadInput(field, `${field}: must have five fields (minute hour day-of-month month day-of-week)`);
  let cron: Cron;
  try {
    cron = new Cron(fields.join(' '), { timezone: timeZone, paused: true });
  } catch (error) {
    throw new BadInput(field, `${field}: ${(error as Error).message}`);
  }
  const [first, second] = cron.nextRuns(2);
  if (!first) throw new BadInput(field, `${field}: never runs`);
  if (second && second.getTime() - first.getTime() < MIN_INTERVAL_MS) throw new BadInput(field, `${field}: must run at most once a day`);
  return cron;
}

/** A stored schedule (validated when it was stored). */
export function storedRecurrence(expression: string, timeZone: string): Cron {
  return parseRecurrence(expression, timeZone, 'recurrence', 'timeZone');
}
