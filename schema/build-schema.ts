import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { ApprovalPolicyResolver } from './approvals/approval-policy.resolver.js';
import { ApprovalDecisionResolver, ApprovalResolver } from './approvals/approval.resolver.js';
import { SudoResolver } from './approvals/sudo.resolver.js';
import { AuditResolver } from './audit/audit.resolver.js';
import { NotificationResolver } from './notifications/notification.resolver.js';
import { SubscriptionResolver } from './realtime/subscriptions.resolver.js';
import { WebhookResolver } from './webhooks/webhook.resolver.js';
import { AlertResolver } from './alerts/alert.resolver.js';
import { AlertsResolver } from './alerts/alerts.resolver.js';
import { RetentionResolver } from './audit/retention.resolver.js';
import { ApiTokenResolver } from './identity/api-token.resolver.js';
import { MeResolver } from './identity/me.resolver.js';
import { ServerResolver } from './identity/server.resolver.js';
import { ServerPresenceResolver } from './identity/server-presence.resolver.js';
import { AgentDirectiveResolver } from './directives/agent-directive.resolver.js';
import { SessionAuthorizationResolver } from './approvals/session-authorization.resolver.js';
import { TotpResolver } from './identity/totp.resolver.js';
import { UserResolver } from './identity/user.resolver.js';
import { AccessSessionResolver } from './records/access-session.resolver.js';
import { ActivityResolver } from './records/activity.resolver.js';
import { CommandResolver } from './records/command.resolver.js';
import { FileTransferResolver } from './records/file-transfer.resolver.js';
import { IngestResolver } from './records/ingest.resolver.js';
import { SudoAuthorizationResolver } from './records/sudo-authorization.resolver.js';
import { SystemLogResolver } from './records/system-log.resolver.js';
import { TerminalSessionResolver } from './records/terminal-session.resolver.js';
import { ViewerResolver } from './records/viewer.resolver.js';
import { ChatResolver } from './chat/chat.resolver.js';
import { SlackInstallResolver } from './chat/slack-install.resolver.js';
import { ApprovalOnCallResolver, ApprovalPolicyOnCallResolver, OnCallResolver } from './oncall/on-call.resolver.js';
import { RoleResolver, UserRolesResolver } from './roles/role.resolver.js';
import { DateTimeScalar } from './common/date-time-scalar.js';
import { leanFieldResolvers } from './lean-field-resolvers.js';
import { EventStreamResolver } from './events/event-stream.resolver.js';
import { StreamEventOcsfResolver } from './events/stream-event-ocsf.resolver.js';
import { EventStatisticsResolver } from './events/event-statistics.resolver.js';
import { AccountResolver } from './accounts/account.resolver.js';
import { LogResolver } from './log/log.resolver.js';
import { LogArchiveResolver } from './log/archive.resolver.js';
import { LogCheckpointResolver } from './log/checkpoint-witnesses.resolver.js';
import { RECORD_LEAF_RESOLVERS } from './log/record-leaf.resolver.js';
import { DesktopRecordingResolver } from './recordings/desktop-recording.resolver.js';
import { CaseItemResolver, CaseNoteResolver, CaseResolver } from './cases/case.resolver.js';
import { resolveCaseRecordsSynchronously } from './cases/case-record.js';
import { ReportResolver } from './reports/report.resolver.js';
import { TerminalRecordingResolver, TerminalSessionRecordingResolver } from './recordings/recording.resolver.js';
import { AccessReviewItemResolver, AccessReviewResolver } from './reviews/access-review.resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const RESOLVERS: NonEmptyArray<Function> = [
  MeResolver,
  UserResolver,
  ServerResolver,
  ServerPresenceResolver,
  AgentDirectiveResolver,
  SessionAuthorizationResolver,
  ApiTokenResolver,
  TotpResolver,
  ViewerResolver,
  AccessSessionResolver,
  TerminalSessionResolver,
  CommandResolver,
  FileTransferResolver,
  SudoAuthorizationResolver,
  SystemLogResolver,
  ActivityResolver,
  IngestResolver,
  ApprovalResolver,
  ApprovalDecisionResolver,
  ApprovalPolicyResolver,
  SudoResolver,
  NotificationResolver,
  SubscriptionResolver,
  WebhookResolver,
  AlertsResolver,
  AlertResolver,
  ReportResolver,
  AuditResolver,
  RetentionResolver,
  TerminalRecordingResolver,
  DesktopRecordingResolver,
  TerminalSessionRecordingResolver,
  ChatResolver,
  SlackInstallResolver,
  OnCallResolver,
  ApprovalPolicyOnCallResolver,
  ApprovalOnCallResolver,
  RoleResolver,
  UserRolesResolver,
  LogResolver,
  LogArchiveResolver,
  LogCheckpointResolver,
  EventStreamResolver,
  StreamEventOcsfResolver,
  EventStatisticsResolver,
  AccountResolver,
  AccessReviewResolver,
  AccessReviewItemResolver,
  CaseResolver,
  CaseItemResolver,
  CaseNoteResolver,
  ...RECORD_LEAF_RESOLVERS,
];

/**
 * type-graphql insists on a PubSub when there are subscriptions, even though every subscription
 * of Vigil brings its own stream (schema/realtime/event-stream.ts over the domain-event bus).
 */
const UNUSED_PUBSUB: PubSub = {
  publish() {
    throw new Error('Vigil publishes domain events (server/realtime/domain-events.ts), not through type-graphql');
  },
  subscribe() {
    throw new Error('Vigil subscriptions bring their own stream (schema/realtime/event-stream.ts)');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** Vigil's executable schema; built once per process (type-graphql metadata is global anyway). */
export function buildVigilSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false, pubSub: UNUSED_PUBSUB, scalarsMap: [{ type: Date, scalar: DateTimeScalar }] }).then(
    (schema) => {
      leanFieldResolvers(schema);
      resolveCaseRecordsSynchronously(schema);
      return schema;
    },
  );
  return built;
}
