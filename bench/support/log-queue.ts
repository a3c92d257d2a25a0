/**
 * The verifiable log's queue, as the benchmarks see it: a leaf is queued (log_leaves.idx null)
 * from its writer's commit until the sequencer gives it a position in the tenant's tree.
 */
import type { RawSql } from './raw-sql.js';

/** Resolves once no leaf of the tenant is queued: everything committed so far is in its tree. */
export async function waitUntilSequenced(raw: RawSql, tenantId: string, timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const [row] = await raw.query<{ is_queued: boolean }>('select exists (select 1 from log_leaves where tenant_id = $1 and idx is null) as is_queued', [
      tenantId,
    ]);
    if (!row?.is_queued) return;
    if (performance.now() > deadline) throw new Error(`leaves of tenant ${tenantId} still queued after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
