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
 */
export const LOG_JSONL_FORMAT = 'vigil-log-jsonl';
export const LOG_JSONL_VERSION = 1;

export interface LogHeaderLine {
  readonly type: 'header';
  readonly format: typeof LOG_JSONL_FORMAT;
  readonly version: typeof LOG_JSONL_VERSION;
  readonly tenantId: string;
  readonly size: number;
  readonly checkpoint: string;
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

export const logLeafLine = (leaf: Omit<LogLeafLine, 'type'>) => `${JSON.stringify({ type: 'leaf', ...leaf })}\n`;

export const logEndLine = (size: number) => `${JSON.stringify({ type: 'end', size })}\n`;
