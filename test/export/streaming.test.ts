/**
 * Exports stream: a page of rows is read only once the client has taken the previous ones, reading
 * stops when the client goes away, and a database failure mid-file cuts the response short rather
 * than ending it like a whole file.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEntries, type NewAuditEntry } from '../../server/audit/append-entries.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
const ENTRIES = 5000;
/** Entries are ~4 kB each, so one page (1,000 entries) is far more than the socket buffers hold. */
const PADDING = 'x'.repeat(4000);

/** Statements that read a page of the audit export (keyset over seq, ascending). */
function countExportPages(): { count(): number; stop(): void } {
  let count = 0;
  const stop = t.vigil.database.onQuery((statement) => {
    if (/from "audit_entries"/.test(statement) && /order by "audit_entries"\."seq" asc/.test(statement)) count++;
  });
  return { count: () => count, stop };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  t = await startTestVigil();
  const entries: NewAuditEntry[] = Array.from({ length: ENTRIES }, (_, index) => ({
    occurredAt: t.clock.now(),
    actorType: 'system',
    actorId: 'bulk-test',
    action: 'events.ingested',
    resourceType: 'server',
    resourceName: `bulk ${index}`,
    after: { index, padding: PADDING },
  }));
  for (let start = 0; start < ENTRIES; start += 1000) {
    await t.vigil.database.db.transaction((tx) => appendAuditEntries(tx, t.admin.tenantId, entries.slice(start, start + 1000)));
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

async function openExport(path: string, signal?: AbortSignal) {
  const response = await fetch(`${t.vigil.baseUrl}${path}`, { headers: { authorization: `Bearer ${t.admin.token}` }, signal });
  expect(response.status).toBe(200);
  return response.body!.getReader();
}

describe('streaming an export', () => {
  it('sends every entry, page after page', async () => {
    const reader = await openExport('/export/audit.jsonl');
    const decoder = new TextDecoder();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    const lines = text.trimEnd().split('\n');
    const checkpoint = JSON.parse(lines.at(-1)!);
    expect(lines).toHaveLength(checkpoint.seq + 2);
    expect(checkpoint.seq).toBeGreaterThan(ENTRIES);
  });

  it('reads no further than the client has taken, and stops when the client goes away', async () => {
    const pages = countExportPages();
    try {
      const abort = new AbortController();
      const reader = await openExport('/export/audit.csv', abort.signal);
      await reader.read();
      await pause(500);
      const whileStalled = pages.count();
      expect(whileStalled).toBeGreaterThan(0);
      expect(whileStalled).toBeLessThan(ENTRIES / 1000);
      abort.abort();
      await pause(500);
      expect(pages.count()).toBe(whileStalled);
    } finally {
      pages.stop();
    }
  });

  it('cuts the response short when the database fails mid-file', async () => {
    const reader = await openExport('/export/audit.jsonl');
    await reader.read();
    await t.vigil.database.db.execute(sql`alter table audit_entries rename to audit_entries_away`);
    try {
      const drain = async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
      };
      await expect(drain()).rejects.toThrow();
    } finally {
      await t.vigil.database.db.execute(sql`alter table audit_entries_away rename to audit_entries`);
    }
    const after = await t.gql('{ auditIntegrity { isIntact } }', t.admin.token);
    expect(after.data!.auditIntegrity.isIntact).toBe(true);
  });
});
