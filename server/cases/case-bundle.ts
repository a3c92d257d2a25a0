/**
 * A case's bundle: the case and everything attached to it, each with a proof of inclusion in the
 * tenant's verifiable log against one signed checkpoint, so an outsider checks the whole bundle
 * with the public key alone. JSON Lines, in this order:
 *
 *   {"type":"header","format":"vigil-case-bundle","version":1,"tenantId","case":{id,title,description,
 *    status,severity,assigneeUserId,createdById,createdAt,updatedAt,closedAt},"treeSize","rootHash",
 *    "checkpoint","verifierKey","keyId"}
 *   {"type":"case",<proof>}                                   the case row's latest leaf
 *   {"type":"item","kind","id","note","addedById","addedAt",<proof>,"attachment":{<proof>}}
 *                                                             per attached record, oldest first
 *   {"type":"chunk","recordingId","seq",<proof>}              after a recording's item line, per chunk
 *   {"type":"note","id","authorId","createdAt","body",<proof>}        per note, oldest first
 *   {"type":"end","items","chunks","notes"}
 *
 * where <proof> is "leafIndex","leafKind","recordId","leaf","leafHash","inclusionProof": the
 * record's latest leaf within the checkpoint's tree (its position, the leaf text as stored: RFC 8785
 * JSON, or null where retention dropped it; base64 SHA-256(0x00 || leaf)) and the RFC 9162 inclusion
 * path (base64 hashes, leaf to root) to `rootHash` (base64) of the tree of `treeSize` leaves that
 * `checkpoint` signs (a C2SP signed note; `verifierKey` is the signer's verifier key, `keyId` its
 * 4-byte id in hex). An item line's `leaf` row is the record itself, every column: compare it with
 * the record as the API shows it; its `attachment` proves the case_item row (who attached it, why).
 * A file without its end line was cut short.
 *
 * As for the log's export, nothing is signed over a log that does not verify: the bundle first
 * verifies the whole log (409 otherwise), then has a checkpoint signed over everything written so
 * far. Items are the attached records the exporter may see now (their lists' rules), no others.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { recordAuditView } from '../audit/record-view.js';
import { requireCaseWorker, requirePermission } from '../auth/scope.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { desktopRecordingChunks, terminalRecordingChunks, type CaseRow } from '../db/tables/index.js';
import { Conflict } from '../errors.js';
import { assertLogIntact } from '../export/log-export.js';
import { latestLogCheckpoint } from '../log/checkpoints.js';
import type { LogService } from '../log/log-service.js';
import { proveInclusion } from '../log/proofs.js';
import { verifiedSigners, type NoteVerifier } from '../log/signed-note.js';
import type { ServiceContext } from '../service-context.js';
import { findVisibleItem, caseItemSource } from './case-item-kinds.js';
import { itemsOfCases } from './case-items.js';
import { notesOfCases } from './case-notes.js';
import { getCase } from './cases.js';

export const CASE_BUNDLE_FORMAT = 'vigil-case-bundle';

interface ProvenLine {
  readonly line: Record<string, unknown>;
  readonly recordId: string;
  /** An item's attachment (its case_item row), proved beside the record. */
  readonly attachmentId?: string;
}

/** The position of each record's latest leaf within the tree of `size` leaves. */
async function leafIndexes(db: Executor, tenantId: string, recordIds: readonly string[], size: number): Promise<Map<string, number>> {
  if (recordIds.length === 0) return new Map();
  const rows = await queryRows<{ record_id: string; idx: string | number }>(
    db,
    sql`select distinct on (record_id) record_id, idx from log_leaves
        where tenant_id = ${tenantId} and record_id = any(${arrayLiteral(recordIds)}::text[]) and idx is not null and idx < ${size}
        order by record_id, idx desc`,
  );
  return new Map(rows.map((row) => [row.record_id, Number(row.idx)]));
}

const caseFields = (row: CaseRow) => ({
  id: row.id,
  title: row.title,
  description: row.description,
  status: row.status,
  severity: row.severity,
  assigneeUserId: row.assigneeUserId,
  createdById: row.createdById,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  closedAt: row.closedAt?.toISOString() ?? null,
});

interface BundleCounts {
  readonly items: number;
  readonly chunks: number;
  readonly notes: number;
}

/** A recording's chunks, by the table that holds them: each is a leaf of its own (`<recording id>:<seq>`). */
const CHUNK_TABLES: Partial<Record<string, PgTable & { tenantId: PgColumn; recordingId: PgColumn; seq: PgColumn }>> = {
  terminal_recording: terminalRecordingChunks,
  desktop_recording: desktopRecordingChunks,
};

async function chunkSeqs(db: Executor, tenantId: string, kind: string, recordingId: string): Promise<number[]> {
  const table = CHUNK_TABLES[kind];
  if (!table) return [];
  const rows = await db
    .select({ seq: table.seq })
    .from(table)
    .where(and(eq(table.tenantId, tenantId), eq(table.recordingId, recordingId)))
    .orderBy(asc(table.seq));
  return rows.map((row) => Number(row.seq));
}

