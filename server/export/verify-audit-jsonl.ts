/**
 * Verifies a JSONL audit export (server/export/audit-jsonl.ts) without a database: its entries go,
 * a line at a time, through the same ChainVerifier as the API's integrity check, from the header's
 * fromSeq and startHash to the closing checkpoint's seq, against that checkpoint.
 *
 * The verifier must know the checkpoint (the last line) before the first entry, so the file is
 * read twice, each time as a stream: once for its first and last lines, once for the entries.
 *
 * A file that is not an export (bad JSON, a missing field, no closing checkpoint) is an
 * AuditFileFormatError; an export whose chain does not hold gives a report with a fault.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ChainVerifier, type ChainEntry, type VerificationReport } from '../audit/chain-verifier.js';
import { GENESIS_HASH } from '../audit/canonical-entry.js';
import type { SignedCheckpoint } from '../audit/checkpoint-payload.js';
import { keyIdOf } from '../audit/signing-key.js';
import { AUDIT_JSONL_FORMAT, AUDIT_JSONL_VERSION } from './audit-jsonl.js';

export class AuditFileFormatError extends Error {}

export interface AuditFileVerification {
  readonly report: VerificationReport;
  /** True when no trusted key was given and the header's own keys were used. */
  readonly isKeyFromFile: boolean;
}

interface Header {
  readonly fromSeq: number;
  readonly startHash: string;
  readonly publicKeys: readonly string[];
  /** A signed checkpoint at fromSeq - 1, vouching for startHash (exports of a chain cut by retention). */
  readonly startCheckpoint?: SignedCheckpoint;
  /** The file holds only the entries matching a filter. */
  readonly isFiltered: boolean;
}

/**
 * `readLines` opens the file as lines (it is called twice); `trustedKeys` (PEM), when given,
 * replace the header's keys.
 */
export async function verifyAuditFile(readLines: () => AsyncIterable<string>, trustedKeys?: readonly string[]): Promise<AuditFileVerification> {
  const ends = await readEnds(readLines());
  const publicKeys = publicKeysById(trustedKeys ?? ends.header.publicKeys, trustedKeys ? '--public-key' : 'the header');
  const unanchored = unanchoredStart(ends.header, ends.checkpoint.seq);
  if (unanchored) return { report: unanchored, isKeyFromFile: trustedKeys === undefined };
  const verifier = new ChainVerifier({
    fromSeq: ends.header.fromSeq,
    startHash: ends.header.startHash,
    toSeq: ends.checkpoint.seq,
    checkpoints: ends.header.startCheckpoint ? [ends.header.startCheckpoint, ends.checkpoint] : [ends.checkpoint],
    publicKeys,
  });
  let lineNumber = 0;
  for await (const text of readLines()) {
    lineNumber++;
    if (lineNumber <= ends.headerLine || lineNumber >= ends.checkpointLine || text.trim() === '') continue;
    verifier.push(parseEntry(text, lineNumber));
    if (verifier.isDone) break;
  }
  return { report: verifier.finish(), isKeyFromFile: trustedKeys === undefined };
}

/**
 * A whole-chain file must prove where it starts: at the genesis (entry 1, linking to 64 zeros) or
 * at a signed checkpoint of the entry before its first. Otherwise leading entries could have been
 * dropped and the rest would still verify against the closing checkpoint. (A filtered export
 * skips entries anyway and makes no such claim.)
 */
function unanchoredStart(header: Header, toSeq: number): VerificationReport | undefined {
  if (header.isFiltered) return undefined;
  const isGenesis = header.fromSeq === 1 && header.startHash === GENESIS_HASH;
  const isCheckpointed = header.startCheckpoint?.seq === header.fromSeq - 1 && header.startCheckpoint.headHash === header.startHash;
  if (isGenesis || isCheckpointed) return undefined;
  return {
    isIntact: false,
    fromSeq: header.fromSeq,
    toSeq,
    checkedEntries: 0,
    checkedCheckpoints: 0,
    fault: {
      seq: Math.max(header.fromSeq - 1, 1),
      kind: 'missing',
      expected: header.fromSeq === 1 ? GENESIS_HASH : `a signed checkpoint at ${header.fromSeq - 1}`,
      found: header.startHash,
      message: `The file starts at entry ${header.fromSeq} with nothing that vouches for its start: leading entries may be missing`,
    },
  };
}

/** Public keys by key id, each id computed from its key (an id written next to a key is not trusted). */
export function publicKeysById(pems: readonly string[], source: string): Map<string, KeyObject> {
  return new Map(
    pems.map((pem) => {
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
      } catch {
        throw new AuditFileFormatError(`${source}: not a PEM public key`);
      }
      return [keyIdOf(key), key];
    }),
  );
}

