/**
 * A desktop recording made and played in a real browser. Headless Chromium records a small
 * animated canvas with MediaRecorder (WebM, VP8, a chunk every 400 ms, frames counted as drawn);
 * the test sends the chunks as the server's agent would; alice opens her playbackUrl with no
 * Authorization header (the ticket in the link is all the browser has), and the page's <video>,
 * under the page's Content-Security-Policy, must load the video from Vigil, decode it at its size,
 * play it forward, and show the canvas's colour, with no console error (a CSP violation is one),
 * no failed request and no request to another host. The opening is audited as a playback.
 * A screenshot of the page is kept at test-artifacts/desktop-player.png.
 *
 * Skipped when Debian's chromium is not installed (.ci/run installs it).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { refusedOf, watchPage } from '../support/page-problems.js';
import { buildRecordsFixture, type RecordsFixture } from '../support/records-fixture.js';
import { putDesktopChunk } from '../support/recording-agent.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'desktop-player.png');

const WIDTH = 320;
const HEIGHT = 240;
/** The canvas's background: what a decoded frame must show. */
const RED = [200, 30, 30] as const;

interface RecordedChunk {
  frames: number;
  until: number;
  base64: string;
}

/** Records the canvas in the browser: the WebM chunks as MediaRecorder hands them out. */
async function recordInChromium(browser: Browser): Promise<{ mimeType: string; chunks: RecordedChunk[] }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async ({ width, height, red }) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        document.body.append(canvas);
        const context = canvas.getContext('2d')!;
        let frame = 0;
        let framesInChunk = 0;
        const draw = () => {
          context.fillStyle = `rgb(${red.join(',')})`;
          context.fillRect(0, 0, width, height);
          context.fillStyle = 'white';
          context.fillRect(40 + ((frame * 8) % 200), 100, 40, 40);
          frame += 1;
          framesInChunk += 1;
        };
        draw();
        const mimeType = 'video/webm;codecs=vp8';
        const recorder = new MediaRecorder(canvas.captureStream(15), { mimeType });
        const started = performance.now();
        const parts: { frames: number; until: number; data: Blob }[] = [];
        recorder.ondataavailable = (event) => {
          parts.push({ frames: framesInChunk, until: (performance.now() - started) / 1000, data: event.data });
          framesInChunk = 0;
        };
        const stopped = new Promise((resolve) => (recorder.onstop = resolve));
        const timer = setInterval(draw, 1000 / 15);
        recorder.start(400);
        await new Promise((resolve) => setTimeout(resolve, 2200));
        recorder.stop();
        await stopped;
        clearInterval(timer);
        const base64 = (bytes: Uint8Array) => {
          let text = '';
          for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
          return btoa(text);
        };
        const chunks = [];
        for (const part of parts) {
          if (part.data.size === 0) continue;
          chunks.push({ frames: part.frames, until: part.until, base64: base64(new Uint8Array(await part.data.arrayBuffer())) });
        }
        return { mimeType: recorder.mimeType || mimeType, chunks };
      },
      { width: WIDTH, height: HEIGHT, red: [...RED] },
    );
  } finally {
    await page.close();
  }
}

