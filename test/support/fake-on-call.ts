/**
 * Small stand-ins for PagerDuty's and Opsgenie's REST APIs over real HTTP, answering who is on call
 * as the real ones do, and only to a caller that authenticates as they demand (PagerDuty:
 * `Authorization: Token token=<key>`; Opsgenie: `Authorization: GenieKey <key>`). Every request is
 * recorded, so tests see what Vigil asked and with which headers.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OnCallRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export interface FakeOnCall {
  /** The API's base URL (PAGERDUTY_API_URL or OPSGENIE_API_URL). */
  readonly url: string;
  /** The only key it accepts. */
  readonly apiKey: string;
  readonly requests: OnCallRequest[];
  /** Schedule id (or, for Opsgenie, name) → the emails of who is on call now. */
  readonly onCall: Map<string, string[]>;
  /** Answer every request with this HTTP status instead (an outage); null to answer normally. */
  failWith: number | null;
  /** Holds every answer back until the returned function is called (a provider slow to answer). */
  hold(): () => void;
  close(): Promise<void>;
}

type Handler = (request: OnCallRequest, fake: FakeOnCall) => { status: number; body: unknown };

async function startFake(apiKey: string, handle: Handler): Promise<FakeOnCall> {
  const requests: OnCallRequest[] = [];
  const fake: FakeOnCall = {
    url: '',
    apiKey,
    requests,
    onCall: new Map(),
    failWith: null,
    hold() {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  let held: Promise<void> | null = null;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const request = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(request);
    void (held ?? Promise.resolve()).then(() => answer(request, res));
  });
  const answer = (request: OnCallRequest, res: ServerResponse) => {
    const { status, body } = fake.failWith ? { status: fake.failWith, body: { error: 'Service Unavailable' } } : handle(request, fake);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(fake, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return fake;
}

/** PagerDuty user ids are made from emails; users whose email is in `bareUsers` come as references only (Vigil must ask `/users/{id}`). */
const userIdOf = (email: string) => `P${Buffer.from(email).toString('hex').slice(0, 12).toUpperCase()}`;

export async function startFakePagerDuty(apiKey: string, options: { bareUsers?: readonly string[] } = {}): Promise<FakeOnCall> {
  const bare = new Set(options.bareUsers ?? []);
  return startFake(apiKey, (request, fake) => {
    if (request.headers.authorization !== `Token token=${fake.apiKey}`) return { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } };
    const emails = [...fake.onCall.values()].flat();
    if (request.path === '/oncalls') {
      const includesUsers = request.query.getAll('include[]').includes('users');
      const oncalls = request.query.getAll('schedule_ids[]').flatMap((scheduleId) =>
        (fake.onCall.get(scheduleId) ?? []).map((email, level) => ({
          escalation_policy: { id: 'PEP0001', type: 'escalation_policy_reference' },
          escalation_level: level + 1,
          schedule: { id: scheduleId, type: 'schedule_reference' },
          user:
            includesUsers && !bare.has(email)
              ? { id: userIdOf(email), type: 'user', name: email.split('@')[0], email }
              : { id: userIdOf(email), type: 'user_reference', summary: email.split('@')[0] },
          start: '2026-12-07T00:00:00Z',
          end: '2026-12-08T00:00:00Z',
        })),
      );
      return { status: 200, body: { oncalls, limit: 100, offset: 0, more: false, total: null } };
    }
    const user = /^\/users\/([^/]+)$/.exec(request.path);
    const email = user && emails.find((candidate) => userIdOf(candidate) === user[1]);
    if (email) return { status: 200, body: { user: { id: user[1], type: 'user', name: email.split('@')[0], email } } };
    return { status: 404, body: { error: { message: 'Not Found', code: 2100 } } };
  });
}

export async function startFakeOpsgenie(apiKey: string): Promise<FakeOnCall> {
  return startFake(apiKey, (request, fake) => {
    if (request.headers.authorization !== `GenieKey ${fake.apiKey}`) return { status: 401, body: { message: 'Could not authenticate', took: 0.001 } };
    const match = /^\/v2\/schedules\/([^/]+)\/on-calls$/.exec(request.path);
    const schedule = match ? decodeURIComponent(match[1]!) : undefined;
    const recipients = schedule === undefined ? undefined : fake.onCall.get(schedule);
    if (!recipients) return { status: 404, body: { message: 'Schedule not found', took: 0.001 } };
    // Without flat=true Opsgenie answers a tree of participants, not a list of usernames.
    const data =
      request.query.get('flat') === 'true'
        ? { _parent: { id: 'd875alp4-9b4e-4219-alp3-0c26936d18de', name: schedule, enabled: true }, onCallRecipients: recipients }
        : { _parent: { name: schedule }, onCallParticipants: recipients.map((name) => ({ name, type: 'user' })) };
    return { status: 200, body: { data, took: 0.02, requestId: 'fake' } };
  });
}
