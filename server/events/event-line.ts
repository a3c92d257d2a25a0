/**
 * An event as one NDJSON line (GET /events), written field by field in the envelope's order, with
 * the record's JSON text spliced in as its leaf stores it where the reader sees the record whole:
 * a line costs no second serialization of the record and no copy of the event. The line parses to
 * the same value as JSON.stringify(event) (test/events/event-line.test.ts holds it to that).
 */
import type { Utf8Slabs } from '../export/utf8-slabs.js';
import { storedRecordTextOf, type EventActor, type StreamEvent } from './stream-event.js';

/**
 * A string as JSON. Ids, kinds, types and most names hold nothing JSON escapes and go between
 * quotes as they are: JSON.stringify per field cost as much as the rest of the line.
 */
function jsonText(value: string | null): string {
  if (value === null) return 'null';
  for (let at = 0; at < value.length; at++) {
    const code = value.charCodeAt(at);
    if (code < 0x20 || code === 0x22 || code === 0x5c || code > 0x7e) return JSON.stringify(value);
  }
  return `"${value}"`;
}

function actorJson(actor: EventActor | null): string {
  if (actor === null) return 'null';
  return `{"type":${jsonText(actor.type)},"id":${jsonText(actor.id)},"email":${jsonText(actor.email)},"name":${jsonText(actor.name)}}`;
}

/** The line up to its record's value. */
function head(event: StreamEvent): string {
  // The cursor (base64url), the leaf hash (hex), category, severity and outcome (enums) and the
  // ISO time hold no character JSON escapes.
  return (
    `{"position":${event.position},"cursor":"${event.cursor}","leafHash":"${event.leafHash}","kind":${jsonText(event.kind)},` +
    `"recordId":${jsonText(event.recordId)},"type":${jsonText(event.type)},"category":"${event.category}","severity":"${event.severity}",` +
    `"outcome":"${event.outcome}","time":"${event.time.toISOString()}","actor":${actorJson(event.actor)},"serverId":${jsonText(event.serverId)},` +
    `"record":`
  );
}

const recordText = (event: StreamEvent) => storedRecordTextOf(event) ?? JSON.stringify(event.record);

export function eventLine(event: StreamEvent): string {
  return `${head(event)}${recordText(event)}}\n`;
}

/** The event's line, its parts encoded straight into `out` (the record's text is never joined into a line first). */
export function writeEventLine(out: Utf8Slabs, event: StreamEvent): void {
  out.write(head(event));
  out.write(recordText(event));
  out.write('}\n');
}
