/**
 * An agent's side of recordings: open a terminal session through ingestEvents, then PUT the
 * recording's chunks over HTTP as a real agent would, and read what Vigil answers.
 */
import { ingest, minutesAgo } from './records-fixture.js';
import type { TestVigil } from './test-vigil.js';

export type CastEvent = [number, 'o' | 'i' | 'r' | 'm', string];

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
  command?: string;
  title?: string;
  env?: Record<string, string>;
}

/** Reports TERMINAL_SESSION_STARTED for `userEmail`; returns the terminal session's id. */
export async function openTerminalSession(t: TestVigil, agentToken: string, eventId: string, userEmail: string, startedMinutesAgo = 30): Promise<string> {
  const result = await ingest(t, agentToken, [
    {
      eventId,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userEmail, username: userEmail.split('@')[0], source: 'WEB_TERMINAL', startedAt: minutesAgo(t, startedMinutesAgo) },
    },
  ]);
  if (result.errors) throw new Error(`ingest failed: ${JSON.stringify(result.errors)}`);
  return result.data.ingestEvents.events[0].recordId as string;
}

export function castLines(events: readonly CastEvent[], header?: CastHeader): string {
  return [...(header ? [JSON.stringify(header)] : []), ...events.map((event) => JSON.stringify(event))].join('\n') + '\n';
}

export interface ChunkAnswer {
  status: number;
  body: any;
}

/** PUT one chunk as the agent. */
export async function putChunk(
  t: TestVigil,
  agentToken: string,
  sessionEventId: string,
  seq: number | string,
  body: string | Buffer,
  query: Record<string, string> = {},
): Promise<ChunkAnswer> {
  const base = t.url.replace(/\/graphql$/, '');
  const search = new URLSearchParams(query).toString();
  const response = await fetch(`${base}/recordings/sessions/${encodeURIComponent(sessionEventId)}/chunks/${seq}${search ? `?${search}` : ''}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/x-asciicast' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: response.status, body: await response.json() };
}

/** GET a path of Vigil's (the .cast, the page) with a token or none. */
export async function getRecordingPath(t: TestVigil, path: string, token?: string): Promise<Response> {
  const base = t.url.replace(/\/graphql$/, '');
  return fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** What an agent says with a desktop chunk: frames and end time, and with chunk 0 the session. */
export interface DesktopChunkQuery {
  frames: number;
  until: number;
  protocol?: string;
  width?: number;
  height?: number;
  userEmail?: string;
  username?: string;
  startedAt?: string;
  filePath?: string;
  final?: boolean;
  declareGap?: boolean;
}

/** PUT one chunk of a desktop recording's WebM as the agent. */
export async function putDesktopChunk(
  t: TestVigil,
  agentToken: string,
  sessionEventId: string,
  seq: number,
  data: Buffer,
  query: DesktopChunkQuery,
  contentType = 'video/webm;codecs=vp8',
): Promise<ChunkAnswer> {
  const base = t.url.replace(/\/graphql$/, '');
  const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)])).toString();
  const response = await fetch(`${base}/recordings/desktop/${encodeURIComponent(sessionEventId)}/chunks/${seq}?${search}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': contentType },
    body: new Uint8Array(data),
  });
  return { status: response.status, body: await response.json() };
}
