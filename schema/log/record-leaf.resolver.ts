/**
 * `logLeaf` on every record type and every setting type: its current version in the verifiable log
 * (position and leaf hash), loaded for a whole page in one query. The leaf text holds every stored column,
 * field-scoped ones included, so only holders of AUDIT_LOGS_VIEW read it.
 */
import DataLoader from 'dataloader';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { hasPermission } from '../../server/auth/scope.js';
import { latestLeaves, type StoredLeaf } from '../../server/log/proofs.js';
import { AlertRule, NotificationChannel } from '../alerts/alert.types.js';
import { Approval, ApprovalDecision } from '../approvals/approval.type.js';
import { ApprovalPolicy } from '../approvals/approval-policy.type.js';
import { SudoCheck } from '../approvals/sudo-check.type.js';
import { DesktopRecording } from '../recordings/desktop-recording.types.js';
import { TerminalRecording } from '../recordings/recording.types.js';
import { AuditEntry } from '../audit/audit-entry.type.js';
import { Case, CaseItem, CaseNote } from '../cases/case.types.js';
import type { GraphQLContext } from '../context.js';
import { ApiToken } from '../identity/api-token.type.js';
import { Server } from '../identity/server.type.js';
import { User } from '../identity/user.type.js';
import { AccessSession } from '../records/access-session.type.js';
import { ActivityEntry } from '../records/activity-entry.type.js';
import { Command } from '../records/command.type.js';
import { FileTransfer } from '../records/file-transfer.type.js';
import { SudoAuthorization } from '../records/sudo-authorization.type.js';
import { SystemLog } from '../records/system-log.type.js';
import { TerminalSession } from '../records/terminal-session.type.js';
import { WebhookSubscription } from '../webhooks/webhook.types.js';
import { logCaughtUp } from './caught-up.js';
import { toLogLeaf } from './log.resolver.js';
import { LogLeaf } from './log.types.js';

function leafLoader(ctx: GraphQLContext): DataLoader<string, StoredLeaf | null> {
  const key = 'log:latestLeaf';
  let loader = ctx.loaders.nested.get(key) as DataLoader<string, StoredLeaf | null> | undefined;
  if (!loader) {
    const tenantId = ctx.actor!.tenantId;
    loader = new DataLoader<string, StoredLeaf | null>(async (ids) => {
      const leaves = await latestLeaves(ctx.deps.db, tenantId, ids);
      return ids.map((id) => leaves.get(id) ?? null);
    });
    ctx.loaders.nested.set(key, loader);
  }
  return loader;
}

async function logLeafOf(ctx: GraphQLContext, recordId: string): Promise<LogLeaf | null> {
  if (!ctx.actor) return null;
  await logCaughtUp(ctx);
  const leaf = await leafLoader(ctx).load(recordId);
  return leaf ? toLogLeaf(leaf, hasPermission(ctx.actor, 'audit_logs.view')) : null;
}

/** The `logLeaf` field on one record type (every record type's id is its leaf's record id). */
function recordLeafResolver(type: new () => { id: string }) {
  @Resolver(() => type)
  class RecordLeafResolver {
    @FieldResolver(() => LogLeaf, { nullable: true, description: 'This record’s current version in the verifiable log (logInclusionProof proves it).' })
    logLeaf(@Root() row: { id: string }, @Ctx() ctx: GraphQLContext) {
      return logLeafOf(ctx, row.id);
    }
  }
  return RecordLeafResolver;
}

export const RECORD_LEAF_RESOLVERS = [
  Command,
  TerminalSession,
  AccessSession,
  FileTransfer,
  SystemLog,
  SudoAuthorization,
  SudoCheck,
  Approval,
  ApprovalDecision,
  TerminalRecording,
  DesktopRecording,
  AuditEntry,
  ActivityEntry,
  User,
  ApiToken,
  Server,
  ApprovalPolicy,
  NotificationChannel,
  AlertRule,
  WebhookSubscription,
  // A case's own history: the case, each attachment and each note.
  Case,
  CaseItem,
  CaseNote,
].map(recordLeafResolver);
