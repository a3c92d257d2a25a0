import DataLoader from 'dataloader';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { listAuditEntries } from '../../server/audit/list-entries.js';
import { requireCaseWorker } from '../../server/auth/scope.js';
import { attachToCase, detachFromCase, itemsOfCases } from '../../server/cases/case-items.js';
import { addCaseNote, notesOfCases } from '../../server/cases/case-notes.js';
import { assignCase, createCase, getCase, listCases, updateCase } from '../../server/cases/cases.js';
import type { CaseItemRecord, CaseNoteRecord } from '../../server/cases/case-types.js';
import { NotFound } from '../../server/errors.js';
import { inTransaction } from '../../server/service-context.js';
import { parseFilterIds, parseId, parseOptionalId } from '../../server/validation.js';
import { AuditEntry, AuditEntryConnection } from '../audit/audit-entry.type.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { logCaughtUp } from '../log/caught-up.js';
import { Person } from '../records/person.type.js';
import { loadPerson } from '../records/references.js';
import { loadCaseRecord } from './case-record.js';
import { Case, CaseConnection, CaseFilterInput, CaseItem, CaseItemKindEnum, CaseNote, CreateCaseInput, UpdateCaseInput } from './case.types.js';

/** A per-operation loader of each case's rows (items or notes), one statement for a page of cases. */
function rowsByCase<Row extends { caseId: string }>(
  ctx: GraphQLContext,
  name: string,
  fetch: (tenantId: string, caseIds: readonly string[]) => Promise<Row[]>,
): DataLoader<string, Row[]> {
  const key = `cases:${name}`;
  let loader = ctx.loaders.nested.get(key) as DataLoader<string, Row[]> | undefined;
  if (!loader) {
    const tenantId = requireCaseWorker(ctx.actor).tenantId;
    loader = new DataLoader<string, Row[]>(async (caseIds) => {
      const rows = await fetch(tenantId, caseIds);
      return caseIds.map((caseId) => rows.filter((row) => row.caseId === caseId));
    });
    ctx.loaders.nested.set(key, loader);
  }
  return loader;
}

/** The attachments shown to the reader: each only if its record is theirs to see now. */
async function visibleItems(ctx: GraphQLContext, rows: readonly CaseItemRecord[]): Promise<CaseItem[]> {
  const records = await Promise.all(rows.map((row) => loadCaseRecord(ctx, row.itemKind, row.itemId)));
  return rows.flatMap((row, index) => {
    const record = records[index];
    return record ? [CaseItem.from(row, record)] : [];
  });
}

async function oneItem(ctx: GraphQLContext, row: CaseItemRecord): Promise<CaseItem> {
  const [item] = await visibleItems(ctx, [row]);
  if (!item) throw new NotFound('Case item', row.id);
  return item;
}

