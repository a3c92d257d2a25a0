/**
 * "Add to Slack": a Slack workspace installs Vigil's app through OAuth v2 and is bound to the tenant
 * whose admin started the install. The admin asks Vigil for the install URL (signed in, through
 * GraphQL); its `state` is random, kept only as a hash, good for 10 minutes and once. Slack sends
 * the installing browser back with a code, which Vigil exchanges (`oauth.v2.access`) for the
 * workspace's own bot token: the workspace consented by installing (only people Slack lets install
 * apps can), and the tenant by its admin starting it, so the install is the binding's proof. The
 * token is sealed with the secret box; the bot posts to that workspace with it alone. Uninstalling
 * the app or revoking its token (Slack's `app_uninstalled` / `tokens_revoked` events) ends the
 * binding. Many workspaces, each bound to one tenant; a workspace proven for another tenant stays
 * there until that tenant unbinds it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { webApi } from '@slack/bolt';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { actorId, type Actor } from '../auth/actor.js';
import { requireAdmin } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { uniqueViolation } from '../db/db-errors.js';
import { chatWorkspaceInstalls, chatWorkspaces, tenants } from '../db/tables/index.js';
import { BadInput, Conflict } from '../errors.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { inTransaction, type TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { chatBotActor, takeOverUnprovenBinding } from './workspaces.js';

/** Long enough to click through Slack's consent screen, short enough that a leaked URL soon goes stale. */
export const INSTALL_STATE_TTL_MS = 10 * 60_000;

/** What the bot needs in a workspace (bot/slack/manifest.yml's bot scopes). */
export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'im:write', 'users:read', 'users:read.email'] as const;

/** The Slack app Vigil installs (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET). */
export interface SlackOAuthApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Slack's authorize page (https://slack.com/oauth/v2/authorize). */
  readonly authorizeUrl: string;
  /** Where Slack sends the browser back: Vigil's /slack/oauth_redirect. */
  readonly redirectUri: string;
  /** The Web API's base URL, where the code is exchanged. */
  readonly apiUrl: string;
}

export interface SlackInstallStart {
  readonly installUrl: string;
  readonly expiresAt: Date;
}

/** A workspace as installed: who it is bound to and the bot in it. */
export interface SlackInstalled {
  readonly tenantId: string;
  /** The tenant's name and slug, shown to the installer: a workspace admin sees which Vigil tenant they connected. */
  readonly tenantName: string;
  readonly tenantSlug: string;
  readonly teamId: string;
  readonly teamName: string | null;
  readonly approverChannel: string | null;
}

const startInput = z.object({
  approverChannel: z.string().trim().min(1, 'must not be empty').max(400, 'is too long').nullish(),
});

const stateHash = (state: string) => createHash('sha256').update(state).digest('hex');
const botActor = (tenantId: string): Actor => chatBotActor(tenantId, 'slack');
const ALREADY_BOUND = 'This Slack workspace is already bound to another Vigil tenant: its admin unbinds it there first. Nothing was installed.';
const UNKNOWN_STATE = 'This install link is unknown, used or expired: start again from Vigil (installSlackApp).';

/** Starts an install for the admin's tenant, replacing one started before; the URL to send the admin's browser to. */
export async function startSlackInstall(
  ctx: TransactionContext,
  app: SlackOAuthApp,
  input: { readonly approverChannel?: string | null },
): Promise<SlackInstallStart> {
  const actor = requireAdmin(ctx.actor);
  const { approverChannel = null } = parseInput(startInput, input);
  const state = randomBytes(32).toString('base64url');
  const expiresAt = new Date(ctx.clock.now().getTime() + INSTALL_STATE_TTL_MS);
  const install = { stateHash: stateHash(state), approverChannel, expiresAt, requestedBy: actorId(actor), createdAt: ctx.clock.now() };
  await ctx.db
    .insert(chatWorkspaceInstalls)
    .values({ tenantId: actor.tenantId, provider: 'slack', ...install })
    .onConflictDoUpdate({ target: [chatWorkspaceInstalls.tenantId, chatWorkspaceInstalls.provider], set: install });
  await recordChange(ctx, {
    action: 'chat_workspace.install_started',
    resource: { type: 'chat_workspace', id: 'slack' },
    after: { approverChannel, expiresAt: expiresAt.toISOString() },
  });
  const url = new URL(app.authorizeUrl);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('scope', SLACK_BOT_SCOPES.join(','));
  url.searchParams.set('redirect_uri', app.redirectUri);
  url.searchParams.set('state', state);
  return { installUrl: url.toString(), expiresAt };
}

