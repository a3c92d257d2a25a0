/**
 * The App Home tab. Opening it (`app_home_opened`) publishes the person's home (home-view.ts),
 * read as them through the schema, and records in the database that they opened it; a change that
 * concerns them (a request they may decide or made, their access or sudo) republishes it later.
 * Every instance hears every change; one marks the homes it concerns stale; a second after the
 * first mark, each instance claims the tenant's stale homes (server/chat/home-views.ts: a home goes
 * to one claimant) and republishes what it claimed, so a burst of changes is one publish per home.
 * Clicks on a home have no response_url: their answer is kept with the home and shown at its top.
 */
import type { App, BlockAction, ButtonAction, webApi } from '@slack/bolt';
import type { ChatWorkspace, DomainEvent } from '../../server/chat/bot-services.js';
import type { Disposable } from '../../server/disposable.js';
import { APPROVAL_FIELDS, describeRequest, loadApprovalFacts, type ApprovalFacts } from '../shared/approval-facts.js';
import { loadHomeFacts } from '../shared/home-facts.js';
import { keyedWork } from '../shared/keyed-work.js';
import { runOperation } from '../shared/run-operation.js';
import { HOME_ACTIONS, homeFactsView, messageHomeView } from './home-view.js';
import { callerOf, notConnected, UNMAPPED } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

/** How long changes gather before the homes they concern are republished (one publish per home per burst). */
const REFRESH_AFTER_MS = 1000;
/** Homes claimed per round trip when republishing. */
const CLAIM_BATCH = 25;

const CANCEL = `mutation($id: ID!) { cancelApproval(id: $id) { ${APPROVAL_FIELDS} } }`;

/** Where a home is published: the person, in the workspace the request came from. */
interface HomeOwner {
  readonly teamId: string | undefined;
  readonly slackUserId: string;
}

/**
 * Publishes the person's home as it is now: their facts as they may see them, or what to do first
 * (connect the workspace, link their account). `notice` tops it; undefined reads the kept one.
 */
export async function publishHome(
  ctx: SlackContext,
  client: webApi.WebClient,
  workspace: ChatWorkspace | undefined,
  owner: HomeOwner,
  notice?: string | null,
): Promise<void> {
  const view = await homeViewOf(ctx, workspace, owner, notice);
  await client.views.publish({ user_id: owner.slackUserId, view: view as never });
}

async function homeViewOf(ctx: SlackContext, workspace: ChatWorkspace | undefined, owner: HomeOwner, notice?: string | null) {
  if (!workspace) return messageHomeView(notConnected(owner.teamId), notice);
  const caller = await callerOf(ctx, workspace, owner.slackUserId);
  if (!caller) return messageHomeView(UNMAPPED, notice);
  const shown = notice === undefined ? await ctx.services.homeNotice(workspace.tenantId, owner.slackUserId) : notice;
  const facts = await loadHomeFacts(ctx, caller);
  if (facts.error) return messageHomeView(`Vigil could not read your home: ${facts.error.message}`, shown);
  return homeFactsView(facts.data, ctx.deps.clock.now(), shown);
}

/** Answers a click made on the person's home: the answer is kept there (until they open it again) and the home republished now. */
export async function answerOnHome(ctx: SlackContext, client: webApi.WebClient, owner: HomeOwner, text: string): Promise<void> {
  const workspace = await ctx.services.workspaceOf(owner.teamId);
  if (workspace) await ctx.services.saveHomeNotice(workspace.tenantId, owner.slackUserId, text);
  await publishHome(ctx, client, workspace, owner, text);
}

