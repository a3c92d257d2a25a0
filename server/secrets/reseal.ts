/**
 * Key rotation: seals every stored value (SEALED_TABLES) that is not under the current key again under it, so
 * that the previous keys (VIGIL_SECRET_KEY_PREVIOUS) can be dropped. Playback tickets are sealed
 * too but never stored; they simply expire.
 *
 * Each table is walked in primary-key order, a batch per transaction. A batch locks its rows
 * (FOR UPDATE), reads, reseals and writes them, and appends one `secrets.resealed` audit entry per
 * tenant it changed, all before commit; so a value someone changes meanwhile is never overwritten
 * with its old content, and an interrupted run leaves every row either done or as it was. Running
 * it while Vigil serves, or on several instances at once, is safe: a run waiting on a row another
 * one just resealed finds it no longer matches and skips it. A value no known key opens is left
 * exactly as it is and reported by table, tenant and row key.
 */
import { sql, type SQL } from 'drizzle-orm';
import { appendAuditEntries } from '../audit/append-entries.js';
import { integrateAfterCommit } from '../log/log-registry.js';
import { systemClock, type Clock } from '../clock.js';
import { queryRows, type Database, type Executor } from '../db/database.js';
import { sealedKeyId, type SecretBox } from './secret-box.js';

interface SealedColumns {
  readonly table: string;
  /** The primary key is (tenant_id, this). */
  readonly keyColumn: string;
  /** The key column's type (uuid unless said). */
  readonly keyType?: 'uuid' | 'text';
  readonly columns: readonly string[];
}

/** Every table holding sealed values, with its sealed columns. */
export const SEALED_TABLES = [
  { table: 'webhook_subscriptions', keyColumn: 'id', columns: ['sealed_secret', 'sealed_headers'] },
  { table: 'notification_channels', keyColumn: 'id', columns: ['sealed_secrets'] },
  { table: 'user_totp', keyColumn: 'user_id', columns: ['sealed_secret'] },
  { table: 'on_call_integrations', keyColumn: 'id', columns: ['sealed_api_key'] },
  // A Slack workspace installed through OAuth: its own bot token (one binding per tenant and provider).
  { table: 'chat_workspaces', keyColumn: 'provider', keyType: 'text', columns: ['bot_token_sealed'] },
] as const satisfies readonly SealedColumns[];

type SealedTable = (typeof SEALED_TABLES)[number];
export type SealedTableName = SealedTable['table'];

const BATCH_SIZE = 500;

/** A value no configured key opens; it was left as it is. */
export interface ResealFailure {
  readonly table: SealedTableName;
  readonly tenantId: string;
  /** The row's key column (`id`, `user_id`) and value; with tenantId, its primary key. */
  readonly keyColumn: string;
  readonly key: string;
  readonly column: string;
  readonly reason: string;
}

export interface TableReseal {
  readonly table: SealedTableName;
  /** Values sealed again under the current key. */
  readonly resealed: number;
  readonly failures: readonly ResealFailure[];
}

export interface ResealReport {
  /** The current key, which every resealed value is now under. */
  readonly keyId: string;
  readonly tables: readonly TableReseal[];
}

/** After every batch of a table, and once more when the table is done. */
export interface ResealProgress {
  readonly table: SealedTableName;
  readonly resealed: number;
  readonly failed: number;
  readonly isDone: boolean;
}

export interface ResealOptions {
  readonly clock?: Clock;
  /** Rows per transaction. */
  readonly batchSize?: number;
}

type SealedRow = { tenant_id: string; row_key: string } & Record<string, string | null>;

interface TenantCounts {
  resealed: number;
  failed: number;
  fromKeyIds: Set<string>;
}

/** Reseals every stored value not under `box`'s current key; see the file comment. */
export async function resealAll(
  db: Database,
  box: SecretBox,
  onProgress: (progress: ResealProgress) => void = () => {},
  options: ResealOptions = {},
): Promise<ResealReport> {
  const tables: TableReseal[] = [];
  for (const sealed of SEALED_TABLES) tables.push(await resealTable(db, box, sealed, onProgress, options));
  return { keyId: box.keyId, tables };
}

async function resealTable(
  db: Database,
  box: SecretBox,
  sealed: SealedTable,
  onProgress: (progress: ResealProgress) => void,
  options: ResealOptions,
): Promise<TableReseal> {
  const { table } = sealed;
  const failures: ResealFailure[] = [];
  let resealed = 0;
  let after: { tenantId: string; key: string } | undefined;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await lockStaleRows(tx, box, sealed, after, options.batchSize ?? BATCH_SIZE);
      const outcome = resealRows(box, sealed, rows);
      for (const [index, row] of rows.entries()) await updateSealedColumns(tx, sealed, row, outcome.changes[index]!);
      await recordReseals(tx, table, box.keyId, outcome.byTenant, options.clock ?? systemClock);
      return { rows, ...outcome };
    });
    if (batch.rows.length === 0) break;
    for (const tenantId of batch.byTenant.keys()) await integrateAfterCommit(db, tenantId);
    resealed += [...batch.byTenant.values()].reduce((sum, counts) => sum + counts.resealed, 0);
    failures.push(...batch.failures);
    const last = batch.rows.at(-1)!;
    after = { tenantId: last.tenant_id, key: last.row_key };
    onProgress({ table, resealed, failed: failures.length, isDone: false });
  }
  onProgress({ table, resealed, failed: failures.length, isDone: true });
  return { table, resealed, failures };
}

