/**
 * In-app notifications through the API: targeted and broadcast delivery within the tenant, read
 * state per person, filters and paging, who may send and read, live delivery over
 * `notificationReceived`, and the notifications the approval workflow sends.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { connectSubscriber, settle } from '../support/subscription-client.js';
import type { TestUser, TestVigil } from '../support/test-vigil.js';
import { startTestVigil } from '../support/test-vigil.js';
import { advance, buildApprovalsFixture, createPolicy, decideAs, requestAccessAs, sweep, type ApprovalsFixture } from '../support/approvals-fixture.js';

let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
});
afterAll(() => t?.close());
// The clock stands still: each test starts a minute on, so what it sends is newer than all before.
beforeEach(() => advance(t, 1));

const FIELDS = `id category severity title body link resourceType resourceId isBroadcast isRead createdAt`;
const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { ${FIELDS} } }`;
const LIST = `query($filter: NotificationFilterInput, $first: Int, $after: String) {
  notifications(filter: $filter, first: $first, after: $after) { nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } }
}`;
const ONE = `query($id: ID!) { notification(id: $id) { ${FIELDS} } }`;
const COUNT = `{ unreadNotificationCount }`;
const MARK = `mutation($id: ID!) { markNotificationRead(id: $id) { id isRead } }`;
const MARK_ALL = `mutation { markAllNotificationsRead }`;
const RECEIVED = `subscription { notificationReceived { ${FIELDS} } }`;

type Notification = Record<string, any> & { id: string; title: string };

async function send(input: Record<string, unknown>, token = t.admin.token): Promise<Notification> {
  const response = await t.gql(SEND, token, { input: { category: 'SYSTEM', ...input } });
  expect(response.errors).toBeUndefined();
  return response.data!.sendNotification;
}

async function list(who: TestUser, filter: Record<string, unknown> = {}): Promise<Notification[]> {
  const response = await t.gql(LIST, who.token, { filter, first: 500 });
  expect(response.errors).toBeUndefined();
  return response.data!.notifications.nodes;
}

const ids = (nodes: { id: string }[]) => nodes.map((node) => node.id);

async function unread(who: TestUser): Promise<number> {
  const response = await t.gql(COUNT, who.token);
  expect(response.errors).toBeUndefined();
  return response.data!.unreadNotificationCount;
}

const now = () => t.clock.now().toISOString();

describe('delivery', () => {
  it('sends a targeted notification to its recipient alone, named by email or by id', async () => {
    const byEmail = await send({
      user: ` ${f.alice.email.toUpperCase()} `,
      category: 'SECURITY',
      severity: 'HIGH',
      title: 'Your key expires soon',
      body: 'Rotate it.',
      link: '/me/keys',
    });
    expect(byEmail).toMatchObject({
      category: 'SECURITY',
      severity: 'HIGH',
      body: 'Rotate it.',
      link: '/me/keys',
      resourceType: null,
      isBroadcast: false,
      isRead: false,
    });
    const byId = await send({ user: f.alice.id, title: 'Second notice' });
    expect(byId).toMatchObject({ category: 'SYSTEM', severity: 'INFO', body: '', link: null, isBroadcast: false });

    const alices = await list(f.alice);
    for (const sent of [byEmail, byId]) {
      expect(alices.find((node) => node.id === sent.id)).toMatchObject({ title: sent.title, isBroadcast: false, isRead: false });
    }
    expect((await t.gql(ONE, f.alice.token, { id: byEmail.id })).data!.notification).toMatchObject({ id: byEmail.id, title: 'Your key expires soon' });

    // Neither another user nor the admin who sent it receives it.
    for (const other of [f.bob, f.admin]) {
      expect(ids(await list(other))).not.toContain(byEmail.id);
      expect(errorCodes(await t.gql(ONE, other.token, { id: byEmail.id }))).toEqual(['NOT_FOUND']);
    }
  });

  it('broadcasts to every user of the tenant, and to nobody in another tenant', async () => {
    const broadcast = await send({ title: 'Maintenance tonight' });
    expect(broadcast.isBroadcast).toBe(true);
    for (const who of [f.admin, f.alice, f.dave, f.bob, f.carol, f.erin]) {
      expect((await list(who)).find((node) => node.id === broadcast.id)).toMatchObject({ title: 'Maintenance tonight', isBroadcast: true, isRead: false });
    }
    expect(ids(await list(f.other.admin))).not.toContain(broadcast.id);
    expect(errorCodes(await t.gql(ONE, f.other.admin.token, { id: broadcast.id }))).toEqual(['NOT_FOUND']);

    // And the other way round.
    const theirs = await send({ title: 'Other tenant only' }, f.other.admin.token);
    expect(ids(await list(f.alice))).not.toContain(theirs.id);
    expect(ids(await list(f.other.admin))).toContain(theirs.id);
  });
});

describe('read state', () => {
  it('is kept per person, one by one or all at once', async () => {
    const [aliceBefore, bobBefore] = [await unread(f.alice), await unread(f.bob)];
    const targeted = await send({ user: f.alice.email, title: 'For alice' });
    const broadcast = await send({ title: 'For everyone' });
    expect(await unread(f.alice)).toBe(aliceBefore + 2);
    expect(await unread(f.bob)).toBe(bobBefore + 1);

    const marked = await t.gql(MARK, f.alice.token, { id: broadcast.id });
    expect(marked.data!.markNotificationRead).toEqual({ id: broadcast.id, isRead: true });
    expect(await unread(f.alice)).toBe(aliceBefore + 1);
    // Alice read the broadcast; bob did not.
    expect(await unread(f.bob)).toBe(bobBefore + 1);
    expect((await t.gql(ONE, f.bob.token, { id: broadcast.id })).data!.notification.isRead).toBe(false);
    expect((await list(f.alice)).find((node) => node.id === broadcast.id)!.isRead).toBe(true);

    const again = await t.gql(MARK, f.alice.token, { id: broadcast.id });
    expect(again.errors).toBeUndefined();
    expect(again.data!.markNotificationRead.isRead).toBe(true);
    expect(await unread(f.alice)).toBe(aliceBefore + 1);

    const all = await t.gql(MARK_ALL, f.alice.token);
    expect(all.data!.markAllNotificationsRead).toBe(aliceBefore + 1);
    expect(await unread(f.alice)).toBe(0);
    expect(await list(f.alice, { isUnread: true })).toEqual([]);
    expect((await list(f.alice)).filter((node) => [targeted.id, broadcast.id].includes(node.id)).map((node) => node.isRead)).toEqual([true, true]);
    expect((await t.gql(MARK_ALL, f.alice.token)).data!.markAllNotificationsRead).toBe(0);
    expect(await unread(f.bob)).toBe(bobBefore + 1);

    advance(t, 1);
    const later = await send({ user: f.alice.id, title: 'After mark-all' });
    expect(await unread(f.alice)).toBe(1);
    expect((await t.gql(ONE, f.alice.token, { id: later.id })).data!.notification.isRead).toBe(false);
  });

  it("refuses to mark someone else's notification", async () => {
    const bobs = await send({ user: f.bob.email, title: 'For bob only' });
    expect(errorCodes(await t.gql(MARK, f.alice.token, { id: bobs.id }))).toEqual(['NOT_FOUND']);
    expect((await t.gql(ONE, f.bob.token, { id: bobs.id })).data!.notification.isRead).toBe(false);
    expect(errorCodes(await t.gql(MARK, f.alice.token, { id: 'not-an-id' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('filters and paging', () => {
  it('filters by category, read state and time range', async () => {
    const sent: Notification[] = [];
    const times: string[] = [];
    for (const category of ['APPROVAL', 'SECURITY', 'APPROVAL', 'SYSTEM', 'SECURITY']) {
      times.push(now());
      sent.push(await send({ user: f.dave.id, category, title: `${category} notice` }));
      advance(t, 1);
    }
    const window = { from: times[0], to: now() };
    const [n0, n1, n2, n3, n4] = ids(sent);
    expect(ids(await list(f.dave, window))).toEqual([n4, n3, n2, n1, n0]);
    expect(ids(await list(f.dave, { ...window, category: ['APPROVAL'] }))).toEqual([n2, n0]);
    expect(ids(await list(f.dave, { ...window, category: ['SECURITY'] }))).toEqual([n4, n1]);
    expect(ids(await list(f.dave, { ...window, category: ['APPROVAL', 'SYSTEM'] }))).toEqual([n3, n2, n0]);

    await t.gql(MARK, f.dave.token, { id: n1 });
    expect(ids(await list(f.dave, { ...window, isUnread: true }))).toEqual([n4, n3, n2, n0]);
    expect(ids(await list(f.dave, { ...window, isUnread: false }))).toEqual([n1]);
    expect(ids(await list(f.dave, { ...window, isUnread: false, category: ['APPROVAL'] }))).toEqual([]);

    // `from` is inclusive, `to` exclusive.
    expect(ids(await list(f.dave, { from: times[1], to: times[3] }))).toEqual([n2, n1]);
    expect(ids(await list(f.dave, { from: times[4] }))).toEqual([n4]);
  });

  it('pages newest first without duplicates or gaps, also through notifications sent at one instant', async () => {
    const from = now();
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      sent.push((await send({ user: f.dave.id, title: `batch ${i}` })).id);
      if (i % 3 === 2) advance(t, 1); // three share each instant
    }
    const whole = ids(await list(f.dave, { from }));
    expect([...whole].sort()).toEqual([...sent].sort());

    const paged: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const response = await t.gql(LIST, f.dave.token, { filter: { from }, first: 3, after });
      expect(response.errors).toBeUndefined();
      const { nodes, pageInfo } = response.data!.notifications;
      expect(nodes.length).toBe(page < 2 ? 3 : 1);
      paged.push(...ids(nodes));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(paged).toEqual(whole);
  });
});

describe('who may send and read', () => {
  it('refuses non-admins, bad input and unknown recipients, and stores nothing', async () => {
    const [aliceBefore, bobBefore, otherBefore] = [await unread(f.alice), await unread(f.bob), await unread(f.other.admin)];

    expect(errorCodes(await t.gql(SEND, f.bob.token, { input: { category: 'SYSTEM', title: 'From bob' } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(SEND, f.bob.token, { input: { user: f.alice.email, category: 'SYSTEM', title: 'From bob' } }))).toEqual(['FORBIDDEN']);

    for (const title of ['', '   ', 'x'.repeat(201)]) {
      const bad = await t.gql(SEND, t.admin.token, { input: { user: f.alice.email, category: 'SYSTEM', title } });
      expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
    }
    // A link goes into an href as it is: only http(s) URLs and paths of the same site.
    for (const link of [
      'javascript:alert(document.cookie)',
      ' JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '//evil.example/x',
      '/\\evil.example',
      'vbscript:x',
      'https://ok.example/\nx',
    ]) {
      const bad = await t.gql(SEND, t.admin.token, { input: { user: f.alice.email, category: 'SYSTEM', title: 'Click', link } });
      expect(bad.errors![0]!.extensions, link).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.link' });
    }
    for (const user of ['nobody@example.test', '01a21c00-0000-7000-8000-00000000ffff', f.other.admin.email, f.other.admin.id]) {
      const unknown = await t.gql(SEND, t.admin.token, { input: { user, category: 'SYSTEM', title: 'Hello' } });
      expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
      // The field is named `user` (not `input.user`, as the input's other fields are): see the report.
      expect(unknown.errors![0]!.extensions.field).toMatch(/^(input\.)?user$/);
    }

    expect(await unread(f.alice)).toBe(aliceBefore);
    expect(await unread(f.bob)).toBe(bobBefore);
    expect(await unread(f.other.admin)).toBe(otherBefore);
  });

  it('refuses agent tokens and anonymous callers', async () => {
    const broadcast = await send({ title: 'Not for agents' });
    const agent = f.web.agentToken;
    for (const [query, variables] of [
      [LIST, {}],
      [COUNT, {}],
      [ONE, { id: broadcast.id }],
      [MARK, { id: broadcast.id }],
      [MARK_ALL, {}],
      [SEND, { input: { category: 'SYSTEM', title: 'From an agent' } }],
    ] as const) {
      expect(errorCodes(await t.gql(query, agent, variables))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await t.gql(query, undefined, variables))).toEqual(['UNAUTHENTICATED']);
    }
    const subscriber = await connectSubscriber(t.url, agent);
    try {
      await subscriber.subscribe(RECEIVED);
      await settle(100);
      expect(subscriber.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    } finally {
      await subscriber.dispose();
    }
  });
});

describe('live delivery', () => {
  it('pushes targeted notifications to their recipient and broadcasts to everyone', async () => {
    const alice = await connectSubscriber(t.url, f.alice.token);
    const bob = await connectSubscriber(t.url, f.bob.token);
    try {
      await alice.subscribe(RECEIVED);
      await bob.subscribe(RECEIVED);
      const targeted = await send({ user: f.alice.email, category: 'SECURITY', title: 'Live for alice' });
      const broadcast = await send({ title: 'Live for all' });

      const received = (await alice.waitFor(2)).map((data) => data.notificationReceived);
      expect(received.map((n) => [n.id, n.isBroadcast, n.isRead])).toEqual([
        [targeted.id, false, false],
        [broadcast.id, true, false],
      ]);
      expect(received[0]).toMatchObject({ title: 'Live for alice', category: 'SECURITY' });

      await bob.waitFor(1);
      await settle();
      expect(bob.received.map((data) => data.notificationReceived.id)).toEqual([broadcast.id]);
      expect(alice.received).toHaveLength(2);
    } finally {
      await alice.dispose();
      await bob.dispose();
    }
  });
});

describe('approval workflow notifications', () => {
  /** Who received a notification about `approvalId`, and its titles. */
  async function aboutApproval(who: TestUser, approvalId: string): Promise<Notification[]> {
    return (await list(who, { category: ['APPROVAL'] })).filter((node) => node.resourceId === approvalId);
  }
  const everyone = () => ({ admin: f.admin, alice: f.alice, dave: f.dave, bob: f.bob, carol: f.carol, erin: f.erin });

  async function notified(approvalId: string): Promise<string[]> {
    const names: string[] = [];
    for (const [name, who] of Object.entries(everyone())) if ((await aboutApproval(who, approvalId)).length > 0) names.push(name);
    return names.sort();
  }

  it('tells everyone who may decide a new request (default rules), not its requester', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['dev-01'] });
    const id = requested.data!.requestAccess.id;
    expect(await notified(id)).toEqual(['admin', 'bob', 'carol', 'erin']);
    const [toBob] = await aboutApproval(f.bob, id);
    expect(toBob).toMatchObject({
      category: 'APPROVAL',
      link: `/approvals/${id}`,
      resourceType: 'approval',
      resourceId: id,
      isBroadcast: false,
      isRead: false,
    });
    expect(toBob!.title).toMatch(/access request/i);
  });

  it("tells only the policy's approver groups (and admins), and the requester when it is decided", async () => {
    const policy = await createPolicy(t, {
      name: 'sre decides prod',
      requestKinds: ['ACCESS'],
      serverLabels: [{ key: 'env', value: 'prod' }],
      approverGroups: ['sre'],
    });
    expect(policy.errors).toBeUndefined();
    try {
      const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
      expect(requested.data!.requestAccess.policyName).toBe('sre decides prod');
      const id = requested.data!.requestAccess.id;
      expect(await notified(id)).toEqual(['admin', 'bob', 'carol']);

      expect((await decideAs(t, f.bob, id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');
      const [decided] = await aboutApproval(f.alice, id);
      expect(decided).toMatchObject({ link: `/approvals/${id}`, resourceId: id, isRead: false });
      expect(decided!.title).toMatch(/approved/i);
      // The reviewers got nothing more.
      expect((await aboutApproval(f.bob, id)).length).toBe(1);
    } finally {
      await t.gql(`mutation($id: ID!) { deleteApprovalPolicy(id: $id) { id } }`, t.admin.token, { id: policy.data!.createApprovalPolicy.id });
    }
  });

  it('tells the requester when the request expires undecided, or someone else cancels it', async () => {
    const expiring = (await requestAccessAs(t, f.dave, { servers: ['dev-01'] })).data!.requestAccess.id;
    expect(await aboutApproval(f.dave, expiring)).toEqual([]);
    advance(t, 61);
    expect((await sweep(t)).expiredRequests).toBeGreaterThanOrEqual(1);
    const [expired] = await aboutApproval(f.dave, expiring);
    expect(expired!.title).toMatch(/expired/i);

    const CANCEL = `mutation($id: ID!) { cancelApproval(id: $id) { status } }`;
    const byAdmin = (await requestAccessAs(t, f.dave, { servers: ['dev-01'] })).data!.requestAccess.id;
    expect((await t.gql(CANCEL, t.admin.token, { id: byAdmin })).data!.cancelApproval.status).toBe('CANCELLED');
    expect((await aboutApproval(f.dave, byAdmin)).map((node) => node.title)).toEqual([expect.stringMatching(/cancelled/i)]);

    const byHerself = (await requestAccessAs(t, f.alice, { servers: ['dev-01'] })).data!.requestAccess.id;
    expect((await t.gql(CANCEL, f.alice.token, { id: byHerself })).data!.cancelApproval.status).toBe('CANCELLED');
    expect(await aboutApproval(f.alice, byHerself)).toEqual([]);
  });
});
