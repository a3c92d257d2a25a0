/**
 * A small stand-in for Microsoft Teams over real HTTP, both ways: the Bot Connector that Vigil's
 * bot calls (replies, proactive messages, card updates, member lookups — every call recorded), and
 * activities sent to Vigil's /api/messages as Teams sends them, with serviceUrl pointing here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  readonly method: string;
  readonly path: string;
  /** The conversation id in the path. */
  readonly conversation: string;
  /** The activity id in the path (a reply's or an update's target). */
  readonly activityId?: string;
  readonly body: any;
}

export interface TeamsMember {
  readonly aadObjectId: string;
  readonly email?: string;
  readonly name?: string;
  /** Teams' userRole: "user" (default), "guest" or "anonymous". */
  readonly userRole?: string;
  /** The member's AAD tenant, when Teams names one. */
  readonly tenantId?: string;
}

export interface FakeTeams {
  /** The serviceUrl of activities and TEAMS_SERVICE_URL for Vigil. */
  readonly serviceUrl: string;
  readonly calls: ConnectorCall[];
  /** Teams user id (29:…) → member facts. */
  members: Map<string, TeamsMember>;
  /** Activities sent (POST) to a conversation, newest last. */
  sent(conversation?: string): ConnectorCall[];
  updates(): ConnectorCall[];
  waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Answers the next `times` new activities (POST) with `status` (the Bot Connector's client retries 5xx answers itself). */
  failNext(times: number, status: number): void;
  close(): Promise<void>;
}

export async function startFakeTeams(): Promise<FakeTeams> {
  const calls: ConnectorCall[] = [];
  const members = new Map<string, TeamsMember>();
  let next = 0;
  const failures = { left: 0, status: 503 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const match = /\/v3\/conversations\/([^/]+)(?:\/(activities|members)(?:\/([^/]+))?)?/.exec(url.pathname);
      const conversation = match ? decodeURIComponent(match[1]!) : '';
      const kind = match?.[2];
      const id = match?.[3] ? decodeURIComponent(match[3]) : undefined;
      const body = raw ? JSON.parse(raw) : null;
      calls.push({ method: req.method ?? 'GET', path: url.pathname, conversation, activityId: id, body });
      res.setHeader('content-type', 'application/json');
      if (kind === 'members' && id) {
        const member = members.get(id);
        if (!member) {
          res.statusCode = 404;
          res.end(JSON.stringify({ error: { code: 'NotFound', message: 'member not found' } }));
          return;
        }
        res.end(
          JSON.stringify({
            id,
            aadObjectId: member.aadObjectId,
            email: member.email,
            userPrincipalName: member.email,
            name: member.name ?? member.email,
            userRole: member.userRole ?? 'user',
            tenantId: member.tenantId,
          }),
        );
        return;
      }
      if (req.method === 'PUT') {
        res.end(JSON.stringify({ id }));
        return;
      }
      if (failures.left > 0) {
        failures.left -= 1;
        res.statusCode = failures.status;
        res.end(JSON.stringify({ error: { code: 'Refused', message: 'not now' } }));
        return;
      }
      next += 1;
      res.end(JSON.stringify({ id: `activity-${next}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    serviceUrl,
    calls,
    failNext: (times, status) => Object.assign(failures, { left: times, status }),
    members,
    sent: (conversation) =>
      calls.filter((call) => call.method === 'POST' && call.path.includes('/activities') && (!conversation || call.conversation === conversation)),
    updates: () => calls.filter((call) => call.method === 'PUT'),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline)
          throw new Error(`fake Teams: condition not met in ${timeoutMs} ms; calls: ${calls.map((call) => `${call.method} ${call.path}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TeamsUser {
  /** The Teams user id (29:…). */
  readonly id: string;
  readonly aadObjectId: string;
  readonly name?: string;
}

/** A message activity as Teams sends it to the bot: personal chat by default. */
export function teamsMessage(
  fake: { serviceUrl: string },
  aadTenantId: string,
  from: TeamsUser,
  content: { text?: string; value?: Record<string, unknown>; replyToId?: string },
  conversation: { id?: string; type?: 'personal' | 'channel' } = {},
): Record<string, unknown> {
  const conversationId = conversation.id ?? `a:personal-${from.aadObjectId}`;
  return {
    type: 'message',
    id: `incoming-${Math.random().toString(36).slice(2)}`,
    timestamp: new Date().toISOString(),
    serviceUrl: fake.serviceUrl,
    channelId: 'msteams',
    from: { id: from.id, name: from.name ?? from.id, aadObjectId: from.aadObjectId },
    conversation: { id: conversationId, conversationType: conversation.type ?? 'personal', tenantId: aadTenantId, isGroup: conversation.type === 'channel' },
    recipient: { id: '28:vigil-bot', name: 'Vigil' },
    channelData: { tenant: { id: aadTenantId } },
    text: content.text,
    value: content.value,
    replyToId: content.replyToId,
  };
}

/** A card's Action.Execute as Teams sends it to the bot: an adaptiveCard/action invoke, the card's inputs merged into the data. */
export function teamsExecute(
  fake: { serviceUrl: string },
  aadTenantId: string,
  from: TeamsUser,
  action: { verb: string; data: Record<string, unknown>; replyToId?: string },
  conversation: { id?: string; type?: 'personal' | 'channel' } = {},
): Record<string, unknown> {
  const message = teamsMessage(fake, aadTenantId, from, { replyToId: action.replyToId }, conversation);
  return {
    ...message,
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb: action.verb, data: action.data }, trigger: 'manual' },
  };
}

/** POSTs an invoke to Vigil's /api/messages and returns the invoke response (status and body), which Teams shows the clicker. */
export async function postInvoke(vigilBaseUrl: string, activity: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${vigilBaseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** POSTs an activity to Vigil's /api/messages (unsigned unless `authorization` is given). */
export async function postActivity(vigilBaseUrl: string, activity: Record<string, unknown>, authorization?: string): Promise<number> {
  const response = await fetch(`${vigilBaseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(activity),
  });
  await response.text();
  return response.status;
}

/** Any other invoke as Teams sends it to the bot (signin/tokenExchange, task/fetch, task/submit, composeExtension/query …). */
export function teamsInvoke(
  fake: { serviceUrl: string },
  aadTenantId: string,
  from: TeamsUser,
  name: string,
  value: Record<string, unknown>,
  conversation: { id?: string; type?: 'personal' | 'channel' } = {},
): Record<string, unknown> {
  return { ...teamsMessage(fake, aadTenantId, from, {}, conversation), type: 'invoke', name, value };
}
