/**
 * A witness refusing a checkpoint because it contradicts what the witness cosigned before is the
 * evidence the witness exists for: recorded once per checkpoint and witness (log_witness_refusals),
 * and the first time, the log's alarm is raised (a critical notification for the holders of
 * audit_logs.view and the `audit.integrity_failed` webhook).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Database, Executor } from '../db/database.js';
import { logWitnessRefusals, type LogWitnessRefusalRow } from '../db/tables/index.js';
import { raiseLogAlarm } from './log-alarm.js';
import type { NoteVerifier } from './signed-note.js';

export interface WitnessRefusal {
  /** The witness's HTTP status, or 0 when Vigil read the contradiction from its answer. */
  readonly status: number;
  readonly reason: string;
}

export async function recordWitnessRefusal(
  db: Database,
  clock: Clock,
  tenantId: string,
  checkpoint: { readonly id: string; readonly size: number },
  witness: NoteVerifier,
  refusal: WitnessRefusal,
): Promise<void> {
  const inserted = await db
    .insert(logWitnessRefusals)
    .values({
      tenantId,
      checkpointId: checkpoint.id,
      witnessName: witness.name,
      keyId: witness.keyId.toString('hex'),
      status: refusal.status,
      reason: refusal.reason,
      refusedAt: clock.now(),
    })
    .onConflictDoNothing()
    .returning({ checkpointId: logWitnessRefusals.checkpointId });
  if (inserted.length === 0) return;
  await raiseLogAlarm(db, clock, tenantId, {
    kind: 'witness_refused',
    index: checkpoint.size,
    message: `Witness ${witness.name} refused the checkpoint of ${checkpoint.size} leaves: ${refusal.reason}`,
    faultCount: 1,
    size: checkpoint.size,
  });
}

/** The refusals of some checkpoints of a tenant, by witness. */
export function refusalsOf(db: Executor, tenantId: string, checkpointIds: readonly string[]): Promise<LogWitnessRefusalRow[]> {
  if (checkpointIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(logWitnessRefusals)
    .where(and(eq(logWitnessRefusals.tenantId, tenantId), inArray(logWitnessRefusals.checkpointId, [...checkpointIds])))
    .orderBy(logWitnessRefusals.witnessName, logWitnessRefusals.keyId);
}
