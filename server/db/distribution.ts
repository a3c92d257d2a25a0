/**
 * How each table spreads over a Citus cluster (docs/SCALING.md). Tenant-owned tables are
 * distributed by tenant_id and colocated, so every statement of one tenant runs on one node; the
 * few global tables are named here with the reason they are global. A test
 * (test/schema/distribution.test.ts) holds the migrated schema to this: a new table, a key, a
 * unique index or a foreign key that would not distribute fails it.
 */
export type Distribution =
  { readonly kind: 'reference'; readonly reason: string } | { readonly kind: 'own-key'; readonly column: string; readonly reason: string };

/** The column every tenant-owned table is distributed by. */
export const TENANT_COLUMN = 'tenant_id';

/** The tables that are not distributed by tenant_id. Every other table must be. */
export const GLOBAL_TABLES: Readonly<Record<string, Distribution>> = {
  tenants: { kind: 'reference', reason: 'the tenants themselves: small, read on every request, and slugs are unique across the cluster' },
  accounts: { kind: 'reference', reason: 'organisations above tenants: a handful of rows, read when an account admin chooses a workspace' },
  audit_signing_keys: { kind: 'reference', reason: 'public keys of every instance, published to every tenant' },
  chat_workspaces: {
    kind: 'reference',
    reason:
      'a Slack team or Teams tenant binds to one Vigil tenant across the cluster (unique by provider and external id), looked up before the tenant is known',
  },
  chat_workspace_claims: {
    kind: 'reference',
    reason: 'a binding awaiting proof, found by its one-time code when it is posted from the workspace, before the tenant is known',
  },
  chat_workspace_installs: {
    kind: 'reference',
    reason: 'an "Add to Slack" install awaiting Slack, found by its OAuth state when the installing browser comes back, before the tenant is known',
  },
  rate_limit_windows: {
    kind: 'own-key',
    column: 'key',
    reason: 'counters per token or address, written on every request: spread by their own key, not replicated',
  },
};

/** A foreign key between two tables: `table` references `referenced`. */
export interface TableReference {
  readonly table: string;
  readonly referenced: string;
}

/** `tables` ordered so each comes after every table it references (Citus distributes a referenced table first). */
function referencedFirst(tables: readonly string[], references: readonly TableReference[]): string[] {
  const ordered: string[] = [];
  const placed = new Set<string>();
  const visit = (table: string, path: Set<string>) => {
    if (placed.has(table) || path.has(table)) return;
    path.add(table);
    for (const reference of references)
      if (reference.table === table && reference.referenced !== table && tables.includes(reference.referenced)) visit(reference.referenced, path);
    placed.add(table);
    ordered.push(table);
  };
  for (const table of [...tables].sort()) visit(table, new Set());
  return ordered;
}

/**
 * The Citus DDL for these tables, in an order Citus accepts: reference tables, then tables of
 * their own key, then the tenant-owned ones colocated with the first, each after the tables its
 * foreign keys point at.
 */
export function distributionDdl(tables: readonly string[], references: readonly TableReference[]): string {
  const reference = referencedFirst(
    tables.filter((table) => GLOBAL_TABLES[table]?.kind === 'reference'),
    references,
  );
  const ownKey = tables.filter((table) => GLOBAL_TABLES[table]?.kind === 'own-key').sort();
  const tenantOwned = referencedFirst(
    tables.filter((table) => !GLOBAL_TABLES[table]),
    references,
  );
  const lines = [
    ...reference.map((table) => `SELECT create_reference_table('${table}');`),
    ...ownKey.map((table) => {
      const { column } = GLOBAL_TABLES[table] as Extract<Distribution, { kind: 'own-key' }>;
      return `SELECT create_distributed_table('${table}', '${column}', colocate_with => 'none');`;
    }),
    ...tenantOwned.map(
      (table, index) => `SELECT create_distributed_table('${table}', '${TENANT_COLUMN}'${index === 0 ? '' : `, colocate_with => '${tenantOwned[0]}'`});`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
