/**
 * The HTML pages Vigil serves itself (recording playback, the GraphQL explorer): the document
 * around their content, and their headers: never cached, never sniffed, no referrer, and a
 * Content-Security-Policy that lets a page load and reach nothing but Vigil's own origin, widened
 * per page only by what that page must have (a nonce, WebAssembly, inline styles, its WebSocket).
 */
import type { Response } from 'express';

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** A whole page: `title` is text (escaped here), `head` and `body` are HTML. */
export function htmlPage(page: { readonly title: string; readonly head: string; readonly body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(page.title)}</title>
${page.head}
</head>
<body>
${page.body}
</body>
</html>
`;
}

export interface PageSources {
  /** Sources beside 'self' in script-src, style-src and connect-src. */
  readonly script?: readonly string[];
  readonly style?: readonly string[];
  readonly connect?: readonly string[];
  /** Whether the page plays audio or video from Vigil's origin (media-src 'self'). */
  readonly isMediaPlayed?: boolean;
}

export function setPageHeaders(res: Response, extra: PageSources = {}): void {
  const sources = (more: readonly string[] = []) => ["'self'", ...more].join(' ');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src ${sources(extra.script)}; style-src ${sources(extra.style)}; connect-src ${sources(extra.connect)}; img-src 'self' data:;${extra.isMediaPlayed ? " media-src 'self';" : ''} font-src 'self' data:; frame-ancestors 'self'; base-uri 'none'`,
  );
}
