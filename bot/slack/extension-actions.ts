/**
 * Extending access in Slack. With the news that their access (or an extension of it) was
 * approved, the requester gets "Extend 30 min" and "Extend…": the first asks at once, carrying
 * the session's reason over; the second opens a modal for another length and a reason. Both run
 * requestExtension as the clicking person (shared/extension-requests.ts); what the policy needs
 * then happens as for any request (approvers get the usual message, with Approve / Deny).
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { parseDurationMinutes } from '../shared/command-words.js';
import {
  extensionOfferFor,
  extensionOutcome,
  offerLine,
  parseQuickExtension,
  OFFERED_SESSION_FIELDS,
  offerOf,
  requestExtension,
  requestQuickExtension,
  type ExtensionOffer,
  type OfferedSession,
} from '../shared/extension-requests.js';
import type { ApprovalFacts } from '../shared/approval-facts.js';
import { runOperation } from '../shared/run-operation.js';
import { escapeMrkdwn, line, slackDate } from './blocks.js';
import { callerOf, notConnected, UNMAPPED } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

export const EXTENSION_ACTIONS = { quick: 'access_extend', choose: 'access_extend_choose' } as const;
export const EXTENSION_VIEW = 'access_extension';

const FOLLOW_UP = 'You will hear back here.';
const SESSION_TO_EXTEND = `query($id: ID!) { accessSession(id: $id) { ${OFFERED_SESSION_FIELDS} } }`;

/** Words escaped (server names and reasons are people's words), times in each reader's zone. */
const SLACK_STYLE = { words: escapeMrkdwn, at: slackDate };

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, ...line(text) });

/**
 * Answers the clicker: ephemerally where the click came from a message, in a direct message where
 * it has no response_url (a button on the App Home).
 */
function answerer(ctx: SlackContext, body: BlockAction, respond: (message: ReturnType<typeof ephemeral>) => Promise<unknown>) {
  return async (text: string): Promise<void> => {
    if (body.response_url) {
      await respond(ephemeral(text));
      return;
    }
    await (await ctx.clientFor({ teamId: body.team?.id ?? '' })).chat.postMessage({ channel: body.user.id, ...line(text) });
  };
}

/** The offer under the news: one line, and the two buttons. */
export function extensionOfferMessage(offer: ExtensionOffer): { text: string; blocks: Record<string, unknown>[] } {
  return {
    text: offerLine(offer, { words: escapeMrkdwn, at: (iso) => iso }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: offerLine(offer, SLACK_STYLE) } },
      {
        type: 'actions',
        block_id: `extend:${offer.accessSessionId}`,
        elements: [
          {
            type: 'button',
            style: 'primary',
            text: { type: 'plain_text', text: `Extend ${offer.quickMinutes} min` },
            action_id: EXTENSION_ACTIONS.quick,
            value: JSON.stringify({ accessSessionId: offer.accessSessionId, minutes: offer.quickMinutes }),
          },
          { type: 'button', text: { type: 'plain_text', text: 'Extend…' }, action_id: EXTENSION_ACTIONS.choose, value: offer.accessSessionId },
        ],
      },
    ],
  };
}

/** Posts the offer to the requester's conversation, when `facts` left them access in force. */
export async function offerExtension(ctx: SlackContext, tenantId: string, facts: ApprovalFacts, channel: string): Promise<void> {
  const offer = await extensionOfferFor(ctx, tenantId, 'slack', facts);
  if (!offer) return;
  const message = extensionOfferMessage(offer);
  try {
    await (await ctx.clientFor({ tenantId })).chat.postMessage({ channel, text: message.text, blocks: message.blocks as never });
  } catch (error) {
    ctx.logger.warn({ err: error, approvalId: facts.id }, 'slack extension offer not sent');
  }
}

