/**
 * The GraphQL explorer over plain HTTP: the page at /explorer, and at /graphql when a browser
 * navigates there, under a Content-Security-Policy of Vigil's origin alone; its bundled assets;
 * and every GraphQL GET from a client answered as GraphQL, exactly as before the explorer.
 * (test/http/explorer-browser.test.ts drives the page in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

/** What Chromium sends when a person opens a URL. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

let t: TestVigil;
let origin: string;
let host: string;

beforeAll(async () => {
  t = await startTestVigil();
  origin = new URL(t.url).origin;
  host = new URL(t.url).host;
});
afterAll(() => t?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${origin}${path}`, { headers });

/** The script and stylesheet a page links to, and the style nonce the link carries. */
function assetsOf(html: string): { script: string; stylesheet: string; nonce: string } {
  const script = /<script type="module" src="(\/explorer\/assets\/explorer-[A-Z0-9]+\.js)"><\/script>/.exec(html)?.[1];
  const link = /<link rel="stylesheet" href="(\/explorer\/assets\/explorer-[A-Z0-9]+\.css)" nonce="([A-Za-z0-9+/=]{24})">/.exec(html);
  expect(script, html).toBeDefined();
  expect(link, html).not.toBeNull();
  return { script: script!, stylesheet: link![1]!, nonce: link![2]! };
}

describe('the explorer page', () => {
  it('is served at /graphql to a browser, with a CSP of Vigil’s origin alone and no inline script', async () => {
    const response = await get('/graphql', { accept: BROWSER_ACCEPT });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    const { nonce } = assetsOf(html);
    expect(response.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; connect-src 'self' ws://${host} wss://${host}; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'; base-uri 'none'`,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // Every script has a src, and no element carries an inline style or handler.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => / src="\/explorer\/assets\//.test(tag))).toBe(true);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('is served at /explorer, to anyone, with or without a token, with a new style nonce each time', async () => {
    const anonymous = await get('/explorer');
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('content-security-policy')).toContain("script-src 'self';");
    const page = await anonymous.text();
    const withToken = await (await get('/explorer', { authorization: `Bearer ${t.admin.token}` })).text();
    const [first, second] = [assetsOf(page), assetsOf(withToken)];
    expect(second.nonce).not.toBe(first.nonce);
    expect(withToken.replace(second.nonce, '')).toBe(page.replace(first.nonce, ''));
  });

  it('names no WebSocket source in its CSP for a Host header that cannot stand in one', async () => {
    // fetch sets Host itself: send a raw request to put another one there.
    const { request } = await import('node:http');
    const csp = await new Promise<string | undefined>((resolve, reject) => {
      const outgoing = request(`${origin}/explorer`, { headers: { host: 'evil.example; script-src *' } }, (response) => {
        response.resume();
        resolve(response.headers['content-security-policy'] as string | undefined);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(csp).toMatch(/; connect-src 'self'; img-src /);
    expect(csp).not.toContain('evil.example');
  });

  it('serves its bundled script and stylesheet from Vigil, cached for good, and 404 for any other name', async () => {
    const { script, stylesheet } = assetsOf(await (await get('/explorer')).text());
    const js = await get(script);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await js.text()).length).toBeGreaterThan(100_000);
    const css = await get(stylesheet);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.graphiql-container');
    expect((await get('/explorer/assets/explorer-NOPE.js')).status).toBe(404);
    expect((await get('/explorer/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });
});

describe('GraphQL GETs from clients, unchanged by the explorer', () => {
  const query = encodeURIComponent('{ me { email } }');
  const preflight = { 'apollo-require-preflight': 'true' };

  it('answers a GET with an operation as GraphQL, even from a client that prefers HTML', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*', BROWSER_ACCEPT]) {
      const response = await get(`/graphql?query=${query}`, { accept, authorization: `Bearer ${t.admin.token}`, ...preflight });
      expect(response.status, accept).toBe(200);
      expect(response.headers.get('content-type'), accept).toMatch(/^application\/(graphql-response\+)?json/);
      expect(await response.json()).toEqual({ data: { me: { email: 'admin@localhost' } } });
    }
  });

  it('still refuses a simple cross-site GET with an operation (CSRF prevention), whatever it accepts', async () => {
    const response = await get(`/graphql?query=${query}`, { accept: BROWSER_ACCEPT, authorization: `Bearer ${t.admin.token}` });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF|preflight/i);
  });

  it('answers a GET without an operation from a GraphQL client with a GraphQL error, not the page', async () => {
    for (const headers of [{ accept: 'application/json' }, { accept: '*/*' }, {}] as Record<string, string>[]) {
      const response = await get('/graphql', { ...headers, ...preflight });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.text()).toMatch(/query/i);
    }
  });
});
