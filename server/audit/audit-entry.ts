/**
 * An audit entry as everything above the queries sees it: the fields its hash covers
 * (server/audit/canonical-entry.ts) and its place in the chain. Written on the chain's own
 * interface rather than inferred from the table, so a column renamed or retyped fails to compile
 * where a service hands its entries out, instead of changing the API unnoticed.
 */
import type { AuditActorType } from '../db/tables/index.js';
import type { ChainEntry } from './chain-verifier.js';

export interface AuditEntryRecord extends ChainEntry {
  /** The kinds of actor Vigil writes (the chain itself takes any string). */
  readonly actorType: AuditActorType;
}
