/**
 * The playback page in a real browser: an agent records a terminal session, alice asks GraphQL
 * for her playbackUrl(at: 5) and opens it in headless Chromium with no Authorization header (the
 * ticket in the link is all the browser has). asciinema-player, served from Vigil itself under
 * the page's Content-Security-Policy, must fetch the .cast and show the frame at 5 s, with no
 * console error (a CSP violation is one), no failed request and no request to another host.
 * A screenshot of the page is kept at test-artifacts/recording-player.png.
 *
 * Skipped when Debian's chromium is not installed (.ci/run installs it).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { refusedOf, watchPage } from '../support/page-problems.js';
import { castLines, openTerminalSession, putChunk, type CastEvent } from '../support/recording-agent.js';
import { buildRecordsFixture, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'recording-player.png');

const PLAYBACK_URL = `query Playback($id: ID!, $at: Float) { terminalRecording(id: $id) { id status playbackUrl(at: $at) } }`;

// Gaps stay under the page's idleTimeLimit (2 s), so player time is recording time: at 5 s the
// distinctive line is on screen and the later ones are not yet.
const HEADER = { version: 2 as const, width: 80, height: 24, env: { SHELL: '/bin/bash', TERM: 'xterm-256color' } };
const FIRST_CHUNK: CastEvent[] = [
  [0.5, 'o', 'alice@web-01:~$ '],
  [1.5, 'i', 'echo VIGIL-PLAYBACK-OK\r'],
  [2.0, 'o', 'echo VIGIL-PLAYBACK-OK\r\n'],
  [3.0, 'o', 'VIGIL-PLAYBACK-OK\r\n'],
  [4.0, 'o', 'alice@web-01:~$ '],
];
const FINAL_CHUNK: CastEvent[] = [
  [5.5, 'i', 'uptime\r'],
  [6.0, 'o', 'uptime\r\n'],
  [7.0, 'o', 'VIGIL-LATER-LINE load average: 0.01\r\n'],
  [8.0, 'o', 'alice@web-01:~$ exit\r\n'],
];

describe.skipIf(!hasChromium())(`the playback page in a browser (needs ${CHROMIUM})`, () => {
  let t: TestVigil;
  let f: RecordsFixture;
  let browser: Browser;
  let recordingId: string;
  let origin: string;

  beforeAll(async () => {
    t = await startTestVigil();
    origin = new URL(t.url).origin;
    f = await buildRecordsFixture(t);
    const sessionEventId = 'playback-page-session';
    await openTerminalSession(t, f.web.agentToken, sessionEventId, f.alice.email);
    const first = await putChunk(t, f.web.agentToken, sessionEventId, 0, castLines(FIRST_CHUNK, HEADER));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const last = await putChunk(t, f.web.agentToken, sessionEventId, 1, castLines(FINAL_CHUNK), { final: 'true' });
    expect(last.status, JSON.stringify(last.body)).toBe(201);
    expect(last.body.isComplete).toBe(true);
    recordingId = first.body.recordingId;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function playbackUrlOf(token: string, at?: number): Promise<string | null> {
    const answer = await t.gql(PLAYBACK_URL, token, { id: recordingId, at });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.terminalRecording.status).toBe('COMPLETE');
    return answer.data!.terminalRecording.playbackUrl;
  }

  it("plays alice's recording from her playbackUrl(at: 5) with only the ticket, under the page's CSP", async () => {
    const url = await playbackUrlOf(f.alice.token, 5);
    expect(url).toMatch(new RegExp(`^${origin}/recordings/${recordingId}\\?ticket=[^&]+&t=5$`));

    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    try {
      const page = await context.newPage();
      const problems = watchPage(page, origin, (path) => path.endsWith('.cast'));
      const response = await page.goto(url!, { waitUntil: 'load', timeout: 20_000 });
      expect(response!.status()).toBe(200);
      expect(response!.request().headers().authorization).toBeUndefined();
      expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");

      // asciinema-player 3.18 renders div.ap-wrapper > div.ap-player > div.ap-term > pre.ap-term-text
      // (one span.ap-line per row); with poster npt:5 it seeks there after loading the .cast.
      await page.locator('#player .ap-player').waitFor({ state: 'visible', timeout: 15_000 });
      const terminal = page.locator('#player .ap-term-text');
      await expect.poll(() => terminal.innerText(), { timeout: 15_000 }).toContain('VIGIL-PLAYBACK-OK');
      const shown = await terminal.innerText();
      expect(shown).toContain('echo VIGIL-PLAYBACK-OK');
      expect(shown).not.toContain('VIGIL-LATER-LINE'); // 7 s: after the frame at 5 s
      // Not an error overlay in place of the terminal.
      expect(await page.locator('#player .ap-overlay-error').count()).toBe(0);

      // The .cast came through the page's own ticket, as the player's fetch, with no header.
      expect(problems.fileRequests).toHaveLength(1);
      const [cast] = problems.fileRequests;
      expect(cast!.url.pathname).toBe(`/recordings/${recordingId}.cast`);
      expect(cast!.url.searchParams.get('via')).toBe('player');
      expect(cast!.url.searchParams.get('ticket')).toBe(new URL(url!).searchParams.get('ticket'));
      expect(cast!.authorization).toBeUndefined();
      expect(problems.requests).toContain('GET /recordings/assets/asciinema-player.min.js');
      expect(problems.requests).toContain('GET /recordings/assets/asciinema-player.css');

      await page.locator('header h1').waitFor();
      expect(await page.locator('header h1').innerText()).toBe('Terminal recording on web-01');
      // Both projects run this file at once: each writes its own file, then renames it into place.
      mkdirSync(ARTIFACTS, { recursive: true });
      const partial = `${SCREENSHOT}.${process.pid}.partial`;
      writeFileSync(partial, await page.screenshot({ fullPage: true }));
      renameSync(partial, SCREENSHOT);
      expect(existsSync(SCREENSHOT)).toBe(true);

      expect(refusedOf(problems), `requests: ${problems.requests.join(', ')}`).toEqual({
        consoleErrors: [],
        pageErrors: [],
        failedRequests: [],
        errorResponses: [],
        foreignRequests: [],
      });
    } finally {
      await context.close();
    }
  });

  it('gives bob no playbackUrl, and a tampered ticket gets a 401 JSON answer instead of the player', async () => {
    expect(await t.gql(PLAYBACK_URL, f.bob.token, { id: recordingId, at: 5 }).then((answer) => answer.errors?.[0]?.extensions.code)).toBe('FORBIDDEN');

    const url = new URL((await playbackUrlOf(f.alice.token, 5))!);
    const ticket = url.searchParams.get('ticket')!;
    const parts = ticket.split('.');
    const ciphertext = parts[parts.length - 1]!;
    const middle = Math.floor(ciphertext.length / 2);
    parts[parts.length - 1] = ciphertext.slice(0, middle) + (ciphertext[middle] === 'A' ? 'B' : 'A') + ciphertext.slice(middle + 1);
    url.searchParams.set('ticket', parts.join('.'));

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = watchPage(page, origin, (path) => path.endsWith('.cast'));
      const response = await page.goto(url.href, { waitUntil: 'load', timeout: 20_000 });
      expect(response!.status()).toBe(401);
      expect(response!.headers()['content-type']).toMatch(/^application\/json/);
      const body = await response!.json();
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(body.errors[0].message).toBe('The playback ticket is not valid');
      expect(await page.locator('.ap-player').count()).toBe(0);
      // The page's own document was the only request: no player script, no .cast.
      expect(problems.requests.filter((request) => request.includes('/recordings/assets/') || request.endsWith('.cast'))).toEqual([]);
      expect(problems.foreignRequests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
