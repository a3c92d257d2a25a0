/**
 * The explorer's HTML: no inline script or style, only the bundle's two files from Vigil's own
 * origin (see explorer-bundle.ts). The stylesheet link carries the response's style nonce, for the
 * <style> elements GraphiQL's dialogs add (browser/explorer.js hands it to them).
 */
import { htmlPage } from '../http/html-page.js';
import type { ExplorerBundle } from './explorer-bundle.js';

export const EXPLORER_ASSETS_PATH = '/explorer/assets';

export function explorerPage(bundle: Pick<ExplorerBundle, 'script' | 'stylesheet'>, styleNonce: string): string {
  return htmlPage({
    title: 'Vigil GraphQL explorer',
    head: `<link rel="stylesheet" href="${EXPLORER_ASSETS_PATH}/${bundle.stylesheet}" nonce="${styleNonce}">
<script type="module" src="${EXPLORER_ASSETS_PATH}/${bundle.script}"></script>`,
    body: `<div id="explorer"></div>
<noscript>The GraphQL explorer needs JavaScript. GraphQL itself is served at /graphql.</noscript>`,
  });
}
