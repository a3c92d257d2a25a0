/**
 * A small stand-in for Slack over real HTTP, both ways: the Web API Vigil's bot calls (recording
 * every call, answering like Slack), and requests to Vigil as Slack sends them (slash commands,
 * button clicks, modal submissions), with response_url pointing back here. Those requests go either
 * signed to /slack/events or, in Socket Mode, as envelopes over the WebSocket Vigil opened after
 * `apps.connections.open` (hello, envelopes with ids, acknowledgements carrying the answer).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, any>;
  /** The token the call was made with (its Authorization bearer), if any. */
  readonly token?: string;
  /** When the fake sent its answer (Date.now()); unset while it is still answering. */
  answeredAt?: number;
}

export interface SlackUser {
  readonly email?: string;
  /** Undefined: confirmed; null: Slack's answer leaves `is_email_confirmed` out. */
  readonly isEmailConfirmed?: boolean | null;
  /** The user's own workspace (default T1). */
  readonly teamId?: string;
  /** A workspace admin (`is_admin`), owner (`is_owner`), or guest (`is_restricted`). */
  readonly isAdmin?: boolean;
  readonly isOwner?: boolean;
  readonly isGuest?: boolean;
  /** The locale of their Slack client (`en-US`, `de-DE`), answered when users.info asks with `include_locale`. */
  readonly locale?: string;
}

/** users.info / users.lookupByEmail's `is_email_confirmed`, left out when the user says null. */
const emailConfirmation = (user: SlackUser) => (user.isEmailConfirmed === null ? {} : { is_email_confirmed: user.isEmailConfirmed ?? true });

export interface FakeSlack {
  /** How long every answer takes (a slow Slack); 0 by default. */
  latencyMs: number;
  /** SLACK_API_URL for Vigil. */
  readonly apiUrl: string;
  /** Where response_url posts land (recorded as method "response_url"). */
  readonly responseUrl: string;
  readonly calls: SlackCall[];
  users: Map<string, SlackUser>;
  callsOf(method: string): SlackCall[];
  /** Waits until `predicate` holds for the recorded calls (the notifier works after the click's answer). */
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Makes `code` what Slack hands the browser after `grant.installerId` installs the app into `grant.teamId` (once). */
  grantInstall(code: string, grant: SlackInstallGrant): void;
  /** Forgets every recorded call and restarts message timestamps (a new scenario on the same fake). */
  reset(): void;
  /** Answers the next `times` calls of `method` with `{ ok: false, error }` (Slack having a bad minute). */
  failNext(method: string, error: string, times?: number): void;
  /** How `deliver` reaches Vigil: signed HTTP to /slack/events (default) or Socket Mode envelopes. */
  transport: SlackTransport;
  /** The app-level token `apps.connections.open` accepts (SLACK_APP_TOKEN for Vigil). */
  readonly appToken: string;
  /** Socket Mode connections Vigil holds open now. */
  readonly openSockets: () => number;
  /**
   * Sends a request as Slack would over the current transport: a form (slash command fields, or
   * `payload` with an interaction's JSON) or an Events API body. Over Socket Mode the answer is the
   * acknowledgement's payload (status 200), or status 0 when none came within 5 s.
   */
  deliver(vigilBaseUrl: string, body: Record<string, unknown>, options: SignedRequestOptions): Promise<{ status: number; body: any }>;
  /** Asks every open Socket Mode connection to go (`disconnect`, as Slack does before recycling a host). */
  disconnectSockets(): void;
  /** Sends one Socket Mode envelope to the newest open connection; its acknowledgement's payload. */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, options?: { retryAttempt?: number }): Promise<any>;
  close(): Promise<void>;
}

export type SlackTransport = 'http' | 'socket';

/** The Slack app whose OAuth installs the fake grants (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET for Vigil). */
export const SLACK_CLIENT = { id: '1111.2222', secret: 'slack-client-secret-for-tests' } as const;

export interface SlackInstallGrant {
  readonly teamId: string;
  readonly teamName: string;
  readonly botToken: string;
  /** The Slack user who clicked Allow. */
  readonly installerId: string;
  /** The redirect_uri the code was issued for (Slack requires the exchange to name it again). */
  readonly redirectUri: string;
}

/** How long Socket Mode waits for Vigil's connection or an acknowledgement. */
const SOCKET_WAIT_MS = 5000;

