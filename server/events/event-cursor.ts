/**
 * The event stream's cursor: a position in the tenant's log, opaque to consumers (base64url of
 * `ev1:<position>`), who pass the last one they saw back as `after`. The log is append-only and
 * its positions become visible as a prefix, so everything after a cursor is exactly what its
 * holder has not seen. `ev1:-1` is the start (nothing seen yet).
 */
import { BadInput } from '../errors.js';

const PREFIX = 'ev1:';
const START = -1;

export function encodeEventCursor(position: number): string {
  return Buffer.from(`${PREFIX}${position}`).toString('base64url');
}

/** The position a cursor stands for (`START` when none is given); BAD_USER_INPUT naming `field` otherwise. */
export function decodeEventCursor(cursor: string | null | undefined, field = 'after'): number {
  if (cursor === null || cursor === undefined || cursor === '') return START;
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^ev1:(-1|0|[1-9]\d{0,14})$/.exec(text);
  if (!match) throw new BadInput(field, `${field}: is not a cursor of the event stream (pass back an event's cursor or a page's endCursor)`);
  return Number(match[1]);
}
