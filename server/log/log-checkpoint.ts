/**
 * A signed checkpoint of a tenant's log as everything above the queries sees it: the tree's size
 * and root, when it was signed, and the signed note itself (server/log/checkpoints.ts describes
 * its format). Written out rather than inferred from the table, so a column renamed or retyped
 * fails to compile where a service hands its rows out.
 */
export interface LogCheckpointRecord {
  readonly id: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly signedAt: Date;
  readonly note: string;
}
