/**
 * An event as one NDJSON line (GET /events), written field by field in the envelope's order, with
 * the record's JSON text spliced in as its leaf stores it where the reader sees the record whole:
 * a line costs no second serialization of the record and no copy of the event. The line parses to
 * the same value as JSON.stringify(event) (test/events/event-line.test.ts holds it to that).
 */
import { storedRecordTextOf, type StreamEvent } from './stream-event.js';

const text = (value: string | null) => JSON.stringify(value);

export function eventLine(event: StreamEvent): string {
  const record = storedRecordTextOf(event) ?? JSON.stringify(event.record);
  // The cursor (base64url), the leaf hash (hex), category, severity and outcome (enums) and the
  // ISO time hold no character JSON escapes.
  return (
    `{"position":${event.position},"cursor":"${event.cursor}","leafHash":"${event.leafHash}","kind":${text(event.kind)},` +
    `"recordId":${text(event.recordId)},"type":${text(event.type)},"category":"${event.category}","severity":"${event.severity}",` +
    `"outcome":"${event.outcome}","time":"${event.time.toISOString()}","actor":${JSON.stringify(event.actor)},"serverId":${text(event.serverId)},` +
    `"record":${record}}\n`
  );
}
