/**
 * The playback page: asciinema-player, served from Vigil's own origin, playing the recording's
 * .cast through a playback ticket (the page's own, or a new one for a bearer-token reader).
 */
import type { TerminalRecordingRow } from '../db/tables/index.js';
import { escapeHtml, htmlPage } from '../http/html-page.js';
import { findUserByRef } from '../identity/users.js';
import { getServer } from '../identity/servers.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ServiceContext } from '../service-context.js';
import { issuePlaybackTicket } from './playback-ticket.js';

export interface PageOptions {
  readonly nonce: string;
  /** Seconds into the recording to open at (a search match). */
  readonly startAt?: number;
  /** The ticket the page was opened with, reused for the .cast it fetches. */
  readonly ticket?: string;
}

// JSON inside <script>: no "</script>" or "<!--" can close or comment it out.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export async function playbackPage(ctx: ServiceContext, box: SecretBox, recording: TerminalRecordingRow, options: PageOptions): Promise<string> {
  const server = await getServer(ctx.db, recording.tenantId, recording.serverId);
  const user = recording.userId ? await findUserByRef(ctx.db, recording.tenantId, recording.userId) : undefined;
  const ticket = options.ticket ?? (ctx.actor.type === 'user' ? issuePlaybackTicket(box, ctx.actor, recording.id, ctx.clock.now()) : undefined);
  const castUrl = `/recordings/${recording.id}.cast?via=player${ticket ? `&ticket=${encodeURIComponent(ticket)}` : ''}`;
  const playerOptions: Record<string, unknown> = { fit: 'width', idleTimeLimit: 2, terminalFontSize: 'medium' };
  if (options.startAt !== undefined) {
    playerOptions.startAt = options.startAt;
    playerOptions.poster = `npt:${options.startAt}`;
  }
  const title = `${server.name} · ${user?.email ?? 'unknown user'} · ${recording.startedAt.toISOString()}`;
  return htmlPage({
    title: `Recording · ${title}`,
    head: `<link rel="stylesheet" href="/recordings/assets/asciinema-player.css">
<style nonce="${options.nonce}">
  body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #f6f7f9; color: #1d2330; }
  header { margin-bottom: 1rem; }
  h1 { font-size: 1.1rem; margin: 0 0 .3rem; }
  dl { display: flex; flex-wrap: wrap; gap: .2rem 1.5rem; margin: 0; font-size: .9rem; }
  dt { font-weight: 600; } dd { margin: 0; }
  #player { max-width: 1100px; }
</style>`,
    body: `<header>
  <h1>Terminal recording on ${escapeHtml(server.name)}</h1>
  <dl>
    <div><dt>User</dt><dd>${escapeHtml(user?.email ?? 'unknown')}</dd></div>
    <div><dt>Server</dt><dd>${escapeHtml(`${server.name} (${server.hostname})`)}</dd></div>
    <div><dt>Started</dt><dd>${escapeHtml(recording.startedAt.toISOString())}</dd></div>
    <div><dt>Duration</dt><dd>${recording.durationSeconds.toFixed(1)} s${recording.status === 'recording' ? ' so far (still recording)' : ''}</dd></div>
    <div><dt>Download</dt><dd><a href="${escapeHtml(castUrl.replace('via=player', 'via=download'))}">.cast</a></dd></div>
  </dl>
</header>
<div id="player"></div>
<script src="/recordings/assets/asciinema-player.min.js"></script>
<script nonce="${options.nonce}">
  AsciinemaPlayer.create(${scriptJson(castUrl)}, document.getElementById('player'), ${scriptJson(playerOptions)});
</script>`,
  });
}
