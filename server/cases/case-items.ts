/**
 * Attaching records to a case and detaching them. The person attaching must see the record through
 * its own list's rule (case-item-kinds.ts): otherwise NOT_FOUND, the answer for a row that does not
 * exist, so a case never confirms another person's or tenant's row. Detaching keeps the attachment
 * (removed_at, removed_by_id): the case's history of what it held stays in the row's leaves;
 * attaching the same record again clears them, with the new reason.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { requireCaseWorker } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { caseItems, type CaseItemRow, type CaseRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseId, parseInput } from '../validation.js';
import { caseItemSource, findVisibleItem, type CaseItemSource } from './case-item-kinds.js';
import { lockCase, requireOpenCase } from './cases.js';

const noteSchema = z.string().trim().max(2000, 'must be at most 2000 characters');

export interface CaseItemRef {
  readonly kind: string;
  readonly id: string;
}

const sourceOf = (kind: string): CaseItemSource => {
  const source = caseItemSource(kind);
  if (!source) throw new BadInput('kind', `kind: ${kind} cannot be attached to a case`);
  return source;
};

const attachmentOf = (caseRow: CaseRow, source: CaseItemSource, itemId: string) =>
  and(eq(caseItems.tenantId, caseRow.tenantId), eq(caseItems.caseId, caseRow.id), eq(caseItems.itemKind, source.kind), eq(caseItems.itemId, itemId));

/** Checks the case is open to change and the record is the actor's to see; NOT_FOUND names the record otherwise. */
async function prepare(ctx: TransactionContext, caseId: string, ref: CaseItemRef): Promise<{ caseRow: CaseRow; source: CaseItemSource; itemId: string }> {
  const worker = requireCaseWorker(ctx.actor);
  const source = sourceOf(ref.kind);
  const itemId = parseId('id', ref.id);
  const caseRow = await lockCase(ctx.db, worker.tenantId, caseId);
  requireOpenCase(caseRow);
  if (!(await findVisibleItem(ctx.db, ctx.actor, source, itemId))) throw new NotFound(source.label, ref.id);
  return { caseRow, source, itemId };
}

export async function attachToCase(ctx: TransactionContext, caseId: string, ref: CaseItemRef, note: string | null | undefined): Promise<CaseItemRow> {
  const why = parseInput(noteSchema, note ?? '', 'note');
  const { caseRow, source, itemId } = await prepare(ctx, caseId, ref);
  const userId = requireCaseWorker(ctx.actor).userId;
  const now = ctx.clock.now();
  const [existing] = await ctx.db
    .select()
    .from(caseItems)
    .where(attachmentOf(caseRow, source, itemId));
  if (existing && existing.removedAt === null) throw new Conflict(`This ${source.label.toLowerCase()} is already attached to the case`, { field: 'id' });
  const attached = { note: why, addedById: userId, addedAt: now, removedAt: null, removedById: null };
  const [row] = existing
    ? await ctx.db
        .update(caseItems)
        .set(attached)
        .where(attachmentOf(caseRow, source, itemId))
        .returning()
    : await ctx.db
        .insert(caseItems)
        .values({ tenantId: caseRow.tenantId, caseId: caseRow.id, id: newId(), itemKind: source.kind, itemId, ...attached })
        .returning();
  await recordChange(ctx, {
    action: 'case.item_attached',
    resource: { type: 'case', id: caseRow.id, name: caseRow.title },
    after: { itemKind: source.kind, itemId, note: why, caseItemId: row!.id },
  });
  return row!;
}

export async function detachFromCase(ctx: TransactionContext, caseId: string, ref: CaseItemRef): Promise<CaseItemRow> {
  const { caseRow, source, itemId } = await prepare(ctx, caseId, ref);
  const [existing] = await ctx.db
    .select()
    .from(caseItems)
    .where(and(attachmentOf(caseRow, source, itemId), isNull(caseItems.removedAt)));
  if (!existing) throw new NotFound('Case item', `${source.kind}:${ref.id}`);
  const [row] = await ctx.db
    .update(caseItems)
    .set({ removedAt: ctx.clock.now(), removedById: requireCaseWorker(ctx.actor).userId })
    .where(and(eq(caseItems.tenantId, caseRow.tenantId), eq(caseItems.id, existing.id)))
    .returning();
  await recordChange(ctx, {
    action: 'case.item_detached',
    resource: { type: 'case', id: caseRow.id, name: caseRow.title },
    before: { itemKind: source.kind, itemId, note: existing.note, caseItemId: existing.id },
  });
  return row!;
}

/** The attachments of cases, oldest first; detached ones only when asked. */
export async function itemsOfCases(db: Executor, tenantId: string, caseIds: readonly string[], isRemovedIncluded = false): Promise<CaseItemRow[]> {
  if (caseIds.length === 0) return [];
  return db
    .select()
    .from(caseItems)
    .where(and(eq(caseItems.tenantId, tenantId), inArray(caseItems.caseId, [...caseIds]), isRemovedIncluded ? undefined : isNull(caseItems.removedAt)))
    .orderBy(asc(caseItems.addedAt), asc(caseItems.id));
}
