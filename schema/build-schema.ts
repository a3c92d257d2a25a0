import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { ApprovalPolicyResolver } from './approvals/approval-policy.resolver.js';
import { ApprovalDecisionResolver, ApprovalResolver } from './approvals/approval.resolver.js';
import { SudoResolver } from './approvals/sudo.resolver.js';
import { AuditResolver } from './audit/audit.resolver.js';
import { RetentionResolver } from './audit/retention.resolver.js';
import { ApiTokenResolver } from './identity/api-token.resolver.js';
import { MeResolver } from './identity/me.resolver.js';
import { ServerResolver } from './identity/server.resolver.js';
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

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const RESOLVERS: NonEmptyArray<Function> = [
  MeResolver,
  UserResolver,
  ServerResolver,
  ApiTokenResolver,
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
  AuditResolver,
  RetentionResolver,
];

let built: Promise<GraphQLSchema> | undefined;

/** Vigil's executable schema; built once per process (type-graphql metadata is global anyway). */
export function buildVigilSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false });
  return built;
}
