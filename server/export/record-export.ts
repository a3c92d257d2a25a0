import type { RowScope } from '../auth/scope.js';
import { recordAuditView } from '../audit/record-view.js';
import type { ServiceContext } from '../service-context.js';
import { csvChunks } from './csv-chunks.js';
import type { RecordExportKind } from './record-kind.js';

/** Records the export in the audit log, then gives its CSV text, page by page as it is read. */
export async function startRecordExport(ctx: ServiceContext, kind: RecordExportKind, scope: RowScope, filter: object): Promise<AsyncGenerator<string>> {
  await recordAuditView(ctx, 'records.exported', kind.name, { format: 'csv', filter });
  return csvChunks(kind.header, kind.pages(ctx.db, scope, filter, ctx.actor));
}