async function readEnds(lines: AsyncIterable<string>): Promise<{ header: Header; headerLine: number; checkpoint: SignedCheckpoint; checkpointLine: number }> {
  let lineNumber = 0;
  let header: Header | undefined;
  let headerLine = 0;
  let last: { text: string; lineNumber: number } | undefined;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    if (!header) {
      header = parseHeader(text, lineNumber);
      headerLine = lineNumber;
    } else {
      last = { text, lineNumber };
    }
  }
  if (!header) throw new AuditFileFormatError('The file is empty: no header line');
  if (!last) throw new AuditFileFormatError('The file ends after its header: the closing checkpoint line is missing (incomplete download?)');
  return { header, headerLine, checkpoint: parseCheckpoint(last.text, last.lineNumber), checkpointLine: last.lineNumber };
}

function parseHeader(text: string, lineNumber: number): Header {
  const line = new LineReader(text, lineNumber, 'header');
  if (line.string('format') !== AUDIT_JSONL_FORMAT) line.fail(`format must be "${AUDIT_JSONL_FORMAT}"`);
  if (line.integer('version') !== AUDIT_JSONL_VERSION) line.fail(`version ${AUDIT_JSONL_VERSION} is the only one this verifier reads`);
  line.string('tenantId');
  const keys = line.value('publicKeys');
  if (!Array.isArray(keys) || !keys.every((key: unknown) => typeof (key as { publicKey?: unknown } | null)?.publicKey === 'string'))
    line.fail('publicKeys must be a list of { keyId, publicKey }');
  const start = line.optionalValue('startCheckpoint');
  return {
    fromSeq: line.integer('fromSeq'),
    startHash: line.string('startHash'),
    publicKeys: (keys as { publicKey: string }[]).map((key) => key.publicKey),
    isFiltered: line.optionalValue('filter') != null,
    startCheckpoint: start === undefined || start === null ? undefined : parseCheckpoint(JSON.stringify({ type: 'checkpoint', ...start }), lineNumber),
  };
}

function parseCheckpoint(text: string, lineNumber: number): SignedCheckpoint {
  const line = new LineReader(text, lineNumber, 'checkpoint', 'The file does not end with a checkpoint line (incomplete download?)');
  return {
    tenantId: line.string('tenantId'),
    seq: line.integer('seq'),
    headHash: line.string('headHash'),
    signedAt: line.date('signedAt'),
    keyId: line.string('keyId'),
    signature: line.string('signature'),
  };
}

function parseEntry(text: string, lineNumber: number): ChainEntry {
  const line = new LineReader(text, lineNumber, 'entry');
  return {
    tenantId: line.string('tenantId'),
    seq: line.integer('seq'),
    id: line.string('id'),
    occurredAt: line.date('occurredAt'),
    actorType: line.string('actorType'),
    actorId: line.string('actorId'),
    actorEmail: line.nullableString('actorEmail'),
    action: line.string('action'),
    resourceType: line.string('resourceType'),
    resourceId: line.nullableString('resourceId'),
    resourceName: line.nullableString('resourceName'),
    before: line.snapshot('before'),
    after: line.snapshot('after'),
    clientIp: line.nullableString('clientIp'),
    userAgent: line.nullableString('userAgent'),
    requestId: line.nullableString('requestId'),
    prevHash: line.string('prevHash'),
    hash: line.string('hash'),
  };
}

/** One line's JSON object, of an expected type, read field by field with the line number in every complaint. */
class LineReader {
  private readonly object: Record<string, unknown>;

  constructor(
    text: string,
    private readonly lineNumber: number,
    type: string,
    wrongTypeMessage?: string,
  ) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.fail('not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) this.fail('not a JSON object');
    this.object = parsed as Record<string, unknown>;
    if (this.object.type !== type) this.fail(wrongTypeMessage ?? `expected a line of type "${type}", found ${JSON.stringify(this.object.type)}`);
  }

  value(field: string): unknown {
    if (!(field in this.object)) this.fail(`${field} is missing`);
    return this.object[field];
  }

  optionalValue(field: string): unknown {
    return this.object[field];
  }

  string(field: string): string {
    const value = this.value(field);
    if (typeof value !== 'string') this.fail(`${field} must be a string`);
    return value;
  }

  nullableString(field: string): string | null {
    const value = this.value(field);
    if (value !== null && typeof value !== 'string') this.fail(`${field} must be a string or null`);
    return value;
  }

  integer(field: string): number {
    const value = this.value(field);
    if (!Number.isSafeInteger(value) || (value as number) < 0) this.fail(`${field} must be a whole number`);
    return value as number;
  }

  date(field: string): Date {
    const at = new Date(this.string(field));
    if (Number.isNaN(at.getTime())) this.fail(`${field} must be an ISO 8601 time`);
    return at;
  }

  snapshot(field: string): Record<string, unknown> | null {
    const value = this.value(field);
    if (value !== null && (typeof value !== 'object' || Array.isArray(value))) this.fail(`${field} must be a JSON object or null`);
    return value as Record<string, unknown> | null;
  }

  fail(message: string): never {
    throw new AuditFileFormatError(`line ${this.lineNumber}: ${message}`);
  }
}
