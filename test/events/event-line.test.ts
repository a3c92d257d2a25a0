/**
 * An NDJSON line splices the record's text from its leaf instead of serializing the record again
 * (server/events/event-line.ts). The line must parse to what serializing the event would give,
 * for each shape of leaf, and a leaf of another shape (changed in the database) is read whole.
 */
import { describe, expect, it } from 'vitest';
import { eventLine, writeEventLine } from '../../server/events/event-line.js';
import { Utf8Slabs } from '../../server/export/utf8-slabs.js';
import { storedRecordTextOf, streamEventOf, type PlacedLeaf } from '../../server/events/stream-event.js';

const leafOf = (kind: string, leaf: string): PlacedLeaf => ({
  position: 7,
  kind,
  recordId: '0b5c1f9e-8c1a-4a52-9d7e-2f7f1d0f6a11',
  leaf,
  leafHash: 'ab'.repeat(32),
  queuedAt: new Date('2026-12-06T10:00:00Z'),
});

/** The line as it was written before splicing: the whole event serialized. */
const serialized = (leaf: PlacedLeaf) => JSON.parse(JSON.stringify(streamEventOf(leaf))) as unknown;

describe('an event line', () => {
  it('parses to the serialized event for a row, a deletion and a statement, nested "v" keys and escaped quotes included', () => {
    const row = '{"id":"x","line":"échö \\",\\"v\\":1}","meta":{"a":{},"v":2},"server_id":"s-1","submitted_at":"2026-12-06T09:00:00.000Z"}';
    const leaves = [
      leafOf('command', `{"kind":"command","row":${row},"v":1}`),
      leafOf('command', `{"kind":"command","row":${row},"v":2,"xact":12345}`),
      leafOf('webhook_subscription', `{"deleted":true,"kind":"webhook_subscription","row":{"id":"w","name":"out"},"v":2,"xact":9}`),
      leafOf('log_statement', `{"kind":"log_statement","statement":{"action":"retention.pruned","days":30,"indexes":[1,2]},"v":1}`),
    ];
    for (const leaf of leaves) {
      const event = streamEventOf(leaf)!;
      expect(storedRecordTextOf(event), leaf.leaf!).toBeDefined();
      const line = eventLine(event);
      expect(line.endsWith('\n')).toBe(true);
      expect(JSON.parse(line)).toEqual(serialized(leaf));
    }
    const deleted = streamEventOf(leaves[2]!)!;
    expect([deleted.type, deleted.record]).toEqual(['webhook_subscription.deleted', { id: 'w', name: 'out' }]);
  });

  it('reads a leaf of another shape whole, and serializes its event', () => {
    const odd = [
      // Keys out of RFC 8785 order, a record that is no object, a key after "v" holding another "v".
      leafOf('command', '{"row":{"id":"x"},"kind":"command","v":1}'),
      leafOf('command', '{"kind":"command","row":[1,2],"v":1}'),
      leafOf('command', '{"kind":"command","row":{"id":"x"},"v":1,"z":{"q":{},"v":3}}'),
    ];
    for (const leaf of odd) {
      const event = streamEventOf(leaf)!;
      expect(storedRecordTextOf(event), leaf.leaf!).toBeUndefined();
      expect(JSON.parse(eventLine(event))).toEqual(serialized(leaf));
    }
    expect(streamEventOf(odd[2]!)!.record).toEqual({ id: 'x' });
  });

  it('serializes a record a reader’s field rules changed, not the stored text', () => {
    const event = streamEventOf(leafOf('command', '{"kind":"command","row":{"id":"x","line":"secret"},"v":1}'))!;
    const masked = { ...event, record: { ...event.record, line: null } };
    expect(JSON.parse(eventLine(masked)).record).toEqual({ id: 'x', line: null });
  });

  it('writes through UTF-8 slabs the bytes of the lines, across slabs, with escapes and characters of every width', () => {
    const slabs = new Utf8Slabs();
    const wide = 'é😀\u2028"\\'.repeat(20_000);
    const leaves = [
      leafOf('command', `{"kind":"command","row":{"id":"a","line":${JSON.stringify(wide)}},"v":1}`),
      leafOf('system_log', '{"kind":"system_log","row":{"id":"b","message":"ok","program":"sshd\\t\\"x\\"","server_id":"s-1"},"v":1}'),
      leafOf('command', `{"kind":"command","row":{"id":"c","line":${JSON.stringify('x'.repeat(300_000))}},"v":1}`),
    ];
    const events = leaves.map((leaf) => streamEventOf(leaf)!);
    const masked = { ...events[1]!, actor: { type: 'user' as const, id: 'u', email: 'ö"@x', name: null }, record: { id: 'b', message: null } };
    const all = [...events, masked];
    for (const event of all.slice(0, 2)) writeEventLine(slabs, event);
    const first = slabs.take();
    for (const event of all.slice(2)) writeEventLine(slabs, event);
    const second = slabs.take();
    expect(first.length + second.length).toBeGreaterThan(2);
    expect(Buffer.concat([...first, ...second]).toString('utf8')).toBe(all.map(eventLine).join(''));
    expect(slabs.take()).toEqual([]);
  });
});
