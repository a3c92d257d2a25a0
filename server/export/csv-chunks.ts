import { stringify } from 'csv-stringify/sync';
import { Utf8Slabs } from './utf8-slabs.js';

/**
 * RFC 4180: CRLF after every record, fields quoted when they hold a comma, a quote or a line
 * break, a lone CR or LF included (csv-stringify quotes only CRLF once a record delimiter is set;
 * a reader that ends records at LF would otherwise cut such a field in two).
 */
const RFC_4180 = { record_delimiter: 'windows', quote_record_delimiter: true, eof: true } as const;

/** The CSV text of a header row and then of each page of records (cells already made text by csvCell). */
export async function* csvChunks(header: readonly string[], pages: AsyncIterable<string[][]>): AsyncGenerator<string> {
  yield stringify([[...header]], RFC_4180);
  for await (const records of pages) yield stringify(records, RFC_4180);
}

const CRLF = Buffer.from('\r\n');
const LF = 0x0a;
const QUOTE = 0x22;
/** Bytes gathered before they go to the socket: one write for many rows. */
const WRITE_BYTES = 64 * 1024;

/**
 * COPY's CSV ends records with LF; csvChunks (RFC 4180) with CRLF. Writes `bytes` into `slabs`
 * with each record's LF made CRLF, leaving line breaks inside quoted values as they are (COPY
 * quotes every value holding a quote, CR or LF, so outside quotes an LF ends a record). Chunks
 * may split records anywhere: the quoting state carries over. Returns it.
 */
function writeWithCrlf(slabs: Utf8Slabs, bytes: Buffer, isInQuotes: boolean): boolean {
  let start = 0;
  let position = 0;
  let nextLf = -2;
  let nextQuote = -2;
  for (;;) {
    if (isInQuotes) {
      const closing = bytes.indexOf(QUOTE, position);
      if (closing < 0) break;
      isInQuotes = false;
      position = closing + 1;
      continue;
    }
    if (nextLf !== -1 && nextLf < position) nextLf = bytes.indexOf(LF, position);
    if (nextQuote !== -1 && nextQuote < position) nextQuote = bytes.indexOf(QUOTE, position);
    if (nextLf < 0 && nextQuote < 0) break;
    if (nextLf >= 0 && (nextQuote < 0 || nextLf < nextQuote)) {
      slabs.writeBytes(bytes.subarray(start, nextLf));
      slabs.writeBytes(CRLF);
      start = position = nextLf + 1;
    } else {
      isInQuotes = true;
      position = nextQuote + 1;
    }
  }
  slabs.writeBytes(bytes.subarray(start));
  return isInQuotes;
}

/** The header row, then the records COPY wrote (as bytes, split anywhere), ended as csvChunks ends them. */
export async function* copiedCsvChunks(header: readonly string[], copied: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array[]> {
  const slabs = new Utf8Slabs();
  slabs.write(stringify([[...header]], RFC_4180));
  let isInQuotes = false;
  for await (const bytes of copied) {
    isInQuotes = writeWithCrlf(slabs, bytes, isInQuotes);
    if (slabs.pending >= WRITE_BYTES) yield slabs.take();
  }
  yield slabs.take();
}
