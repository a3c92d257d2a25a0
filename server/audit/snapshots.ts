/**
 * What of a row goes into an audit snapshot. Secrets never do: a token's hash stays out, and so
 * would any credential a later table holds.
 */
import type { ApiTokenRow, ServerRow, UserRow } from '../db/tables/index.js';

export const userSnapshot = (row: UserRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  groups: row.groups,
  permissions: row.permissions,
  disabledAt: row.disabledAt,
});

export const tokenSnapshot = (row: ApiTokenRow) => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  hint: row.hint,
  userId: row.userId,
  serverId: row.serverId,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
});

export const serverSnapshot = (row: ServerRow) => ({
  id: row.id,
  name: row.name,
  hostname: row.hostname,
  os: row.os,
  ipAddress: row.ipAddress,
  labels: row.labels,
  deletedAt: row.deletedAt,
});
