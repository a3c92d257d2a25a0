/** What one CSV cell holds: text a spreadsheet would run as a formula is shown as text instead. */
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../server/export/csv-cells.js';

describe('a CSV cell', () => {
  it('puts a quote before text starting with =, +, -, @, tab or CR', () => {
    for (const text of ['=1+1', '+1', '-1', '@SUM(A1)', '\tcmd', '\rcmd', `=cmd|' /C calc'!A0`]) {
      expect(csvCell(text)).toBe(`'${text}`);
    }
  });

  it('leaves other text, numbers, booleans and times as they are', () => {
    expect(csvCell('ls -la')).toBe('ls -la');
    expect(csvCell("'quoted")).toBe("'quoted");
    expect(csvCell('')).toBe('');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(new Date('2026-11-27T10:00:00Z'))).toBe('2026-11-27T10:00:00.000Z');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes objects as JSON text', () => {
    expect(csvCell({ name: '=x', role: 'user' })).toBe('{"name":"=x","role":"user"}');
    expect(csvCell(['-a'])).toBe('["-a"]');
  });
});