interface SlackAccess {
  readonly teamId: string;
  readonly teamName: string | null;
  readonly botToken: string;
  readonly botUserId: string | null;
  readonly installerId: string | null;
}

/** Exchanges Slack's code for the workspace's bot token; BAD_USER_INPUT (`code`) when Slack refuses it. */
async function exchangeCode(app: SlackOAuthApp, code: string): Promise<SlackAccess> {
  const client = new webApi.WebClient(undefined, { slackApiUrl: app.apiUrl, retryConfig: { retries: 2 } });
  let answer: webApi.OauthV2AccessResponse;
  try {
    answer = await client.oauth.v2.access({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: app.redirectUri });
  } catch (error) {
    const reason = (error as { data?: { error?: string } }).data?.error ?? 'Slack could not be reached';
    throw new BadInput('code', `Slack refused the install (${reason}): nothing was installed. Start again from Vigil.`);
  }
  const teamId = answer.team?.id;
  const botToken = answer.access_token;
  if (!teamId || !botToken?.startsWith('xoxb-') || answer.is_enterprise_install) {
    throw new BadInput('code', 'Slack answered without a workspace bot token (an org-wide install is not supported): nothing was installed.');
  }
  return { teamId, teamName: answer.team?.name ?? null, botToken, botUserId: answer.bot_user_id ?? null, installerId: answer.authed_user?.id ?? null };
}

/**
 * Completes an install when Slack sends the browser back: the state must be one Vigil handed out,
 * unused and unexpired; the code is exchanged; the workspace is bound to the state's tenant with
 * its own sealed token, proven by the install. CONFLICT when another tenant holds a proven binding
 * of the workspace; a binding of it never proven, held by another tenant, gives way (recorded there).
 */
