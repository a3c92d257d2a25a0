import { and, eq, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { recordFailedSignIn } from '../activity/record-activity.js';
import { recordChange } from '../audit/record-change.js';
import { publishEvents } from '../realtime/domain-events.js';
import { tokenSnapshot } from '../audit/snapshots.js';
import { NO_ROLE_GRANTS, userActorOf, type Authenticated, type RequestInfo } from '../auth/actor.js';
import { parseRoleGrants, roleGrantsSql } from '../roles/role-grants.js';
import { generateToken, hashToken, parseToken } from '../auth/token-secret.js';
import type { Clock } from '../clock.js';
import type { Executor } from '../db/database.js';
import { apiTokens, users, type ApiTokenRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound, Unauthenticated } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import { getServer } from './servers.js';
import { getUser } from './users.js';

/** `last_used_at` is written at most this often per token, so reads do not turn into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

const tokenInput = z.object({
  name: nameSchema(100),
  expiresAt: z.date().nullish(),
});

export interface CreatedToken {
  /** The token itself: shown once, never stored. */
  readonly token: string;
  readonly row: ApiTokenRow;
}

function checkExpiry(expiresAt: Date | null | undefined, now: Date): void {
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new BadInput('expiresAt', 'expiresAt must be in the future');
}

async function insertToken(ctx: TransactionContext, values: Pick<ApiTokenRow, 'kind' | 'name' | 'userId' | 'serverId' | 'expiresAt'>): Promise<CreatedToken> {
  const generated = generateToken(values.kind, ctx.actor.tenantId);
  const [row] = await ctx.db
    .insert(apiTokens)
    .values({
      ...values,
      tenantId: ctx.actor.tenantId,
      id: newId(),
      tokenHash: generated.hash,
      hint: generated.hint,
      createdById: ctx.actor.type === 'user' ? ctx.actor.userId : null,
      createdAt: ctx.clock.now(),
    })
    .returning();
  await recordChange(ctx, {
    action: 'token.created',
    resource: { type: 'api_token', id: row!.id, name: row!.name },
    after: tokenSnapshot(row!),
    activityDetails: { tokenId: row!.id, kind: row!.kind, name: row!.name, userId: row!.userId, serverId: row!.serverId },
  });
  return { token: generated.token, row: row! };
}

interface PersonTokenInput {
  userId: string;
  name: string;
  expiresAt?: Date | null;
}

/** A token that acts as its user. */
export async function createUserToken(ctx: TransactionContext, input: PersonTokenInput): Promise<CreatedToken> {
  return createPersonToken(ctx, 'user', input);
}

/** A token that acts as its user but reads only the event stream (server/auth/scope.ts), for a machine consumer. */
export async function createStreamToken(ctx: TransactionContext, input: PersonTokenInput): Promise<CreatedToken> {
  return createPersonToken(ctx, 'stream', input);
}

async function createPersonToken(ctx: TransactionContext, kind: 'user' | 'stream', input: PersonTokenInput): Promise<CreatedToken> {
  const parsed = parseInput(tokenInput, input);
  checkExpiry(parsed.expiresAt, ctx.clock.now());
  const user = await getUser(ctx.db, ctx.actor.tenantId, input.userId);
  if (user.disabledAt) throw new Conflict(`User ${user.email} is disabled: enable them before creating a token`, { field: 'userId' });
  return insertToken(ctx, { kind, name: parsed.name, userId: user.id, serverId: null, expiresAt: parsed.expiresAt ?? null });
}

export async function createAgentToken(ctx: TransactionContext, input: { serverId: string; name: string; expiresAt?: Date | null }): Promise<CreatedToken> {
  const parsed = parseInput(tokenInput, input);
  checkExpiry(parsed.expiresAt, ctx.clock.now());
  const server = await getServer(ctx.db, ctx.actor.tenantId, input.serverId);
  return insertToken(ctx, { kind: 'agent', name: parsed.name, userId: null, serverId: server.id, expiresAt: parsed.expiresAt ?? null });
}

export async function getToken(db: Executor, tenantId: string, tokenId: string): Promise<ApiTokenRow> {
  if (!isUuid(tokenId)) throw new NotFound('API token', tokenId);
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, tokenId)));
  if (!row) throw new NotFound('API token', tokenId);
  return row;
}

/**
 * Revokes a token at once; revoking a revoked token changes nothing and returns it as it is.
 * `reason`: why, when something other than the token's own page revoked it (an access review).
 */
export async function revokeToken(ctx: TransactionContext, tokenId: string, reason?: string | null): Promise<ApiTokenRow> {
  if (!isUuid(tokenId)) throw new NotFound('API token', tokenId);
  const [row] = await ctx.db
    .update(apiTokens)
    .set({ revokedAt: ctx.clock.now(), revokedById: ctx.actor.type === 'user' ? ctx.actor.userId : null })
    .where(and(eq(apiTokens.tenantId, ctx.actor.tenantId), eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
    .returning();
  if (!row) return getToken(ctx.db, ctx.actor.tenantId, tokenId);
  await publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, tokenIds: [row.id] }]);
  await recordChange(ctx, {
    action: 'token.revoked',
    resource: { type: 'api_token', id: row.id, name: row.name },
    before: tokenSnapshot({ ...row, revokedAt: null }),
    after: reason ? { ...tokenSnapshot(row), reason } : tokenSnapshot(row),
    activityDetails: { tokenId: row.id, kind: row.kind, name: row.name, userId: row.userId, serverId: row.serverId, ...(reason ? { reason } : {}) },
  });
  return row;
}

