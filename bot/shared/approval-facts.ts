/**
 * Everything an approver needs to decide a request, read through the schema (as Vigil itself, for
 * the messages it posts), and what chat may do with it under the request's policy.
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import { ACCESS_SUDO_PATTERN, type ChatProvider } from '../../server/chat/bot-services.js';
import { listWithin } from './clip.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';
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
export const accessSudoWords = (sudoScope: string, locale: Locale = DEFAULT_LOCALE) =>
  sudoScope === ACCESS_SUDO_PATTERN ? say(locale, 'request.anyCommandAsRoot') : `\`${sudoScope}\``;

/** The card's title: sudo named whenever approving grants it. */
export const requestTitle = (facts: Pick<ApprovalFacts, 'kind' | 'sudoScope'>, locale: Locale = DEFAULT_LOCALE) =>
  say(
    locale,
    facts.kind === 'EXTENSION'
      ? facts.sudoScope
        ? 'request.titleExtensionSudo'
        : 'request.titleExtension'
      : facts.kind === 'SUDO'
        ? 'request.titleSudo'
        : facts.sudoScope
          ? 'request.titleAccessSudo'
          : 'request.titleAccess',
  );

/** What was asked, in one phrase: never without the sudo that approving grants. */
export function describeRequest(facts: RequestShape, locale: Locale = DEFAULT_LOCALE): string {
  const servers = listWithin(
    facts.servers.map((server) => server.name),
    600,
  );
  if (facts.kind === 'SUDO') return say(locale, facts.isPattern ? 'request.sudoPattern' : 'request.sudo', { command: facts.command ?? 'null', servers });
  const sudo = facts.sudoScope ? accessSudoWords(facts.sudoScope, locale) : undefined;
  if (facts.kind === 'EXTENSION') {
    const minutes = facts.durationMinutes ?? '?';
    return sudo === undefined ? say(locale, 'request.extension', { minutes, servers }) : say(locale, 'request.extensionSudo', { minutes, servers, sudo });
  }
  return sudo === undefined ? say(locale, 'request.access', { servers }) : say(locale, 'request.accessSudo', { servers, sudo });
}

/** How a platform writes the parts of a line: words (escaped where they would format), and times. */
export interface LineStyle {
  readonly words: (text: string) => string;
  readonly at: (iso: string) => string;
}

const AS_TYPED: LineStyle = { words: (text) => text, at: (iso) => iso };

/** Where a request stands, in one line: who decided it and why, or how many approvals it still needs. */
export function outcomeLine(facts: ApprovalFacts, style: LineStyle = AS_TYPED, locale: Locale = DEFAULT_LOCALE): string {
  const { words } = style;
  const last = facts.decisions.at(-1);
  const by = (decision: ApprovalFacts['decisions'][number] | undefined) =>
    words(
      decision
        ? decision.justification
          ? say(locale, 'outcome.deciderWithWords', {
              email: decision.approver.email,
              channel: decision.channel.toLowerCase(),
              justification: decision.justification,
            })
          : say(locale, 'outcome.decider', { email: decision.approver.email, channel: decision.channel.toLowerCase() })
        : (facts.closedBy?.email ?? 'Vigil'),
    );
  switch (facts.status) {
    case 'APPROVED':
      return facts.decisions.length === 0
        ? say(locale, 'outcome.approvedByPolicy')
        : say(locale, 'outcome.approvedBy', {
            who: facts.decisions
              .filter((decision) => decision.decision === 'APPROVE')
              .map((decision) => by(decision))
              .join(', '),
          });
    case 'DENIED':
      return say(locale, 'outcome.deniedBy', { who: by(facts.decisions.find((decision) => decision.decision === 'DENY')) });
    case 'CANCELLED': {
      const who = words(facts.closedBy?.email ?? say(locale, 'outcome.theRequester'));
      return facts.cancelReason
        ? say(locale, 'outcome.cancelledByWithReason', { who, reason: words(facts.cancelReason) })
        : say(locale, 'outcome.cancelledBy', { who });
    }
    case 'EXPIRED':
      return say(locale, 'outcome.expired', { at: style.at(facts.decideBy) });
    default:
      return last
        ? say(locale, 'outcome.soFar', { received: facts.approvalsReceived, required: facts.requiredApprovals, who: by(last) })
        : say(locale, 'outcome.waiting', { count: facts.approvalsStillNeeded });
  }
}

/** Where to decide a request chat may not decide, in words, for when there is no link to give. */
export const DECIDE_ELSEWHERE = say(DEFAULT_LOCALE, 'outcome.decideElsewhere');
