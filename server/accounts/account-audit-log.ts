/**
 * The account-wide audit log (SPOG's "remove the organisation filter to see account-wide logs"):
 * each workspace's own audit log, read a page at a time by the same query as a workspace's
 * `auditLog` (as the person's row there), merged newest first. The cursor holds each workspace's
 * own position, so paging on never skips or repeats an entry whatever the workspaces' clocks did.
 * Each workspace records the reading in its own log, as its own `auditLog` does.
 */
import { z } from 'zod';
import { listAuditEntries, type AuditFilter } from '../audit/list-entries.js';
import { recordAuditView } from '../audit/record-view.js';
import type { AuditEntryRow } from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import type { ServiceContext } from '../service-context.js';
import { reachedWorkspaces } from './account-reach.js';
import type { WorkspaceRecord } from './accounts.js';

export interface AccountAuditEntry {
  readonly workspace: WorkspaceRecord;
  readonly entry: AuditEntryRow;
}

export interface AccountAuditPage {
  readonly nodes: AccountAuditEntry[];
  /** Where the next page starts; pass it as `after`. */
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/** Per workspace id: the cursor of its last entry shown. */
const cursorSchema = z.record(z.string().uuid(), z.string().max(200));

function decodeCursor(after: string | null | undefined): Record<string, string> {
  if (!after) return {};
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(after, 'base64url').toString('utf8')));
  } catch {
    throw new BadInput('after', 'after is not a cursor of accountAuditLog');
  }
}

const encodeCursor = (positions: Record<string, string>) => Buffer.from(JSON.stringify(positions), 'utf8').toString('base64url');

export async function accountAuditLog(
  ctx: ServiceContext,
  catchUp: (tenantId: string) => Promise<void>,
  read: { first?: number | null; after?: string | null; filter: AuditFilter; workspaces?: readonly string[] | null },
): Promise<AccountAuditPage> {
  const size = read.first ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > 500) throw new BadInput('first', 'first must be between 1 and 500');
  const positions = decodeCursor(read.after);
  const reached = await reachedWorkspaces(ctx, read.workspaces);
  const streams = [];
  for (const { workspace, actor } of reached) {
    await catchUp(workspace.id);
    const page = await listAuditEntries(ctx.db, workspace.id, read.filter, { first: size, after: positions[workspace.id] ?? null });
    streams.push({ workspace, actor, page, taken: 0 });
  }
  const nodes: AccountAuditEntry[] = [];
  while (nodes.length < size) {
    let next: (typeof streams)[number] | undefined;
    for (const stream of streams) {
      const head = stream.page.nodes[stream.taken];
      if (!head) continue;
      const best = next?.page.nodes[next.taken];
      if (!best || head.occurredAt > best.occurredAt) next = stream;
    }
    if (!next) break;
    nodes.push({ workspace: next.workspace, entry: next.page.nodes[next.taken]! });
    next.taken += 1;
  }
  for (const stream of streams) if (stream.taken > 0) positions[stream.workspace.id] = stream.page.cursorAt(stream.taken - 1);
  const hasNextPage = streams.some((stream) => stream.taken < stream.page.nodes.length || stream.page.hasNextPage);
  for (const { actor } of streams) {
    await recordAuditView({ ...ctx, actor }, 'audit.log_viewed', 'audit_log', { view: 'account', filter: read.filter, workspaces: read.workspaces ?? null });
  }
  return { nodes, endCursor: nodes.length > 0 || read.after ? encodeCursor(positions) : null, hasNextPage };
}
