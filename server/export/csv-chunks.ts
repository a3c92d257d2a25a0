import { stringify } from 'csv-stringify/sync';

/** RFC 4180: CRLF after every record, fields quoted when they hold a comma, a quote or a line break. */
const RFC_4180 = { record_delimiter: 'windows', eof: true } as const;

/** The CSV text of a header row and then of each page of records (cells already made text by csvCell). */
export async function* csvChunks(header: readonly string[], pages: AsyncIterable<string[][]>): AsyncGenerator<string> {
  yield stringify([[...header]], RFC_4180);
  for await (const records of pages) yield stringify(records, RFC_4180);
}
