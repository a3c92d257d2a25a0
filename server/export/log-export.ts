/**
 * Exporting the verifiable log. Nothing is signed over a log that does not verify: the export
 * first verifies the whole log and every record against it (server/log/verify-log.ts), refuses
 * with the faults when it is broken, and only then has a checkpoint signed, which itself checks
 * that the tree extends the last signed one. The leaves are then streamed a page at a time.
 */
import { sql } from 'drizzle-orm';
import { recordAuditView } from '../audit/record-view.js';
import { queryRows, type Executor } from '../db/database.js';
import { Conflict } from '../errors.js';
import { latestLogCheckpoint } from '../log/checkpoints.js';
import type { LogService } from '../log/log-service.js';
import type { NoteVerifier } from '../log/signed-note.js';
import { verifyLog } from '../log/verify-log.js';
import type { ServiceContext } from '../service-context.js';
import { logEndLine, logHeaderLine, logLeafLine } from './log-jsonl.js';

const PAGE = 5000;

/** Refuses (409, with the first faults) unless the tenant's log and records verify intact. */
export async function assertLogIntact(ctx: ServiceContext, log: LogService, trusted: readonly NoteVerifier[]): Promise<number> {
  await log.catchUp(ctx.actor.tenantId);
  const report = await verifyLog(ctx.db, ctx.actor.tenantId, { trusted });
  if (!report.isIntact) {
    throw new Conflict(
      `The log fails verification (${report.faultCount} fault${report.faultCount === 1 ? '' : 's'}; first: ${report.faults[0]!.message}); Vigil signs nothing over it. Query logIntegrity for every fault.`,
      {
        faults: report.faults.slice(0, 20),
      },
    );
  }
  return report.size;
}

export async function startLogExport(
  ctx: ServiceContext,
  log: LogService,
  trusted: readonly NoteVerifier[],
): Promise<{ size: number; chunks: AsyncGenerator<string> }> {
  const tenantId = ctx.actor.tenantId;
  const size = await assertLogIntact(ctx, log, trusted);
  await log.settle(tenantId, { force: true });
  const checkpoint = await latestLogCheckpoint(ctx.db, tenantId);
  if (!checkpoint || checkpoint.size < size) throw new Conflict('No checkpoint could be signed over the log; see the server log');
  await recordAuditView(ctx, 'audit.exported', 'verifiable_log', { format: 'log-jsonl', size: checkpoint.size });
  return { size: checkpoint.size, chunks: lines(ctx.db, tenantId, checkpoint.size, checkpoint.note) };
}

async function* lines(db: Executor, tenantId: string, size: number, note: string): AsyncGenerator<string> {
  yield logHeaderLine({ tenantId, size, checkpoint: note });
  yield* leafLines(db, tenantId, 0, size);
  yield logEndLine(size);
}

/** The leaf lines of positions `from` to `size` - 1, a page of lines at a time. */
export async function* leafLines(db: Executor, tenantId: string, from: number, size: number): AsyncGenerator<string> {
  for (let start = from; start < size; start += PAGE) {
    const rows = await queryRows<{ idx: string | number; kind: string; record_id: string; leaf: string | null; leaf_hash: string }>(
      db,
      sql`select idx, kind, record_id, leaf, encode(leaf_hash, 'base64') as leaf_hash from log_leaves
          where tenant_id = ${tenantId} and idx >= ${start} and idx < ${Math.min(size, start + PAGE)} order by idx`,
    );
    yield rows.map((row) => logLeafLine({ index: Number(row.idx), kind: row.kind, recordId: row.record_id, leaf: row.leaf, leafHash: row.leaf_hash })).join('');
  }
}
