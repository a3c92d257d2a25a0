import { eq, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendAuditEntries, startAuditChain } from '../audit/append-entries.js';
import type { Executor } from '../db/database.js';
import { uniqueViolation } from '../db/db-errors.js';
import { tenants, type TenantRow } from '../db/tables/index.js';
import { Conflict } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import { nameSchema, parseInput } from '../validation.js';

/** A workspace's or an account's short name, as tokens, headers and --tenant options carry it. */
export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit');

const createTenantInput = z.object({ slug: slugSchema, name: nameSchema() });

export async function createTenant(db: Executor, input: { slug: string; name: string }): Promise<TenantRow> {
  const { slug, name } = parseInput(createTenantInput, input);
  try {
    const [row] = await db.insert(tenants).values({ id: newId(), slug, name }).returning();
    await startAuditChain(db, row!.id);
    await appendAuditEntries(db, row!.id, [
      {
        occurredAt: new Date(),
        actorType: 'system',
        actorId: 'vigil',
        action: 'tenant.created',
        resourceType: 'tenant',
        resourceId: row!.id,
        resourceName: slug,
        after: { id: row!.id, slug, name },
      },
    ]);
    return row!;
  } catch (error) {
    if (uniqueViolation(error) !== undefined) throw new Conflict(`A tenant with slug "${slug}" already exists`, { field: 'slug' });
    throw error;
  }
}

/** A tenant by slug or id; JWT `tenant` claims and the CLI's `--tenant` accept either. */
export async function findTenant(db: Executor, slugOrId: string): Promise<TenantRow | undefined> {
  const condition = isUuid(slugOrId) ? or(eq(tenants.id, slugOrId), eq(tenants.slug, slugOrId)) : eq(tenants.slug, slugOrId.toLowerCase());
  const [row] = await db.select().from(tenants).where(condition).limit(1);
  return row;
}

export async function listTenants(db: Executor): Promise<TenantRow[]> {
  return db.select().from(tenants).orderBy(tenants.slug);
}

export async function countTenants(db: Executor): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(tenants);
  return row?.count ?? 0;
}

/** Row-locks the tenant for the rest of the transaction: serializes tenant-wide invariants. */
export async function lockTenant(db: Executor, tenantId: string): Promise<void> {
  await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update');
}