@Resolver(() => Case)
export class CaseResolver {
  @Query(() => CaseConnection, { description: 'Incident cases, newest first. Needs CASES_MANAGE.' })
  async cases(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => CaseFilterInput, { nullable: true }) filter?: CaseFilterInput | null,
  ): Promise<CaseConnection> {
    const worker = requireCaseWorker(ctx.actor);
    const parsed = parseFilterIds(filter, ['assigneeUserId']);
    return toConnection(await listCases(ctx.reads.db(), worker.tenantId, parsed, page), Case.from);
  }

  @Query(() => Case, { description: 'A case by id. Needs CASES_MANAGE.' })
  async case(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Case> {
    const worker = requireCaseWorker(ctx.actor);
    return Case.from(await getCase(ctx.deps.db, worker.tenantId, parseId('id', id)));
  }

  @Mutation(() => Case, { description: 'Opens an incident case. Needs CASES_MANAGE.' })
  async createCase(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateCaseInput) input: CreateCaseInput): Promise<Case> {
    requireCaseWorker(ctx.actor);
    const row = await inTransaction(serviceContext(ctx), (tx) =>
      createCase(tx, { title: input.title, description: input.description ?? undefined, severity: input.severity ?? undefined }),
    );
    return Case.from(row);
  }

  @Mutation(() => Case, {
    description: 'Changes a case’s title, description, severity or status. A closed case is final: an admin may reopen it (OPEN or INVESTIGATING).',
  })
  async updateCase(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateCaseInput) input: UpdateCaseInput): Promise<Case> {
    requireCaseWorker(ctx.actor);
    const changes = {
      title: input.title ?? undefined,
      description: input.description ?? undefined,
      severity: input.severity ?? undefined,
      status: input.status ?? undefined,
    };
    return Case.from(await inTransaction(serviceContext(ctx), (tx) => updateCase(tx, parseId('id', id), changes)));
  }

  @Mutation(() => Case, { description: 'Gives the case to someone who may work cases; userId null unassigns it.' })
  async assignCase(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('userId', () => ID, { nullable: true }) userId?: string | null,
  ): Promise<Case> {
    requireCaseWorker(ctx.actor);
    const assignee = parseOptionalId('userId', userId) ?? null;
    return Case.from(await inTransaction(serviceContext(ctx), (tx) => assignCase(tx, parseId('id', id), assignee)));
  }

  @Mutation(() => CaseItem, {
    description: 'Attaches a record you can see to a case, with why (NOT_FOUND for a record that is not yours to see).',
  })
  async attachToCase(
    @Ctx() ctx: GraphQLContext,
    @Arg('caseId', () => ID) caseId: string,
    @Arg('kind', () => CaseItemKindEnum) kind: CaseItemKindEnum,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
  ): Promise<CaseItem> {
    requireCaseWorker(ctx.actor);
    // An audit entry is found once the sequencer numbered it: moments after its commit.
    await logCaughtUp(ctx);
    const row = await inTransaction(serviceContext(ctx), (tx) => attachToCase(tx, parseId('caseId', caseId), { kind, id }, note));
    return oneItem(ctx, row);
  }

  @Mutation(() => CaseItem, { description: 'Detaches a record from a case; the attachment stays in the case’s history (removedAt).' })
  async detachFromCase(
    @Ctx() ctx: GraphQLContext,
    @Arg('caseId', () => ID) caseId: string,
    @Arg('kind', () => CaseItemKindEnum) kind: CaseItemKindEnum,
    @Arg('id', () => ID) id: string,
  ): Promise<CaseItem> {
    requireCaseWorker(ctx.actor);
    const row = await inTransaction(serviceContext(ctx), (tx) => detachFromCase(tx, parseId('caseId', caseId), { kind, id }));
    return oneItem(ctx, row);
  }

  @Mutation(() => CaseNote, { description: 'Adds a note to a case. Notes are append-only.' })
  async addCaseNote(@Ctx() ctx: GraphQLContext, @Arg('caseId', () => ID) caseId: string, @Arg('body', () => String) body: string): Promise<CaseNote> {
    requireCaseWorker(ctx.actor);
    return CaseNote.from(await inTransaction(serviceContext(ctx), (tx) => addCaseNote(tx, parseId('caseId', caseId), body)));
  }

  @FieldResolver(() => Person, { nullable: true })
  assignee(@Root() row: Case, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, row.record.assigneeUserId);
  }

  @FieldResolver(() => Person, { nullable: true })
  createdBy(@Root() row: Case, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, row.record.createdById);
  }

  @FieldResolver(() => [CaseItem], {
    description: 'The attached records you may see now, oldest first (each by its own query’s rule); detached ones too with includeRemoved.',
  })
  async items(
    @Root() row: Case,
    @Ctx() ctx: GraphQLContext,
    @Arg('includeRemoved', () => Boolean, { nullable: true }) includeRemoved?: boolean | null,
  ): Promise<CaseItem[]> {
    const loader = includeRemoved
      ? rowsByCase(ctx, 'itemsWithRemoved', (tenantId, ids) => itemsOfCases(ctx.deps.db, tenantId, ids, true))
      : rowsByCase(ctx, 'items', (tenantId, ids) => itemsOfCases(ctx.deps.db, tenantId, ids));
    return visibleItems(ctx, await loader.load(row.id));
  }

  @FieldResolver(() => [CaseNote], { description: 'Its notes, oldest first.' })
  async notes(@Root() row: Case, @Ctx() ctx: GraphQLContext): Promise<CaseNote[]> {
    const rows: CaseNoteRecord[] = await rowsByCase(ctx, 'notes', (tenantId, ids) => notesOfCases(ctx.deps.db, tenantId, ids)).load(row.id);
    return rows.map(CaseNote.from);
  }

  @FieldResolver(() => AuditEntryConnection, {
    description: 'The case’s own audit entries (created, changed, assigned, attached, noted, exported), newest first.',
  })
  async auditTrail(@Root() row: Case, @Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<AuditEntryConnection> {
    const worker = requireCaseWorker(ctx.actor);
    await logCaughtUp(ctx);
    return toConnection(await listAuditEntries(ctx.deps.db, worker.tenantId, { resourceType: 'case', resourceId: row.id }, page), AuditEntry.from);
  }
}

@Resolver(() => CaseItem)
export class CaseItemResolver {
  @FieldResolver(() => Person, { nullable: true, description: 'Who attached it.' })
  addedBy(@Root() item: CaseItem, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, item.row.addedById);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who detached it (null while attached).' })
  removedBy(@Root() item: CaseItem, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, item.row.removedById);
  }
}

@Resolver(() => CaseNote)
export class CaseNoteResolver {
  @FieldResolver(() => Person, { nullable: true })
  author(@Root() note: CaseNote, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, note.row.authorId);
  }
}