describe.skipIf(!hasChromium())(`a desktop recording made and played in Chromium (needs ${CHROMIUM})`, () => {
  let t: TestVigil;
  let f: RecordsFixture;
  let browser: Browser;
  let recordingId: string;
  let totalFrames: number;

  beforeAll(async () => {
    t = await startTestVigil();
    f = await buildRecordsFixture(t);
    browser = await launchChromium();
    const recorded = await recordInChromium(browser);
    expect(recorded.chunks.length).toBeGreaterThanOrEqual(3);
    totalFrames = recorded.chunks.reduce((sum, chunk) => sum + chunk.frames, 0);
    for (const [seq, chunk] of recorded.chunks.entries()) {
      const isFirst = seq === 0;
      const answer = await putDesktopChunk(
        t,
        f.web.agentToken,
        'desktop-in-chromium',
        seq,
        Buffer.from(chunk.base64, 'base64'),
        {
          frames: chunk.frames,
          until: chunk.until,
          final: seq === recorded.chunks.length - 1,
          ...(isFirst ? { protocol: 'web', width: WIDTH, height: HEIGHT, userEmail: f.alice.email, username: 'alice' } : {}),
        },
        recorded.mimeType,
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      recordingId = answer.body.recordingId;
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("plays alice's desktop recording from her playbackUrl, with only the ticket, under the page's CSP", async () => {
    const answer = await t.gql<any>(
      `query ($id: ID!) { desktopRecording(id: $id) { status frameCount durationSeconds chunkCount playbackUrl } }`,
      f.alice.token,
      { id: recordingId },
    );
    expect(answer.errors).toBeUndefined();
    const recording = answer.data!.desktopRecording;
    expect(recording).toMatchObject({ status: 'COMPLETE', frameCount: totalFrames });
    expect(recording.durationSeconds).toBeGreaterThan(1.5);
    const origin = new URL(t.url).origin;
    expect(recording.playbackUrl).toMatch(new RegExp(`^${origin}/recordings/desktop/${recordingId}\\?ticket=[^&]+$`));

    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    try {
      const page = await context.newPage();
      const problems = watchPage(page, origin, (path) => path.endsWith('.webm'));
      const response = await page.goto(recording.playbackUrl, { waitUntil: 'load', timeout: 20_000 });
      expect(response!.status()).toBe(200);
      expect(response!.request().headers().authorization).toBeUndefined();
      const policy = response!.headers()['content-security-policy']!;
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("media-src 'self'");
      expect(policy).toContain("script-src 'self';");

      // Decoded at its size, then played forward.
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).readyState >= 2, undefined, { timeout: 15_000 });
      expect(
        await page.evaluate(() => [
          (document.querySelector('video') as HTMLVideoElement).videoWidth,
          (document.querySelector('video') as HTMLVideoElement).videoHeight,
        ]),
      ).toEqual([WIDTH, HEIGHT]);
      await page.evaluate(async () => {
        const video = document.querySelector('video') as HTMLVideoElement;
        video.muted = true;
        await video.play();
      });
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 15_000 });
      expect(await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).error)).toBeNull();

      // The frame on screen is the recorded canvas: its background colour, through VP8's loss.
      const pixel = await page.evaluate(() => {
        const video = document.querySelector('video') as HTMLVideoElement;
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const context = canvas.getContext('2d')!;
        context.drawImage(video, 0, 0);
        return [...context.getImageData(10, 10, 1, 1).data.slice(0, 3)];
      });
      for (const [channel, expected] of RED.entries())
        expect(Math.abs(pixel[channel]! - expected), `channel ${channel} of ${pixel.join(',')}`).toBeLessThan(40);

      // The video came from Vigil through the page's own ticket, without a header.
      expect(problems.fileRequests.length).toBeGreaterThanOrEqual(1);
      const ticket = new URL(recording.playbackUrl).searchParams.get('ticket');
      for (const request of problems.fileRequests) {
        expect(request.url.pathname).toBe(`/recordings/desktop/${recordingId}.webm`);
        expect(request.url.searchParams.get('via')).toBe('player');
        expect(request.url.searchParams.get('ticket')).toBe(ticket);
        expect(request.authorization).toBeUndefined();
      }
      expect(await page.locator('header h1').innerText()).toBe('Desktop recording on web-01');

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

    const views = await queryRows<{ after: { how: string } }>(
      t.vigil.database.db,
      sql`select after from audit_entries where tenant_id = ${f.admin.tenantId} and action = 'recording.viewed' and resource_id = ${recordingId}`,
    );
    expect(views.map((view) => view.after.how)).toContain('playback');
  });
});
