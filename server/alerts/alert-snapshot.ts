import type { AlertRow } from '../db/tables/index.js';

/** An alert as the audit log, webhooks and channels carry it. */
export const alertSnapshot = (row: AlertRow) => ({
  id: row.id,
  ruleId: row.ruleId,
  subject: row.subject,
  state: row.state,
  severity: row.severity,
  title: row.title,
  message: row.message,
  details: row.details,
  firedAt: row.firedAt,
  acknowledgedAt: row.acknowledgedAt,
  acknowledgedById: row.acknowledgedById,
  resolvedAt: row.resolvedAt,
  resolvedById: row.resolvedById,
});
