/**
 * The GraphQL explorer: GraphiQL, bundled from npm packages by server/explorer/explorer-bundle.ts
 * and served from Vigil itself.
 *
 * - GET /explorer                The page. Anyone may load it: what it can read depends on the
 *                                token pasted into it, which it sends as GraphQL's bearer token.
 * - GET /graphql                 The same page when a browser navigates there (it prefers HTML
 *                                and sends no operation). Every other GET of /graphql is GraphQL
 *                                over HTTP, exactly as before (and passes this router by).
 * - GET /explorer/assets/{name}  The bundle's script, stylesheet and licences, under names that
 *                                carry a hash of their content: cached for a year.
 *
 * The page's Content-Security-Policy lets it load and reach Vigil's origin alone: 'self' for
 * scripts, styles and fetches, plus the WebSocket of the host the page was loaded from ('self'
 * covers ws: and wss: in current browsers; older ones need the host named), and a nonce for the
 * <style> elements GraphiQL's dialogs add. No inline script runs.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import { explorerBundle } from '../explorer/explorer-bundle.js';
import { EXPLORER_ASSETS_PATH, explorerPage } from '../explorer/explorer-page.js';
import type { Logger } from '../logger.js';
import { setPageHeaders } from './html-page.js';
import { sendError } from './send-error.js';

/** GraphQL-over-HTTP's query-string parameters: any of them makes a GET an operation. */
const OPERATION_PARAMETERS = ['query', 'operationName', 'variables', 'extensions'];
/** A Host header that may stand in the policy as a source as it is: a name or [IPv6], and a port. */
const HOST_SOURCE = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export function createExplorerRouter(options: { readonly logger: Logger }): express.Router {
  const router = express.Router();
  const page: RequestHandler = async (req, res) => {
    try {
      const bundle = await explorerBundle();
      const host = req.headers.host ?? '';
      const styleNonce = randomBytes(16).toString('base64');
      setPageHeaders(res, { style: [`'nonce-${styleNonce}'`], connect: HOST_SOURCE.test(host) ? [`ws://${host}`, `wss://${host}`] : [] });
      res.status(200).send(explorerPage(bundle, styleNonce));
    } catch (error) {
      sendError(res, error, req.log ?? options.logger, 'explorer bundle');
    }
  };
  router.get('/explorer', page);
  router.get('/graphql', (req, res, next) => (isBrowserNavigation(req) ? page(req, res, next) : next()));
  router.get(`${EXPLORER_ASSETS_PATH}/:name`, async (req, res, next) => {
    try {
      const asset = (await explorerBundle()).assets.get(String(req.params.name));
      if (!asset) return next();
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type(asset.type).send(asset.contents);
    } catch (error) {
      sendError(res, error, req.log ?? options.logger, 'explorer bundle');
    }
  });
  return router;
}

/**
 * A browser opening /graphql: it prefers HTML to JSON and sends no operation. GraphQL clients ask
 * for JSON (or anything: a first choice of JSON), or put an operation in the query string.
 */
function isBrowserNavigation(req: Request): boolean {
  if (OPERATION_PARAMETERS.some((name) => name in req.query)) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}
