/**
 * What an attacker with write access to the database could do to the audit log, done with plain
 * SQL (and, for a forgery, the published hash format), so the tests can show each is caught.
 */
import { whenLogIdle } from '../../server/log/log-registry.js';
import { sql } from 'drizzle-orm';
import { chainHash } from '../../server/audit/canonical-entry.js';
import type { ChainEntry } from '../../server/audit/chain-verifier.js';
import { queryRows, type Database } from '../../server/db/database.js';
import { auditEntries } from '../../server/db/tables/index.js';
import { and, asc, eq, gte } from 'drizzle-orm';
import { newId } from '../../server/ids.js';

export async function editSnapshot(db: Database, tenantId: string, seq: number): Promise<void> {
  await db.execute(
    sql`update audit_entries set after = jsonb_set(coalesce(after, '{}'::jsonb), '{role}', '"root"') where tenant_id = ${tenantId} and seq = ${seq}`,
  );
}

export async function deleteEntry(db: Database, tenantId: string, seq: number): Promise<void> {
  await db.execute(sql`delete from audit_entries where tenant_id = ${tenantId} and seq = ${seq}`);
}

export async function swapEntries(db: Database, tenantId: string, seq: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`update audit_entries set seq = -1 where tenant_id = ${tenantId} and seq = ${seq}`);
    await tx.execute(sql`update audit_entries set seq = ${seq} where tenant_id = ${tenantId} and seq = ${seq + 1}`);
    await tx.execute(sql`update audit_entries set seq = ${seq + 1} where tenant_id = ${tenantId} and seq = -1`);
  });
}

/** Inserts a forged entry at `seq`, renumbers the rest and recomputes every hash after it, and the head. */
export async function forgeEntry(db: Database, tenantId: string, seq: number): Promise<void> {
  await db.transaction(async (tx) => {
    const later = (await tx
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.tenantId, tenantId), gte(auditEntries.seq, seq)))
      .orderBy(asc(auditEntries.seq))) as ChainEntry[];
    await tx.execute(sql`delete from audit_entries where tenant_id = ${tenantId} and seq >= ${seq}`);
    const forged: ChainEntry = {
      ...later[0]!,
      id: newId(),
      action: 'user.role_changed',
      resourceType: 'user',
      resourceName: 'mallory@evil.test',
      before: { role: 'user' },
      after: { role: 'admin' },
    };
    let prevHash = later[0]!.prevHash;
    const rewritten = [forged, ...later].map((entry, index) => {
      const renumbered = { ...entry, seq: seq + index };
      const hash = chainHash(prevHash, renumbered);
      const row = { ...renumbered, prevHash, hash };
      prevHash = hash;
      return row;
    });
    await tx.insert(auditEntries).values(rewritten as (typeof auditEntries.$inferInsert)[]);
    await tx.execute(sql`update audit_chain_heads set seq = ${seq + later.length}, hash = ${prevHash} where tenant_id = ${tenantId}`);
  });
}

/** The tenant's audit entries once the runs their writers asked for are done (writers do not wait for them). */
export async function entryCount(db: Database, tenantId: string): Promise<{ count: number; min: number; max: number }> {
  await whenLogIdle(db);
  const [row] = await queryRows<{ count: number; min: number; max: number }>(
    db,
    sql`select count(*)::int as count, min(seq)::int as min, max(seq)::int as max from audit_entries where tenant_id = ${tenantId}`,
  );
  return row!;
}
