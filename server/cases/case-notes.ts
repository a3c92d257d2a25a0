/**
 * A case's notes: what investigators wrote, oldest first. Append-only: there is no way to edit or
 * delete one through Vigil, and each is a leaf of the verifiable log written once (a note changed
 * in the database is named RECORD_MODIFIED by logIntegrity).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { requireCaseWorker } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { caseNotes, type CaseNoteRow } from '../db/tables/index.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { lockCase, requireOpenCase } from './cases.js';

const bodySchema = z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters');

export async function addCaseNote(ctx: TransactionContext, caseId: string, body: string): Promise<CaseNoteRow> {
  const worker = requireCaseWorker(ctx.actor);
  const text = parseInput(bodySchema, body, 'body');
  const caseRow = await lockCase(ctx.db, worker.tenantId, caseId);
  requireOpenCase(caseRow);
  const [row] = await ctx.db
    .insert(caseNotes)
    .values({ tenantId: worker.tenantId, caseId, id: newId(), authorId: worker.userId, body: text, createdAt: ctx.clock.now() })
    .returning();
  await recordChange(ctx, { action: 'case.note_added', resource: { type: 'case', id: caseId, name: caseRow.title }, after: { noteId: row!.id } });
  return row!;
}

/** The notes of cases, oldest first. */
export async function notesOfCases(db: Executor, tenantId: string, caseIds: readonly string[]): Promise<CaseNoteRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .select()
    .from(caseNotes)
    .where(and(eq(caseNotes.tenantId, tenantId), inArray(caseNotes.caseId, [...caseIds])))
    .orderBy(asc(caseNotes.createdAt), asc(caseNotes.id));
}
