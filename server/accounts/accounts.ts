/**
 * Accounts (organisations): a set of workspaces with admins of their own. Which workspaces an
 * account holds changes only through the operator CLI, never through the API: a workspace admin
 * cannot bring their workspace under someone's account, nor an account admin take one in.
 *
 * Every operation locks the account row first, so joins, leaves, grants and revokes of one
 * account run one after another on every instance, and each workspace's part of it is recorded
 * in that workspace's own log.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database, Executor } from '../db/database.js';
import { uniqueViolation } from '../db/db-errors.js';
import { accounts, tenants, type AccountRow, type TenantRow } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import { integrateAfterCommit } from '../log/log-registry.js';
import { findTenant, slugSchema } from '../identity/tenants.js';
import { isUuid, newId } from '../ids.js';
import type { RequestInfo } from '../auth/actor.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';

/** An account and its workspaces as the API shows them. */
export interface AccountRecord {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}
export type WorkspaceRecord = AccountRecord;

/** What an account operation needs: it writes in several workspaces, each under its own actor. */
export interface AccountDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly request?: RequestInfo;
}

/** Who acts in a workspace for an account operation (a person's row there, or Vigil's operator). */
export type ActorIn = (tenantId: string, tx: Executor) => Promise<Actor>;

export const operatorIn =
  (name: string): ActorIn =>
  async (tenantId) => ({ type: 'system', tenantId, name });

const createAccountInput = z.object({ slug: slugSchema, name: nameSchema() });

export async function createAccount(db: Executor, input: { slug: string; name: string }): Promise<AccountRow> {
  const { slug, name } = parseInput(createAccountInput, input);
  try {
    const [row] = await db.insert(accounts).values({ id: newId(), slug, name }).returning();
    return row!;
  } catch (error) {
    if (uniqueViolation(error) !== undefined) throw new Conflict(`An account with slug "${slug}" already exists`, { field: 'slug' });
    throw error;
  }
}

export async function findAccount(db: Executor, slugOrId: string): Promise<AccountRow | undefined> {
  const [row] = await db
    .select()
    .from(accounts)
    .where(isUuid(slugOrId) ? eq(accounts.id, slugOrId.toLowerCase()) : eq(accounts.slug, slugOrId.trim().toLowerCase()));
  return row;
}

export async function getAccount(db: Executor, accountId: string): Promise<AccountRow> {
  const row = await findAccount(db, accountId);
  if (!row) throw new NotFound('Account', accountId);
  return row;
}

/** A workspace by id, as the API shows it. */
export async function getWorkspace(db: Executor, tenantId: string): Promise<WorkspaceRecord> {
  const found = await findTenant(db, tenantId);
  if (!found) throw new NotFound('Workspace', tenantId);
  return found;
}

export async function listAccounts(db: Executor): Promise<AccountRow[]> {
  return db.select().from(accounts).orderBy(accounts.slug);
}

/** The account's workspaces, by slug. */
export async function accountWorkspaces(db: Executor, accountId: string): Promise<TenantRow[]> {
  return db.select().from(tenants).where(eq(tenants.accountId, accountId)).orderBy(tenants.slug);
}

/** Locks the account row for the transaction: one account operation at a time, on every instance. */
export async function lockAccount(db: Executor, slugOrId: string): Promise<AccountRow> {
  const found = await findAccount(db, slugOrId);
  if (!found) throw new NotFound('Account', slugOrId);
  const [row] = await db.select().from(accounts).where(eq(accounts.id, found.id)).for('update');
  return row!;
}

export async function lockWorkspace(db: Executor, slugOrId: string): Promise<TenantRow> {
  const found = await findTenant(db, slugOrId);
  if (!found) throw new NotFound('Workspace', slugOrId);
  const [row] = await db.select().from(tenants).where(eq(tenants.id, found.id)).for('update');
  return row!;
}

/**
 * Runs an account operation in one transaction; once committed, the verifiable logs of every
 * workspace it wrote in integrate their leaves (the periodic pass would, later).
 */
export async function inAccountTransaction<T>(deps: AccountDeps, work: (tx: Executor, touched: Set<string>) => Promise<T>): Promise<T> {
  const touched = new Set<string>();
  const result = await deps.db.transaction((tx) => work(tx, touched));
  for (const tenantId of touched) await integrateAfterCommit(deps.db, tenantId);
  return result;
}

export function workspaceContext(deps: AccountDeps, tx: Executor, actor: Actor): TransactionContext {
  return { db: tx, clock: deps.clock, actor, request: deps.request };
}
