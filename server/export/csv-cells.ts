/**
 * What goes into one CSV cell. Exports are opened in spreadsheets, which run a cell that starts
 * with `=`, `+`, `-` or `@` (and, in some, tab or CR) as a formula; recorded text is chosen by
 * whoever acted (a token name, a command line), so such text gets a leading `'` and is shown, not
 * run (OWASP "CSV injection"). Numbers and booleans come from Vigil itself and stay as they are.
 *
 * The CSV exports are for reading; the exact bytes an auditor re-hashes are in the JSONL export.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

export function neutralizeFormula(text: string): string {
  return text.length > 0 && FORMULA_TRIGGERS.has(text[0]!) ? `'${text}` : text;
}

/** null and undefined: empty; dates: ISO 8601 (UTC); objects and arrays: JSON text; text: neutralized. */
export function csvCell(value: unknown): string {
  if (value == null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return neutralizeFormula(value);
  return neutralizeFormula(JSON.stringify(value));
}
