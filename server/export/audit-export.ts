/**
 * The audit-log export. Before a line is written, a checkpoint of the tenant's chain head is
 * signed and the export itself is recorded (after that checkpoint, so outside the file); the file
 * then holds the entries matching the filter up to the checkpoint's seq, which it vouches for.
 */
import { recordAuditView } from '../audit/record-view.js';
import { checkpointNow } from '../audit/checkpoints.js';
import type { AuditFilter } from '../audit/list-entries.js';
import { checkpointAt, listSigningKeys } from '../audit/published.js';
import type { SigningKey } from '../audit/signing-key.js';
import { AUDIT_ACTOR_TYPES, type AuditCheckpointRow, type AuditEntryRow } from '../db/tables/index.js';
import type { ServiceContext } from '../service-context.js';
import { AUDIT_CSV_HEADER, auditCsvRecord } from './audit-csv.js';
import { auditEntryPages } from './audit-entry-pages.js';
import { checkpointLine, entryLine, headerLine, type HeaderFacts } from './audit-jsonl.js';
import { csvChunks } from './csv-chunks.js';
import { givenOnly, type QueryParams } from './query-params.js';

export type AuditExportFormat = 'csv' | 'jsonl';

/** The `auditLog` query's filter, from the query string. */
export function parseAuditFilter(params: QueryParams): AuditFilter {
  return givenOnly({
    actorId: params.text('actorId'),
    actorType: params.oneOf('actorType', AUDIT_ACTOR_TYPES),
    action: params.list('action'),
    resourceType: params.text('resourceType'),
    resourceId: params.text('resourceId'),
    from: params.date('from'),
    to: params.date('to'),
    keyword: params.text('keyword'),
  });
}

export interface AuditExport {
  readonly checkpoint: AuditCheckpointRow;
  readonly chunks: AsyncGenerator<string>;
}

export async function startAuditExport(ctx: ServiceContext, signingKey: SigningKey, filter: AuditFilter, format: AuditExportFormat): Promise<AuditExport> {
  const tenantId = ctx.actor.tenantId;
  const checkpoint = await checkpointNow(ctx.db, ctx.clock, signingKey, tenantId);
  await recordAuditView(ctx, 'audit.exported', 'audit_log', { format, filter, checkpointSeq: checkpoint.seq });
  const pages = auditEntryPages(ctx.db, tenantId, filter, checkpoint.seq);
  if (format === 'csv') return { checkpoint, chunks: csvChunks(AUDIT_CSV_HEADER, csvPages(pages)) };
  const publicKeys = await listSigningKeys(ctx.db);
  const startCheckpointOf = (first: AuditEntryRow) => checkpointAt(ctx.db, tenantId, first.seq - 1);
  return { checkpoint, chunks: jsonlChunks(pages, { tenantId, checkpoint, publicKeys, filter }, startCheckpointOf) };
}

async function* csvPages(pages: AsyncIterable<AuditEntryRow[]>): AsyncGenerator<string[][]> {
  for await (const page of pages) yield page.map(auditCsvRecord);
}

/** The header needs the first entry's prevHash, so it is written once the first page is read. */
async function* jsonlChunks(
  pages: AsyncIterable<AuditEntryRow[]>,
  facts: Omit<HeaderFacts, 'firstEntry'>,
  startCheckpointOf: (first: AuditEntryRow) => Promise<AuditCheckpointRow | undefined>,
): AsyncGenerator<string> {
  let isHeaderWritten = false;
  for await (const page of pages) {
    if (!isHeaderWritten) {
      const startCheckpoint = page[0] && Object.keys(facts.filter).length === 0 ? await startCheckpointOf(page[0]) : undefined;
      yield headerLine({ ...facts, firstEntry: page[0], startCheckpoint });
      isHeaderWritten = true;
    }
    yield page.map(entryLine).join('');
  }
  if (!isHeaderWritten) yield headerLine({ ...facts, firstEntry: undefined });
  yield checkpointLine(facts.checkpoint);
}
