/**
 * The leaves read a page (a range of positions) at a time, as the verifier needs them. The database
 * checks each leaf's text against its leaf hash and sends the page as one row: the leaves packed,
 * LEAF_BYTES each, into one base64 text, with only the exceptions listed (changed or dropped text,
 * the texts retention rests on, leaf hashes not 32 bytes long). A row per leaf, or bytea's hex
 * (half again as long as base64), would cost more to decode here than the tree costs to rebuild.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import { leafRoleSql, type LeafRole, type Xact } from './leaf-explanations.js';
import { isFormat1Sql } from './leaf-format.js';
import { LOG_STATEMENT_KIND } from './leaf-kinds.js';
import { retentionTextSql } from './retention-statements.js';

/** Positions a page covers. */
export const PAGE = 20_000;

/** A packed leaf: position (8 bytes), leaf hash (32), transaction id (8), flags (1). */
const LEAF_BYTES = 49;

/**
 * The flags byte: the leaf's LeafRole (bits 0-1); its text's format (bits 2-3: 0 when retention
 * dropped the text, 1 for the row alone, 2 for the row and its transaction); whether a format-2
 * text names the transaction the leaf is stored under (bit 4); whether it is a log statement (bit
 * 5). The texts' endings are matched with LIKE: right() counts the characters of the whole text
 * first, which cost more than hashing it.
 */
const FLAGS = sql`set_byte('\\x00'::bytea, 0, ${leafRoleSql()}
  + 4 * case when leaf is null then 0 when ${isFormat1Sql()} then 1 else 2 end
  + case when leaf like '%"v":2,"xact":' || xact::text || '}' then 16 else 0 end
  + case when kind = ${LOG_STATEMENT_KIND} then 32 else 0 end)`;

export interface LeafPage {
  readonly count: number;
  /** Leaves whose text no longer hashes to their leaf hash, in position order. */
  readonly changed: { index: number; kind: string; recordId: string }[];
  /** Leaves whose text was dropped. */
  readonly textless: { index: number; kind: string }[];
  /** The texts retention statements rest on, in position order. */
  readonly retentionTexts: { kind: string; text: string }[];
  position(i: number): number;
  leafHash(i: number): Buffer;
  /** The transaction that wrote leaf i. */
  xact(i: number): Xact;
  role(i: number): LeafRole;
  /** The format of leaf i's text: 1 or 2; null when retention dropped it. */
  format(i: number): 1 | 2 | null;
  /** Whether leaf i's format-2 text names the transaction it is stored under. */
  isXactBound(i: number): boolean;
  isStatement(i: number): boolean;
}

interface PageRow {
  count: string | number;
  leaves: string | null;
  changed: [number, string, string][] | null;
  textless: [number, string][] | null;
  retention_texts: [string, string][] | null;
  odd_hashes: [number, string][] | null;
}

/** Packed in place of a leaf hash that is not 32 bytes long (tampered with): the page lists it apart. */
const NO_HASH = sql.raw(`'\\x${'00'.repeat(32)}'::bytea`);

/** An int8 as a number, exact below 2^53 (positions never reach it). */
const readNumber = (bytes: Buffer, at: number): number => bytes.readInt32BE(at) * 2 ** 32 + bytes.readUInt32BE(at + 4);

/** An int8 as an Xact: a number while it is a safe integer, else its decimal text. */
const readKey = (bytes: Buffer, at: number): Xact => {
  const high = bytes.readInt32BE(at);
  return high > -(2 ** 21) && high < 2 ** 21 ? high * 2 ** 32 + bytes.readUInt32BE(at + 4) : bytes.readBigInt64BE(at).toString();
};

/** The leaves at positions [from, to), in order. */
export async function readLeafPage(db: Executor, tenantId: string, from: number, to: number): Promise<LeafPage> {
  const [row] = await queryRows<PageRow>(
    db,
    sql`select count(*) as count,
               encode(string_agg(int8send(idx) || case when length(leaf_hash) = 32 then leaf_hash else ${NO_HASH} end || int8send(xact) || flags, ''::bytea order by idx), 'base64') as leaves,
               json_agg(json_build_array(idx, encode(leaf_hash, 'hex'))) filter (where length(leaf_hash) <> 32) as odd_hashes,
               json_agg(json_build_array(idx, kind, record_id) order by idx) filter (where is_changed) as changed,
               json_agg(json_build_array(idx, kind) order by idx) filter (where is_textless) as textless,
               json_agg(json_build_array(kind, retention_text) order by idx) filter (where retention_text is not null) as retention_texts
        -- The range comes in through a lateral join (OFFSET 0 keeps it one): estimated without its
        -- bounds, it is read through the position index. Given them, the planner scans the whole table
        -- for each page of a log of a few pages.
        from unnest(${`{${from}}`}::bigint[], ${`{${to}}`}::bigint[]) as r(first, last)
        cross join lateral (
          select idx, leaf_hash, xact, kind, record_id, leaf is null as is_textless,
                 leaf is not null and sha256('\\x00'::bytea || convert_to(leaf, 'UTF8')) <> leaf_hash as is_changed,
                 ${retentionTextSql()} as retention_text, ${FLAGS} as flags
          from log_leaves where tenant_id = ${tenantId} and idx >= r.first and idx < r.last offset 0
        ) page`,
  );
  const count = Number(row!.count);
  const leaves = Buffer.from(row!.leaves ?? '', 'base64');
  const oddHashes = new Map((row!.odd_hashes ?? []).map(([index, hex]) => [index, Buffer.from(hex, 'hex')]));
  return {
    count,
    changed: (row!.changed ?? []).map(([index, kind, recordId]) => ({ index, kind, recordId })),
    textless: (row!.textless ?? []).map(([index, kind]) => ({ index, kind })),
    retentionTexts: (row!.retention_texts ?? []).map(([kind, text]) => ({ kind, text })),
    position: (i) => readNumber(leaves, i * LEAF_BYTES),
    leafHash: (i) => (oddHashes.size > 0 && oddHashes.get(readNumber(leaves, i * LEAF_BYTES))) || leaves.subarray(i * LEAF_BYTES + 8, i * LEAF_BYTES + 40),
    xact: (i) => readKey(leaves, i * LEAF_BYTES + 40),
    role: (i) => (leaves[i * LEAF_BYTES + 48]! & 3) as LeafRole,
    format: (i) => ([null, 1, 2] as const)[(leaves[i * LEAF_BYTES + 48]! >> 2) & 3] ?? null,
    isXactBound: (i) => (leaves[i * LEAF_BYTES + 48]! & 16) !== 0,
    isStatement: (i) => (leaves[i * LEAF_BYTES + 48]! & 32) !== 0,
  };
}
