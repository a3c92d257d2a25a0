/**
 * One Teams activity: a typed command (`audit …`, `access …`, `sudo …`, `help`), a card's
 * Action.Execute (an adaptiveCard/action invoke: More, Approve, Deny, Acknowledge, Resolve, a
 * refresh), or an older card's Action.Submit (a message whose value says which); and the other
 * invokes: single sign-on (sso.ts), the decision dialog (decision-dialog.ts) and the Pending
 * approvals search (pending-approvals.ts). Everything runs as the caller through Vigil's schema;
 * refusals are one clear line and change nothing.
 */
import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { AppError } from '../../server/chat/bot-services.js';
import { parseAuditCommand } from '../shared/audit-command.js';
import { answerList, filtersOfMore, parseMoreState, resolveFilters, type ListAnswer } from '../shared/audit-answer.js';
import { parseAccessCommand, parseSudoCommand } from '../shared/request-commands.js';
import { loadAlertView } from '../shared/alert-facts.js';
import { loadApprovalFacts } from '../shared/approval-facts.js';
import { decide, decisionConfirmation, fileRequest, moveAlertOn, requestOutcome } from '../shared/chat-actions.js';
import { DEFAULT_LOCALE, say, type Locale } from '../shared/messages/catalogue.js';
import type { ChatCaller } from '../shared/run-operation.js';
import { onTaskFetch, onTaskSubmit } from './decision-dialog.js';
import { onPendingApprovalsQuery } from './pending-approvals.js';
import { answerUnknown, canOfferSignIn, offerSignIn, onSignInFailure, onTokenExchange, onVerifyState } from './sso.js';
import { alertCard, approvalCard, forTeams, lineCard, listCard, plainLineCard, type Card, type CardSubmit } from './cards.js';
import { aadTenantOf, callerOf, localeOf, notConnected, teamsUserIdOf, tenantMemberRefusal, unmapped, workspaceOf } from './teams-callers.js';
import type { TeamsContext } from './teams-bot.js';
import { extendFromTeams, isExtendSubmit } from './extension-cards.js';

