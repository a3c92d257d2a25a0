/**
 * The verifiable log's export: everything an auditor needs to check the whole record without
 * Vigil, one JSON object per line.
 *
 *   {"type":"header","format":"vigil-log-jsonl","version":1,"tenantId","size","checkpoint"}
 *   {"type":"leaf","index","kind","recordId","leaf","leafHash"}   … one per position, 0 to size - 1
 *   {"type":"end","size"}
 *
 * `checkpoint` is the signed note (C2SP tlog-checkpoint, Ed25519 signed note) of the tree of
 * `size` leaves, signed for this export after the log verified intact. `leaf` is the leaf's text
 * (RFC 8785 JSON) or null where retention dropped it; `leafHash` is base64 SHA-256(0x00 || leaf).
 * A file that ends before its end line was cut short.
 *
 * Version 2 is a segment of the log (the archive's objects, server/archive/): the leaves from
 * `from` to `size` - 1, with what an auditor needs to check them against the signed trees alone:
 *
 *   {"type":"header","format":"vigil-log-jsonl","version":2,"tenantId","from","size","checkpoint",
 *    "previousCheckpoint","compactRange","periodStart","periodEnd"}
 *
 * `previousCheckpoint` is the signed note of the tree of `from` leaves (the previous segment's
 * `checkpoint`; null when `from` is 0), and `compactRange` the base64 hashes of that tree's perfect
 * subtrees, largest first (one per set bit of `from`): they must fold to its root, and with this
 * segment's leaves appended they must hash to the root `checkpoint` signed. Segments read one after
 * another verify as one log: each one's `previousCheckpoint` is the one before's `checkpoint`.
 */
export const LOG_JSONL_FORMAT = 'vigil-log-jsonl';
export const LOG_JSONL_VERSION = 1;
export const LOG_SEGMENT_VERSION = 2;

export interface LogHeaderLine {
  readonly type: 'header';
  readonly format: typeof LOG_JSONL_FORMAT;
  readonly version: typeof LOG_JSONL_VERSION;
  readonly tenantId: string;
  readonly size: number;
  readonly checkpoint: string;
}

export interface LogSegmentHeaderLine {
  readonly type: 'header';
  readonly format: typeof LOG_JSONL_FORMAT;
  readonly version: typeof LOG_SEGMENT_VERSION;
  readonly tenantId: string;
  readonly from: number;
  readonly size: number;
  readonly checkpoint: string;
  readonly previousCheckpoint: string | null;
  readonly compactRange: readonly string[];
  readonly periodStart: string;
  readonly periodEnd: string;
}

export interface LogLeafLine {
  readonly type: 'leaf';
  readonly index: number;
  readonly kind: string;
  readonly recordId: string;
  readonly leaf: string | null;
  readonly leafHash: string;
}

export const logHeaderLine = (facts: Omit<LogHeaderLine, 'type' | 'format' | 'version'>) =>
  `${JSON.stringify({ type: 'header', format: LOG_JSONL_FORMAT, version: LOG_JSONL_VERSION, ...facts })}\n`;

export const logSegmentHeaderLine = (facts: Omit<LogSegmentHeaderLine, 'type' | 'format' | 'version'>) =>
  `${JSON.stringify({ type: 'header', format: LOG_JSONL_FORMAT, version: LOG_SEGMENT_VERSION, ...facts })}\n`;

export const logLeafLine = (leaf: Omit<LogLeafLine, 'type'>) => `${JSON.stringify({ type: 'leaf', ...leaf })}\n`;

export const logEndLine = (size: number) => `${JSON.stringify({ type: 'end', size })}\n`;
