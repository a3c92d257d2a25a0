/**
 * Approvals and alerts through the Slack bot, end to end over HTTP: Vigil posts requests to the
 * bound workspace's approver channel and DMs the eligible approvers (fake Slack records every Web
 * API call), clicks and modal submissions arrive signed at /slack/events, decisions made anywhere
 * (Slack, the API, expiry, cancellation) update every posted copy, add a thread line and tell the
 * requester; chat approval policies (DISABLED, a chat duration limit, STEP_UP with TOTP), the
 * two-person rule, announcements made once; alerts through a SLACK_BOT channel with Acknowledge.
 */
import { sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import {
  advance,
  APPROVAL,
  buildApprovalsFixture,
  createPolicy,
  decideAs,
  requestAccessAs,
  requestSudoAs,
  sweep,
  type ApprovalsFixture,
} from '../support/approvals-fixture.js';
import { buttonClick, slashCommand, startFakeSlack, viewSubmission, type FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const TEAM = 'T1';
const APPROVERS = 'C0APPROVERS';
const ALERTS_CHANNEL = 'C0ALERTS';
const WAIT_MS = 10_000;

let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => slack?.close());

/** Where this deployment decides requests outside chat (the platform's web app). */
const APPROVAL_URL = 'https://console.example.test/approvals/{id}';
/** The same scenarios run with Slack's requests arriving signed over HTTP and over Socket Mode. */
const slackEnv = () => ({
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_API_URL: slack.apiUrl,
  VIGIL_APPROVAL_URL: APPROVAL_URL,
  ...(slack.transport === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
});
const as = (userId: string) => ({ teamId: TEAM, userId });

async function bindWorkspace(t: TestVigil): Promise<void> {
  await bindSlackWorkspace(t, { slack, base: t.url.replace(/\/graphql$/, ''), secret: SECRET }, TEAM, APPROVERS);
}

/** Every chat.postMessage with where it landed: the fake answers ts 1700000001, 1700000002, … in call order, and a DM to U… in D…. */
interface Post {
  readonly call: SlackCall;
  readonly channel: string;
  readonly ts: string;
}
function posts(): Post[] {
  return slack.callsOf('chat.postMessage').map((call, index) => {
    const to = String(call.args.channel);
    return { call, channel: to.startsWith('U') ? `D${to.slice(1)}` : to, ts: `${1_700_000_001 + index}.000100` };
  });
}

/** The messages announcing approval `id` (top-level posts whose blocks name it). */
const announcements = (id: string) =>
  posts().filter((post) => !post.call.args.thread_ts && Array.isArray(post.call.args.blocks) && JSON.stringify(post.call.args.blocks).includes(id));
const updatesOf = (copy: Post) => slack.callsOf('chat.update').filter((call) => call.args.channel === copy.channel && call.args.ts === copy.ts);
const threadRepliesOf = (copy: Post) =>
  slack.callsOf('chat.postMessage').filter((call) => call.args.channel === copy.channel && call.args.thread_ts === copy.ts);
const dmsTo = (slackUserId: string) =>
  slack.callsOf('chat.postMessage').filter((call) => call.args.channel === slackUserId && !call.args.blocks && !call.args.thread_ts);
const responses = () => slack.callsOf('response_url');
const viewsOpened = () => slack.callsOf('views.open');

const json = (value: unknown) => JSON.stringify(value ?? null);
/** The decision buttons of a message's blocks, as action_id → value. */
function decisionButtons(blocks: unknown): Record<string, string> {
  const buttons: Record<string, string> = {};
  for (const block of (blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]) ?? []) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? []) {
      if (element.action_id === 'approval_approve' || element.action_id === 'approval_deny') buttons[element.action_id] = element.value ?? '';
    }
  }
  return buttons;
}
const lastUpdateOf = (copy: Post) => updatesOf(copy).at(-1)!;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------