const reply = (turn: TurnContext, card: Card) => turn.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
const tell = (turn: TurnContext, message: string) => reply(turn, lineCard(forTeams(message)));
/** The help, with Teams' spelling: messages to the bot, not slash commands. */
const teamsHelp = (locale: Locale) => `${say(locale, 'help.teamsHeading')}\n${say(locale, 'help.body').replace(/`\/(access|sudo|audit)/g, '`$1')}`;

/** The command typed, without the bot's @mention. */
function commandText(turn: TurnContext): string {
  return (turn.activity.text ?? '')
    .replace(/<at>[^<]*<\/at>/g, '')
    .replace(/\u00a0/g, ' ')
    .trim();
}

export async function handleTurn(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  // Only Teams sets the AAD tenant an activity comes from; other Bot Framework channels (Web Chat,
  // Direct Line) carry whatever their client wrote there.
  if (turn.activity.channelId !== 'msteams') return;
  if (turn.activity.type === ActivityTypes.Invoke) {
    // One the bot does not handle is answered 501 by the adapter.
    return INVOKES[turn.activity.name ?? '']?.(ctx, turn);
  }
  if (isInstallation(turn)) return onInstalled(ctx, turn);
  if (turn.activity.type !== 'message') return;
  const submit = turn.activity.value as CardSubmit | undefined;
  const text = commandText(turn);
  const [verb = '', ...restWords] = text.split(/\s+/);
  const rest = text.slice(verb.length).trim();
  if (!submit && verb.toLowerCase() === 'audit' && /^bind(\s|$)/i.test(rest)) return onBind(ctx, turn, rest);
  const workspace = await workspaceOf(ctx, turn);
  const locale = localeOf(turn);
  if (!workspace) return void (await tell(turn, notConnected(aadTenantOf(turn), locale)));

  if (!submit && verb.toLowerCase() === 'audit' && /^link\s/i.test(rest)) {
    const parsed = parseAuditCommand(rest, ctx.deps.clock.now(), locale);
    if (parsed.kind !== 'link') return void (await tell(turn, parsed.kind === 'error' ? parsed.message : teamsHelp(locale)));
    try {
      const user = await ctx.services.redeemLinkCode(workspace.tenantId, teamsUserIdOf(turn), parsed.code);
      return void (await tell(turn, say(locale, 'caller.linked', { email: user.email })));
    } catch (error) {
      if (error instanceof AppError) return void (await tell(turn, error.message));
      throw error;
    }
  }
  const caller = await callerOf(ctx, workspace, turn);
  if (!caller) return void (await answerUnknown(ctx, turn));

  if (submit && typeof submit === 'object' && 'vigil' in submit) return onSubmit(ctx, turn, caller, submit);
  switch (verb.toLowerCase()) {
    case 'audit':
      return onAudit(ctx, turn, caller, workspace.tenantId, rest);
    case 'access':
    case 'sudo':
      return onRequest(ctx, turn, caller, verb.toLowerCase() as 'access' | 'sudo', rest);
    default:
      void restWords;
      return void (await tell(turn, teamsHelp(locale)));
  }
}

/** The invokes Teams sends the bot, by name. */
const INVOKES: Record<string, (ctx: TeamsContext, turn: TurnContext) => Promise<void>> = {
  'adaptiveCard/action': onExecute,
  'signin/tokenExchange': onTokenExchange,
  'signin/verifyState': onVerifyState,
  'signin/failure': onSignInFailure,
  'task/fetch': onTaskFetch,
  'task/submit': onTaskSubmit,
  'composeExtension/query': onPendingApprovalsQuery,
};

/**
 * A card's Action.Execute (Universal Actions): run as the clicker, and answered to them alone, in
 * the invoke's response: the card as it now stands (shown to them at once; every copy follows the
 * change through the notifier), or one line for a refusal. Nothing goes to the conversation.
 */
async function onExecute(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const answer = (body: Record<string, unknown>) => turn.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
  const line = (message: string) => answer({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: forTeams(message) });
  const show = (card: Card) => answer({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card });
  const locale = localeOf(turn);
  const workspace = await workspaceOf(ctx, turn);
  if (!workspace) return void (await line(notConnected(aadTenantOf(turn), locale)));
  const caller = await callerOf(ctx, workspace, turn);
  if (!caller) return void (await line(unmapped(locale)));
  const submit = (turn.activity.value as { action?: { data?: CardSubmit } } | undefined)?.action?.data;
  if (!submit || typeof submit !== 'object' || !('vigil' in submit)) return void (await line(say(locale, 'teams.cardOutOfDate')));
  if (isExtendSubmit(submit)) return void (await line(await extendFromTeams(ctx, caller, submit)));
  const approvalCardNow = async (approvalId: string) => {
    const facts = await loadApprovalFacts(ctx.schema, ctx.deps, workspace.tenantId, 'teams', approvalId);
    return facts ? show(approvalCard(facts)) : line(say(locale, 'teams.requestGone'));
  };
  switch (submit.vigil) {
    case 'refresh':
    case 'dialog':
      return void (await approvalCardNow(submit.approvalId));
    case 'more': {
      const state = parseMoreState(submit.state);
      if (!state) return void (await line(say(locale, 'teams.listCardOutOfDate')));
      return void (await show(renderList(await answerList(ctx, caller, state.subcommand, filtersOfMore(state), state.after))));
    }
    case 'ack':
    case 'resolve': {
      const result = await moveAlertOn(ctx, caller, submit.alertId, submit.vigil === 'ack' ? 'acknowledge' : 'resolve');
      if (result.error)
        return void (await line(say(locale, submit.vigil === 'ack' ? 'teams.notAcknowledged' : 'teams.notResolved', { message: result.error.message })));
      const alert = await loadAlertView(ctx.schema, ctx.deps, workspace.tenantId, 'teams', submit.alertId);
      return void (await (alert ? show(alertCard(alert)) : line(say(locale, 'teams.done'))));
    }
    default: {
      const result = await decide(ctx, caller, submit.approvalId, submit.vigil, submit.justification, submit.totpCode);
      if (result.error) return void (await line(say(locale, 'teams.notDecided', { message: result.error.message })));
      return void (await approvalCardNow(submit.approvalId));
    }
  }
}

/** The app was installed (or the bot added) here: Teams' installationUpdate, or a conversationUpdate adding the bot. */
function isInstallation(turn: TurnContext): boolean {
  const { activity } = turn;
  if (activity.type === 'installationUpdate') return (activity.action ?? '').startsWith('add');
  return activity.type === 'conversationUpdate' && (activity.membersAdded ?? []).some((member) => member.id === activity.recipient?.id);
}

/**
 * Says hello where the app was installed and, in personal chat, keeps the conversation of the
 * person who installed it (linked by their organisation email): an approver who never wrote to
 * the bot still gets the requests to decide.
 */
async function onInstalled(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const locale = localeOf(turn);
  const workspace = await workspaceOf(ctx, turn);
  if (!workspace) return void (await tell(turn, say(locale, 'teams.hello', { next: notConnected(aadTenantOf(turn), locale) })));
  if (turn.activity.conversation?.conversationType !== 'personal') return void (await tell(turn, say(locale, 'teams.helloChannel')));
  const caller = await callerOf(ctx, workspace, turn);
  if (!caller && canOfferSignIn(ctx, turn)) return void (await offerSignIn(ctx, turn));
  if (!caller) return void (await tell(turn, say(locale, 'teams.hello', { next: unmapped(locale) })));
  await tell(turn, caller.actor.type === 'user' ? say(locale, 'teams.helloNamed', { email: caller.actor.email }) : say(locale, 'teams.helloPerson'));
}

/** `audit bind CODE`: the AAD tenant proves the binding its Vigil tenant asked for. */
async function onBind(ctx: TeamsContext, turn: TurnContext, text: string): Promise<void> {
  const locale = localeOf(turn);
  const parsed = parseAuditCommand(text, ctx.deps.clock.now(), locale);
  if (parsed.kind !== 'bind') return void (await tell(turn, parsed.kind === 'error' ? parsed.message : teamsHelp(locale)));
  const aadTenantId = aadTenantOf(turn);
  if (!aadTenantId) return void (await tell(turn, say(locale, 'teams.noTenant')));
  try {
    await ctx.services.proveWorkspaceBinding({ externalId: aadTenantId, chatUserId: teamsUserIdOf(turn), code: parsed.code }, () =>
      tenantMemberRefusal(ctx, turn, aadTenantId),
    );
    return void (await tell(turn, say(locale, 'teams.bound')));
  } catch (error) {
    if (error instanceof AppError) return void (await tell(turn, error.message));
    throw error;
  }
}

function renderList(answer: ListAnswer | { error: string }): Card {
  if ('error' in answer) return lineCard(answer.error);
  return listCard(answer.heading, answer.rows, answer.more ? JSON.stringify(answer.more) : null, answer.locale);
}

/** In a channel or group chat everyone reads the answers: those that are one person's alone go to their personal chat. */
const isShared = (turn: TurnContext) => turn.activity.conversation?.conversationType !== 'personal';

/**
 * Answers only the person: their records, a refusal, a confirmation. Asked in a channel or group
 * chat, the answer goes to their personal chat with the bot (for a list, the channel is told
 * where). When Vigil knows no personal chat of theirs yet, a list (records) is not shown in the
 * channel, which is told to ask in personal chat; a refusal or confirmation is a reply there.
 */
async function answerPrivately(ctx: TeamsContext, turn: TurnContext, caller: ChatCaller, card: Card, { isRecords = false } = {}): Promise<void> {
  if (!isShared(turn)) return void (await reply(turn, card));
  const [identity] =
    caller.actor.type === 'user'
      ? (await ctx.services.identitiesOf(caller.actor.tenantId, [caller.actor.userId])).filter((row) => row.externalUserId === caller.chatUserId)
      : [];
  if (!identity?.conversation) {
    return void (await (isRecords ? tell(turn, say(caller.locale ?? DEFAULT_LOCALE, 'teams.personalChatOnly')) : reply(turn, card)));
  }
  await ctx.adapter.continueConversationAsync(ctx.appId, identity.conversation, async (personal) => {
    await personal.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  });
  if (isRecords) await tell(turn, say(caller.locale ?? DEFAULT_LOCALE, 'teams.sentPersonally'));
}

async function onAudit(ctx: TeamsContext, turn: TurnContext, caller: ChatCaller, tenantId: string, text: string): Promise<void> {
  const locale = caller.locale ?? DEFAULT_LOCALE;
  const parsed = parseAuditCommand(text, ctx.deps.clock.now(), locale);
  if (parsed.kind === 'help' || parsed.kind === 'link' || parsed.kind === 'bind') return void (await tell(turn, teamsHelp(locale)));
  if (parsed.kind === 'error') return void (await tell(turn, parsed.message));
  const filters = await resolveFilters(ctx.services, tenantId, parsed.filters, locale);
  if ('error' in filters) return void (await tell(turn, filters.error));
  await answerPrivately(ctx, turn, caller, renderList(await answerList(ctx, caller, parsed.subcommand, filters, null)), { isRecords: true });
}

async function onRequest(ctx: TeamsContext, turn: TurnContext, caller: ChatCaller, verb: 'access' | 'sudo', text: string): Promise<void> {
  const locale = caller.locale ?? DEFAULT_LOCALE;
  const parsed = verb === 'access' ? parseAccessCommand(text, locale) : parseSudoCommand(text, locale);
  if ('error' in parsed) return void (await tell(turn, parsed.error.replace(/`\/(access|sudo)/g, '`$1')));
  const result = await fileRequest(ctx, caller, verb, parsed.input);
  if (result.error) return void (await tell(turn, say(locale, 'request.notRequested', { message: result.error.message })));
  // The outcome comes in personal chat: "here" only where this is that chat.
  const isPersonal = turn.activity.conversation?.conversationType === 'personal';
  await tell(turn, requestOutcome(result.data, say(locale, isPersonal ? 'teams.hearBackHere' : 'teams.hearBackInPersonal'), locale));
}

