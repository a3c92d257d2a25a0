/**
 * Approve / Deny in Slack. Every click runs decideApproval as the clicking person (channel SLACK,
 * their Slack id recorded), so the API's rules decide: a non-approver is told so and nothing
 * changes. A denial, a policy asking for a justification, or a STEP_UP policy goes through a modal
 * first (the justification, the authenticator code). The messages themselves are updated by the
 * notifier, from the decision's domain event, wherever the decision was made.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { loadApprovalFacts, type ApprovalFacts } from '../shared/approval-facts.js';
import { decide, decisionConfirmation } from '../shared/chat-actions.js';
import { DEFAULT_LOCALE, say } from '../shared/messages/catalogue.js';
import { runOperation } from '../shared/run-operation.js';
import { ACTIONS, decisionModal, DECISION_VIEW, escapeMrkdwn, line, needsModal, type DecisionModalState } from './blocks.js';
import { callerOf, knownLocaleOf, localeOf, notConnected, unmapped } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';
import { answerOnHome } from './app-home.js';

const CAN_DECIDE = 'query($id: ID!) { approval(id: $id) { id viewerCanDecide status chatApproval } me { hasTotp } }';

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, ...line(text) });

export function registerApprovalActions(app: App, ctx: SlackContext): void {
  for (const [actionId, decision] of [
    [ACTIONS.approve, 'approve'],
    [ACTIONS.deny, 'deny'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      // A click on the App Home has no response_url: its answer goes on the home itself.
      const fromHome = body.view?.type === 'home';
      const owner = { teamId: body.team?.id, slackUserId: body.user.id };
      const answer = (text: string) => (fromHome ? answerOnHome(ctx, client, owner, text) : respond(ephemeral(text)));
      const workspace = await ctx.services.workspaceOf(body.team?.id);
      if (!workspace) return void (await answer(notConnected(body.team?.id, knownLocaleOf(ctx, body.team?.id, body.user.id))));
      const caller = await callerOf(ctx, workspace, body.user.id);
      if (!caller) return void (await answer(unmapped(await localeOf(ctx, workspace.externalId, body.user.id))));
      const locale = caller.locale ?? DEFAULT_LOCALE;
      const approvalId = action.value ?? '';
      const check = await runOperation<{ approval: { viewerCanDecide: boolean; status: string; chatApproval: string }; me: { hasTotp: boolean } }>(
        ctx.schema,
        ctx.deps,
        caller,
        CAN_DECIDE,
        { id: approvalId },
      );
      if (check.error || !check.data.approval.viewerCanDecide) {
        const why =
          check.error?.message ??
          (check.data!.approval.status === 'PENDING'
            ? say(locale, 'slack.notAnApprover')
            : say(locale, 'slack.requestIs', { status: check.data!.approval.status.toLowerCase() }));
        return void (await answer(say(locale, 'slack.cannotDecide', { why })));
      }
      // Said before any modal to an approver a STEP_UP request would ask for a code they cannot have.
      if (check.data.approval.chatApproval === 'STEP_UP' && !check.data.me.hasTotp) return void (await answer(say(locale, 'slack.noAuthenticator')));
      const facts = (await loadApprovalFacts(ctx.schema, ctx.deps, workspace.tenantId, 'slack', approvalId)) as ApprovalFacts;
      if (needsModal(facts, decision)) {
        const state: DecisionModalState = { approvalId, decision, ...(fromHome ? { fromHome } : {}) };
        await client.views.open({ trigger_id: body.trigger_id, view: decisionModal(facts, state, locale) as never });
        return;
      }
      const result = await decide(ctx, caller, approvalId, decision);
      // The request's words are the requester's (a sudo command): shown, never read as a mention or link.
      const said = result.error ? say(locale, 'slack.notDecided', { message: result.error.message }) : decisionConfirmation(decision, result.data, locale);
      // On a home, text is escaped where it is drawn.
      await answer(fromHome ? said : escapeMrkdwn(said));
    });
  }

  app.action(ACTIONS.openInVigil, async ({ ack }) => {
    await ack();
  });

  app.view(DECISION_VIEW, async ({ ack, body, view, client }) => {
    const state = JSON.parse(view.private_metadata) as DecisionModalState;
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const justification = values.justification?.value?.value ?? undefined;
    const totpCode = values.totp?.value?.value ?? undefined;
    const workspace = await ctx.services.workspaceOf(body.team?.id ?? undefined);
    const firstBlock = values.justification ? 'justification' : 'totp';
    const known = knownLocaleOf(ctx, body.team?.id ?? undefined, body.user.id);
    if (!workspace) return void (await ack({ response_action: 'errors', errors: { [firstBlock]: notConnected(body.team?.id ?? undefined, known) } }));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await ack({ response_action: 'errors', errors: { [firstBlock]: unmapped(known) } }));
    const result = await decide(ctx, caller, state.approvalId, state.decision, justification, totpCode);
    if (!result.error) {
      await ack();
      // Decided from the App Home: say so there (a request message says it by its own update).
      if (state.fromHome)
        await answerOnHome(
          ctx,
          client,
          { teamId: body.team?.id ?? undefined, slackUserId: body.user.id },
          decisionConfirmation(state.decision, result.data, caller.locale),
        );
      return;
    }
    const isCodeProblem = values.totp && (result.error.field === 'totpCode' || /TOTP|authenticator/i.test(result.error.message));
    const block = isCodeProblem ? 'totp' : values.justification && result.error.field === 'justification' ? 'justification' : firstBlock;
    await ack({ response_action: 'errors', errors: { [block]: result.error.message.slice(0, 150) } });
  });
}
