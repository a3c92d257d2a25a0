/**
 * A small stand-in for Slack over real HTTP, both ways: the Web API Vigil's bot calls (recording
 * every call, answering like Slack), and signed requests to Vigil as Slack sends them (slash
 * commands, button clicks, modal submissions), with response_url pointing back here.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, any>;
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
  close(): Promise<void>;
}

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
      const call: SlackCall = { method, args };
      calls.push(call);
      res.setHeader('content-type', 'application/json');
      const reply = JSON.stringify(answer(method, args));
      const send = () => {
        call.answeredAt = Date.now();
        res.end(reply);
      };
      if (fake.latencyMs > 0) setTimeout(send, fake.latencyMs);
      else send();
    });
  });
  const answer = (method: string, args: Record<string, any>): Record<string, unknown> => {
    switch (method) {
      case 'chat.postMessage': {
        ts += 1;
        const channel = String(args.channel).startsWith('U') ? `D${String(args.channel).slice(1)}` : args.channel;
        return { ok: true, channel, ts: `${ts}.000100`, message: { text: args.text } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'users.info': {
        const user = users.get(args.user);
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
            profile: { email: user.email },
          },
        };
      }
      case 'users.lookupByEmail': {
        const found = [...users].find(([, user]) => user.email === args.email);
        if (!found) return { ok: false, error: 'users_not_found' };
        return { ok: true, user: { id: found[0], deleted: false, ...emailConfirmation(found[1]), profile: { email: found[1].email } } };
      }
      case 'views.open':
        return { ok: true, view: { id: `V${calls.length}` } };
      default:
        return { ok: true };
    }
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
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
