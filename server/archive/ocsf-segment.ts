/**
 * The OCSF companion of an archive object: the events of the same positions, one OCSF object per
 * line (server/events/ocsf.ts), for a data lake or SIEM that reads OCSF (AWS Security Lake takes
 * it as it is). Made without a reader's field rules: the archive holds the leaves whole anyway.
 * The proof stays with the log segment; each line's unmapped.vigil.leaf_hash and
 * metadata.sequence point at the leaf it was made from.
 */
import type { Executor } from '../db/database.js';
import { withTransactionTimes } from '../events/event-times.js';
import { ocsfEventOf } from '../events/ocsf.js';
import { readLeafWindow } from '../events/placed-leaves.js';
import { SCAN_WINDOW } from '../events/read-event-stream.js';
import { streamEventOf, type StreamEvent } from '../events/stream-event.js';

export async function* ocsfSegmentLines(db: Executor, tenantId: string, from: number, size: number): AsyncGenerator<string> {
  for (let after = from - 1; after < size - 1; after += SCAN_WINDOW) {
    const window = await readLeafWindow(db, tenantId, { after, span: Math.min(SCAN_WINDOW, size - 1 - after) });
    const made = window.leaves.map(streamEventOf).filter((event): event is StreamEvent => event !== null);
    const events = await withTransactionTimes(db, tenantId, window.leaves, made);
    yield events.map((event) => `${JSON.stringify(ocsfEventOf(event, tenantId))}\n`).join('');
  }
}
