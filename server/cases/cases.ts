/**
 * Incident cases: what investigators found in the record, with a status, a severity and an
 * assignee. Every change is one transaction with its audit entry (resource `case`, the case's id),
 * and each row is a leaf of the verifiable log, so a case's own history is provable like the
 * records it holds. Who may read and work cases: server/auth/scope.ts (requireCaseWorker); how
 * the status moves: case-status.ts.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { effectivePermissions } from '../auth/permissions.js';
import { requireCaseWorker } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { CASE_SEVERITIES, CASE_STATUSES, cases, users, type CaseRow, type CaseSeverity, type CaseStatus } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { equalsIfGiven, oneOfIfGiven } from '../records/queries/conditions.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import { checkStatusMove, isReopening } from './case-status.js';

const descriptionSchema = z.string().trim().max(20_000, 'must be at most 20000 characters');

const createInput = z.object({
  title: nameSchema(200),
  description: descriptionSchema.default(''),
  severity: z.enum(CASE_SEVERITIES).default('medium'),
});
const updateInput = z.object({
  title: nameSchema(200).optional(),
  description: descriptionSchema.optional(),
  severity: z.enum(CASE_SEVERITIES).optional(),
  status: z.enum(CASE_STATUSES).optional(),
});

export type CreateCaseInput = z.input<typeof createInput>;
export type UpdateCaseInput = z.input<typeof updateInput>;

export interface CaseFilter {
  readonly status?: CaseStatus[] | null;
  readonly severity?: CaseSeverity[] | null;
  readonly assigneeUserId?: string | null;
}

/** What the audit entry keeps of a case. */
const caseSnapshot = (row: CaseRow) => ({
  title: row.title,
  status: row.status,
  severity: row.severity,
  assigneeUserId: row.assigneeUserId,
});

const thisCase = (tenantId: string, id: string) => and(eq(cases.tenantId, tenantId), eq(cases.id, id));

export async function getCase(db: Executor, tenantId: string, id: string): Promise<CaseRow> {
  const [row] = await db.select().from(cases).where(thisCase(tenantId, id));
  if (!row) throw new NotFound('Case', id);
  return row;
}

/** The case, locked for the rest of the transaction: changes to one case take turns. */
export async function lockCase(db: Executor, tenantId: string, id: string): Promise<CaseRow> {
  const [row] = await db.select().from(cases).where(thisCase(tenantId, id)).for('update');
  if (!row) throw new NotFound('Case', id);
  return row;
}

/** A closed case is final: nothing is attached, detached or noted on it until an admin reopens it. */
export function requireOpenCase(row: CaseRow, field = 'caseId'): void {
  if (row.status === 'closed') throw new Conflict(`Case ${row.id} is closed; an admin may reopen it`, { field, status: 'closed' });
}

export async function createCase(ctx: TransactionContext, input: CreateCaseInput): Promise<CaseRow> {
  const worker = requireCaseWorker(ctx.actor);
  const parsed = parseInput(createInput, input, 'input');
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .insert(cases)
    .values({ tenantId: worker.tenantId, id: newId(), ...parsed, status: 'open', createdById: worker.userId, createdAt: now, updatedAt: now })
    .returning();
  await recordChange(ctx, { action: 'case.created', resource: { type: 'case', id: row!.id, name: row!.title }, after: caseSnapshot(row!) });
  return row!;
}

/** Changes a case's title, description, severity or status (how the status moves: case-status.ts). */
export async function updateCase(ctx: TransactionContext, id: string, input: UpdateCaseInput): Promise<CaseRow> {
  const worker = requireCaseWorker(ctx.actor);
  const parsed = parseInput(updateInput, input, 'input');
  const before = await lockCase(ctx.db, worker.tenantId, id);
  const status = parsed.status ?? before.status;
  checkStatusMove(ctx.actor, before.status, status);
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(cases)
    .set({
      title: parsed.title ?? before.title,
      description: parsed.description ?? before.description,
      severity: parsed.severity ?? before.severity,
      status,
      closedAt: status === 'closed' ? (before.closedAt ?? now) : null,
      updatedAt: now,
    })
    .where(thisCase(worker.tenantId, id))
    .returning();
  await recordChange(ctx, {
    action: isReopening(before.status, status) ? 'case.reopened' : 'case.updated',
    resource: { type: 'case', id, name: row!.title },
    before: caseSnapshot(before),
    after: caseSnapshot(row!),
  });
  return row!;
}

/** Gives the case to someone who may work cases (null: nobody). */
export async function assignCase(ctx: TransactionContext, id: string, assigneeUserId: string | null): Promise<CaseRow> {
  const worker = requireCaseWorker(ctx.actor);
  const before = await lockCase(ctx.db, worker.tenantId, id);
  requireOpenCase(before);
  if (assigneeUserId !== null) await requireAssignable(ctx.db, worker.tenantId, assigneeUserId);
  const [row] = await ctx.db.update(cases).set({ assigneeUserId, updatedAt: ctx.clock.now() }).where(thisCase(worker.tenantId, id)).returning();
  await recordChange(ctx, {
    action: 'case.assigned',
    resource: { type: 'case', id, name: row!.title },
    before: caseSnapshot(before),
    after: caseSnapshot(row!),
  });
  return row!;
}

/** An assignee is an enabled user of the tenant who may work cases; anyone else is refused by the field. */
async function requireAssignable(db: Executor, tenantId: string, userId: string): Promise<void> {
  const [user] = await db
    .select({ role: users.role, permissions: users.permissions })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId), isNull(users.disabledAt)));
  if (!user) throw new BadInput('userId', `userId: no enabled user ${userId} in this tenant`);
  if (!effectivePermissions(user.role, user.permissions).has('cases.manage')) {
    throw new BadInput('userId', 'userId: this user may not work cases (they need the admin role or the cases.manage permission)');
  }
}

/** Cases, newest first, filtered by status, severity and assignee. */
export async function listCases(db: Executor, tenantId: string, filter: CaseFilter, args: PageArgs): Promise<Page<CaseRow>> {
  const conditions = [
    eq(cases.tenantId, tenantId),
    oneOfIfGiven(cases.status, filter.status),
    oneOfIfGiven(cases.severity, filter.severity),
    equalsIfGiven(cases.assigneeUserId, filter.assigneeUserId),
  ];
  return fetchPage(
    args,
    [cases.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(cases)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}
