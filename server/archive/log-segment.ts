/**
 * One archive object's text: a segment of a tenant's log (server/export/log-jsonl.ts, version 2),
 * the leaves from the previous object's checkpoint to this one's, with the compact range that
 * ties them to both signed trees. Everything in it is fixed by the tenant, the two checkpoints
 * and the stored leaves, so writing it again gives the same bytes.
 */
import type { Executor } from '../db/database.js';
import { leafLines } from '../export/log-export.js';
import { logEndLine, logSegmentHeaderLine } from '../export/log-jsonl.js';
import { perfectSubtrees } from '../log/merkle.js';
import { fetchNodes } from '../log/node-store.js';

export interface LogSegment {
  readonly tenantId: string;
  readonly from: number;
  readonly size: number;
  readonly checkpoint: string;
  readonly previousCheckpoint: string | null;
  readonly periodStart: Date;
  readonly periodEnd: Date;
}

export async function* logSegmentLines(db: Executor, segment: LogSegment): AsyncGenerator<string> {
  const { tenantId, from, size } = segment;
  const compactRange = from === 0 ? [] : await fetchNodes(db, tenantId, perfectSubtrees(0, from));
  yield logSegmentHeaderLine({
    tenantId,
    from,
    size,
    checkpoint: segment.checkpoint,
    previousCheckpoint: segment.previousCheckpoint,
    compactRange: compactRange.map((hash) => hash.toString('base64')),
    periodStart: segment.periodStart.toISOString(),
    periodEnd: segment.periodEnd.toISOString(),
  });
  yield* leafLines(db, tenantId, from, size);
  yield logEndLine(size);
}
