/**
 * The times Vigil stores: years 1 to 9999, what ISO 8601's four-digit years and PostgreSQL's
 * timestamptz hold alike. JavaScript dates reach further (year 0, negative years, year 275760),
 * and PostgreSQL refuses some of those only when the statement runs, after work has begun.
 */
export const EARLIEST_STORABLE = Date.parse('0001-01-01T00:00:00.000Z');
export const LATEST_STORABLE = Date.parse('9999-12-31T23:59:59.999Z');

export function isStorableTime(date: Date): boolean {
  const time = date.getTime();
  return time >= EARLIEST_STORABLE && time <= LATEST_STORABLE;
}

export const STORABLE_RANGE = 'between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
