import type { AuditEntryRow } from '../db/tables/index.js';
import { csvCell } from './csv-cells.js';

/** The audit CSV's columns, in order, and how each is read from an entry. */
const AUDIT_COLUMNS: readonly [string, (row: AuditEntryRow) => unknown][] = [
  ['seq', (row) => row.seq],
  ['id', (row) => row.id],
  ['occurred_at', (row) => row.occurredAt],
  ['actor_type', (row) => row.actorType],
  ['actor_id', (row) => row.actorId],
  ['actor_email', (row) => row.actorEmail],
  ['action', (row) => row.action],
  ['resource_type', (row) => row.resourceType],
  ['resource_id', (row) => row.resourceId],
  ['resource_name', (row) => row.resourceName],
  ['before', (row) => row.before],
  ['after', (row) => row.after],
  ['client_ip', (row) => row.clientIp],
  ['user_agent', (row) => row.userAgent],
  ['request_id', (row) => row.requestId],
  ['prev_hash', (row) => row.prevHash],
  ['hash', (row) => row.hash],
];

export const AUDIT_CSV_HEADER = AUDIT_COLUMNS.map(([name]) => name);

export function auditCsvRecord(row: AuditEntryRow): string[] {
  return AUDIT_COLUMNS.map(([, read]) => csvCell(read(row)));
}
