/**
 * X-Vigil-Read-After: with a read replica, a write's response names the primary's WAL position
 * after it, and a request that passes it back reads where that write is already visible.
 */
import type { Request } from 'express';
import { parseWalPosition, type WalPosition } from '../reads/wal-position.js';
import { BadInput } from '../errors.js';

export const READ_AFTER_HEADER = 'X-Vigil-Read-After';

/** The position a request asks its reads to see; null when it names none. */
export function readAfterOf(req: Request): WalPosition | null {
  const value = req.headers[READ_AFTER_HEADER.toLowerCase()];
  if (value === undefined || value === '') return null;
  const position = typeof value === 'string' ? parseWalPosition(value) : null;
  if (position === null) {
    throw new BadInput(READ_AFTER_HEADER, `${READ_AFTER_HEADER} must be a WAL position as a write's response gave it (such as 0/16B3748), once`);
  }
  return position;
}
