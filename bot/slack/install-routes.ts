/**
 * The browser side of "Add to Slack": Slack sends the installing admin's browser back to
 * /slack/oauth_redirect with a code and the state Vigil handed out (server/chat/slack-install.ts);
 * the page says what was bound, or plainly why nothing was. Slack's own `app_uninstalled` and
 * `tokens_revoked` events end the binding of the workspace they come from.
 */
import { Router } from 'express';
import type { App } from '@slack/bolt';
import { AppError, type ChatBotServices, type SlackOAuthApp } from '../../server/chat/bot-services.js';
import type { Logger } from '../../server/logger.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`;

export function slackInstallRouter(options: { readonly app: SlackOAuthApp; readonly services: ChatBotServices; readonly logger: Logger }): Router {
  const router = Router();
  router.get('/oauth_redirect', async (req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    const { code, state, error } = req.query;
    if (typeof error === 'string') {
      res.status(400).end(page('Vigil was not installed', `Slack says: ${error}. Nothing was bound; start again from Vigil when you are ready.`));
      return;
    }
    if (typeof code !== 'string' || typeof state !== 'string' || !code || !state) {
      res.status(400).end(page('Vigil was not installed', 'This link lacks the code or state Slack adds to it: start again from Vigil.'));
      return;
    }
    try {
      const installed = await options.services.completeSlackInstall(options.app, { state, code });
      const where = installed.approverChannel ? ` Requests needing approval are posted to ${installed.approverChannel}: invite the bot there.` : '';
      // Named in full, so a workspace admin who followed someone else's link sees whose tenant they connected (and can uninstall).
      const tenant = `the Vigil tenant “${installed.tenantName}” (${installed.tenantSlug})`;
      res
        .status(200)
        .end(
          page(
            'Vigil is installed',
            `The Slack workspace ${installed.teamName ?? installed.teamId} is now connected to ${tenant}.${where} If this is not the tenant you expected, uninstall the app from the workspace: the connection ends with it.`,
          ),
        );
    } catch (caught) {
      if (!(caught instanceof AppError)) {
        options.logger.error({ err: caught }, 'slack install failed');
        res.status(500).end(page('Vigil was not installed', 'Something went wrong on Vigil’s side; nothing was bound. Try again, or ask your Vigil operator.'));
        return;
      }
      res.status(caught.code === 'CONFLICT' ? 409 : 400).end(page('Vigil was not installed', caught.message));
    }
  });
  return router;
}

/** Ends the binding of a workspace that uninstalled the app or revoked its bot token. */
export function registerUninstallEvents(app: App, options: { readonly services: ChatBotServices; readonly logger: Logger }): void {
  const end = async (teamId: string | undefined, reason: string) => {
    if (!teamId) return;
    if (await options.services.endSlackInstall(teamId, reason)) options.logger.info({ teamId, reason }, 'slack workspace unbound');
  };
  app.event('app_uninstalled', async ({ body }) => end(body.team_id, 'the app was uninstalled from the Slack workspace'));
  app.event('tokens_revoked', async ({ event, body }) => {
    if ((event.tokens.bot ?? []).length > 0) await end(body.team_id, 'the bot token was revoked in the Slack workspace');
  });
}
