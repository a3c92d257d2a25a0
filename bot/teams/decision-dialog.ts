/**
 * Deciding a request in a dialog (a Teams task module): the approval card's "Decide in a dialog"
 * is an Action.Submit with `msteams.type` task/fetch, so Teams asks the bot for the dialog
 * (`task/fetch`) and sends its form back (`task/submit`). The decision is the same GraphQL mutation
 * as a card's buttons, run as the person, with the same checks (permission, policy, justification,
 * authenticator code). A refusal keeps the dialog open with the reason, so a mistyped code is typed
 * again there; a decision closes it with the confirmation, and every copy of the card follows the
 * change as for any decision. A client without dialogs sends the same button as a message: it is
 * answered with the card, whose own inputs decide (turns.ts).
 */
import { ActivityTypes, CardFactory, type TurnContext } from 'botbuilder';
import { loadApprovalFacts, requestTitle, type ApprovalFacts } from '../shared/approval-facts.js';
import { decide, decisionConfirmation } from '../shared/chat-actions.js';
import { runOperation, type ChatCaller } from '../shared/run-operation.js';
import { decisionDialogCard, forTeams, type CardSubmit } from './cards.js';
import { say } from '../shared/messages/catalogue.js';
import { aadTenantOf, callerOf, localeOf, notConnected, unmapped, workspaceOf } from './teams-callers.js';
import type { TeamsContext } from './teams-bot.js';

const VIEWER_CAN_DECIDE = 'query($id: ID!) { approval(id: $id) { viewerCanDecide } }';

const respond = (turn: TurnContext, task: Record<string, unknown>) =>
  turn.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { task } } });
/** Closes the dialog (or never opens it) with one line. */
const message = (turn: TurnContext, line: string) => respond(turn, { type: 'message', value: forTeams(line) });
/** The dialog is the person's alone: in their language. */
const dialog = (turn: TurnContext, facts: ApprovalFacts, problem?: string, typed?: { justification?: string }) =>
  respond(turn, {
    type: 'continue',
    value: {
      title: requestTitle(facts, localeOf(turn)),
      width: 'medium',
      height: 'large',
      card: CardFactory.adaptiveCard(decisionDialogCard(facts, problem, typed, localeOf(turn))),
    },
  });

/** The person and what their click carried, or undefined when they were answered already. */
async function whoAndWhat(ctx: TeamsContext, turn: TurnContext): Promise<{ caller: ChatCaller; tenantId: string; data: Partial<CardSubmit> } | undefined> {
  const locale = localeOf(turn);
  const workspace = await workspaceOf(ctx, turn);
  if (!workspace) return void (await message(turn, notConnected(aadTenantOf(turn), locale)));
  const caller = await callerOf(ctx, workspace, turn);
  if (!caller) return void (await message(turn, unmapped(locale)));
  const data = (turn.activity.value as { data?: Partial<CardSubmit> } | undefined)?.data;
  if (!data || typeof data !== 'object' || typeof (data as { approvalId?: unknown }).approvalId !== 'string') {
    return void (await message(turn, say(locale, 'teams.cardOutOfDate')));
  }
  return { caller, tenantId: workspace.tenantId, data };
}

/** The request as it stands, while it can be decided in chat; otherwise the person is told why not. */
async function pendingFacts(ctx: TeamsContext, turn: TurnContext, tenantId: string, approvalId: string): Promise<ApprovalFacts | undefined> {
  const locale = localeOf(turn);
  const facts = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'teams', approvalId);
  if (!facts) return void (await message(turn, say(locale, 'teams.requestGone')));
  if (facts.status !== 'PENDING') return void (await message(turn, say(locale, 'dialog.nothingToDecide', { status: facts.status.toLowerCase() })));
  if (facts.chatDecisionRefusal) return void (await message(turn, say(locale, 'dialog.decideInVigil', { refusal: facts.chatDecisionRefusal })));
  return facts;
}

/** `task/fetch`: the dialog for the request, to someone who may decide it now. */
export async function onTaskFetch(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const asked = await whoAndWhat(ctx, turn);
  if (!asked) return;
  const approvalId = (asked.data as { approvalId: string }).approvalId;
  // As the person: a request they may not see is NOT_FOUND to them, as in the API.
  const mine = await runOperation<{ approval: { viewerCanDecide: boolean } }>(ctx.schema, ctx.deps, asked.caller, VIEWER_CAN_DECIDE, { id: approvalId });
  if (mine.error && mine.error.code !== 'NOT_FOUND') return void (await message(turn, mine.error.message));
  const facts = await pendingFacts(ctx, turn, asked.tenantId, approvalId);
  if (!facts) return;
  // Not found is what the API says of a request someone may neither see nor decide: here, a card they were shown in a channel.
  if (!mine.data?.approval.viewerCanDecide) return void (await message(turn, say(localeOf(turn), 'dialog.notYours')));
  await dialog(turn, facts);
}

/** `task/submit`: the dialog's Approve or Deny, with its inputs. */
export async function onTaskSubmit(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const asked = await whoAndWhat(ctx, turn);
  if (!asked) return;
  const data = asked.data as { vigil?: string; approvalId: string; justification?: string; totpCode?: string };
  const locale = localeOf(turn);
  if (data.vigil !== 'approve' && data.vigil !== 'deny') return void (await message(turn, say(locale, 'dialog.outOfDate')));
  const result = await decide(ctx, asked.caller, data.approvalId, data.vigil, data.justification, data.totpCode);
  if (!result.error) return void (await message(turn, decisionConfirmation(data.vigil, result.data, locale)));
  const refusal = say(locale, 'teams.notDecided', { message: result.error.message });
  // Still decidable here: the dialog again, saying why, with the justification they typed; else the reason alone closes it.
  const facts = await loadApprovalFacts(ctx.schema, ctx.deps, asked.tenantId, 'teams', data.approvalId);
  if (facts?.status === 'PENDING' && !facts.chatDecisionRefusal) return void (await dialog(turn, facts, refusal, { justification: data.justification }));
  await message(turn, refusal);
}
