import { sql } from 'drizzle-orm';
import { check, customType, foreignKey, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';

/** How serious a notification or an alert is, least first (the product documents' scale and colours). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The tenant column every tenant-owned table starts with. */
export const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

/**
 * A point in time reported by a client. Millisecond precision on purpose: JavaScript dates carry
 * milliseconds, so a keyset cursor built from a row's time matches the stored value exactly.
 */
export const eventTime = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** When Vigil itself wrote a row. */
export const writtenAt = (name = 'created_at') => timestamp(name, { withTimezone: true, precision: 6 }).notNull().defaultNow();

/**
 * A reference to another row of the same tenant, through its (tenant_id, id) key: a row can never
 * point into another tenant. Audit records must outlive what they mention, so no cascade.
 */
export function sameTenantReference(name: string, from: { tenantId: AnyPgColumn; column: AnyPgColumn }, to: { tenantId: AnyPgColumn; id: AnyPgColumn }) {
  return foreignKey({ name, columns: [from.tenantId, from.column], foreignColumns: [to.tenantId, to.id] });
}

/** A CHECK that `column` holds one of `values` (the enum lists are constants, never input). */
export function oneOf(name: string, column: AnyPgColumn, values: readonly string[]) {
  return check(name, sql`${column} in (${sql.raw(values.map((value) => `'${value}'`).join(', '))})`);
}

/** Raw bytes (compressed recording chunks): a Buffer in, a Buffer out, on PGlite and postgres.js alike. */
export const bytes = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
});