export async function completeSlackInstall(
  deps: { readonly db: Database; readonly clock: Clock; readonly secretBox: SecretBox },
  app: SlackOAuthApp,
  callback: { readonly state: string; readonly code: string },
): Promise<SlackInstalled> {
  const [install] = await deps.db
    .select()
    .from(chatWorkspaceInstalls)
    .where(eq(chatWorkspaceInstalls.stateHash, stateHash(callback.state)));
  if (!install || install.expiresAt <= deps.clock.now()) throw new BadInput('state', UNKNOWN_STATE);
  const access = await exchangeCode(app, callback.code);
  const ctx = { db: deps.db, clock: deps.clock, actor: botActor(install.tenantId) };
  try {
    return await inTransaction(ctx, async (tx) => {
      // Used once: whoever deletes it first completes the install.
      const [held] = await tx.db
        .delete(chatWorkspaceInstalls)
        .where(
          and(
            eq(chatWorkspaceInstalls.tenantId, install.tenantId),
            eq(chatWorkspaceInstalls.provider, 'slack'),
            eq(chatWorkspaceInstalls.stateHash, install.stateHash),
          ),
        )
        .returning();
      if (!held) throw new BadInput('state', UNKNOWN_STATE);
      await takeOverUnprovenBinding(
        tx,
        { tenantId: held.tenantId, provider: 'slack', externalId: access.teamId },
        new Conflict(ALREADY_BOUND, { field: 'state' }),
        { reason: 'the workspace installed Vigil for another tenant; this binding was never proven', installedBy: access.installerId },
      );
      const [before] = await tx.db
        .select()
        .from(chatWorkspaces)
        .where(and(eq(chatWorkspaces.tenantId, held.tenantId), eq(chatWorkspaces.provider, 'slack')));
      const now = tx.clock.now();
      const binding = {
        externalId: access.teamId,
        approverChannel: held.approverChannel,
        verifiedAt: now,
        verifiedBy: access.installerId,
        botTokenSealed: deps.secretBox.seal(access.botToken),
        botUserId: access.botUserId,
        updatedAt: now,
      };
      await tx.db
        .insert(chatWorkspaces)
        .values({ tenantId: held.tenantId, provider: 'slack', ...binding })
        .onConflictDoUpdate({ target: [chatWorkspaces.tenantId, chatWorkspaces.provider], set: binding });
      await recordChange(tx, {
        action: 'chat_workspace.installed',
        resource: { type: 'chat_workspace', id: 'slack', name: access.teamId },
        before: before
          ? { externalId: before.externalId, approverChannel: before.approverChannel, verifiedAt: before.verifiedAt?.toISOString() ?? null }
          : null,
        after: {
          externalId: access.teamId,
          teamName: access.teamName,
          approverChannel: held.approverChannel,
          installedBy: access.installerId,
          botUserId: access.botUserId,
          requestedBy: held.requestedBy,
        },
      });
      const [tenant] = await tx.db.select({ name: tenants.name, slug: tenants.slug }).from(tenants).where(eq(tenants.id, held.tenantId));
      return {
        tenantId: held.tenantId,
        tenantName: tenant?.name ?? '',
        tenantSlug: tenant?.slug ?? '',
        teamId: access.teamId,
        teamName: access.teamName,
        approverChannel: held.approverChannel,
      };
    });
  } catch (error) {
    // Two tenants installing into the same workspace at once: the unique binding keeps the first.
    if (uniqueViolation(error) !== undefined) throw new Conflict(ALREADY_BOUND, { field: 'state' });
    throw error;
  }
}

/** The installed workspace's own bot token, if it was installed through OAuth and is still bound. */
export async function installedBotToken(deps: { readonly db: Database; readonly secretBox: SecretBox }, teamId: string): Promise<string | undefined> {
  const [row] = await deps.db
    .select({ botTokenSealed: chatWorkspaces.botTokenSealed, verifiedAt: chatWorkspaces.verifiedAt })
    .from(chatWorkspaces)
    .where(and(eq(chatWorkspaces.provider, 'slack'), eq(chatWorkspaces.externalId, teamId)));
  return row?.botTokenSealed && row.verifiedAt ? deps.secretBox.open(row.botTokenSealed) : undefined;
}

/**
 * Slack said the app is gone from the workspace (uninstalled, or its bot token revoked): the
 * binding ends, with its token, recorded in the tenant's audit log. False when nothing was bound.
 */
export async function endSlackInstall(deps: { readonly db: Database; readonly clock: Clock }, teamId: string, reason: string): Promise<boolean> {
  const [row] = await deps.db
    .select()
    .from(chatWorkspaces)
    .where(and(eq(chatWorkspaces.provider, 'slack'), eq(chatWorkspaces.externalId, teamId)));
  if (!row?.botTokenSealed) return false;
  return inTransaction({ db: deps.db, clock: deps.clock, actor: botActor(row.tenantId) }, async (tx) => {
    const [gone] = await tx.db
      .delete(chatWorkspaces)
      .where(and(eq(chatWorkspaces.tenantId, row.tenantId), eq(chatWorkspaces.provider, 'slack'), eq(chatWorkspaces.externalId, teamId)))
      .returning();
    if (!gone) return false;
    await recordChange(tx, {
      action: 'chat_workspace.unbound',
      resource: { type: 'chat_workspace', id: 'slack', name: teamId },
      before: { externalId: teamId, approverChannel: gone.approverChannel, botUserId: gone.botUserId },
      after: { reason },
    });
    return true;
  });
}
