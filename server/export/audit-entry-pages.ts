import { and, asc, gt, lte } from 'drizzle-orm';
import { auditConditions, type AuditFilter } from '../audit/list-entries.js';
import type { Executor } from '../db/database.js';
import { auditEntries, type AuditEntryRow } from '../db/tables/index.js';

/**
 * The tenant's audit entries that match `filter`, oldest first, up to and including `throughSeq`
 * (the export's checkpoint), in keyset pages over the (tenant_id, seq) primary key.
 */
export async function* auditEntryPages(
  db: Executor,
  tenantId: string,
  filter: AuditFilter,
  throughSeq: number,
  pageSize = 1000,
): AsyncGenerator<AuditEntryRow[]> {
  const conditions = auditConditions(tenantId, filter);
  let afterSeq = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditEntries)
      .where(and(...conditions, gt(auditEntries.seq, afterSeq), lte(auditEntries.seq, throughSeq)))
      .orderBy(asc(auditEntries.seq))
      .limit(pageSize) as AuditEntryRow[];
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    afterSeq = page.at(-1)!.seq;
  }
}
