/**
 * Reads an export's filter from its query string, with the same meaning as the GraphQL filter
 * inputs. A bad value is a BadInput naming the parameter; so is a parameter the export does not
 * know, since a mistyped filter would otherwise export everything without a word.
 *
 * Lists may be repeated (`status=failed&status=running`) or comma-separated (`status=failed,running`).
 * Enum values are accepted as the API spells them (`FAILED`) or as stored (`failed`). An empty value
 * counts as absent, as an empty form field would.
 */
import { isStorableTime, STORABLE_RANGE } from '../storable-time.js';
import { BadInput } from '../errors.js';
import { isUuid } from '../ids.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

export class QueryParams {
  private readonly read = new Set<string>();

  constructor(private readonly query: Record<string, unknown>) {}

  text(name: string): string | undefined {
    const values = this.values(name);
    if (values.length > 1) throw new BadInput(name, `${name}: give it once`);
    return values[0];
  }

  id(name: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!isUuid(value)) throw new BadInput(name, `${name}: is not a valid id`);
    return value.toLowerCase();
  }

  /** An ISO 8601 date (UTC midnight) or date-time with a zone (Z or an offset). */
  date(name: string): Date | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const at = ISO_DATE_TIME.test(value) ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime())) {
      throw new BadInput(name, `${name}: is not an ISO 8601 date-time such as 2026-11-27T10:00:00Z (encode "+" as %2B)`);
    }
    if (!isStorableTime(at)) throw new BadInput(name, `${name}: must be ${STORABLE_RANGE}`);
    return at;
  }

  int(name: string): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!/^-?\d{1,9}$/.test(value)) throw new BadInput(name, `${name}: is not an integer`);
    return Number(value);
  }

  boolean(name: string): boolean | undefined {
    const value = this.text(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw new BadInput(name, `${name}: must be true or false`);
    return value === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.text(name);
    return value === undefined ? undefined : this.member(name, value, allowed);
  }

  /** Several values: free text, or members of `allowed`. */
  list(name: string): string[] | undefined;
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined;
  list(name: string, allowed?: readonly string[]): string[] | undefined {
    const values = this.values(name).flatMap((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    );
    if (values.length === 0) return undefined;
    return allowed ? values.map((value) => this.member(name, value, allowed)) : values;
  }

  /** Refuses parameters nothing asked for; call after reading the filter. */
  rejectUnknown(): void {
    const unknown = Object.keys(this.query).find((name) => !this.read.has(name));
    if (unknown !== undefined) throw new BadInput(unknown, `${unknown}: is not a filter of this export`);
  }

  private values(name: string): string[] {
    this.read.add(name);
    const raw = this.query[name];
    if (raw === undefined) return [];
    const given = Array.isArray(raw) ? raw : [raw];
    if (!given.every((value): value is string => typeof value === 'string')) throw new BadInput(name, `${name}: must be plain text`);
    return given.map((value) => value.trim()).filter((value) => value !== '');
  }

  private member<T extends string>(name: string, value: string, allowed: readonly T[]): T {
    const lower = value.toLowerCase();
    const found = allowed.find((candidate) => candidate === lower);
    if (found === undefined) throw new BadInput(name, `${name}: must be one of ${allowed.map((candidate) => candidate.toUpperCase()).join(', ')}`);
    return found;
  }
}

/** The filter without its absent parameters, as recorded in the audit log and the export's header. */
export function givenOnly<Filter extends object>(filter: Filter): Filter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as Filter;
}