export interface TokenFilter {
  userId?: string | null;
  serverId?: string | null;
  kind?: 'user' | 'agent' | 'stream' | null;
  includeRevoked?: boolean | null;
}

export async function listTokens(db: Executor, tenantId: string, filter: TokenFilter, args: PageArgs): Promise<Page<ApiTokenRow>> {
  const conditions: (SQL | undefined)[] = [eq(apiTokens.tenantId, tenantId)];
  if (filter.userId) conditions.push(eq(apiTokens.userId, filter.userId));
  if (filter.serverId) conditions.push(eq(apiTokens.serverId, filter.serverId));
  if (filter.kind) conditions.push(eq(apiTokens.kind, filter.kind));
  if (!filter.includeRevoked) conditions.push(isNull(apiTokens.revokedAt));
  return fetchPage(
    args,
    [apiTokens.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(apiTokens)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/**
 * The token, its user and the custom roles the user holds now (roleGrantsSql), by the token's
 * hash: the statement every authenticated request sends.
 */
const buildTokenLookup = (db: Executor) =>
  db
    .select({ token: apiTokens, user: users, grants: roleGrantsSql(apiTokens.tenantId, users.id, users.groups, sql.placeholder('now')) })
    .from(apiTokens)
    .leftJoin(users, and(eq(users.tenantId, apiTokens.tenantId), eq(users.id, apiTokens.userId)))
    .where(and(eq(apiTokens.tenantId, sql.placeholder('tenantId')), eq(apiTokens.tokenHash, sql.placeholder('tokenHash'))))
    .prepare('vigil_token_lookup');

/** Built once per executor (the database, or a transaction, whose session it runs on), not per request. */
const tokenLookups = new WeakMap<Executor, ReturnType<typeof buildTokenLookup>>();

function tokenLookupOf(db: Executor): ReturnType<typeof buildTokenLookup> {
  let lookup = tokenLookups.get(db);
  if (!lookup) tokenLookups.set(db, (lookup = buildTokenLookup(db)));
  return lookup;
}

/**
 * The actor an API token speaks for. Unknown, revoked and expired tokens, and tokens of disabled
 * users, are refused alike with UNAUTHENTICATED; the message says which, since the caller holds
 * the token already and needs to know what to fix.
 */
export async function authenticateApiToken(db: Executor, clock: Clock, token: string, request?: RequestInfo): Promise<Authenticated> {
  const claimed = parseToken(token);
  if (!claimed) throw new Unauthenticated('The bearer token is not a Vigil API token');
  const now = clock.now();
  const [found] = await tokenLookupOf(db).execute({ tenantId: claimed.tenantId, tokenHash: hashToken(token), now: now.toISOString() });
  const refusal = !found
    ? 'The API token is not valid'
    : found.token.revokedAt
      ? 'The API token has been revoked'
      : found.token.expiresAt && found.token.expiresAt.getTime() <= now.getTime()
        ? 'The API token has expired'
        : found.token.kind !== 'agent' && (!found.user || found.user.disabledAt)
          ? 'The user of this API token is disabled'
          : undefined;
  if (refusal || !found) {
    await recordFailedSignIn(db, {
      tenantId: claimed.tenantId,
      userId: found?.user?.id ?? null,
      userEmail: found?.user?.email ?? null,
      details: { method: 'api_token', reason: refusal, tokenId: found?.token.id, tokenHint: token.slice(-4) },
      request,
      occurredAt: now,
    });
    throw new Unauthenticated(refusal);
  }
  await touchLastUsed(db, found.token, now);
  if (found.token.kind === 'agent') {
    return {
      actor: {
        type: 'agent',
        tenantId: found.token.tenantId,
        tokenId: found.token.id,
        serverId: found.token.serverId!,
        expiresAt: found.token.expiresAt ?? undefined,
      },
    };
  }
  const credential = {
    tokenId: found.token.id,
    expiresAt: found.token.expiresAt ?? undefined,
    isStreamOnly: found.token.kind === 'stream',
    // Made by the person themselves, or by the operator (the CLI, the first run): not by a workspace admin for them.
    isPersonal: found.token.createdById === null || found.token.createdById === found.user!.id,
  };
  return { actor: userActorOf(found.user!, credential, found.user!.role === 'admin' ? NO_ROLE_GRANTS : parseRoleGrants(found.grants)), user: found.user! };
}

async function touchLastUsed(db: Executor, token: ApiTokenRow, now: Date): Promise<void> {
  if (token.lastUsedAt && now.getTime() - token.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.tenantId, token.tenantId), eq(apiTokens.id, token.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, staleBefore))));
}
