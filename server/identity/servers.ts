import { isIP } from 'node:net';
import { and, eq, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { publishEvents } from '../realtime/domain-events.js';
import { serverSnapshot } from '../audit/snapshots.js';
import type { Executor } from '../db/database.js';
import { uniqueViolation } from '../db/db-errors.js';
import { containsPattern } from '../db/like-pattern.js';
import { apiTokens, servers, type ServerRow } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';

export const labelKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]([\w./-]{0,62}[A-Za-z0-9])?$/, 'must be 1-64 characters of letters, digits, _ . / and -');

const registerServerInput = z.object({
  name: nameSchema(128).regex(/^[\w.-]+$/, 'may contain letters, digits, _ . and - only'),
  hostname: nameSchema(253).regex(/^[A-Za-z0-9.-]+$/, 'is not a valid hostname'),
  os: nameSchema(128).nullish(),
  ipAddress: z
    .string()
    .trim()
    .refine((value) => isIP(value) !== 0, 'is not an IPv4 or IPv6 address')
    .nullish(),
  labels: z
    .array(z.object({ key: labelKey, value: z.string().trim().max(256, 'must be at most 256 characters') }))
    .max(64, 'at most 64 labels')
    .default([])
    .refine((labels) => new Set(labels.map((label) => label.key)).size === labels.length, 'has the same key twice'),
});

export type RegisterServerInput = z.input<typeof registerServerInput>;

export async function registerServer(ctx: TransactionContext, input: RegisterServerInput): Promise<ServerRow> {
  const parsed = parseInput(registerServerInput, input);
  try {
    const [row] = await ctx.db
      .insert(servers)
      .values({
        tenantId: ctx.actor.tenantId,
        id: newId(),
        name: parsed.name,
        hostname: parsed.hostname.toLowerCase(),
        os: parsed.os ?? null,
        ipAddress: parsed.ipAddress ?? null,
        labels: Object.fromEntries(parsed.labels.map((label) => [label.key, label.value])),
        createdAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
      })
      .returning();
    await recordChange(ctx, {
      action: 'server.registered',
      resource: { type: 'server', id: row!.id, name: row!.name },
      after: serverSnapshot(row!),
      activityDetails: { serverId: row!.id, name: row!.name, hostname: row!.hostname, os: row!.os, ipAddress: row!.ipAddress },
    });
    // A labelled server may be within a custom role's selectors: open subscriptions re-check what they reach.
    if (parsed.labels.length > 0) await publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, everyone: true }]);
    return row!;
  } catch (error) {
    if (uniqueViolation(error) !== undefined) {
      throw new Conflict(`A server named ${parsed.name} is already registered in this tenant`, { field: 'name' });
    }
    throw error;
  }
}

export async function getServer(db: Executor, tenantId: string, serverId: string): Promise<ServerRow> {
  if (!isUuid(serverId)) throw new NotFound('Server', serverId);
  const [row] = await db
    .select()
    .from(servers)
    .where(and(eq(servers.tenantId, tenantId), eq(servers.id, serverId)));
  if (!row) throw new NotFound('Server', serverId);
  return row;
}

/** A server in service named by id or by name, as people and bots name them; undefined when none. */
export async function findServerByRef(db: Executor, tenantId: string, ref: string): Promise<ServerRow | undefined> {
  const wanted = ref.trim();
  const [row] = await db
    .select()
    .from(servers)
    .where(and(eq(servers.tenantId, tenantId), isNull(servers.deletedAt), isUuid(wanted) ? eq(servers.id, wanted.toLowerCase()) : eq(servers.name, wanted)));
  return row;
}

/** Servers in service carrying every one of `labels`. */
export async function findServersByLabels(db: Executor, tenantId: string, labels: Record<string, string>, limit: number): Promise<ServerRow[]> {
  return db
    .select()
    .from(servers)
    .where(and(eq(servers.tenantId, tenantId), isNull(servers.deletedAt), sql`${servers.labels} @> ${JSON.stringify(labels)}::jsonb`))
    .orderBy(servers.name)
    .limit(limit);
}

/**
 * Retires a server: it leaves the lists, its agent tokens stop working, and every record that
 * mentions it keeps resolving. Retiring a retired server changes nothing.
 */
export async function deleteServer(ctx: TransactionContext, serverId: string): Promise<ServerRow> {
  const current = await getServer(ctx.db, ctx.actor.tenantId, serverId);
  if (current.deletedAt) return current;
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(servers)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(servers.tenantId, ctx.actor.tenantId), eq(servers.id, serverId)))
    .returning();
  const revoked = await ctx.db
    .update(apiTokens)
    .set({ revokedAt: now, revokedById: ctx.actor.type === 'user' ? ctx.actor.userId : null })
    .where(and(eq(apiTokens.tenantId, ctx.actor.tenantId), eq(apiTokens.serverId, serverId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (revoked.length > 0) await publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, tokenIds: revoked.map((token) => token.id) }]);
  await recordChange(ctx, {
    action: 'server.deleted',
    resource: { type: 'server', id: serverId, name: current.name },
    before: serverSnapshot(current),
    after: { ...serverSnapshot(row!), revokedAgentTokenIds: revoked.map((token) => token.id) },
    activityDetails: { serverId, name: current.name, hostname: current.hostname, revokedAgentTokens: revoked.length },
  });
  return row!;
}

export interface ServerFilter {
  /** Include retired servers (default false). */
  includeDeleted?: boolean | null;
  /** Matches name or hostname, case-insensitively. */
  search?: string | null;
  /** Every label given must match (`env=prod` and `team=db`). */
  labels?: { key: string; value: string }[] | null;
}

export async function listServers(db: Executor, tenantId: string, filter: ServerFilter, args: PageArgs): Promise<Page<ServerRow>> {
  const conditions: (SQL | undefined)[] = [eq(servers.tenantId, tenantId), filter.includeDeleted ? undefined : isNull(servers.deletedAt)];
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    conditions.push(or(ilike(servers.name, pattern), ilike(servers.hostname, pattern)));
  }
  if (filter.labels?.length) {
    const wanted = Object.fromEntries(filter.labels.map((label) => [label.key, label.value]));
    conditions.push(sql`${servers.labels} @> ${JSON.stringify(wanted)}::jsonb`);
  }
  return fetchPage(
    args,
    [servers.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(servers)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}