/** Each row's values sealed again under the current key (by column), with counts by tenant and what failed to open. */
function resealRows(box: SecretBox, sealed: SealedTable, rows: readonly SealedRow[]) {
  const byTenant = new Map<string, TenantCounts>();
  const failures: ResealFailure[] = [];
  const changes = rows.map((row) => {
    const counts = byTenant.get(row.tenant_id) ?? { resealed: 0, failed: 0, fromKeyIds: new Set<string>() };
    byTenant.set(row.tenant_id, counts);
    const resealedColumns: Record<string, string> = {};
    for (const column of sealed.columns) {
      const value = row[column];
      if (value === null || value === undefined || box.isCurrent(value)) continue;
      try {
        resealedColumns[column] = box.seal(box.open(value));
        counts.resealed += 1;
        counts.fromKeyIds.add(sealedKeyId(value)!);
      } catch (error) {
        counts.failed += 1;
        failures.push({
          table: sealed.table,
          tenantId: row.tenant_id,
          keyColumn: sealed.keyColumn,
          key: row.row_key,
          column,
          reason: (error as Error).message,
        });
      }
    }
    return resealedColumns;
  });
  return { changes, byTenant, failures };
}

/**
 * The next rows after `after` (in primary-key order) with a value not under the current key,
 * locked. A row another run reseals while this one waits for it no longer matches and is skipped.
 */
async function lockStaleRows(
  tx: Executor,
  box: SecretBox,
  sealed: SealedTable,
  after: { tenantId: string; key: string } | undefined,
  limit: number,
): Promise<SealedRow[]> {
  const key = sql.identifier(sealed.keyColumn);
  const currentPrefix = `v1.${box.keyId}.`;
  const isStale = sql.join(
    sealed.columns.map((column) => sql`(${sql.identifier(column)} is not null and not starts_with(${sql.identifier(column)}, ${currentPrefix}))`),
    sql` or `,
  );
  const isAfter: SQL = after ? sql`(tenant_id, ${key}) > (${after.tenantId}::uuid, ${keyValue(sealed, after.key)}) and` : sql``;
  const columns = sql.join(
    sealed.columns.map((column) => sql.identifier(column)),
    sql`, `,
  );
  return queryRows<SealedRow>(
    tx,
    sql`select tenant_id::text as tenant_id, ${key}::text as row_key, ${columns}
        from ${sql.identifier(sealed.table)}
        where ${isAfter} (${isStale})
        order by tenant_id, ${key}
        limit ${limit}
        for update`,
  );
}

async function updateSealedColumns(tx: Executor, sealed: SealedTable, row: SealedRow, changes: Record<string, string>): Promise<void> {
  const assignments = Object.entries(changes).map(([column, value]) => sql`${sql.identifier(column)} = ${value}`);
  if (assignments.length === 0) return;
  await tx.execute(
    sql`update ${sql.identifier(sealed.table)} set ${sql.join(assignments, sql`, `)}
        where tenant_id = ${row.tenant_id}::uuid and ${sql.identifier(sealed.keyColumn)} = ${keyValue(sealed, row.row_key)}`,
  );
}

/** A row's key as a parameter of the key column's type. */
function keyValue(sealed: SealedTable, key: string): SQL {
  return 'keyType' in sealed && sealed.keyType === 'text' ? sql`${key}::text` : sql`${key}::uuid`;
}

/** One entry per tenant whose values this batch resealed: counts and key ids, never a value. */
async function recordReseals(tx: Executor, table: SealedTableName, keyId: string, byTenant: Map<string, TenantCounts>, clock: Clock): Promise<void> {
  for (const [tenantId, counts] of [...byTenant].sort(([a], [b]) => a.localeCompare(b))) {
    if (counts.resealed === 0) continue;
    await appendAuditEntries(tx, tenantId, [
      {
        occurredAt: clock.now(),
        actorType: 'system',
        actorId: 'key-rotation',
        action: 'secrets.resealed',
        resourceType: table,
        resourceName: table,
        after: { table, keyId, fromKeyIds: [...counts.fromKeyIds].sort(), resealed: counts.resealed, failed: counts.failed },
      },
    ]);
  }
}
