/**
 * DataLoaders for nested fields. They are made per operation and keyed within the actor's tenant,
 * so a page of 100 rows resolves each nested object kind with one statement, and a cached row can
 * never leak across requests or tenants.
 */
import DataLoader from 'dataloader';
import type { Actor } from '../server/auth/actor.js';
import type { Database } from '../server/db/database.js';
import type { AccessSessionRow, ApiTokenRow, ServerRow, TerminalSessionRow, UserRow } from '../server/db/tables/index.js';
import { getTokensByIds } from '../server/identity/api-tokens.js';
import { getServersByIds } from '../server/identity/servers.js';
import { getUsersByIds } from '../server/identity/users.js';
import { getAccessSessionsByIds } from '../server/records/queries/list-access-sessions.js';
import { getTerminalSessionsByIds } from '../server/records/queries/list-terminal-sessions.js';

export interface Loaders {
  readonly userById: DataLoader<string, UserRow | null>;
  readonly serverById: DataLoader<string, ServerRow | null>;
  readonly tokenById: DataLoader<string, ApiTokenRow | null>;
  readonly accessSessionById: DataLoader<string, AccessSessionRow | null>;
  readonly terminalSessionById: DataLoader<string, TerminalSessionRow | null>;
  /** Loaders for nested lists, made on first use, one per field and argument set. */
  readonly nested: Map<string, DataLoader<string, unknown>>;
}

function byId<Row extends { id: string }>(load: (ids: readonly string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = new Map((await load(ids)).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id) ?? null);
  });
}

export function createLoaders(db: Database, actor: Actor | null): Loaders {
  const tenantId = actor?.tenantId;
  const inTenant = <Row>(load: (tenantId: string, ids: readonly string[]) => Promise<Row[]>) =>
    (ids: readonly string[]) => (tenantId ? load(tenantId, ids) : Promise.resolve([]));
  return {
    userById: byId(inTenant((tenant, ids) => getUsersByIds(db, tenant, ids))),
    serverById: byId(inTenant((tenant, ids) => getServersByIds(db, tenant, ids))),
    tokenById: byId(inTenant((tenant, ids) => getTokensByIds(db, tenant, ids))),
    accessSessionById: byId(inTenant((tenant, ids) => getAccessSessionsByIds(db, tenant, ids))),
    terminalSessionById: byId(inTenant((tenant, ids) => getTerminalSessionsByIds(db, tenant, ids))),
    nested: new Map(),
  };
}
