/** Downloads exports (GET /export/…) from a test Vigil and reads them back. */
import { parse } from 'csv-parse/sync';
import type { TestVigil } from './test-vigil.js';

export interface ExportResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** `path` such as `/export/audit.csv?action=user.created`, as the holder of `token` (none: anonymous). */
export async function fetchExport(t: TestVigil, path: string, token?: string): Promise<ExportResponse> {
  const response = await fetch(`${t.vigil.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** RFC 4180 text as one object per row, keyed by the header row. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
}

/** The `{ errors: [{ extensions: { code, field } }] }` of a refused export. */
export function exportError(response: ExportResponse): { code: string; field?: string } {
  const body = JSON.parse(response.text) as { errors: { extensions: { code: string; field?: string } }[] };
  return body.errors[0]!.extensions;
}
