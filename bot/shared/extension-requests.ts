/**
 * Extending access from chat, for both bots: where the requester hears their access was granted
 * (or extended), the bot offers to extend it: "Extend 30 min" at once, or another length with a
 * reason of their own. Both run requestExtension as the clicking person, so the API's rules hold:
 * only the session's requester, only while it is in force, within its policy's limits; the policy
 * says whether approvers must agree, and they see the extension like any request.
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import type { ChatProvider } from '../../server/chat/bot-services.js';
import { clip, listWithin } from './clip.js';
import { describeRequest, type ApprovalFacts, type LineStyle } from './approval-facts.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';
import { botCaller, runOperation, type ChatCaller, type OperationResult } from './run-operation.js';

/** The one-click extension's length (less when the policy leaves less). */
export const QUICK_EXTENSION_MINUTES = 30;

/** What an Extend button needs: the session, and what to say about it. */
export interface ExtensionOffer {
  readonly accessSessionId: string;
  readonly expiresAt: string;
  readonly servers: readonly { readonly name: string }[];
  /** The one-click length: QUICK_EXTENSION_MINUTES, or what the policy still allows if less. */
  readonly quickMinutes: number;
  /** Minutes the policy still allows; null: no limit. */
  readonly remainingMinutes: number | null;
}

/** An access session as an offer reads it (OFFERED_SESSION_FIELDS). */
export interface OfferedSession {
  id: string;
  status: string;
  expiresAt: string | null;
  servers: { name: string }[];
  extension: { approval: string; remainingMinutes: number | null } | null;
}

/** What a quick Extend button carries. */
export interface QuickExtension {
  readonly accessSessionId: string;
  readonly minutes: number;
}

export const OFFERED_SESSION_FIELDS = 'id status expiresAt servers { name } extension { approval remainingMinutes }';
const SESSION_OF_APPROVAL = `query($id: ID!) { approval(id: $id) { accessSession { ${OFFERED_SESSION_FIELDS} } } }`;
const SESSION_REASON = 'query($id: ID!) { accessSession(id: $id) { id reason } }';
const REQUEST_EXTENSION = `mutation($input: RequestExtensionInput!) { requestExtension(input: $input) {
  id kind status durationMinutes sessionExpiresAt sudoScope command isPattern policyName approvalsStillNeeded servers { name } } }`;

export type Extension = Pick<
  ApprovalFacts,
  'id' | 'kind' | 'status' | 'durationMinutes' | 'sessionExpiresAt' | 'sudoScope' | 'command' | 'isPattern' | 'policyName' | 'approvalsStillNeeded' | 'servers'
>;

interface Bot {
  readonly schema: GraphQLSchema;
  readonly deps: SchemaDependencies;
}

/**
 * The offer to make with the news that `facts` was approved: an access request or an extension of
 * a session still in force (read as the bot, which tells the requester about their own session).
 * None where its policy allows no extension, or no more time.
 */
export async function extensionOfferFor(bot: Bot, tenantId: string, provider: ChatProvider, facts: ApprovalFacts): Promise<ExtensionOffer | undefined> {
  if (facts.status !== 'APPROVED' || facts.kind === 'SUDO') return undefined;
  const result = await runOperation<{ approval: { accessSession: OfferedSession | null } }>(
    bot.schema,
    bot.deps,
    botCaller(tenantId, provider),
    SESSION_OF_APPROVAL,
    { id: facts.id },
  );
  return offerOf(result.data?.approval.accessSession);
}

/** The offer a session allows: none once it is not in force, its policy allows no extension, or no more time. */
export function offerOf(session: OfferedSession | null | undefined): ExtensionOffer | undefined {
  const allowance = session?.extension;
  if (!session?.expiresAt || !allowance || allowance.approval === 'DISABLED' || allowance.remainingMinutes === 0) return undefined;
  return {
    accessSessionId: session.id,
    expiresAt: session.expiresAt,
    servers: session.servers,
    quickMinutes: Math.min(QUICK_EXTENSION_MINUTES, allowance.remainingMinutes ?? QUICK_EXTENSION_MINUTES),
    remainingMinutes: allowance.remainingMinutes,
  };
}

/** A quick button's value, checked: anything else is a tampered or stale button. */
export function parseQuickExtension(value: string | undefined): QuickExtension | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<QuickExtension> | null;
    if (typeof parsed?.accessSessionId !== 'string' || !Number.isInteger(parsed.minutes)) return undefined;
    return { accessSessionId: parsed.accessSessionId, minutes: parsed.minutes! };
  } catch {
    return undefined;
  }
}

export async function requestExtension(
  bot: Bot,
  caller: ChatCaller,
  input: { accessSessionId: string; durationMinutes: number; reason: string },
): Promise<OperationResult<Extension>> {
  const result = await runOperation<{ requestExtension: Extension }>(bot.schema, bot.deps, caller, REQUEST_EXTENSION, { input });
  return result.error ? result : { data: result.data.requestExtension };
}

/**
 * The one-click extension: the session's own reason carries over, said to be a continuation, so
 * approvers read why the access was asked for in the first place.
 */
export async function requestQuickExtension(bot: Bot, caller: ChatCaller, quick: QuickExtension): Promise<OperationResult<Extension>> {
  const session = await runOperation<{ accessSession: { reason: string } }>(bot.schema, bot.deps, caller, SESSION_REASON, { id: quick.accessSessionId });
  if (session.error) return session;
  // Recorded as the request's reason, which approvers read: in English, as the API's records are.
  const reason = clip(say(DEFAULT_LOCALE, 'extension.moreTimeFor', { reason: session.data.accessSession.reason }), 2000);
  return requestExtension(bot, caller, { accessSessionId: quick.accessSessionId, durationMinutes: quick.minutes, reason });
}

/** What became of an extension just asked for, in the platform's style (words escaped, times as it shows them). */
export function extensionOutcome(extension: Extension, style: LineStyle, followUp: string, locale: Locale = DEFAULT_LOCALE): string {
  const what = style.words(describeRequest(extension, locale));
  if (extension.status === 'APPROVED') {
    const at = extension.sessionExpiresAt ? style.at(extension.sessionExpiresAt) : undefined;
    if (extension.policyName) {
      const policy = style.words(extension.policyName);
      return at === undefined
        ? say(locale, 'extension.extendedByPolicy', { policy, what })
        : say(locale, 'extension.extendedByPolicyUntil', { policy, what, at });
    }
    return at === undefined ? say(locale, 'extension.extended', { what }) : say(locale, 'extension.extendedUntil', { what, at });
  }
  return say(locale, 'extension.waiting', { what, count: extension.approvalsStillNeeded, followUp });
}

/** The line above the Extend buttons. */
export function offerLine(offer: ExtensionOffer, style: LineStyle, locale: Locale = DEFAULT_LOCALE): string {
  const servers = style.words(
    listWithin(
      offer.servers.map((server) => server.name),
      600,
      ', ',
      locale,
    ),
  );
  const at = style.at(offer.expiresAt);
  return offer.remainingMinutes === null
    ? say(locale, 'extension.offer', { servers, at })
    : say(locale, 'extension.offerUpTo', { servers, at, minutes: offer.remainingMinutes });
}