async function onSubmit(ctx: TeamsContext, turn: TurnContext, caller: ChatCaller, submit: CardSubmit): Promise<void> {
  const locale = caller.locale ?? DEFAULT_LOCALE;
  if (submit.vigil === 'refresh') return;
  if (submit.vigil === 'dialog') {
    // A client without dialogs sent the dialog button as a message: the card, whose own inputs decide.
    const facts = await loadApprovalFacts(ctx.schema, ctx.deps, caller.actor.tenantId, 'teams', submit.approvalId);
    return void (await answerPrivately(ctx, turn, caller, facts ? approvalCard(facts) : lineCard(say(locale, 'teams.requestGone'))));
  }
  if (submit.vigil === 'more') {
    const state = parseMoreState(submit.state);
    if (!state) return void (await tell(turn, say(locale, 'teams.listCardOutOfDate')));
    return void (await answerPrivately(ctx, turn, caller, renderList(await answerList(ctx, caller, state.subcommand, filtersOfMore(state), state.after)), {
      isRecords: true,
    }));
  }
  if ('alertId' in submit) {
    // The card follows the alert's event, as every copy does.
    const result = await moveAlertOn(ctx, caller, submit.alertId, submit.vigil === 'ack' ? 'acknowledge' : 'resolve');
    if (result.error)
      await answerPrivately(
        ctx,
        turn,
        caller,
        lineCard(forTeams(say(locale, submit.vigil === 'ack' ? 'teams.notAcknowledged' : 'teams.notResolved', { message: result.error.message }))),
      );
    return;
  }
  const result = await decide(ctx, caller, submit.approvalId, submit.vigil, submit.justification, submit.totpCode);
  // A refusal or a confirmation is the clicker's alone; everyone sees the card change.
  if (result.error)
    return void (await answerPrivately(ctx, turn, caller, lineCard(forTeams(say(locale, 'teams.notDecided', { message: result.error.message })))));
  await answerPrivately(ctx, turn, caller, plainLineCard(forTeams(decisionConfirmation(submit.vigil, result.data, locale))));
}
