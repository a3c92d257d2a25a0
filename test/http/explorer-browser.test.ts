/**
 * The GraphQL explorer in a real browser, as a person uses it: headless Chromium opens /graphql,
 * the admin pastes their token into the password field, runs a query and reads the answer, then
 * starts a subscription and sees the event a mutation sends. Every request the page makes is
 * intercepted, and one to any origin but Vigil's fails the test (a CDN font or script would be
 * one), as does a console error (a CSP violation is one). A screenshot is kept at
 * test-artifacts/graphql-explorer.png.
 *
 * Skipped when Debian's chromium is not installed (.ci/run installs it).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'graphql-explorer.png');
const TOKEN_KEY = 'vigil.explorer.token';

interface Traffic {
  /** Requests to another origin, refused before they left the browser. */
  foreign: string[];
  /** Every WebSocket the page opened. */
  webSockets: string[];
  /** The Authorization header of each POST to /graphql, in order ('' for none). */
  graphqlAuthorizations: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

/** Routes every request of `context`: Vigil's own go through, any other is recorded and aborted. */
async function guard(context: BrowserContext, page: Page, origin: string): Promise<Traffic> {
  const traffic: Traffic = { foreign: [], webSockets: [], graphqlAuthorizations: [], consoleErrors: [], pageErrors: [] };
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    traffic.foreign.push(url.href);
    return route.abort('blockedbyclient');
  });
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql')
      traffic.graphqlAuthorizations.push(request.headers().authorization ?? '');
  });
  page.on('websocket', (socket) => traffic.webSockets.push(socket.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') traffic.consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => traffic.pageErrors.push(String(error)));
  return traffic;
}

/** Replaces the query in GraphiQL's editor the way a person would: select all, type. */
async function typeQuery(page: Page, query: string): Promise<void> {
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // CodeMirror closes brackets as they are opened; typed one at a time, the closing ones overtype.
  await page.keyboard.type(query, { delay: 5 });
  await page.keyboard.press('Escape'); // closes a completion list left open
  await expect.poll(() => editorText(page, '.graphiql-query-editor')).toBe(query);
}

/** The text of a GraphiQL editor (CodeMirror 5 keeps its instance on its element). */
function editorText(page: Page, editor: string): Promise<string> {
  return page.locator(`${editor} .CodeMirror`).evaluate((element) => (element as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
}

async function run(page: Page): Promise<void> {
  await page.locator('.graphiql-execute-button').click();
}

describe.skipIf(!hasChromium())(`the GraphQL explorer in a browser (needs ${CHROMIUM})`, () => {
  let t: TestVigil;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    t = await startTestVigil();
    origin = new URL(t.url).origin;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens at /graphql with nothing from another origin, takes a token, runs a query and a subscription', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      const traffic = await guard(context, page, origin);
      const response = await page.goto(`${origin}/graphql`, { waitUntil: 'load', timeout: 20_000 });
      expect(response!.status()).toBe(200);
      expect(response!.headers()['content-security-policy']).toMatch(
        /^default-src 'none'; script-src 'self'; style-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'; connect-src 'self' ws:/,
      );
      await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 20_000 });

      // Anonymous, the page asks for a token and sends nothing to /graphql (Vigil would refuse it the schema).
      await expect.poll(() => page.getByRole('status').innerText()).toContain('paste a token');
      expect(traffic.graphqlAuthorizations).toEqual([]);

      // The token field is a password field; the token is kept for this tab only.
      const tokenField = page.locator('#vigil-token-input');
      expect(await tokenField.getAttribute('type')).toBe('password');
      await tokenField.fill(t.admin.token);
      await page.getByRole('button', { name: 'Use token' }).click();
      await expect.poll(() => page.getByRole('status').innerText()).toContain('Requests carry your token');
      expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBe(t.admin.token);

      // With the token the schema loads: the documentation explorer lists the root types.
      await page.locator('button[aria-label="Show Documentation Explorer"]').click();
      await expect.poll(() => page.locator('.graphiql-doc-explorer').innerText(), { timeout: 10_000 }).toContain('Subscription');

      // A query, typed and run, answered with the admin's own email.
      await typeQuery(page, '{ me { email role } }');
      await run(page);
      await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 10_000 }).toContain('"email": "admin@localhost"');
      expect(JSON.parse(await editorText(page, '.graphiql-response'))).toEqual({ data: { me: { email: 'admin@localhost', role: 'ADMIN' } } });

      // A subscription over the WebSocket, and an event a mutation sends while it runs.
      await typeQuery(page, 'subscription { notificationReceived { title category } }');
      await run(page);
      await expect.poll(() => traffic.webSockets.length, { timeout: 10_000 }).toBe(1);
      // The socket is up and the subscription registered once the button offers to stop it.
      await page.locator('.graphiql-execute-button[aria-label="Stop query (Ctrl-Enter)"]').waitFor({ timeout: 10_000 });
      const title = `explorer subscription ${Date.now()}`;
      await expect
        .poll(
          async () => {
            const sent = await t.gql('mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }', t.admin.token, {
              input: { title, category: 'SYSTEM' },
            });
            expect(sent.errors).toBeUndefined();
            return editorText(page, '.graphiql-response');
          },
          { timeout: 15_000, interval: 1000 },
        )
        .toContain(title);
      expect(JSON.parse(await editorText(page, '.graphiql-response'))).toEqual({ data: { notificationReceived: { title, category: 'SYSTEM' } } });
      await run(page); // stops the subscription

      // A dialog adds a <style> of its own: allowed by the page's style nonce, no CSP violation.
      await page.locator('button[aria-label="Open settings dialog"]').click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      mkdirSync(ARTIFACTS, { recursive: true });
      const partial = `${SCREENSHOT}.${process.pid}.partial`;
      writeFileSync(partial, await page.screenshot());
      renameSync(partial, SCREENSHOT);

      // Nothing left Vigil's origin; the socket was Vigil's own.
      expect(traffic.foreign).toEqual([]);
      expect(traffic.webSockets).toEqual([`${origin.replace(/^http/, 'ws')}/graphql`]);
      // Every request to /graphql carried the token: the schema's and the query's.
      expect(traffic.graphqlAuthorizations.length).toBeGreaterThanOrEqual(2);
      expect(new Set(traffic.graphqlAuthorizations)).toEqual(new Set([`Bearer ${t.admin.token}`]));
      expect(traffic.pageErrors).toEqual([]);
      expect(traffic.consoleErrors).toEqual([]);
      // GraphiQL keeps tabs and history in localStorage: never the token.
      const stored = await page.evaluate(() =>
        Object.entries(localStorage)
          .map(([key, value]) => `${key}=${value}`)
          .join('\n'),
      );
      expect(stored).not.toContain(t.admin.token);
    } finally {
      await context.close();
    }
  });
});
