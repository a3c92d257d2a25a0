import { z } from 'zod';
import { BadInput } from './errors.js';
import { isUuid } from './ids.js';

/**
 * Validates input with a zod schema. The first problem becomes a BadInput naming the field by its
 * path (`email`, `labels.0.key`), with `prefix` prepended (`input`), so clients can point at it.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, prefix?: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || 'input';
  throw new BadInput(field, `${field}: ${issue.message}`);
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(320, 'is too long')
  .regex(/^[^\s@]+@[^\s@]+$/, 'is not an email address');

/** A human-readable name: trimmed, non-empty, bounded. */
export const nameSchema = (max = 200) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** An id argument: Vigil's ids are UUIDs, and anything else is refused before it reaches SQL. */
export function parseId(field: string, value: string): string {
  if (!isUuid(value)) throw new BadInput(field, `${field} is not a valid id`);
  return value.toLowerCase();
}

export function parseOptionalId(field: string, value: string | null | undefined): string | undefined {
  return value == null ? undefined : parseId(field, value);
}

/** A copy of `filter` whose id fields are checked (BAD_USER_INPUT naming `filter.<field>`). */
export function parseFilterIds<Filter extends object>(filter: Filter | null | undefined, fields: readonly (keyof Filter & string)[]): Filter {
  const copy = { ...(filter ?? {}) } as Filter;
  for (const field of fields) {
    const value = copy[field];
    if (value != null) (copy as Record<string, unknown>)[field] = parseId(`filter.${field}`, String(value));
  }
  return copy;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether `text` holds an unpaired UTF-16 surrogate: valid in JSON (`"\ud800"`) but not text,
 * so PostgreSQL and players refuse it. (String.prototype.isWellFormed, which TypeScript's ES2022
 * library for Node 20 does not declare.)
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}
