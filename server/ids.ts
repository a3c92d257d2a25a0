import { v7 } from 'uuid';

/**
 * Row ids are UUIDv7: time-ordered, so "newest first" is "largest id first", b-tree inserts stay
 * at the right edge of the index, and a keyset cursor over the id alone is exact.
 */
export function newId(): string {
  return v7();
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
