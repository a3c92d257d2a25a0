/**
 * Who is writing, from a Teams activity: the AAD tenant must be bound to a Vigil tenant, and the
 * Teams user (AAD object id) must be a Vigil user of it, linked before or now by their
 * organisation email or UPN (read from Teams). A personal chat's reference is kept so Vigil can
 * write to them later (approvals to decide, what became of their requests).
 */
import { TeamsInfo, TurnContext } from 'botbuilder';
import type { ChatWorkspace } from '../../server/chat/bot-services.js';
import { DEFAULT_LOCALE, resolveLocale, say, type Locale } from '../shared/messages/catalogue.js';
import type { ChatCaller } from '../shared/run-operation.js';
import type { TeamsContext } from './teams-bot.js';

/** What someone in an AAD tenant that is not (or not provably) bound is told, with its id to bind. */
export const notConnected = (aadTenantId: string | undefined, locale: Locale = DEFAULT_LOCALE) =>
  say(locale, 'teams.notConnected', { aadTenantId: aadTenantId ?? say(locale, 'teams.theAadTenantId') });
export const unmapped = (locale: Locale) => say(locale, 'teams.unmapped');
export const UNMAPPED = unmapped(DEFAULT_LOCALE);

/**
 * The language the sender reads: every activity from Teams carries the client's locale
 * (`activity.locale`, and a clientInfo entity's `locale`); English when neither is one the
 * catalogue has.
 */
export function localeOf(turn: TurnContext): Locale {
  const clientInfo = (turn.activity.entities ?? []).find((entity) => entity.type === 'clientInfo') as { locale?: unknown } | undefined;
  return resolveLocale(turn.activity.locale ?? (typeof clientInfo?.locale === 'string' ? clientInfo.locale : undefined));
}

export function aadTenantOf(turn: TurnContext): string | undefined {
  const activity = turn.activity;
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

/** The Teams user's stable id: the AAD object id, else the Teams user id. */
export const teamsUserIdOf = (turn: TurnContext) => turn.activity.from.aadObjectId ?? turn.activity.from.id;

export const workspaceOf = (ctx: TeamsContext, turn: TurnContext): Promise<ChatWorkspace | undefined> => ctx.services.workspaceOf(aadTenantOf(turn));

export async function callerOf(ctx: TeamsContext, workspace: ChatWorkspace, turn: TurnContext): Promise<ChatCaller | undefined> {
  const externalUserId = teamsUserIdOf(turn);
  const actor = await ctx.services.callerActor(workspace.tenantId, externalUserId, () => organisationEmail(ctx, turn));
  if (!actor) return undefined;
  if (turn.activity.conversation.conversationType === 'personal') {
    // Without what changes with every message (the activity it came in, the client's locale), so a
    // new version is saved, audited and logged only when where the chat is changes.
    const { activityId: _activity, locale: _locale, ...reference } = TurnContext.getConversationReference(turn.activity);
    await ctx.services.saveConversation(workspace.tenantId, externalUserId, reference);
  }
  return { actor, provider: 'teams', chatUserId: externalUserId, locale: localeOf(turn) };
}

/**
 * Whether the Teams user may bind this AAD tenant to a Vigil tenant: a member of it (userRole
 * "user", as Teams answers now: not a guest or an anonymous participant, and not someone from
 * another tenant). Bots see no directory roles without Graph permissions; that a custom app is
 * installed in an organisation at all is the Teams admin's decision. Undefined when they may.
 */
export async function tenantMemberRefusal(ctx: TeamsContext, turn: TurnContext, aadTenantId: string): Promise<string | undefined> {
  const refusal = say(localeOf(turn), 'teams.notTenantMember');
  try {
    const member = await TeamsInfo.getMember(turn, turn.activity.from.id);
    if (member.userRole !== 'user') return refusal;
    if (member.tenantId && member.tenantId !== aadTenantId) return refusal;
    return undefined;
  } catch (error) {
    ctx.deps.logger.warn({ err: error }, 'teams member lookup failed');
    return say(localeOf(turn), 'teams.memberLookupFailed');
  }
}

async function organisationEmail(ctx: TeamsContext, turn: TurnContext): Promise<string | undefined> {
  try {
    const member = await TeamsInfo.getMember(turn, turn.activity.from.id);
    return (member.email ?? member.userPrincipalName)?.toLowerCase();
  } catch (error) {
    ctx.deps.logger.warn({ err: error }, 'teams member lookup failed');
    return undefined;
  }
}