function extensionModal(offer: ExtensionOffer): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: EXTENSION_VIEW,
    private_metadata: JSON.stringify({ accessSessionId: offer.accessSessionId }),
    title: { type: 'plain_text', text: 'Extend access' },
    submit: { type: 'plain_text', text: 'Extend' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: offerLine(offer, SLACK_STYLE) },
      },
      {
        type: 'input',
        block_id: 'minutes',
        label: { type: 'plain_text', text: 'How much longer' },
        hint: {
          type: 'plain_text',
          text: 'Minutes, or a number with m, h or d: 45, 90m, 2h. The policy may ask an approver, and caps how long a session lasts.',
        },
        element: { type: 'plain_text_input', action_id: 'value', initial_value: String(offer.quickMinutes), max_length: 8 },
      },
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 2000 },
      },
    ],
  };
}

export function registerExtensionActions(app: App, ctx: SlackContext): void {
  app.action<BlockAction<ButtonAction>>(EXTENSION_ACTIONS.quick, async ({ ack, body, action, respond }) => {
    await ack();
    const answer = answerer(ctx, body, respond);
    const workspace = await ctx.services.workspaceOf(body.team?.id);
    if (!workspace) return void (await answer(notConnected(body.team?.id)));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await answer(UNMAPPED));
    const quick = parseQuickExtension(action.value);
    if (!quick) return void (await answer('That button is out of date: ask again with Extend….'));
    const result = await requestQuickExtension(ctx, caller, quick);
    const text = result.error ? `Not extended: ${escapeMrkdwn(result.error.message)}` : extensionOutcome(result.data, SLACK_STYLE, FOLLOW_UP);
    await answer(text);
  });

  app.action<BlockAction<ButtonAction>>(EXTENSION_ACTIONS.choose, async ({ ack, body, action, respond, client }) => {
    await ack();
    const answer = answerer(ctx, body, respond);
    const workspace = await ctx.services.workspaceOf(body.team?.id);
    if (!workspace) return void (await answer(notConnected(body.team?.id)));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await answer(UNMAPPED));
    const session = await runOperation<{ accessSession: OfferedSession }>(ctx.schema, ctx.deps, caller, SESSION_TO_EXTEND, { id: action.value });
    if (session.error) return void (await answer(`Not extended: ${escapeMrkdwn(session.error.message)}`));
    const { accessSession } = session.data;
    if (!accessSession.extension) return void (await answer(`Not extended: this access session is ${accessSession.status.toLowerCase()}.`));
    const offer = offerOf(accessSession);
    if (!offer) return void (await answer('Not extended: its policy allows this access session no more time.'));
    await client.views.open({ trigger_id: body.trigger_id, view: extensionModal(offer) as never });
  });

  app.view(EXTENSION_VIEW, async ({ ack, body, view }) => {
    const { accessSessionId } = JSON.parse(view.private_metadata) as { accessSessionId: string };
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const minutesText = values.minutes?.value?.value ?? '';
    const reason = values.reason?.value?.value ?? '';
    const durationMinutes = parseDurationMinutes(minutesText);
    if (!durationMinutes) return void (await ack({ response_action: 'errors', errors: { minutes: 'Minutes, or a number with m, h or d such as 90m or 2h' } }));
    const workspace = await ctx.services.workspaceOf(body.team?.id ?? undefined);
    if (!workspace) return void (await ack({ response_action: 'errors', errors: { minutes: notConnected(body.team?.id ?? undefined).slice(0, 150) } }));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await ack({ response_action: 'errors', errors: { minutes: UNMAPPED.slice(0, 150) } }));
    const result = await requestExtension(ctx, caller, { accessSessionId, durationMinutes, reason });
    if (result.error) {
      const block = result.error.field === 'input.reason' ? 'reason' : 'minutes';
      return void (await ack({ response_action: 'errors', errors: { [block]: result.error.message.slice(0, 150) } }));
    }
    await ack();
    try {
      await (
        await ctx.clientFor({ teamId: workspace.externalId })
      ).chat.postMessage({ channel: body.user.id, text: extensionOutcome(result.data, SLACK_STYLE, FOLLOW_UP) });
    } catch (error) {
      ctx.logger.warn({ err: error, accessSessionId }, 'slack extension outcome not sent');
    }
  });
}
