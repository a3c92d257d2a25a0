/**
 * Everything an approver needs to decide a request, read through the schema (as Vigil itself, for
 * the messages it posts), and what chat may do with it under the request's policy.
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import { ACCESS_SUDO_PATTERN, type ChatProvider } from '../../server/chat/bot-services.js';
import { listWithin } from './clip.js';
import { botCaller, runOperation } from './run-operation.js';

export interface ApprovalFacts {
  id: string;
  kind: 'ACCESS' | 'SUDO' | 'EXTENSION';
  status: 'PENDING' | 'APPROVED' | 'DENIED' | 'CANCELLED' | 'EXPIRED';
  reason: string;
  command: string | null;
  isPattern: boolean;
  /** The sudo approving grants: the command or pattern, `*` for an access request with sudo; null for none. */
  sudoScope: string | null;
  durationMinutes: number | null;
  /** Extension: when the session ends now (the extended end once approved). */
  sessionExpiresAt?: string | null;
  requestedAt: string;
  decideBy: string;
  policyName: string | null;
  requiredApprovals: number;
  approvalsReceived: number;
  approvalsStillNeeded: number;
  chatApproval: 'DISABLED' | 'ALLOWED' | 'STEP_UP';
  chatMaxDurationMinutes: number | null;
  chatDecisionRefusal: string | null;
  isApprovalJustificationRequired: boolean;
  cancelReason: string | null;
  /** Where the request is decided outside chat (VIGIL_APPROVAL_URL); null when nowhere is configured. */
  url: string | null;
  requester: { id: string; email: string; name: string };
  servers: { name: string; labels: { key: string; value: string }[] }[];
  decisions: { decision: 'APPROVE' | 'DENY'; justification: string | null; channel: string; decidedAt: string; approver: { email: string } }[];
  closedBy: { email: string } | null;
}

/** An Approval's fields that make its facts (lists of requests select them too). */
export const APPROVAL_FIELDS = `
  id kind status reason command isPattern sudoScope durationMinutes sessionExpiresAt requestedAt decideBy policyName requiredApprovals approvalsReceived approvalsStillNeeded
  chatApproval chatMaxDurationMinutes chatDecisionRefusal isApprovalJustificationRequired cancelReason url
  requester { id email name } servers { name labels { key value } }
  decisions { decision justification channel decidedAt approver { email } } closedBy { email }`;
export const APPROVAL_FACTS = `query($id: ID!) { approval(id: $id) { ${APPROVAL_FIELDS} } }`;

export async function loadApprovalFacts(
  schema: GraphQLSchema,
  deps: SchemaDependencies,
  tenantId: string,
  provider: ChatProvider,
  approvalId: string,
): Promise<ApprovalFacts | undefined> {
  const result = await runOperation<{ approval: ApprovalFacts }>(schema, deps, botCaller(tenantId, provider), APPROVAL_FACTS, { id: approvalId });
  return result.data?.approval;
}

/** Why chat offers no buttons for this pending request (the server's rule), or null when it does. */
export function chatDecisionBlocked(facts: ApprovalFacts): string | null {
  return facts.status === 'PENDING' && facts.chatDecisionRefusal ? `${facts.chatDecisionRefusal}.` : null;
}

export type RequestShape = Pick<ApprovalFacts, 'kind' | 'command' | 'isPattern' | 'sudoScope'> & {
  readonly servers: readonly { readonly name: string }[];
  /** An extension's length is what it asks for. */
  readonly durationMinutes?: number | null;
};

/** The sudo an access request carries, in words: any command for `*`, else the pattern. */
export const accessSudoWords = (sudoScope: string) => (sudoScope === ACCESS_SUDO_PATTERN ? 'any command, as root' : `\`${sudoScope}\``);

/** The card's title: sudo named whenever approving grants it. */
export const requestTitle = (facts: Pick<ApprovalFacts, 'kind' | 'sudoScope'>) =>
  facts.kind === 'EXTENSION'
    ? `Access extension${facts.sudoScope ? ' with sudo' : ''}`
    : facts.kind === 'SUDO'
      ? 'Sudo request'
      : facts.sudoScope
        ? 'Access request with sudo'
        : 'Access request';

/** What was asked, in one phrase: never without the sudo that approving grants. */
export function describeRequest(facts: RequestShape): string {
  const servers = listWithin(
    facts.servers.map((server) => server.name),
    600,
  );
  if (facts.kind === 'SUDO') return `sudo \`${facts.command}\`${facts.isPattern ? ' (pattern)' : ''} on ${servers}`;
  if (facts.kind === 'EXTENSION') {
    return `${facts.durationMinutes ?? '?'} more minutes of access to ${servers}${facts.sudoScope ? ` with sudo (${accessSudoWords(facts.sudoScope)})` : ''}`;
  }
  return `access to ${servers}${facts.sudoScope ? ` with sudo (${accessSudoWords(facts.sudoScope)})` : ''}`;
}

/** How a platform writes the parts of a line: words (escaped where they would format), and times. */
export interface LineStyle {
  readonly words: (text: string) => string;
  readonly at: (iso: string) => string;
}

const AS_TYPED: LineStyle = { words: (text) => text, at: (iso) => iso };

/** Where a request stands, in one line: who decided it and why, or how many approvals it still needs. */
export function outcomeLine(facts: ApprovalFacts, style: LineStyle = AS_TYPED): string {
  const { words } = style;
  const last = facts.decisions.at(-1);
  const by = (decision: ApprovalFacts['decisions'][number] | undefined) =>
    words(
      decision
        ? `${decision.approver.email} (${decision.channel.toLowerCase()})${decision.justification ? `: “${decision.justification}”` : ''}`
        : (facts.closedBy?.email ?? 'Vigil'),
    );
  switch (facts.status) {
    case 'APPROVED':
      return facts.decisions.length === 0
        ? 'Approved by policy'
        : `Approved by ${facts.decisions
            .filter((decision) => decision.decision === 'APPROVE')
            .map((decision) => by(decision))
            .join(', ')}`;
    case 'DENIED':
      return `Denied by ${by(facts.decisions.find((decision) => decision.decision === 'DENY'))}`;
    case 'CANCELLED':
      return `Cancelled by ${words(facts.closedBy?.email ?? 'the requester')}${facts.cancelReason ? `: “${words(facts.cancelReason)}”` : ''}`;
    case 'EXPIRED':
      return `Expired undecided at ${style.at(facts.decideBy)}`;
    default:
      return last
        ? `${facts.approvalsReceived} of ${facts.requiredApprovals} approvals so far (last: ${by(last)})`
        : `Waiting for ${facts.approvalsStillNeeded} approval${facts.approvalsStillNeeded === 1 ? '' : 's'}`;
  }
}

/** Where to decide a request chat may not decide, in words, for when there is no link to give. */
export const DECIDE_ELSEWHERE = 'An approver decides it in Vigil, outside chat.';
