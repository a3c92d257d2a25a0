import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { auditConditions, type AuditFilter } from '../audit/list-entries.js';
import type { Executor } from '../db/database.js';
import { auditChainHeads, auditEntries, type AuditEntryRow } from '../db/tables/index.js';

/**
 * The tenant's audit entries that match `filter`, oldest first, from the retained chain's start
 * up to and including `throughSeq` (the export's checkpoint), in keyset pages over (tenant_id,
 * seq). Entries before the start that retention keeps (policy changes) are not part of the chain.
 */
export async function* auditEntryPages(
  db: Executor,
  tenantId: string,
  filter: AuditFilter,
  throughSeq: number,
  pageSize = 1000,
): AsyncGenerator<AuditEntryRow[]> {
  const conditions = auditConditions(tenantId, filter);
  const [head] = await db.select({ startSeq: auditChainHeads.startSeq }).from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId));
  let afterSeq = (head?.startSeq ?? 1) - 1;
  for (;;) {
    const page = (await db
      .select()
      .from(auditEntries)
      .where(and(...conditions, gt(auditEntries.seq, afterSeq), lte(auditEntries.seq, throughSeq)))
      .orderBy(asc(auditEntries.seq))
      .limit(pageSize)) as AuditEntryRow[];
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    afterSeq = page.at(-1)!.seq;
  }
}
