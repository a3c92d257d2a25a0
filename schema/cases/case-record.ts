/**
 * A case item's record as its own GraphQL type, loaded for a whole page at once: the page's items
 * of each kind in one statement through that kind's list rule (server/cases/case-item-kinds.ts),
 * the kinds' statements in one write (server/db/statement-pipeline.ts). A record the reader may
 * not see resolves to null, and the item is left out.
 */
import DataLoader from 'dataloader';
import { isUnionType, type GraphQLSchema } from 'graphql';
import { createUnionType } from 'type-graphql';
import { caseItemSource, itemScope } from '../../server/cases/case-item-kinds.js';
import type { CaseItemKind } from '../../server/cases/case-types.js';
import { lookupPipeline, type LookupPipeline } from '../../server/lookups/lookup-pipeline.js';
import { Approval } from '../approvals/approval.type.js';
import { AuditEntry } from '../audit/audit-entry.type.js';
import type { GraphQLContext } from '../context.js';
import { DesktopRecording } from '../recordings/desktop-recording.types.js';
import { TerminalRecording } from '../recordings/recording.types.js';
import { AccessSession } from '../records/access-session.type.js';
import { ActivityEntry } from '../records/activity-entry.type.js';
import { Command } from '../records/command.type.js';
import { FileTransfer } from '../records/file-transfer.type.js';
import { SudoAuthorization } from '../records/sudo-authorization.type.js';
import { SystemLog } from '../records/system-log.type.js';
import { TerminalSession } from '../records/terminal-session.type.js';

const TYPES = [
  AuditEntry,
  ActivityEntry,
  AccessSession,
  TerminalSession,
  Command,
  FileTransfer,
  SystemLog,
  SudoAuthorization,
  Approval,
  TerminalRecording,
  DesktopRecording,
] as const;

/** The record's GraphQL type name; the compiled executor (server/http/compiled-execution.ts) takes names only. */
const typeNameOf = (value: unknown): string | undefined => TYPES.find((type) => value instanceof type)?.name;

export const CaseRecord = createUnionType({
  name: 'CaseRecord',
  description: 'A record attached to a case, as its own type (each has logLeaf).',
  types: () => TYPES,
  resolveType: typeNameOf,
});

/**
 * type-graphql wraps a union's resolveType in an async function, and graphql-jit does not await
 * it; the built schema's union gets the synchronous one.
 */
export function resolveCaseRecordsSynchronously(schema: GraphQLSchema): void {
  const union = schema.getType('CaseRecord');
  if (isUnionType(union)) union.resolveType = typeNameOf;
}

type View = InstanceType<(typeof TYPES)[number]>;

/** Each offered kind's GraphQL shape of its row (the rows are those its list returns). */
const VIEWS: Readonly<Partial<Record<CaseItemKind, (row: never) => View>>> = {
  audit_entry: AuditEntry.from,
  activity: ActivityEntry.from,
  access_session: AccessSession.from,
  terminal_session: TerminalSession.from,
  command: Command.from,
  file_transfer: FileTransfer.from,
  system_log: SystemLog.from,
  sudo_authorization: SudoAuthorization.from,
  approval: Approval.from,
  terminal_recording: TerminalRecording.from,
  desktop_recording: DesktopRecording.from,
};

const recordKey = (kind: string, id: string) => `${kind}:${id}`;

/** The views of one kind's records among `ids`, as `reader` may see them: one statement. */
async function viewsOfKind(ctx: GraphQLContext, pipeline: LookupPipeline, kind: string, ids: readonly string[]): Promise<Map<string, View>> {
  const source = caseItemSource(kind);
  const view = source && VIEWS[source.kind];
  const scope = source ? itemScope(ctx.actor, source) : null;
  if (!source || !view || !scope) return new Map();
  const rows = await pipeline.run((db) => source.findMany(db, scope, ids));
  return new Map(rows.map((row) => [recordKey(kind, row.id), view(row as never)]));
}

/**
 * A per-operation loader of attached records: a page's keys, grouped by kind, one statement each,
 * the statements of several kinds in one write.
 */
function recordLoader(ctx: GraphQLContext): DataLoader<string, View | null> {
  const key = 'cases:itemRecord';
  let loader = ctx.loaders.nested.get(key) as DataLoader<string, View | null> | undefined;
  if (!loader) {
    const pipeline = lookupPipeline(ctx.deps.db);
    loader = new DataLoader<string, View | null>(async (keys) => {
      const idsByKind = new Map<string, string[]>();
      for (const itemKey of keys) {
        const split = itemKey.indexOf(':');
        const kind = itemKey.slice(0, split);
        idsByKind.set(kind, [...(idsByKind.get(kind) ?? []), itemKey.slice(split + 1)]);
      }
      const found = await Promise.all([...idsByKind].map(([kind, ids]) => viewsOfKind(ctx, pipeline, kind, ids)));
      return keys.map((itemKey) => found.find((views) => views.has(itemKey))?.get(itemKey) ?? null);
    });
    ctx.loaders.nested.set(key, loader);
  }
  return loader;
}

/** The record of an attachment as the reader may see it; null when they may not (or it is gone). */
export function loadCaseRecord(ctx: GraphQLContext, kind: string, id: string): Promise<View | null> {
  return recordLoader(ctx).load(recordKey(kind, id));
}