export function registerAppHome(app: App, ctx: SlackContext): Disposable {
  app.event('app_home_opened', async ({ event, body, client }) => {
    // The same event comes for the Messages and About tabs: only the Home tab is Vigil's to draw.
    if (event.tab !== 'home') return;
    const owner = { teamId: body.team_id, slackUserId: event.user };
    const workspace = await ctx.services.workspaceOf(owner.teamId);
    const caller = workspace && (await callerOf(ctx, workspace, owner.slackUserId));
    if (workspace && caller) await ctx.services.homeOpened(workspace.tenantId, owner.slackUserId);
    // Opened afresh: the answer to an old click no longer belongs on top.
    await publishHome(ctx, client, workspace, owner, null);
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.cancel, async ({ ack, body, action, client }) => {
    await ack();
    const owner = { teamId: body.team?.id, slackUserId: body.user.id };
    const workspace = await ctx.services.workspaceOf(owner.teamId);
    const caller = workspace && (await callerOf(ctx, workspace, owner.slackUserId));
    if (!workspace || !caller) return void (await publishHome(ctx, client, workspace, owner, null));
    const result = await runOperation<{ cancelApproval: ApprovalFacts }>(ctx.schema, ctx.deps, caller, CANCEL, { id: action.value ?? '' });
    const text = result.error
      ? `Not cancelled: ${result.error.message}`
      : `You cancelled your request for ${describeRequest(result.data.cancelApproval).replace(/`/g, '')}.`;
    await answerOnHome(ctx, client, owner, text);
  });

  return startHomeRefresher(ctx);
}

/** Whose homes a change concerns: a request's requester and everyone who may decide it; the person whose grant changed. */
async function concernedUsers(ctx: SlackContext, event: DomainEvent): Promise<string[]> {
  switch (event.type) {
    case 'approval.requested':
    case 'approval.decided': {
      // Who may decide is worked out (on-call schedules asked, say) by one instance per state, as the notifier does.
      const facts = await loadApprovalFacts(ctx.schema, ctx.deps, event.tenantId, 'slack', event.approvalId);
      if (!facts || !(await ctx.services.claimNotice(event.tenantId, `home:${event.approvalId}:${facts.status}:${facts.decisions.length}`))) return [];
      return [event.requesterId, ...((await ctx.services.reviewerIdsOfApproval(event.tenantId, event.approvalId)) ?? [])];
    }
    case 'access_session.changed':
      return [event.requesterId];
    case 'sudo.granted':
      return [event.userId];
    default:
      return [];
  }
}

function startHomeRefresher(ctx: SlackContext): Disposable {
  const work = keyedWork(ctx.logger, 'slack home refresh failed', 'tenantId');
  // Only the wait before a tenant's next republishing round lives here: what is stale is in the database.
  const timers = new Map<string, NodeJS.Timeout>();
  let isStopped = false;

  const republish = async (tenantId: string) => {
    const workspace = await ctx.services.workspaceOfTenant(tenantId);
    if (!workspace) return;
    for (;;) {
      const claimed = await ctx.services.claimStaleHomes(tenantId, CLAIM_BATCH);
      for (const home of claimed) {
        try {
          await publishHome(
            ctx,
            await ctx.clientFor({ teamId: workspace.externalId }),
            workspace,
            { teamId: workspace.externalId, slackUserId: home.externalUserId },
            home.notice,
          );
        } catch (error) {
          ctx.logger.warn({ err: error, tenantId }, 'slack home not republished');
        }
      }
      if (claimed.length < CLAIM_BATCH) return;
    }
  };

  const stop = ctx.services.onDomainEvent((event) => {
    if (!['approval.requested', 'approval.decided', 'access_session.changed', 'sudo.granted'].includes(event.type)) return;
    work.run(event.tenantId, async () => {
      const users = await concernedUsers(ctx, event);
      if ((await ctx.services.markHomesStale(event.tenantId, users)) === 0 || isStopped || timers.has(event.tenantId)) return;
      timers.set(
        event.tenantId,
        setTimeout(() => {
          timers.delete(event.tenantId);
          work.run(event.tenantId, () => republish(event.tenantId));
        }, REFRESH_AFTER_MS),
      );
    });
  });

  return {
    async dispose() {
      isStopped = true;
      stop();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await work.settled();
    },
  };
}
