/**
 * What a chat user's home shows (Slack's App Home tab), read in one GraphQL operation run as that
 * user, so the API's scoping decides every row: the requests waiting for their decision (when
 * they may decide any), their own open requests, their access and sudo grants in force, and
 * their latest commands. Platform-neutral: each bot renders it its own way.
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import { APPROVAL_FIELDS, type ApprovalFacts } from './approval-facts.js';
import { runOperation, type ChatCaller, type OperationResult } from './run-operation.js';

/** Rows per list: a Slack home holds 100 blocks at most, and a home is a glance, not the record. */
export const HOME_LIMITS = { toReview: 8, openRequests: 8, access: 8, sudo: 8, commands: 5 } as const;

export interface HomeAccessSession {
  id: string;
  status: 'ACTIVE' | 'APPROVED';
  startsAt: string | null;
  expiresAt: string | null;
  isSudoAllowed: boolean;
  servers: { name: string }[];
}

export interface HomeSudoGrant {
  id: string;
  command: string;
  isPattern: boolean;
  expiresAt: string | null;
  server: { name: string };
}

export interface HomeCommand {
  id: string;
  line: string;
  status: string;
  submittedAt: string;
  exitCode: number | null;
  server: { name: string };
}

interface Listed<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean };
}

export interface HomeFacts {
  me: { id: string; email: string; permissions: string[] };
  /** Null for people who may decide no request (no APPROVALS_DECIDE): they get no such list. */
  toReview: Listed<ApprovalFacts> | null;
  openRequests: Listed<ApprovalFacts>;
  access: Listed<HomeAccessSession>;
  sudo: Listed<HomeSudoGrant>;
  commands: Listed<HomeCommand>;
}

const MORE = 'pageInfo { hasNextPage }';
const HOME = `query($me: ID!, $now: DateTimeISO!) {
  me { id email permissions }
  toReview: approvalsToReview(first: ${HOME_LIMITS.toReview}) { nodes { ${APPROVAL_FIELDS} } ${MORE} }
  openRequests: approvals(first: ${HOME_LIMITS.openRequests}, filter: { requesterId: $me, status: [PENDING] }) { nodes { ${APPROVAL_FIELDS} } ${MORE} }
  viewer {
    access: accessSessions(first: ${HOME_LIMITS.access}, filter: { status: [ACTIVE, APPROVED] }) {
      nodes { id status startsAt expiresAt isSudoAllowed servers { name } } ${MORE} }
    sudo: sudoAuthorizations(first: ${HOME_LIMITS.sudo}, filter: { activeAt: $now }) { nodes { id command isPattern expiresAt server { name } } ${MORE} }
    commands(first: ${HOME_LIMITS.commands}) { nodes { id line status submittedAt exitCode server { name } } ${MORE} }
  }
}`;

interface HomeAnswer extends Pick<HomeFacts, 'me' | 'openRequests'> {
  toReview: Listed<ApprovalFacts>;
  viewer: Pick<HomeFacts, 'access' | 'sudo' | 'commands'>;
}

export async function loadHomeFacts(
  bot: { readonly schema: GraphQLSchema; readonly deps: SchemaDependencies },
  caller: ChatCaller,
): Promise<OperationResult<HomeFacts>> {
  if (caller.actor.type !== 'user') throw new Error('a home belongs to a person');
  const result = await runOperation<HomeAnswer>(bot.schema, bot.deps, caller, HOME, { me: caller.actor.userId, now: bot.deps.clock.now() });
  if (result.error) return result;
  const { me, toReview, openRequests, viewer } = result.data;
  // Admins hold every permission; anyone else who may decide holds APPROVALS_DECIDE.
  const isReviewer = me.permissions.includes('APPROVALS_DECIDE') || toReview.nodes.length > 0;
  return { data: { me, toReview: isReviewer ? toReview : null, openRequests, ...viewer } };
}