describe.each(['http', 'socket'] as const)('Slack requests over %s', (transport) => {
  beforeAll(() => {
    slack.transport = transport;
    slack.reset();
  });

  describe('approvals in Slack', () => {
    let t: TestVigil;
    let f: ApprovalsFixture;
    /** Every request made in this block, for the announced-once check. */
    const requested: string[] = [];

    beforeAll(async () => {
      t = await startTestVigil({ env: slackEnv() });
      f = await buildApprovalsFixture(t);
      await addServer(t, t.admin.tenantId, 'vault-01', [{ key: 'lane', value: 'stepup' }]);
      await addServer(t, t.admin.tenantId, 'locked-01', [{ key: 'lane', value: 'locked' }]);
      await addServer(t, t.admin.tenantId, 'short-01', [{ key: 'lane', value: 'short' }]);
      await addServer(t, t.admin.tenantId, 'pair-01', [{ key: 'lane', value: 'pair' }]);
      await addServer(t, t.admin.tenantId, 'audit-01', [{ key: 'lane', value: 'justified' }]);
      const people: [string, TestUser][] = [
        ['UALICE', f.alice],
        ['UDAVE', f.dave],
        ['UBOB', f.bob],
        ['UCAROL', f.carol],
        ['UERIN', f.erin],
        ['UADMIN', f.admin],
      ];
      for (const [slackId, user] of people) slack.users.set(slackId, { email: user.email });
      await bindWorkspace(t);
      // One policy per lane of servers (labels never overlap), all decided by group sre only.
      const base = { requestKinds: ['ACCESS', 'SUDO'], approverGroups: ['sre'], isAdminApprover: false };
      for (const input of [
        { ...base, name: 'SRE prod', serverLabels: [{ key: 'env', value: 'prod' }], requiredApprovals: 1 },
        { ...base, name: 'Vault step-up', serverLabels: [{ key: 'lane', value: 'stepup' }], requiredApprovals: 1, chatApproval: 'STEP_UP' },
        { ...base, name: 'Locked', serverLabels: [{ key: 'lane', value: 'locked' }], requiredApprovals: 1, chatApproval: 'DISABLED' },
        { ...base, name: 'Short in chat', serverLabels: [{ key: 'lane', value: 'short' }], requiredApprovals: 1, chatMaxDurationMinutes: 30 },
        { ...base, name: 'Two people', serverLabels: [{ key: 'lane', value: 'pair' }], requiredApprovals: 2 },
        { ...base, name: 'Say why', serverLabels: [{ key: 'lane', value: 'justified' }], requiredApprovals: 1, isApprovalJustificationRequired: true },
      ]) {
        const created = await createPolicy(t, input);
        expect(created.errors).toBeUndefined();
      }
    });
    afterAll(async () => t?.close());

    const approval = async (id: string) => {
      const response = await t.gql(APPROVAL, t.admin.token, { id });
      expect(response.errors).toBeUndefined();
      return response.data!.approval;
    };
    const click = (actionId: string, value: string, slackUserId: string, message?: { channel: string; ts: string }) =>
      slack.deliver(t.vigil.baseUrl, buttonClick(actionId, value, as(slackUserId), slack.responseUrl, message), { secret: SECRET });
    const submit = (approvalId: string, decision: 'approve' | 'deny', values: Record<string, string>, slackUserId: string) =>
      slack.deliver(t.vigil.baseUrl, viewSubmission('approval_decision', JSON.stringify({ approvalId, decision }), values, as(slackUserId)), {
        secret: SECRET,
      });

    /** A request by alice through the API; waits until its announcement reached every target. */
    async function request(server: string, extra: Record<string, unknown> = {}, targets = 3): Promise<{ id: string; copies: Post[] }> {
      const response = await requestAccessAs(t, f.alice, { servers: [server], ...extra });
      expect(response.errors).toBeUndefined();
      const id = response.data!.requestAccess.id as string;
      requested.push(id);
      await slack.waitFor(() => announcements(id).length >= targets, WAIT_MS);
      return { id, copies: announcements(id) };
    }

    /** Waits until every copy was updated at least `count` times and has as many thread replies. */
    async function copiesUpdated(copies: Post[], count = 1): Promise<void> {
      await slack.waitFor(() => copies.every((copy) => updatesOf(copy).length >= count && threadRepliesOf(copy).length >= count), WAIT_MS);
    }

    /** A click answered with an ephemeral refusal through response_url; returns its text. */
    async function refusedClick(actionId: string, id: string, slackUserId: string, message?: { channel: string; ts: string }): Promise<string> {
      const before = responses().length;
      const answer = await click(actionId, id, slackUserId, message);
      expect(answer.status).toBe(200);
      await slack.waitFor(() => responses().length > before, WAIT_MS);
      const reply = responses().at(-1)!.args;
      expect(reply.response_type).toBe('ephemeral');
      expect(reply.replace_original).toBe(false);
      return String(reply.text);
    }

    describe('a request needing one approval from group sre', () => {
      let id: string;
      let copies: Post[];

      it('is posted to the approver channel and DMed to bob and carol only, with the facts and Approve/Deny buttons', async () => {
        const answer = await slack.deliver(
          t.vigil.baseUrl,
          slashCommand('/access', 'web-01 60 --reason "deploy the hotfix"', as('UALICE'), slack.responseUrl),
          { secret: SECRET },
        );
        expect(answer.status).toBe(200);
        expect(answer.body.response_type).toBe('ephemeral');
        expect(answer.body.text).toContain('Requested access to web-01: waiting for 1 approval');
        // Asked in a channel: the outcome comes as a direct message, and the answer says so.
        expect(answer.body.text).toContain('You will hear back in a direct message from Vigil.');
        const mine = await t.gql(
          `query($id: ID!) { approvals(first: 1, filter: { requesterId: $id }) { nodes { id status durationMinutes reason policyName } } }`,
          f.alice.token,
          { id: f.alice.id },
        );
        expect(mine.errors).toBeUndefined();
        const [created] = mine.data!.approvals.nodes;
        expect(created).toMatchObject({ status: 'PENDING', durationMinutes: 60, reason: 'deploy the hotfix', policyName: 'SRE prod' });
        id = created.id;
        requested.push(id);

        await slack.waitFor(() => announcements(id).length >= 3, WAIT_MS);
        await sleep(300); // no late extra DM either
        copies = announcements(id);
        expect(copies.map((copy) => String(copy.call.args.channel)).sort()).toEqual([APPROVERS, 'UBOB', 'UCAROL']);
        // Not to the requester, nor dave (no permission), erin (other group) or the admin (policy says no admin).
        for (const other of ['UALICE', 'UDAVE', 'UERIN', 'UADMIN'])
          expect(slack.callsOf('chat.postMessage').some((call) => call.args.channel === other)).toBe(false);

        for (const copy of copies) {
          const blocks = copy.call.args.blocks;
          const text = json(blocks);
          expect(text).toContain('alice@example.test');
          expect(text).toContain('web-01 (env=prod)');
          expect(text).toContain('60 minutes');
          expect(text).toContain('deploy the hotfix');
          expect(text).toContain('0 of 1 (1 still needed)');
          expect(text).toContain('SRE prod');
          expect(decisionButtons(blocks)).toEqual({ approval_approve: id, approval_deny: id });
          expect(copy.call.args.text).toContain('alice@example.test');
        }
      });

      it('refuses clicks of people who may not decide it, changing nothing', async () => {
        const where = { channel: APPROVERS, ts: copies.find((copy) => copy.channel === APPROVERS)!.ts };
        const updatesBefore = slack.callsOf('chat.update').length;
        for (const who of ['UDAVE', 'UERIN', 'UALICE']) {
          const text = await refusedClick('approval_approve', id, who, where);
          expect(text).toMatch(/cannot decide this request/);
          expect(text).toContain('Nothing changed');
        }
        // dave also may not open a denial modal.
        expect(await refusedClick('approval_deny', id, 'UDAVE', where)).toMatch(/cannot decide/);
        // A button whose value is no id (tampered with): a sentence for a person, not the API's field message.
        const forged = await refusedClick('approval_approve', 'not-an-id', 'UBOB', where);
        expect(forged).toBe('You cannot decide this request: That button or card is out of date (it names nothing Vigil knows): ask again. Nothing changed.');
        expect(viewsOpened()).toHaveLength(0);
        await sleep(300);
        const state = await approval(id);
        expect(state).toMatchObject({ status: 'PENDING', approvalsReceived: 0, decisions: [] });
        expect(slack.callsOf('chat.update').length).toBe(updatesBefore);
      });

      it('bob approves with a click: stored as a SLACK decision by UBOB, every copy updated with a thread line, alice told', async () => {
        const before = responses().length;
        const answer = await click('approval_approve', id, 'UBOB', { channel: 'DBOB', ts: copies.find((copy) => copy.channel === 'DBOB')!.ts });
        expect(answer.status).toBe(200);
        await slack.waitFor(() => responses().length > before, WAIT_MS);
        expect(responses().at(-1)!.args).toMatchObject({
          response_type: 'ephemeral',
          text: expect.stringMatching(/^You approved alice@example\.test’s access to web-01, for \d+ minutes\.$/),
        });

        const state = await approval(id);
        expect(state.status).toBe('APPROVED');
        expect(state.decisions).toEqual([
          { decision: 'APPROVE', justification: null, channel: 'SLACK', chatUserId: 'UBOB', approver: { email: 'bob@example.test' } },
        ]);

        await copiesUpdated(copies);
        for (const copy of copies) {
          const update = lastUpdateOf(copy);
          expect(decisionButtons(update.args.blocks)).toEqual({});
          expect(json(update.args.blocks)).not.toContain('"type":"actions"');
          expect(json(update.args.blocks)).toContain('Approved by bob@example.test (slack)');
          expect(update.args.text).toContain('approved');
          expect(threadRepliesOf(copy).at(-1)!.args.text).toContain('Approved by bob@example.test (slack)');
        }
        await slack.waitFor(() => dmsTo('UALICE').length >= 1, WAIT_MS);
        expect(dmsTo('UALICE').at(-1)!.args.text).toContain('Your request for access to web-01 is approved');
      });

      it('a late click on the decided request is refused and changes nothing', async () => {
        const updatesBefore = slack.callsOf('chat.update').length;
        expect(await refusedClick('approval_approve', id, 'UCAROL')).toMatch(/it is approved/);
        await sleep(200);
        expect((await approval(id)).decisions).toHaveLength(1);
        expect(slack.callsOf('chat.update').length).toBe(updatesBefore);
      });
    });

    describe('decisions, expiry and cancellation outside Slack', () => {
      it('an API decision updates the Slack copies and tells the requester', async () => {
        const { id, copies } = await request('web-01');
        const dms = dmsTo('UALICE').length;
        const decided = await decideAs(t, f.carol, id, 'APPROVE');
        expect(decided.errors).toBeUndefined();
        expect(decided.data!.decideApproval.decisions).toEqual([
          { decision: 'APPROVE', justification: null, channel: 'API', chatUserId: null, approver: { email: 'carol@example.test' } },
        ]);
        await copiesUpdated(copies);
        for (const copy of copies) {
          expect(decisionButtons(lastUpdateOf(copy).args.blocks)).toEqual({});
          expect(json(lastUpdateOf(copy).args.blocks)).toContain('Approved by carol@example.test (api)');
          expect(threadRepliesOf(copy)[0]!.args.text).toContain('Approved by carol@example.test (api)');
        }
        await slack.waitFor(() => dmsTo('UALICE').length > dms, WAIT_MS);
        expect(dmsTo('UALICE').at(-1)!.args.text).toMatch(/Your request for access to web-01 is approved/);
      });

      it('an expiry (sweeper past decideBy) updates the copies and tells the requester', async () => {
        const { id, copies } = await request('db-01');
        const dms = dmsTo('UALICE').length;
        advance(t, 61); // default decision timeout: 60 minutes
        const counts = await sweep(t);
        expect(counts.expiredRequests).toBeGreaterThanOrEqual(1);
        expect((await approval(id)).status).toBe('EXPIRED');
        await copiesUpdated(copies);
        for (const copy of copies) {
          expect(decisionButtons(lastUpdateOf(copy).args.blocks)).toEqual({});
          // The time in each reader's own zone (Slack's date token); the thread line, plain text, gives it in UTC.
          expect(json(lastUpdateOf(copy).args.blocks)).toMatch(/Expired undecided at <!date\^\d+\^/);
          expect(threadRepliesOf(copy)[0]!.args.text).toContain('Expired undecided');
        }
        await slack.waitFor(() => dmsTo('UALICE').length > dms, WAIT_MS);
        expect(dmsTo('UALICE').at(-1)!.args.text).toContain('Your request for access to db-01 is expired');
      });

      it('a cancellation updates the copies and tells the requester', async () => {
        const { id, copies } = await request('web-01');
        const dms = dmsTo('UALICE').length;
        const cancelled = await t.gql(`mutation($id: ID!, $reason: String) { cancelApproval(id: $id, reason: $reason) { status } }`, t.admin.token, {
          id,
          reason: 'no longer needed',
        });
        expect(cancelled.errors).toBeUndefined();
        expect(cancelled.data!.cancelApproval.status).toBe('CANCELLED');
        await copiesUpdated(copies);
        for (const copy of copies) {
          expect(decisionButtons(lastUpdateOf(copy).args.blocks)).toEqual({});
          expect(json(lastUpdateOf(copy).args.blocks)).toContain(`Cancelled by ${t.admin.email}: “no longer needed”`);
          expect(threadRepliesOf(copy)[0]!.args.text).toContain('Cancelled by');
        }
        await slack.waitFor(() => dmsTo('UALICE').length > dms, WAIT_MS);
        expect(dmsTo('UALICE').at(-1)!.args.text).toContain('Your request for access to web-01 is cancelled');
      });
    });

    describe('an access request with sudo (issue 29)', () => {
      it('says so first to everyone who decides or waits on it: the card, its fallback text, the DMs, the requester’s answers and /audit approvals', async () => {
        const answer = await slack.deliver(
          t.vigil.baseUrl,
          slashCommand('/access', 'web-01,db-01 2h --reason "rotate the certificates" --sudo', as('UALICE'), slack.responseUrl),
          {
            secret: SECRET,
          },
        );
        expect(answer.body.text).toContain('Requested access to web-01, db-01 with sudo (any command, as root): waiting for 1 approval');
        const mine = await t.gql(`query($id: ID!) { approvals(first: 1, filter: { requesterId: $id }) { nodes { id sudoScope } } }`, f.alice.token, {
          id: f.alice.id,
        });
        const [created] = mine.data!.approvals.nodes;
        expect(created.sudoScope).toBe('*');
        requested.push(created.id);
        await slack.waitFor(() => announcements(created.id).length >= 3, WAIT_MS);
        const copies = announcements(created.id);
        expect(copies.map((copy) => copy.channel).sort()).toEqual([APPROVERS, 'DBOB', 'DCAROL']);
        for (const copy of copies) {
          const blocks = copy.call.args.blocks as any[];
          expect(blocks[0].text.text).toBe('⏳ Access request with sudo');
          // Right under the title, before the facts: what approving grants beyond the login.
          expect(blocks[1].text.text).toBe(':warning: *Approving also grants sudo:* any command, as root, on web-01, db-01.');
          expect(json(blocks)).toContain('web-01 (env=prod)');
          expect(json(blocks)).toContain('db-01 (env=prod, role=db)');
          expect(json(blocks)).toContain('120 minutes');
          expect(json(blocks)).toContain('rotate the certificates');
          // The deadline in each reader's own time zone (Slack's date token), UTC as the fallback.
          const decideBy = blocks[2].fields.map((field: { text: string }) => field.text).find((text: string) => text.startsWith('*Decide by*'));
          const [, unix, fallback] = /^\*Decide by\*\n<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|(.+)>$/.exec(decideBy)!;
          expect(Number(unix) * 1000).toBe(Math.floor(Date.parse(fallback!) / 1000) * 1000);
          expect(copy.call.args.text).toBe(
            'Access request with sudo by alice@example.test: access to web-01, db-01 with sudo (any command, as root) — pending',
          );
        }
        // /audit approvals names the sudo in the requester's row.
        const listed = await slack.deliver(t.vigil.baseUrl, slashCommand('/audit', 'approvals --status pending', as('UALICE'), slack.responseUrl), {
          secret: SECRET,
        });
        expect(listed.body.blocks[1].text).toEqual({ type: 'plain_text', text: 'access to web-01, db-01 with sudo (any command, as root)', emoji: false });
        // Denied with hostile text: the requester is told what was refused, sudo included, and
        // neither the thread replies nor the DM ping the channel or carry a live link.
        const hostile = '<!channel> re-approve at <https://evil.example/login|Vigil>';
        const denied = await decideAs(t, f.bob, created.id, 'DENY', hostile);
        expect(denied.errors).toBeUndefined();
        await copiesUpdated(copies);
        await slack.waitFor(() => dmsTo('UALICE').some((dm) => String(dm.args.text).includes('with sudo')), WAIT_MS);
        expect(dmsTo('UALICE').at(-1)!.args.text).toContain('Your request for access to web-01, db-01 with sudo (any command, as root) is denied');
        for (const said of [...copies.map((copy) => threadRepliesOf(copy).at(-1)!.args.text), dmsTo('UALICE').at(-1)!.args.text]) {
          expect(said).toContain('&lt;!channel&gt; re-approve at &lt;https://evil.example/login|Vigil&gt;');
          expect(said).not.toContain('<!channel>');
        }
      });

      it('in the API: a plain access request grants no sudo; under a `*` grant a sudo request is answered at once and files nothing; another pattern is still a request', async () => {
        const plain = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
        const plainId = plain.data!.requestAccess.id as string;
        expect((await t.gql(`query($id: ID!) { approval(id: $id) { sudoScope } }`, f.bob.token, { id: plainId })).data!.approval).toEqual({ sudoScope: null });
        await t.gql(`mutation($id: ID!) { cancelApproval(id: $id) { status } }`, f.alice.token, { id: plainId });

        const withSudo = await requestAccessAs(t, f.alice, { servers: ['web-01'], isSudoRequested: true });
        const withSudoId = withSudo.data!.requestAccess.id as string;
        requested.push(plainId, withSudoId);
        expect((await decideAs(t, f.bob, withSudoId, 'APPROVE')).errors).toBeUndefined();
        const countRequests = async () => (await t.gql<any>('{ approvals(first: 100) { nodes { id } } }', t.admin.token)).data!.approvals.nodes.length;
        const before = await countRequests();
        const covered = await requestSudoAs(t, f.alice, { server: 'web-01', command: 'systemctl restart nginx' });
        expect(covered.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.command' });
        expect(covered.errors?.[0]?.message).toMatch(/^You may already run this: your sudo grant `\*` on web-01 until .* covers it\. Nothing was requested\.$/);
        const inChat = await slack.deliver(
          t.vigil.baseUrl,
          slashCommand('/sudo', 'web-01 systemctl restart nginx --reason "stuck worker"', as('UALICE'), slack.responseUrl),
          { secret: SECRET },
        );
        expect(inChat.body.text).toContain('You may already run this');
        expect(await countRequests()).toBe(before);

        // A pattern of its own is not "covered" by guessing: it is filed, and its card says what it grants.
        const pattern = await t.gql(
          `mutation { requestSudo(input: { server: "web-01", command: "journalctl -u *", isPattern: true, reason: "logs" }) { id status sudoScope } }`,
          f.alice.token,
        );
        expect(pattern.errors).toBeUndefined();
        expect(pattern.data!.requestSudo).toMatchObject({ status: 'PENDING', sudoScope: 'journalctl -u *' });
        requested.push(pattern.data!.requestSudo.id);
        await slack.waitFor(() => announcements(pattern.data!.requestSudo.id).length >= 1, WAIT_MS);
      });
    });

    describe('denying in Slack', () => {
      it('opens a modal asking for a justification, refuses an empty one, and stores the denial with it', async () => {
        const { id, copies } = await request('web-01');
        const opened = viewsOpened().length;
        const answer = await click('approval_deny', id, 'UBOB', { channel: APPROVERS, ts: copies.find((copy) => copy.channel === APPROVERS)!.ts });
        expect(answer.status).toBe(200);
        await slack.waitFor(() => viewsOpened().length > opened, WAIT_MS);
        const view = viewsOpened().at(-1)!.args.view;
        expect(view.callback_id).toBe('approval_decision');
        expect(JSON.parse(view.private_metadata)).toEqual({ approvalId: id, decision: 'deny' });
        const inputs = (view.blocks as { type: string; block_id?: string; element?: { action_id: string } }[]).filter((block) => block.type === 'input');
        expect(inputs.map((block) => [block.block_id, block.element?.action_id])).toEqual([['justification', 'value']]);
        expect((await approval(id)).decisions).toEqual([]);

        const empty = await submit(id, 'deny', { justification: '' }, 'UBOB');
        expect(empty.status).toBe(200);
        expect(empty.body).toMatchObject({ response_action: 'errors' });
        expect(Object.keys(empty.body.errors)).toEqual(['justification']);
        expect(empty.body.errors.justification).toMatch(/justification/);
        expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });

        const denied = await submit(id, 'deny', { justification: 'not during the freeze' }, 'UBOB');
        expect(denied.status).toBe(200);
        expect(denied.body?.response_action).toBeUndefined();
        const state = await approval(id);
        expect(state.status).toBe('DENIED');
        expect(state.decisions).toEqual([
          { decision: 'DENY', justification: 'not during the freeze', channel: 'SLACK', chatUserId: 'UBOB', approver: { email: 'bob@example.test' } },
        ]);
        await copiesUpdated(copies);
        for (const copy of copies) expect(json(lastUpdateOf(copy).args.blocks)).toContain('Denied by bob@example.test (slack): “not during the freeze”');
      });
    });

    describe('a STEP_UP policy', () => {
      let secret: string;
      const codeAt = (offsetMs = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now().getTime() + offsetMs });
      const wrongCode = () => {
        const valid = new Set([codeAt(-30_000), codeAt(), codeAt(30_000)]);
        for (let n = 0; ; n++) if (!valid.has(String(n).padStart(6, '0'))) return String(n).padStart(6, '0');
      };
      let first: { id: string; copies: Post[] };
      let usedCode: string;

      beforeAll(async () => {
        const started = await t.gql('mutation { startTotpEnrolment { secret otpauthUri } }', f.bob.token);
        expect(started.errors).toBeUndefined();
        secret = started.data!.startTotpEnrolment.secret;
        const confirmed = await t.gql('mutation($code: String!) { confirmTotpEnrolment(code: $code) }', f.bob.token, { code: codeAt() });
        expect(confirmed.data).toEqual({ confirmTotpEnrolment: true });
        // The confirming code's step is spent: approvals below use a later step.
        advance(t, 1);
      });

      it('asks for the authenticator code in a modal; a wrong code is refused on `totp`, a valid one decides', async () => {
        first = await request('vault-01');
        for (const copy of first.copies) {
          expect(decisionButtons(copy.call.args.blocks)).toEqual({ approval_approve: first.id, approval_deny: first.id });
          expect(json(copy.call.args.blocks)).toContain('authenticator code');
        }
        const opened = viewsOpened().length;
        await click('approval_approve', first.id, 'UBOB');
        await slack.waitFor(() => viewsOpened().length > opened, WAIT_MS);
        const view = viewsOpened().at(-1)!.args.view;
        expect(view.callback_id).toBe('approval_decision');
        expect(JSON.parse(view.private_metadata)).toEqual({ approvalId: first.id, decision: 'approve' });
        const inputs = (view.blocks as { type: string; block_id?: string }[]).filter((block) => block.type === 'input').map((block) => block.block_id);
        expect(inputs).toEqual(['totp']);
        // The click alone decided nothing.
        expect(await approval(first.id)).toMatchObject({ status: 'PENDING', decisions: [] });

        const wrong = await submit(first.id, 'approve', { totp: wrongCode() }, 'UBOB');
        expect(wrong.body).toMatchObject({ response_action: 'errors' });
        expect(Object.keys(wrong.body.errors)).toEqual(['totp']);
        expect(await approval(first.id)).toMatchObject({ status: 'PENDING', decisions: [] });

        const short = await submit(first.id, 'approve', { totp: '12345' }, 'UBOB');
        expect(Object.keys(short.body.errors)).toEqual(['totp']);
        expect(short.body.errors.totp).toMatch(/6 digits/);
        expect(await approval(first.id)).toMatchObject({ status: 'PENDING', decisions: [] });

        usedCode = codeAt();
        const right = await submit(first.id, 'approve', { totp: usedCode }, 'UBOB');
        expect(right.status).toBe(200);
        expect(right.body?.response_action).toBeUndefined();
        const state = await approval(first.id);
        expect(state.status).toBe('APPROVED');
        expect(state.decisions).toEqual([
          { decision: 'APPROVE', justification: null, channel: 'SLACK', chatUserId: 'UBOB', approver: { email: 'bob@example.test' } },
        ]);
        await copiesUpdated(first.copies);
      });

      it('refuses the same code replayed on another request, a user without an authenticator, and a submission without a code', async () => {
        const second = await request('vault-01');
        const replay = await submit(second.id, 'approve', { totp: usedCode }, 'UBOB');
        expect(replay.body).toMatchObject({ response_action: 'errors' });
        expect(Object.keys(replay.body.errors)).toEqual(['totp']);
        expect(replay.body.errors.totp).toMatch(/already used/);

        // carol has no authenticator: her click is told so at once, with no modal asking for a code
        // she cannot have; a submission forged past that is refused.
        const opened = viewsOpened().length;
        const told = responses().length;
        await click('approval_approve', second.id, 'UCAROL');
        await slack.waitFor(() => responses().length > told, WAIT_MS);
        expect(responses().at(-1)!.args.text).toMatch(/^This request asks for your authenticator code, and you have no authenticator yet: enrol one/);
        expect(viewsOpened().length).toBe(opened);
        const carol = await submit(second.id, 'approve', { totp: '123456' }, 'UCAROL');
        expect(carol.body).toMatchObject({ response_action: 'errors' });
        expect(Object.keys(carol.body.errors)).toEqual(['totp']);
        expect(carol.body.errors.totp).toMatch(/enrol/);

        // A forged submission without the totp block is refused too.
        const noCode = await submit(second.id, 'approve', {}, 'UBOB');
        expect(noCode.body).toMatchObject({ response_action: 'errors' });
        expect(noCode.body.errors.totp).toMatch(/authenticator code/);

        expect(await approval(second.id)).toMatchObject({ status: 'PENDING', decisions: [] });

        // The API is not chat: STEP_UP does not apply there.
        const api = await decideAs(t, f.carol, second.id, 'APPROVE');
        expect(api.errors).toBeUndefined();
        expect(api.data!.decideApproval).toMatchObject({
          status: 'APPROVED',
          decisions: [{ decision: 'APPROVE', channel: 'API', chatUserId: null, approver: { email: 'carol@example.test' } }],
        });
        await copiesUpdated(second.copies);
      });
    });

    describe('requests chat may not decide', () => {
      it('DISABLED: no buttons, only a link to Vigil; a forged Approve click or Deny submission changes nothing', async () => {
        const { id, copies } = await request('locked-01');
        for (const copy of copies) {
          const text = json(copy.call.args.blocks);
          expect(decisionButtons(copy.call.args.blocks)).toEqual({});
          expect(text).not.toContain('approval_approve');
          expect(text).toContain('does not allow deciding this request in chat');
          expect(text).toContain(`<${APPROVAL_URL.replace('{id}', id)}|Decide in Vigil>`);
        }
        const text = await refusedClick('approval_approve', id, 'UBOB');
        expect(text).toMatch(/^Not decided: .*does not allow deciding this request in chat/);
        const forged = await submit(id, 'deny', { justification: 'forged' }, 'UBOB');
        expect(forged.body).toMatchObject({ response_action: 'errors' });
        expect(forged.body.errors.justification).toMatch(/does not allow deciding this request in chat/);
        await sleep(200);
        expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });
        for (const copy of copies) expect(updatesOf(copy)).toEqual([]);
        // Decided in Vigil (the API), the copies follow.
        expect((await decideAs(t, f.bob, id, 'APPROVE')).errors).toBeUndefined();
        await copiesUpdated(copies);
      });

      it('longer than chatMaxDurationMinutes: no buttons and a refused click; within it: buttons', async () => {
        const long = await request('short-01', { durationMinutes: 60 });
        for (const copy of long.copies) {
          expect(decisionButtons(copy.call.args.blocks)).toEqual({});
          expect(json(copy.call.args.blocks)).toContain('only requests of up to 30 minutes');
          expect(json(copy.call.args.blocks)).toContain('Decide in Vigil');
        }
        expect(await refusedClick('approval_approve', long.id, 'UBOB')).toMatch(/^Not decided: .*up to 30 minutes/);
        expect(await approval(long.id)).toMatchObject({ status: 'PENDING', decisions: [] });

        const within = await request('short-01', { durationMinutes: 30 });
        for (const copy of within.copies) expect(decisionButtons(copy.call.args.blocks)).toEqual({ approval_approve: within.id, approval_deny: within.id });
        // Tidy up: nothing pending is left for later sweeps.
        for (const id of [long.id, within.id]) expect((await decideAs(t, f.carol, id, 'DENY', 'tidy up')).errors).toBeUndefined();
      });
    });

    describe('a policy asking approvers for a justification', () => {
      it('Approve opens the justification modal; an empty one is refused, a given one is stored', async () => {
        const { id, copies } = await request('audit-01');
        const opened = viewsOpened().length;
        await click('approval_approve', id, 'UCAROL');
        await slack.waitFor(() => viewsOpened().length > opened, WAIT_MS);
        const view = viewsOpened().at(-1)!.args.view;
        expect(JSON.parse(view.private_metadata)).toEqual({ approvalId: id, decision: 'approve' });
        expect((view.blocks as { type: string; block_id?: string }[]).filter((block) => block.type === 'input').map((block) => block.block_id)).toEqual([
          'justification',
        ]);
        expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });

        const empty = await submit(id, 'approve', { justification: '  ' }, 'UCAROL');
        expect(Object.keys(empty.body.errors)).toEqual(['justification']);
        expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });

        const given = await submit(id, 'approve', { justification: 'on call tonight' }, 'UCAROL');
        expect(given.body?.response_action).toBeUndefined();
        expect((await approval(id)).decisions).toEqual([
          { decision: 'APPROVE', justification: 'on call tonight', channel: 'SLACK', chatUserId: 'UCAROL', approver: { email: 'carol@example.test' } },
        ]);
        await copiesUpdated(copies);
        for (const copy of copies) expect(json(lastUpdateOf(copy).args.blocks)).toContain('Approved by carol@example.test (slack): “on call tonight”');
      });
    });

    describe('a requester who never used Slack', () => {
      it('gets the direct message too (found by email, as approvers are)', async () => {
        const frank = await t.createUser(t.admin.tenantId, { email: 'frank@example.test', groups: ['dev'] });
        slack.users.set('UFRANK', { email: frank.email });
        const response = await requestAccessAs(t, frank, { servers: ['web-01'] });
        expect(response.errors).toBeUndefined();
        const id = response.data!.requestAccess.id as string;
        requested.push(id);
        await slack.waitFor(() => announcements(id).length >= 3, WAIT_MS);
        const copies = announcements(id);
        expect((await decideAs(t, f.bob, id, 'DENY', 'not this week')).errors).toBeUndefined();
        await copiesUpdated(copies);
        await slack.waitFor(() => dmsTo('UFRANK').length > 0, 2000).catch(() => {});
        // frank asked through the API and never talked to the bot: he is found by his email, as
        // approvers are, and told.
        expect(dmsTo('UFRANK').map((call) => call.args.text)).toEqual([expect.stringContaining('Your request for access to web-01 is denied')]);
      });
    });

    describe('the two-person rule', () => {
      it('after one approval the copies say 1 of 2 and keep their buttons; after the second they say approved', async () => {
        const { id, copies } = await request('pair-01');
        for (const copy of copies) expect(json(copy.call.args.blocks)).toContain('0 of 2 (2 still needed)');
        const dms = dmsTo('UALICE').length;

        const before = responses().length;
        await click('approval_approve', id, 'UBOB');
        await slack.waitFor(() => responses().length > before, WAIT_MS);
        expect(responses().at(-1)!.args.text).toMatch(/^You approved alice@example\.test’s access to pair-01, for \d+ minutes: 1 of 2 approvals so far\.$/);
        await copiesUpdated(copies, 1);
        for (const copy of copies) {
          const blocks = lastUpdateOf(copy).args.blocks;
          expect(json(blocks)).toContain('1 of 2 (1 still needed)');
          expect(decisionButtons(blocks)).toEqual({ approval_approve: id, approval_deny: id });
          expect(threadRepliesOf(copy).at(-1)!.args.text).toContain('1 of 2 approvals so far');
        }
        expect((await approval(id)).status).toBe('PENDING');
        expect(dmsTo('UALICE').length).toBe(dms); // not closed: the requester is not told yet

        // bob again: his decision stands, nothing new.
        expect(await refusedClick('approval_approve', id, 'UBOB')).toMatch(/cannot decide/);

        await click('approval_approve', id, 'UCAROL');
        await copiesUpdated(copies, 2);
        for (const copy of copies) {
          const blocks = lastUpdateOf(copy).args.blocks;
          expect(decisionButtons(blocks)).toEqual({});
          expect(json(blocks)).toContain('Approved by bob@example.test (slack), carol@example.test (slack)');
        }
        const state = await approval(id);
        expect(state.status).toBe('APPROVED');
        expect(state.decisions.map((decision: { chatUserId: string }) => decision.chatUserId)).toEqual(['UBOB', 'UCAROL']);
        await slack.waitFor(() => dmsTo('UALICE').length > dms, WAIT_MS);
        expect(dmsTo('UALICE').at(-1)!.args.text).toContain('Your request for access to pair-01 is approved');
      });
    });

    describe('a slow Slack (every answer of its API takes 2.5 s)', () => {
      afterEach(() => {
        slack.latencyMs = 0;
      });

      it('acknowledges a click before Vigil’s own calls to Slack are answered, then decides and answers', async () => {
        const { id } = await request('web-01');
        slack.latencyMs = 2500;
        const calls = slack.calls.length;
        // Deny opens the justification modal (views.open); Approve decides and answers on response_url.
        const deny = await click('approval_deny', id, 'UCAROL');
        const denyAckedAt = Date.now();
        const approve = await click('approval_approve', id, 'UBOB');
        const approveAckedAt = Date.now();
        expect([deny.status, approve.status]).toEqual([200, 200]);
        await slack.waitFor((all) => all.slice(calls).some((call) => call.method === 'views.open' && call.answeredAt !== undefined), WAIT_MS);
        await slack.waitFor((all) => all.slice(calls).some((call) => call.method === 'response_url' && call.answeredAt !== undefined), WAIT_MS);
        const made = slack.calls.slice(calls);
        const modal = made.find((call) => call.method === 'views.open')!;
        const answer = made.find((call) => call.method === 'response_url')!;
        // Slack had its acknowledgements while Vigil still waited on Slack's answers.
        expect(denyAckedAt).toBeLessThan(modal.answeredAt!);
        expect(approveAckedAt).toBeLessThan(answer.answeredAt!);
        expect(modal.args.view.private_metadata).toBe(JSON.stringify({ approvalId: id, decision: 'deny' }));
        expect(answer.args).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^You approved alice@example\.test’s access to web-01/) });
        expect((await approval(id)).status).toBe('APPROVED');
      });
    });

    describe('announced once', () => {
      const notify = (event: Record<string, unknown>) => t.vigil.database.db.execute(sql`select pg_notify('vigil_events', ${JSON.stringify(event)})`);

      it('a request heard again (another instance, a repeated event) is not posted again, nor a decision updated again', async () => {
        const { id, copies } = await request('web-01');
        const event = { type: 'approval.requested', tenantId: t.admin.tenantId, approvalId: id, requesterId: f.alice.id };
        await notify(event);
        await notify(event);
        // The notifier works on one request in order: once the decision below shows, the repeats were handled.
        expect((await decideAs(t, f.bob, id, 'APPROVE')).errors).toBeUndefined();
        await copiesUpdated(copies);
        expect(announcements(id).filter((post) => post.call.args.channel === APPROVERS)).toHaveLength(1);
        expect(announcements(id)).toHaveLength(3);

        await notify({ type: 'approval.decided', tenantId: t.admin.tenantId, approvalId: id, requesterId: f.alice.id, status: 'approved' });
        await sleep(750);
        for (const copy of copies) {
          expect(updatesOf(copy)).toHaveLength(1);
          expect(threadRepliesOf(copy)).toHaveLength(1);
        }
        const claims = await queryRows<{ key: string }>(
          t.vigil.database.db,
          sql`select key from chat_notices where key like ${`approval:${id}:%`} order by key`,
        );
        expect(claims.map((row) => row.key)).toEqual([`approval:${id}:APPROVED:1`, `approval:${id}:requested`]);
      });

      it('every request of this block was posted to the approver channel exactly once', async () => {
        expect(requested.length).toBeGreaterThanOrEqual(10);
        for (const id of requested) expect([id, announcements(id).filter((post) => post.call.args.channel === APPROVERS).length]).toEqual([id, 1]);
      });
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('alerts through the Slack bot', () => {
    let t: TestVigil;
    let regular: TestUser;
    let server: TestServer;
    let channelId: string;

    beforeAll(async () => {
      // The alert evaluator runs every second on this Vigil, with its own bot as the sender.
      t = await startTestVigil({ env: { ...slackEnv(), VIGIL_ALERT_EVALUATION_SECONDS: '1' } });
      regular = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
      server = await addServer(t, t.admin.tenantId, 'web-01');
      slack.users.set('UALICE', { email: regular.email });
      slack.users.set('UADMIN', { email: t.admin.email });
      await bindWorkspace(t);
    });
    afterAll(async () => t?.close());

    it('a SLACK_BOT channel is made through the API with the Slack channel id', async () => {
      const created = await t.gql(
        `mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id type settings } }`,
        t.admin.token,
        {
          input: { name: 'Ops via the bot', type: 'SLACK_BOT', slackBot: { channel: ALERTS_CHANNEL } },
        },
      );
      expect(created.errors).toBeUndefined();
      expect(created.data!.createNotificationChannel).toMatchObject({ type: 'SLACK_BOT', settings: { channel: ALERTS_CHANNEL } });
      channelId = created.data!.createNotificationChannel.id;
    });

    it('posts a fired alert in its severity colour with Acknowledge; a regular user cannot acknowledge, an admin can', async () => {
      expect(channelId).toBeDefined();
      const rule = await t.gql(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id channelIds } }`, t.admin.token, {
        input: { name: 'Restart failed', condition: 'COMMAND_FAILED', commandPattern: 'systemctl restart *', severity: 'CRITICAL', channelIds: [channelId] },
      });
      expect(rule.errors).toBeUndefined();
      expect(rule.data!.createAlertRule.channelIds).toEqual([channelId]);
      const ruleId = rule.data!.createAlertRule.id as string;

      // The rule watches from its creation on Vigil's clock: the failure comes after it.
      advance(t, 2);
      const ingested = await ingest(t, server.agentToken, [
        {
          eventId: 'cmd-1',
          kind: 'COMMAND',
          command: { shell: 'INTERNAL', line: 'systemctl restart nginx', status: 'FAILED', submittedAt: minutesAgo(t, 1), exitCode: 1 },
        },
      ]);
      expect(ingested.errors).toBeUndefined();

      const alertPosts = () => posts().filter((post) => post.call.args.channel === ALERTS_CHANNEL && !post.call.args.thread_ts);
      await slack.waitFor(() => alertPosts().length >= 1, WAIT_MS);
      const alerts = async () =>
        (
          await t.gql(`query($ruleId: ID) { alerts(first: 10, filter: { ruleId: $ruleId }) { nodes { id state title acknowledgedAt } } }`, t.admin.token, {
            ruleId,
          })
        ).data!.alerts.nodes;
      const [fired] = await alerts();
      expect(fired).toMatchObject({ state: 'FIRED', title: 'Command failed: systemctl restart nginx' });
      expect(alertPosts()).toHaveLength(1);
      const post = alertPosts()[0]!;
      const [attachment] = post.call.args.attachments;
      expect(attachment.color).toBe('#D32F2F');
      const buttons = (attachment.blocks as { type: string; elements?: { action_id?: string; value?: string; text?: { text: string } }[] }[])
        .filter((block) => block.type === 'actions')
        .flatMap((block) => block.elements ?? []);
      expect(buttons).toEqual([
        expect.objectContaining({ action_id: 'alert_acknowledge', value: fired.id, text: expect.objectContaining({ text: 'Acknowledge' }) }),
        expect.objectContaining({ action_id: 'alert_resolve', value: fired.id, text: expect.objectContaining({ text: 'Resolve' }) }),
      ]);
      expect(post.call.args.text).toContain('Command failed: systemctl restart nginx');

      const click = (slackUserId: string) =>
        slack.deliver(
          t.vigil.baseUrl,
          buttonClick('alert_acknowledge', fired.id, as(slackUserId), slack.responseUrl, { channel: ALERTS_CHANNEL, ts: post.ts }),
          { secret: SECRET },
        );
      const updates = () => slack.callsOf('chat.update').filter((call) => call.args.channel === ALERTS_CHANNEL && call.args.ts === post.ts);

      // A user without MONITORING_MANAGE: refused, nothing changes.
      const before = responses().length;
      expect((await click('UALICE')).status).toBe(200);
      await slack.waitFor(() => responses().length > before, WAIT_MS);
      expect(responses().at(-1)!.args).toMatchObject({ response_type: 'ephemeral' });
      expect(responses().at(-1)!.args.text).toMatch(/^Not acknowledged/);
      expect((await alerts())[0]).toMatchObject({ state: 'FIRED', acknowledgedAt: null });
      expect(updates()).toEqual([]);

      // The admin: acknowledged as them (Slack has its answer first), the message marked.
      expect((await click('UADMIN')).status).toBe(200);
      await slack.waitFor(() => updates().length >= 1, WAIT_MS);
      expect((await alerts())[0]).toMatchObject({ state: 'ACKNOWLEDGED' });
      const [updated] = updates()[0]!.args.attachments;
      expect(updated.color).toBe('#D32F2F');
      expect(json(updated.blocks)).toContain(`acknowledged by ${t.admin.email}`);
      expect(json(updated.blocks)).not.toContain('alert_acknowledge');
      expect(json(updated.blocks)).toContain('alert_resolve');

      // Resolved through the API: the message follows, with no button left.
      const resolved = await t.gql(`mutation($id: ID!) { resolveAlert(id: $id) { state } }`, t.admin.token, { id: fired.id });
      expect(resolved.errors).toBeUndefined();
      await slack.waitFor(() => updates().length >= 2, WAIT_MS);
      const [closed] = updates()[1]!.args.attachments;
      expect(json(closed.blocks)).toContain(`resolved by ${t.admin.email}`);
      expect(closed.blocks.filter((block: { type: string }) => block.type === 'actions')).toEqual([]);
      expect(updates()[1]!.args.text).toContain('(resolved)');
      // Still one message for the one alert (the evaluator keeps running every second).
      await sleep(1500);
      expect(alertPosts()).toHaveLength(1);
    });
  });
});