/** The case, the attached records the actor may see now (a recording with each of its chunks), and the notes. */
async function linesToProve(ctx: ServiceContext, caseRow: CaseRow): Promise<{ proven: ProvenLine[]; counts: BundleCounts }> {
  const attached = await itemsOfCases(ctx.db, caseRow.tenantId, [caseRow.id]);
  const visible = await Promise.all(
    attached.map(async (item) => {
      const source = caseItemSource(item.itemKind);
      return source && (await findVisibleItem(ctx.db, ctx.actor, source, item.itemId)) ? item : null;
    }),
  );
  const items = visible.filter((item) => item !== null);
  const notes = await notesOfCases(ctx.db, caseRow.tenantId, [caseRow.id]);
  const proven: ProvenLine[] = [{ recordId: caseRow.id, line: { type: 'case' } }];
  let chunks = 0;
  for (const item of items) {
    proven.push({
      recordId: item.itemId,
      attachmentId: item.id,
      line: { type: 'item', kind: item.itemKind, id: item.itemId, note: item.note, addedById: item.addedById, addedAt: item.addedAt.toISOString() },
    });
    for (const seq of await chunkSeqs(ctx.db, caseRow.tenantId, item.itemKind, item.itemId)) {
      proven.push({ recordId: `${item.itemId}:${seq}`, line: { type: 'chunk', recordingId: item.itemId, seq } });
      chunks += 1;
    }
  }
  for (const note of notes) {
    proven.push({ recordId: note.id, line: { type: 'note', id: note.id, authorId: note.authorId, createdAt: note.createdAt.toISOString(), body: note.body } });
  }
  return { proven, counts: { items: items.length, chunks, notes: notes.length } };
}

export async function startCaseBundle(
  ctx: ServiceContext,
  log: LogService,
  trusted: readonly NoteVerifier[],
  caseId: string,
): Promise<{ size: number; chunks: AsyncGenerator<string> }> {
  const worker = requireCaseWorker(ctx.actor);
  // The leaves hold every column of a record (as logLeaf's `leaf` does): read with the audit log.
  requirePermission(worker, 'audit_logs.view');
  const tenantId = worker.tenantId;
  const caseRow = await getCase(ctx.db, tenantId, caseId);
  const size = await assertLogIntact(ctx, log, trusted);
  await log.settle(tenantId, { force: true });
  const checkpoint = await latestLogCheckpoint(ctx.db, tenantId);
  if (!checkpoint || checkpoint.size < size) throw new Conflict('No checkpoint could be signed over the log; see the server log');
  const [signer] = verifiedSigners(checkpoint.note, trusted);
  if (!signer) throw new Conflict('The latest checkpoint is signed by no trusted key; see the server log');

  const { proven, counts } = await linesToProve(ctx, caseRow);
  const recordIds = proven.flatMap((entry) => (entry.attachmentId ? [entry.recordId, entry.attachmentId] : [entry.recordId]));
  const indexes = await leafIndexes(ctx.db, tenantId, [...new Set(recordIds)], checkpoint.size);
  await recordAuditView(
    ctx,
    'audit.exported',
    { type: 'case', id: caseRow.id, name: caseRow.title },
    {
      format: CASE_BUNDLE_FORMAT,
      size: checkpoint.size,
      ...counts,
    },
  );
  const header = {
    type: 'header',
    format: CASE_BUNDLE_FORMAT,
    version: 1,
    tenantId,
    case: caseFields(caseRow),
    treeSize: checkpoint.size,
    rootHash: checkpoint.rootHash.toString('base64'),
    checkpoint: checkpoint.note,
    verifierKey: signer.verifierKey,
    keyId: signer.keyId.toString('hex'),
  };
  return {
    size: checkpoint.size,
    chunks: bundleLines(ctx.db, tenantId, checkpoint.size, header, proven, indexes, counts),
  };
}

async function* bundleLines(
  db: Executor,
  tenantId: string,
  size: number,
  header: Record<string, unknown>,
  proven: readonly ProvenLine[],
  indexes: ReadonlyMap<string, number>,
  counts: BundleCounts,
): AsyncGenerator<string> {
  yield `${JSON.stringify(header)}\n`;
  const prove = async (recordId: string) => {
    const index = indexes.get(recordId);
    // Every record Vigil keeps has a leaf; one without (written around Vigil) fails the log's verification first.
    if (index === undefined) throw new Conflict(`Record ${recordId} has no leaf within the checkpoint's tree`);
    const proof = await proveInclusion(db, tenantId, { leafIndex: index }, size);
    return {
      leafIndex: proof.leaf.index,
      leafKind: proof.leaf.kind,
      recordId,
      leaf: proof.leaf.leaf,
      leafHash: proof.leaf.leafHash.toString('base64'),
      inclusionProof: proof.hashes.map((hash) => hash.toString('base64')),
    };
  };
  for (const { line, recordId, attachmentId } of proven) {
    yield `${JSON.stringify({ ...line, ...(await prove(recordId)), ...(attachmentId ? { attachment: await prove(attachmentId) } : {}) })}\n`;
  }
  yield `${JSON.stringify({ type: 'end', ...counts })}\n`;
}