const JSON_FIELDS = ['blocks', 'attachments', 'view'];

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const users = new Map<string, SlackUser>();
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const type = String(req.headers['content-type'] ?? '');
      const args: Record<string, any> = type.includes('json') ? (body ? JSON.parse(body) : {}) : Object.fromEntries(new URLSearchParams(body));
      for (const field of JSON_FIELDS) if (typeof args[field] === 'string') args[field] = JSON.parse(args[field]);
      const method = url.pathname.startsWith('/response/') ? 'response_url' : url.pathname.replace(/^\/api\//, '');
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
      const call: SlackCall = { method, args, ...(token ? { token } : {}) };
      calls.push(call);
      res.setHeader('content-type', 'application/json');
      const reply = JSON.stringify(
        method === 'apps.connections.open' ? openConnection(token) : method === 'oauth.v2.access' ? exchangeCode(args) : answer(method, args, token),
      );
      const send = () => {
        call.answeredAt = Date.now();
        res.end(reply);
      };
      if (fake.latencyMs > 0) setTimeout(send, fake.latencyMs);
      else send();
    });
  });
  // OAuth installs: codes Slack would hand the installing browser, and the workspace each token speaks for.
  const grants = new Map<string, SlackInstallGrant>();
  const tokenTeams = new Map<string, string>();
  const exchangeCode = (args: Record<string, any>): Record<string, unknown> => {
    if (args.client_id !== SLACK_CLIENT.id || args.client_secret !== SLACK_CLIENT.secret) return { ok: false, error: 'invalid_client_id' };
    const grant = grants.get(String(args.code));
    if (!grant || args.redirect_uri !== grant.redirectUri) return { ok: false, error: grant ? 'bad_redirect_uri' : 'invalid_code' };
    grants.delete(String(args.code));
    return {
      ok: true,
      app_id: 'A0VIGIL01',
      authed_user: { id: grant.installerId },
      scope: 'commands,chat:write,im:write,users:read,users:read.email',
      token_type: 'bot',
      access_token: grant.botToken,
      bot_user_id: `B${grant.teamId}`,
      team: { id: grant.teamId, name: grant.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
  };
  /** A user as the token's workspace sees them: someone of another workspace is not found with it. */
  const visible = (user: SlackUser | undefined, token: string | undefined) =>
    user && (!token || !tokenTeams.has(token) || tokenTeams.get(token) === (user.teamId ?? 'T1')) ? user : undefined;
  const failures = new Map<string, { error: string; left: number }>();
  const answer = (method: string, args: Record<string, any>, token?: string): Record<string, unknown> => {
    const failure = failures.get(method);
    if (failure && failure.left > 0) {
      failure.left -= 1;
      return { ok: false, error: failure.error };
    }
    switch (method) {
      case 'chat.postMessage': {
        ts += 1;
        const channel = String(args.channel).startsWith('U') ? `D${String(args.channel).slice(1)}` : args.channel;
        return { ok: true, channel, ts: `${ts}.000100`, message: { text: args.text } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'users.info': {
        const user = visible(users.get(args.user), token);
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: args.user,
            team_id: user.teamId ?? 'T1',
            deleted: false,
            is_bot: false,
            is_admin: user.isAdmin ?? false,
            is_owner: user.isOwner ?? false,
            is_restricted: user.isGuest ?? false,
            ...emailConfirmation(user),
            // Slack answers a locale only when asked for it.
            ...(String(args.include_locale) === 'true' ? { locale: user.locale ?? 'en-US' } : {}),
            profile: { email: user.email },
          },
        };
      }
      case 'users.lookupByEmail': {
        const found = [...users].find(([, user]) => user.email === args.email && visible(user, token));
        if (!found) return { ok: false, error: 'users_not_found' };
        return { ok: true, user: { id: found[0], deleted: false, ...emailConfirmation(found[1]), profile: { email: found[1].email } } };
      }
      case 'views.open':
        return { ok: true, view: { id: `V${calls.length}` } };
      default:
        return { ok: true };
    }
  };
  // Socket Mode: apps.connections.open hands out a one-use URL of this server's WebSocket endpoint.
  const sockets = new WebSocketServer({ server, path: '/link' });
  const tickets = new Set<string>();
  const open: WebSocket[] = [];
  const awaitingAck = new Map<string, (payload: unknown) => void>();
  let envelopes = 0;
  const openConnection = (token: string | undefined) => {
    if (token !== fake.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = `ticket-${tickets.size + 1}-${Date.now()}`;
    tickets.add(ticket);
    return { ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link?ticket=${ticket}` };
  };
  sockets.on('connection', (socket, request) => {
    const ticket = new URL(request.url ?? '/', 'http://fake').searchParams.get('ticket') ?? '';
    if (!tickets.delete(ticket)) return socket.close(4001, 'unknown ticket');
    open.push(socket);
    // Slack pings its Socket Mode clients; a client that hears no ping for 30 s reconnects.
    const ping = setInterval(() => socket.ping(), 5000);
    ping.unref();
    socket.on('close', () => {
      clearInterval(ping);
      open.splice(open.indexOf(socket), 1);
    });
    socket.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString('utf8')) as { envelope_id?: string; payload?: unknown };
      if (message.envelope_id) awaitingAck.get(message.envelope_id)?.(message.payload ?? {});
    });
    socket.send(JSON.stringify({ type: 'hello', num_connections: open.length, connection_info: { app_id: 'A0VIGIL01' }, debug_info: { host: 'fake-slack' } }));
  });
  const newestSocket = async (): Promise<WebSocket> => {
    const deadline = Date.now() + SOCKET_WAIT_MS;
    while (open.length === 0) {
      if (Date.now() > deadline) throw new Error(`fake Slack: no Socket Mode connection within ${SOCKET_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return open[open.length - 1]!;
  };
  const sendEnvelope: FakeSlack['sendEnvelope'] = async (type, payload, options = {}) => {
    const socket = await newestSocket();
    envelopes += 1;
    const envelopeId = `envelope-${envelopes}`;
    const acknowledged = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        awaitingAck.delete(envelopeId);
        reject(new Error(`fake Slack: envelope ${envelopeId} (${type}) not acknowledged within ${SOCKET_WAIT_MS} ms`));
      }, SOCKET_WAIT_MS);
      awaitingAck.set(envelopeId, (answer) => {
        clearTimeout(timer);
        awaitingAck.delete(envelopeId);
        resolve(answer);
      });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryAttempt ? 'timeout' : '' } : {}),
      }),
    );
    return acknowledged;
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeSlack = {
    latencyMs: 0,
    apiUrl: `${base}/api/`,
    responseUrl: `${base}/response/1`,
    calls,
    users,
    callsOf: (method) => calls.filter((call) => call.method === method),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${calls.map((call) => call.method).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    grantInstall(code, grant) {
      grants.set(code, grant);
      tokenTeams.set(grant.botToken, grant.teamId);
    },
    reset() {
      calls.length = 0;
      ts = 1_700_000_000;
      failures.clear();
    },
    failNext(method, error, times = 1) {
      failures.set(method, { error, left: times });
    },
    transport: 'http',
    appToken: 'xapp-1-A0VIGIL01-test',
    openSockets: () => open.length,
    async deliver(vigilBaseUrl, body, options) {
      if (fake.transport === 'http')
        return body.type === 'event_callback'
          ? postEventToSlackEndpoint(vigilBaseUrl, body, options)
          : postToSlackEndpoint(vigilBaseUrl, body as Record<string, string>, options);
      const [type, payload] = envelopeOf(body);
      try {
        return { status: 200, body: await sendEnvelope(type, payload) };
      } catch {
        return { status: 0, body: null };
      }
    },
    sendEnvelope,
    disconnectSockets() {
      for (const socket of open) socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake-slack' } }));
    },
    close: async () => {
      for (const socket of open) socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** A request as Slack sends it over HTTP, as the Socket Mode envelope that carries the same. */
function envelopeOf(body: Record<string, unknown>): ['slash_commands' | 'interactive' | 'events_api', Record<string, unknown>] {
  if (typeof body.payload === 'string') return ['interactive', JSON.parse(body.payload) as Record<string, unknown>];
  if (typeof body.command === 'string') return ['slash_commands', body];
  return ['events_api', body];
}

export interface SignedRequestOptions {
  readonly secret: string;
  /** Seconds since the epoch; defaults to now. */
  readonly timestamp?: number;
  /** Overrides the computed signature (to send a bad one). */
  readonly signature?: string;
  /** More headers (Slack's retry headers, say). */
  readonly headers?: Record<string, string>;
}

/** POSTs a form body to Vigil's /slack/events, signed as Slack signs (v0 HMAC-SHA256). */
export async function postToSlackEndpoint(
  vigilBaseUrl: string,
  form: Record<string, string>,
  options: SignedRequestOptions,
): Promise<{ status: number; body: any }> {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? `v0=${createHmac('sha256', options.secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const response = await fetch(`${vigilBaseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

/** POSTs an Events API body (JSON, as Slack sends events) to Vigil's /slack/events, signed as Slack signs. */
export async function postEventToSlackEndpoint(
  vigilBaseUrl: string,
  event: Record<string, unknown>,
  options: SignedRequestOptions,
): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(event);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? `v0=${createHmac('sha256', options.secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const response = await fetch(`${vigilBaseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature, ...options.headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

let eventsSent = 0;

/** An Events API delivery (event_callback) of `event` from the workspace. */
export function eventCallback(teamId: string, event: Record<string, unknown>): Record<string, unknown> {
  eventsSent += 1;
  return {
    token: 'legacy-unused',
    team_id: teamId,
    api_app_id: 'A0VIGIL01',
    type: 'event_callback',
    event_id: `Ev${String(eventsSent).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { event_ts: String(Date.now() / 1000), ...event },
  };
}

/** app_home_opened: the person opened one of the app's tabs (`home`, `messages`). */
export function appHomeOpened(user: { teamId: string; userId: string }, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
  return eventCallback(user.teamId, { type: 'app_home_opened', user: user.userId, channel: `D${user.userId}`, tab });
}

/** A block_actions payload: a button clicked on the person's App Home (a view container, and no response_url: Slack gives none there). */
export function homeButtonClick(actionId: string, value: string, user: { teamId: string; userId: string }): Record<string, string> {
  const view = {
    id: `VHOME${user.userId}`,
    type: 'home',
    callback_id: 'vigil_home',
    team_id: user.teamId,
    blocks: [],
    private_metadata: '',
    state: { values: {} },
  };
  const payload = {
    type: 'block_actions',
    team: { id: user.teamId, domain: 'example' },
    user: { id: user.userId, username: user.userId.toLowerCase(), team_id: user.teamId },
    api_app_id: 'A0VIGIL01',
    token: 'legacy-unused',
    trigger_id: `trigger.${Date.now()}`,
    container: { type: 'view', view_id: view.id },
    view,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: String(Date.now() / 1000) }],
  };
  return { payload: JSON.stringify(payload) };
}

/** A slash command as Slack sends it. */
export function slashCommand(command: string, text: string, user: { teamId: string; userId: string }, responseUrl: string): Record<string, string> {
  return {
    token: 'legacy-unused',
    team_id: user.teamId,
    team_domain: 'example',
    channel_id: 'C0CHANNEL1',
    channel_name: 'ops',
    user_id: user.userId,
    user_name: user.userId.toLowerCase(),
    command,
    text,
    api_app_id: 'A0VIGIL01',
    response_url: responseUrl,
    trigger_id: `trigger.${Date.now()}`,
  };
}

/** A block_actions payload: a button clicked on a message. */
export function buttonClick(
  actionId: string,
  value: string,
  user: { teamId: string; userId: string },
  responseUrl: string,
  message?: { channel: string; ts: string },
): Record<string, string> {
  const payload = {
    type: 'block_actions',
    team: { id: user.teamId, domain: 'example' },
    user: { id: user.userId, username: user.userId.toLowerCase(), team_id: user.teamId },
    api_app_id: 'A0VIGIL01',
    token: 'legacy-unused',
    trigger_id: `trigger.${Date.now()}`,
    response_url: responseUrl,
    container: message ? { type: 'message', channel_id: message.channel, message_ts: message.ts } : { type: 'message' },
    channel: message ? { id: message.channel, name: 'ops' } : undefined,
    message: message ? { ts: message.ts, text: '' } : undefined,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: String(Date.now() / 1000) }],
  };
  return { payload: JSON.stringify(payload) };
}

/** A view_submission payload: a modal submitted with its input values. */
export function viewSubmission(
  callbackId: string,
  privateMetadata: string,
  values: Record<string, string>,
  user: { teamId: string; userId: string },
): Record<string, string> {
  const payload = {
    type: 'view_submission',
    team: { id: user.teamId, domain: 'example' },
    user: { id: user.userId, username: user.userId.toLowerCase(), team_id: user.teamId },
    api_app_id: 'A0VIGIL01',
    token: 'legacy-unused',
    trigger_id: `trigger.${Date.now()}`,
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values: Object.fromEntries(Object.entries(values).map(([block, value]) => [block, { value: { type: 'plain_text_input', value } }])) },
    },
  };
  return { payload: JSON.stringify(payload) };
}
