/**
 * How an audit entry is hashed. This is the format an auditor re-implements, so it is fixed:
 *
 *   hash = hex(SHA-256( prev_hash + "\n" + canonical ))
 *
 * where `prev_hash` is the previous entry's hash (64 zeros before the first entry) and
 * `canonical` is the RFC 8785 (JSON Canonicalization Scheme) serialization of:
 *
 *   { "v": 1, "tenantId", "seq", "id", "occurredAt" (ISO 8601, milliseconds, Z),
 *     "actor": { "type", "id", "email" }, "action",
 *     "resource": { "type", "id", "name" }, "before", "after",
 *     "context": { "clientIp", "userAgent", "requestId" } }
 *
 * with null for every absent value. Snapshots are plain JSON (dates as ISO strings), so they
 * read back from jsonb to the same canonical form.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  readonly tenantId: string;
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: Date;
  readonly actorType: string;
  readonly actorId: string;
  readonly actorEmail: string | null;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string | null;
  readonly resourceName: string | null;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
}

export function canonicalEntry(entry: ChainedFields): string {
  return canonicalJson({
    v: 1,
    tenantId: entry.tenantId,
    seq: entry.seq,
    id: entry.id,
    occurredAt: entry.occurredAt.toISOString(),
    actor: { type: entry.actorType, id: entry.actorId, email: entry.actorEmail },
    action: entry.action,
    resource: { type: entry.resourceType, id: entry.resourceId, name: entry.resourceName },
    before: entry.before,
    after: entry.after,
    context: { clientIp: entry.clientIp, userAgent: entry.userAgent, requestId: entry.requestId },
  });
}

export function chainHash(prevHash: string, entry: ChainedFields): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalEntry(entry)}`)
    .digest('hex');
}

/** A snapshot as plain JSON: what jsonb will give back. */
export function plainSnapshot(value: object | null | undefined): Record<string, unknown> | null {
  return value == null ? null : (JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
}
