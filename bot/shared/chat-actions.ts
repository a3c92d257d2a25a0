/**
 * What both bots do to Vigil on a person's behalf: file a request, decide one, acknowledge an
 * alert. The same GraphQL operations as the API, run as the chat user, and the same one-line
 * answers in Slack and Teams (only where to look for news differs).
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import { describeRequest, type ApprovalFacts } from './approval-facts.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';
import { runOperation, type ChatCaller, type OperationResult } from './run-operation.js';

const REQUEST_FIELDS = 'id kind status command isPattern sudoScope durationMinutes policyName approvalsStillNeeded servers { name labels { key value } }';
const REQUEST = {
  access: `mutation($input: RequestAccessInput!) { filed: requestAccess(input: $input) { ${REQUEST_FIELDS} } }`,
  sudo: `mutation($input: RequestSudoInput!) { filed: requestSudo(input: $input) { ${REQUEST_FIELDS} } }`,
} as const;
const DECIDE = `mutation($id: ID!, $decision: Decision!, $justification: String, $totpCode: String) {
  decideApproval(id: $id, decision: $decision, justification: $justification, totpCode: $totpCode) {
    id status approvalsReceived requiredApprovals kind command isPattern sudoScope durationMinutes servers { name } requester { email } } }`;
const ALERT_STATE_CHANGE = {
  acknowledge: 'mutation($id: ID!) { changed: acknowledgeAlert(id: $id) { id } }',
  resolve: 'mutation($id: ID!) { changed: resolveAlert(id: $id) { id } }',
} as const;

export interface Decided extends Pick<ApprovalFacts, 'kind' | 'command' | 'isPattern' | 'sudoScope' | 'durationMinutes'> {
  readonly status: string;
  readonly approvalsReceived: number;
  readonly requiredApprovals: number;
  readonly servers: { name: string }[];
  readonly requester: { email: string };
}

interface Bot {
  readonly schema: GraphQLSchema;
  readonly deps: SchemaDependencies;
}

export async function fileRequest(bot: Bot, caller: ChatCaller, kind: 'access' | 'sudo', input: object): Promise<OperationResult<ApprovalFacts>> {
  const result = await runOperation<{ filed: ApprovalFacts }>(bot.schema, bot.deps, caller, REQUEST[kind], { input });
  return result.error ? result : { data: result.data.filed };
}

/** What became of a request just filed; `followUp` says where the requester will hear more. */
export function requestOutcome(approval: ApprovalFacts, followUp: string, locale: Locale = DEFAULT_LOCALE): string {
  const what = describeRequest(approval, locale);
  if (approval.status === 'APPROVED') {
    return approval.policyName
      ? say(locale, 'request.approvedByPolicy', { policy: approval.policyName, what })
      : say(locale, 'request.approvedAtOnce', { what });
  }
  return say(locale, 'request.waiting', { what, count: approval.approvalsStillNeeded, followUp });
}

export async function decide(
  bot: Bot,
  caller: ChatCaller,
  approvalId: string,
  decision: 'approve' | 'deny',
  justification?: string,
  totpCode?: string,
): Promise<OperationResult<Decided>> {
  const result = await runOperation<{ decideApproval: Decided }>(bot.schema, bot.deps, caller, DECIDE, {
    id: approvalId,
    decision: decision === 'approve' ? 'APPROVE' : 'DENY',
    justification: justification?.trim() || null,
    // Authenticators show codes as "123 456".
    totpCode: totpCode?.replace(/\s+/g, '') || null,
  });
  return result.error ? result : { data: result.data.decideApproval };
}

/** What the approver just did, naming the request: "You approved alice@…’s access to web-01, for 120 minutes." */
export function decisionConfirmation(decision: 'approve' | 'deny', decided: Decided, locale: Locale = DEFAULT_LOCALE): string {
  const request = describeRequest(decided, locale);
  const requester = decided.requester.email;
  const what =
    decided.kind === 'ACCESS' && decided.durationMinutes
      ? say(locale, 'decision.whatForMinutes', { requester, request, minutes: decided.durationMinutes })
      : say(locale, 'decision.what', { requester, request });
  if (decision === 'deny') return say(locale, 'decision.denied', { what });
  return decided.status === 'APPROVED'
    ? say(locale, 'decision.approved', { what })
    : say(locale, 'decision.approvedSoFar', { what, received: decided.approvalsReceived, required: decided.requiredApprovals });
}

/** Acknowledges or resolves an alert as the person who clicked (MONITORING_MANAGE, as in the API); the messages follow the event. */
export async function moveAlertOn(
  bot: Bot,
  caller: ChatCaller,
  alertId: string | undefined,
  change: keyof typeof ALERT_STATE_CHANGE,
): Promise<OperationResult<{ id: string }>> {
  const result = await runOperation<{ changed: { id: string } }>(bot.schema, bot.deps, caller, ALERT_STATE_CHANGE[change], { id: alertId });
  return result.error ? result : { data: result.data.changed };
}
