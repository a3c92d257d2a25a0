/**
 * The desktop playback page: the browser's own <video> element plays the recording's WebM from
 * Vigil's origin through a playback ticket (the page's own, or a new one for a bearer-token
 * reader), fetching it by byte ranges, so playback starts before the file is whole and seeking
 * reads only what it needs. No script runs on the page; its style carries the response's nonce.
 */
import type { DesktopRecordingRow } from '../db/tables/index.js';
import { escapeHtml, htmlPage } from '../http/html-page.js';
import { getServer } from '../identity/servers.js';
import { findUserByRef } from '../identity/users.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ServiceContext } from '../service-context.js';
import { issuePlaybackTicket } from './playback-ticket.js';

export interface DesktopPageOptions {
  readonly nonce: string;
  /** Seconds into the recording to open at. */
  readonly startAt?: number;
  /** The ticket the page was opened with, reused for the video it fetches. */
  readonly ticket?: string;
}

export async function desktopPlaybackPage(ctx: ServiceContext, box: SecretBox, recording: DesktopRecordingRow, options: DesktopPageOptions): Promise<string> {
  const server = await getServer(ctx.db, recording.tenantId, recording.serverId);
  const user = recording.userId ? await findUserByRef(ctx.db, recording.tenantId, recording.userId) : undefined;
  const ticket =
    options.ticket ?? (ctx.actor.type === 'user' ? issuePlaybackTicket(box, ctx.actor, recording.id, ctx.clock.now(), 'desktop_recording') : undefined);
  const videoUrl = (via: string) => `/recordings/desktop/${recording.id}.webm?via=${via}${ticket ? `&ticket=${encodeURIComponent(ticket)}` : ''}`;
  // A media fragment: the browser seeks there once the video's start is loaded.
  const fragment = options.startAt !== undefined ? `#t=${options.startAt}` : '';
  const person = user?.email ?? recording.username ?? 'unknown';
  const facts: [string, string][] = [
    ['User', recording.username && user ? `${user.email} (as ${recording.username})` : person],
    ['Server', `${server.name} (${server.hostname})`],
    ['Protocol', recording.protocol.toUpperCase()],
    ['Started', recording.startedAt.toISOString()],
    ['Duration', `${recording.durationSeconds.toFixed(1)} s${recording.status === 'recording' ? ' so far (still recording)' : ''}`],
    ['Frames', String(recording.frameCount)],
    ['Size', `${recording.byteCount} bytes, ${recording.width}×${recording.height}`],
    ...(recording.filePath ? ([['File', recording.filePath]] as [string, string][]) : []),
  ];
  return htmlPage({
    title: `Desktop recording · ${server.name} · ${person} · ${recording.startedAt.toISOString()}`,
    head: `<style nonce="${options.nonce}">
  body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #f6f7f9; color: #1d2330; }
  header { margin-bottom: 1rem; }
  h1 { font-size: 1.1rem; margin: 0 0 .3rem; }
  dl { display: flex; flex-wrap: wrap; gap: .2rem 1.5rem; margin: 0; font-size: .9rem; }
  dt { font-weight: 600; } dd { margin: 0; }
  video { max-width: 1100px; width: 100%; background: #000; }
</style>`,
    body: `<header>
  <h1>Desktop recording on ${escapeHtml(server.name)}</h1>
  <dl>
${facts.map(([term, value]) => `    <div><dt>${term}</dt><dd>${escapeHtml(value)}</dd></div>`).join('\n')}
    <div><dt>Download</dt><dd><a href="${escapeHtml(videoUrl('download'))}">.webm</a></dd></div>
  </dl>
</header>
<video id="player" controls preload="auto" width="${recording.width}" height="${recording.height}" src="${escapeHtml(videoUrl('player') + fragment)}"></video>`,
  });
}
