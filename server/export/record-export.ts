import type { RowScope } from '../auth/scope.js';
import { recordAuditView } from '../audit/record-view.js';
import type { ServiceContext } from '../service-context.js';
import { copyCsvRecords } from '../db/copy-csv.js';
import type { Database } from '../db/database.js';
import { copiedCsvChunks, csvChunks } from './csv-chunks.js';
import type { RecordExportKind } from './record-kind.js';

/**
 * Records the export in the audit log, then gives its CSV text as it is read from `source` (the
 * primary, or the read replica ReadRouting chose): rendered by
 * PostgreSQL with COPY where the kind has its SQL and the database is PostgreSQL, else page by
 * page in JavaScript. Both give the same bytes (test/export/record-export-copy.test.ts).
 */
export async function startRecordExport(
  ctx: ServiceContext,
  kind: RecordExportKind,
  scope: RowScope,
  filter: object,
  source: Database = ctx.db,
): Promise<AsyncGenerator<string | readonly Uint8Array[]>> {
  await recordAuditView(ctx, 'records.exported', kind.name, { format: 'csv', filter });
  const records = kind.copySelect && copyCsvRecords(source, kind.copySelect(scope, filter, ctx.actor));
  return records ? copiedCsvChunks(kind.header, records) : csvChunks(kind.header, kind.pages(source, scope, filter, ctx.actor));
}
