import { bigint, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { tenantId, writtenAt } from './columns.js';

/**
 * One row per statement that changed what a session authorization rests on (approval policies,
 * access sessions, users, servers), written by triggers on those tables (migration 0025), so no
 * write path can forget it. A tenant's newest id is its authorization epoch: an agent that cached
 * an answer under an older epoch asks again. Rows are only inserted (writers never wait on each
 * other for them), and the old ones are pruned, keeping each tenant's newest.
 */
export const authorizationChanges = pgTable(
  'authorization_changes',
  {
    tenantId: tenantId(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    changedAt: writtenAt('changed_at'),
  },
  (table) => [primaryKey({ name: 'authorization_changes_pkey', columns: [table.tenantId, table.id] })],
);
