import { and, between, eq, ilike, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { isUuid } from '../ids.js';
import { containsPattern } from '../db/like-pattern.js';
import { auditEntries, type AuditActorType, type AuditEntryRow } from '../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, oneOfIfGiven, type TimeRange } from '../records/queries/conditions.js';
import type { AuditEntryRecord } from './audit-entry.js';

export interface AuditFilter extends TimeRange {
  actorId?: string | null;
  actorType?: AuditActorType | null;
  action?: string[] | null;
  resourceType?: string | null;
  resourceId?: string | null;
  /** Matches the actor's email, the action, the resource's name or id, or text in the snapshots. */
  keyword?: string | null;
}

export function auditConditions(tenantId: string, filter: AuditFilter): (SQL | undefined)[] {
  const pattern = filter.keyword ? containsPattern(filter.keyword) : undefined;
  return [
    eq(auditEntries.tenantId, tenantId),
    // An entry joins the log (and the list) once the sequencer numbered it, moments after commit.
    isNotNull(auditEntries.seq),
    equalsIfGiven(auditEntries.actorId, filter.actorId),
    equalsIfGiven(auditEntries.actorType, filter.actorType),
    oneOfIfGiven(auditEntries.action, filter.action),
    equalsIfGiven(auditEntries.resourceType, filter.resourceType),
    equalsIfGiven(auditEntries.resourceId, filter.resourceId),
    inTimeRange(auditEntries.occurredAt, filter),
    pattern
      ? or(
          ilike(auditEntries.actorEmail, pattern),
          ilike(auditEntries.action, pattern),
          ilike(auditEntries.resourceName, pattern),
          ilike(auditEntries.resourceId, pattern),
          sql`coalesce(${auditEntries.before}::text, '') || coalesce(${auditEntries.after}::text, '') ilike ${pattern}`,
        )
      : undefined,
  ];
}

/** Audit entries, newest (highest sequence) first. */
export async function listAuditEntries(db: Executor, tenantId: string, filter: AuditFilter, args: PageArgs): Promise<Page<AuditEntryRow>> {
  const conditions = auditConditions(tenantId, filter);
  return fetchPage(
    args,
    [auditEntries.seq],
    (row) => [String(row.seq)],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(auditEntries)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit) as unknown as Promise<AuditEntryRow[]>,
  );
}

export async function getAuditEntry(db: Executor, tenantId: string, by: { id?: string; seq?: number }): Promise<AuditEntryRow | undefined> {
  if (by.id !== undefined && !isUuid(by.id)) return undefined;
  const [row] = await db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.tenantId, tenantId), isNotNull(auditEntries.seq), by.id ? eq(auditEntries.id, by.id) : eq(auditEntries.seq, by.seq ?? -1)));
  return row as AuditEntryRow | undefined;
}

/** The entries numbered `fromSeq` through `toSeq`, oldest first: what one `audit.appended` event announces. */
export async function auditEntriesBetween(db: Executor, tenantId: string, fromSeq: number, toSeq: number): Promise<AuditEntryRecord[]> {
  const rows = await db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.tenantId, tenantId), between(auditEntries.seq, fromSeq, toSeq)))
    .orderBy(auditEntries.seq);
  return rows as AuditEntryRow[];
}
