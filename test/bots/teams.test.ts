/**
 * The Microsoft Teams bot end to end over HTTP: activities POSTed to Vigil's /api/messages as Teams
 * sends them, and every Bot Connector call Vigil makes (replies, proactive cards, in-place updates,
 * member lookups) recorded by a fake connector. `audit` lists as Adaptive Cards with "More";
 * requests filed by message and decided through card actions (Action.Submit values), refusals that
 * change nothing, every copy updated after a decision made in Teams, Slack or the API (and after an
 * expiry or a cancellation), STEP_UP and DISABLED policies; unbound tenants, unknown people and
 * link codes; alerts through a TEAMS_BOT channel with Acknowledge; Bot Framework authentication
 * refusing unsigned and forged requests; and every card the bot sent checked against the Adaptive
 * Cards version it declares with the official `adaptivecards` package.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Secret, TOTP } from 'otpauth';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatIdentities, chatWorkspaces } from '../../server/db/tables/index.js';
import {
  advance,
  APPROVAL,
  buildApprovalsFixture,
  createPolicy,
  decideAs,
  requestAccessAs,
  sweep,
  type ApprovalsFixture,
} from '../support/approvals-fixture.js';
import { bindSlackWorkspace, bindTeamsTenant } from '../support/chat-binding.js';
import { buttonClick, postToSlackEndpoint, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { asIntruder } from '../support/log-tamper.js';
import {
  postActivity,
  postInvoke,
  startFakeTeams,
  teamsExecute,
  teamsMessage,
  type ConnectorCall,
  type FakeTeams,
  type TeamsUser,
} from '../support/fake-teams.js';
import { addServer, ingest, minutesAgo, reportCommands, type CommandFact, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

/** Where this deployment decides requests outside chat (the platform's web app). */
const APPROVAL_URL = 'https://console.example.test/approvals/{id}';

// The package's ESM build (lib/) imports without file extensions, which Node cannot load; its
// UMD bundle (dist/) is the same code and needs no DOM to parse and validate.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

const AAD_TENANT = '6f1e0c5a-0000-4000-8000-00000000c0de';
const UNBOUND_TENANT = '6f1e0c5a-0000-4000-8000-0000000bad00';
const APPROVERS = '19:approvers@thread.tacv2';
const ALERTS = '19:alerts@thread.tacv2';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const WAIT_MS = 10_000;
const SLACK_SECRET = 'slack-signing-secret-for-teams-tests';

/** Teams users (29:… ids, AAD object ids). */
const ALICE: TeamsUser = { id: '29:alice', aadObjectId: 'aad-alice' };
const BOB: TeamsUser = { id: '29:bob', aadObjectId: 'aad-bob' };
const CAROL: TeamsUser = { id: '29:carol', aadObjectId: 'aad-carol' };
const DAVE: TeamsUser = { id: '29:dave', aadObjectId: 'aad-dave' };
const ERIN: TeamsUser = { id: '29:erin', aadObjectId: 'aad-erin' };
const ADMIN: TeamsUser = { id: '29:admin', aadObjectId: 'aad-admin' };
const MALLORY: TeamsUser = { id: '29:mallory', aadObjectId: 'aad-mallory' };
const GHOST: TeamsUser = { id: '29:ghost', aadObjectId: 'aad-ghost' };
const FRANK: TeamsUser = { id: '29:frank', aadObjectId: 'aad-frank' };
const GRACE: TeamsUser = { id: '29:grace', aadObjectId: 'aad-grace' };
const HENRY: TeamsUser = { id: '29:henry', aadObjectId: 'aad-henry' };
const IVY: TeamsUser = { id: '29:ivy', aadObjectId: 'aad-ivy' };

/** A user's personal chat with the bot, as teamsMessage names it. */
const personal = (user: TeamsUser) => `a:personal-${user.aadObjectId}`;

let teams: FakeTeams;
let slack: FakeSlack;

beforeAll(async () => {
  teams = await startFakeTeams();
  slack = await startFakeSlack();
});
afterAll(async () => {
  await teams?.close();
  await slack?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const json = (value: unknown) => JSON.stringify(value ?? null);

// ---------------------------------------------------------------------------------------------
// Reading what the bot sent to the connector.
// ---------------------------------------------------------------------------------------------

type Card = Record<string, any>;

/** The ids the fake connector answered with: activity-N, N counting every call but PUTs and member lookups. */
function postedIdOf(call: ConnectorCall): string {
  let n = 0;
  for (const other of teams.calls) {
    const isMemberLookup = /\/members\/[^/]+/.test(other.path);
    if (other.method !== 'PUT' && !isMemberLookup) n += 1;
    if (other === call) return `activity-${n}`;
  }
  throw new Error(`not a recorded call: ${call.path}`);
}

/** The one Adaptive Card of an activity (asserting it is one). */
function cardOf(call: ConnectorCall): Card {
  const attachments = call.body?.attachments;
  expect(attachments, `an activity with one attachment: ${json(call.body)}`).toHaveLength(1);
  expect(attachments[0].contentType).toBe(ADAPTIVE);
  const card = attachments[0].content;
  expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
  return card;
}

/** Every element and action of a card, depth first. */
function walk(card: Card): Card[] {
  const out: Card[] = [];
  const visit = (node: any) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node.type === 'string') out.push(node);
    for (const key of ['body', 'items', 'actions', 'columns']) if (key in node) visit(node[key]);
  };
  visit(card.body);
  visit(card.actions);
  return out;
}
/** A text element's text: a TextBlock's (markdown), or a RichTextBlock's runs (shown as typed). */
const plainOf = (node: any): string => (node.type === 'RichTextBlock' ? node.inlines.map((inline: any) => inline.text).join('') : String(node.text));
const textsOf = (card: Card) =>
  walk(card)
    .filter((node) => node.type === 'TextBlock' || node.type === 'RichTextBlock')
    .map(plainOf);
const factsOf = (card: Card) =>
  Object.fromEntries(walk(card).flatMap((node) => (node.type === 'FactSet' ? node.facts.map((fact: any) => [fact.title, fact.value]) : [])));
/** A card's buttons (Action.Execute; Action.Submit on older cards). */
const submitsOf = (card: Card) =>
  walk(card)
    .filter((node) => node.type === 'Action.Submit' || node.type === 'Action.Execute')
    .map((node) => ({ title: node.title, data: node.data }));
const inputsOf = (card: Card) =>
  walk(card)
    .filter((node) => String(node.type).startsWith('Input.'))
    .map((node) => node.id);
const openUrlsOf = (card: Card) =>
  walk(card)
    .filter((node) => node.type === 'Action.OpenUrl')
    .map((node) => ({ title: node.title, url: node.url }));

/** A one-line answer: a card of one TextBlock; its text. */
/** A one-line answer: Vigil's words (a TextBlock), or a line holding someone else's words as typed (a RichTextBlock's TextRun). */
function lineOf(call: ConnectorCall): string {
  const card = cardOf(call);
  expect(card.body).toHaveLength(1);
  expect(card.actions).toBeUndefined();
  if (card.body[0].type === 'RichTextBlock') return card.body[0].inlines.map((run: { text: string }) => run.text).join('');
  expect(card.body[0].type).toBe('TextBlock');
  return card.body[0].text;
}

/** A list answer: heading, row titles (bold TextBlocks of the row containers), their facts and the More state. */
function listOf(call: ConnectorCall): { heading: string; titles: string[]; facts: string[]; more: string | null } {
  const card = cardOf(call);
  const [heading, ...rows] = card.body;
  expect(heading).toMatchObject({ type: 'TextBlock', weight: 'Bolder' });
  const containers = rows.filter((row: any) => row.type === 'Container');
  const more = submitsOf(card).find((action) => action.data?.vigil === 'more');
  return {
    heading: heading.text,
    titles: containers.map((row: any) => plainOf(row.items[0])),
    facts: containers.map((row: any) => plainOf(row.items[1])),
    more: more ? more.data.state : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Talking to Vigil as Teams does.
// ---------------------------------------------------------------------------------------------

interface Conversation {
  id?: string;
  type?: 'personal' | 'channel';
}

/**
 * POSTs one activity to /api/messages (unsigned: TEAMS_BOT_ENABLED) and returns the replies to it
 * (the connector's replyToActivity calls: POST …/activities/{the incoming id}), and every call made meanwhile.
 */
/** What the bot sent `user` alone while answering: posts to their personal chat. */
const toPersonal = (result: { during: ConnectorCall[] }, user: TeamsUser) =>
  result.during.filter((call) => call.method === 'POST' && call.conversation === personal(user));

async function send(base: string, tenant: string, user: TeamsUser, content: Parameters<typeof teamsMessage>[3], conversation: Conversation = {}) {
  const before = teams.calls.length;
  const activity = teamsMessage(teams, tenant, user, content, conversation);
  const status = await postActivity(base, activity);
  expect(status).toBe(200);
  const during = teams.calls.slice(before);
  return { activity, replies: during.filter((call) => call.method === 'POST' && call.activityId === activity.id), during };
}

// ---------------------------------------------------------------------------------------------

describe('the Teams bot (unsigned, TEAMS_BOT_ENABLED)', () => {
  let t: TestVigil;
  let f: ApprovalsFixture;
  let base: string;
  let frank: TestUser;

  const message = (user: TeamsUser, text: string, conversation: Conversation = {}, tenant = AAD_TENANT) => send(base, tenant, user, { text }, conversation);
  /** The single reply to a message. */
  async function reply(user: TeamsUser, text: string, conversation: Conversation = {}, tenant = AAD_TENANT): Promise<ConnectorCall> {
    const { replies } = await message(user, text, conversation, tenant);
    expect(replies, `one reply to "${text}"`).toHaveLength(1);
    return replies[0]!;
  }

  const approval = async (id: string) => {
    const response = await t.gql(APPROVAL, t.admin.token, { id });
    expect(response.errors).toBeUndefined();
    return response.data!.approval;
  };

  beforeAll(async () => {
    t = await startTestVigil({
      env: {
        TEAMS_BOT_ENABLED: 'true',
        TEAMS_SERVICE_URL: teams.serviceUrl,
        SLACK_SIGNING_SECRET: SLACK_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: slack.apiUrl,
        VIGIL_APPROVAL_URL: APPROVAL_URL,
      },
    });
    base = t.url.replace(/\/graphql$/, '');
    f = await buildApprovalsFixture(t);
    await addServer(t, t.admin.tenantId, 'vault-01', [{ key: 'lane', value: 'stepup' }]);
    await addServer(t, t.admin.tenantId, 'locked-01', [{ key: 'lane', value: 'locked' }]);
    frank = await t.createUser(t.admin.tenantId, { email: 'frank@example.test', groups: ['dev'] });
    for (const [user, vigilUser] of [
      [ALICE, f.alice],
      [BOB, f.bob],
      [CAROL, f.carol],
      [DAVE, f.dave],
      [ERIN, f.erin],
      [ADMIN, f.admin],
    ] as const) {
      teams.members.set(user.id, { aadObjectId: user.aadObjectId, email: vigilUser.email });
    }
    // Known to Teams, but by emails no Vigil user has (frank's Teams email is not his Vigil one).
    teams.members.set(MALLORY.id, { aadObjectId: MALLORY.aadObjectId, email: 'mallory@elsewhere.test' });
    teams.members.set(FRANK.id, { aadObjectId: FRANK.aadObjectId, email: 'frank.t@contoso.example' });
    slack.users.set('UCAROL', { email: f.carol.email });

    await bindTeamsTenant(t, teams, base, AAD_TENANT, APPROVERS);
    await bindSlackWorkspace(t, { slack, base, secret: SLACK_SECRET }, 'T1', 'C0APPROVERS');
    const bound = await t.gql<any>('{ chatWorkspaces { provider externalId approverChannel verified } }', t.admin.token);
    expect(bound.data!.chatWorkspaces).toEqual([
      { provider: 'SLACK', externalId: 'T1', approverChannel: 'C0APPROVERS', verified: true },
      { provider: 'TEAMS', externalId: AAD_TENANT, approverChannel: APPROVERS, verified: true },
    ]);

    const policy = { requestKinds: ['ACCESS', 'SUDO'], approverGroups: ['sre'], isAdminApprover: false, requiredApprovals: 1 };
    for (const input of [
      { ...policy, name: 'SRE prod', serverLabels: [{ key: 'env', value: 'prod' }] },
      { ...policy, name: 'Vault step-up', serverLabels: [{ key: 'lane', value: 'stepup' }], chatApproval: 'STEP_UP' },
      { ...policy, name: 'Locked', serverLabels: [{ key: 'lane', value: 'locked' }], chatApproval: 'DISABLED' },
    ]) {
      const created = await createPolicy(t, input);
      expect(created.errors).toBeUndefined();
    }
  });
  afterAll(async () => t?.close());

  // -------------------------------------------------------------------------------------------

  describe('who is writing', () => {
    it('a tenant that is not bound is told so, and nothing else happens (no member lookup, no link)', async () => {
      const { replies, during } = await message(ALICE, 'audit my-commands', {}, UNBOUND_TENANT);
      expect(replies).toHaveLength(1);
      expect(lineOf(replies[0]!)).toMatch(/^This Microsoft Teams tenant is not connected to Vigil\./);
      expect(lineOf(replies[0]!)).toContain(`bindChatWorkspace(provider: TEAMS, externalId: "${UNBOUND_TENANT}")`);
      expect(during).toEqual(replies);
      // A card action from there decides nothing either.
      const submit = await send(base, UNBOUND_TENANT, BOB, { value: { vigil: 'approve', approvalId: '01a21c00-0000-7000-8000-000000000000' } });
      expect(submit.during).toHaveLength(1);
      expect(lineOf(submit.replies[0]!)).toMatch(/not connected to Vigil/);
      // Not linked by the visit: in the bound tenant alice is looked up afresh.
      const linked = await message(ALICE, 'audit help');
      expect(linked.during.filter((call) => call.method === 'GET' && call.path.endsWith(`/members/${encodeURIComponent(ALICE.id)}`))).toHaveLength(1);
    });

    it('a Teams user whose email is no Vigil user’s, or whom Teams does not know, gets the link message', async () => {
      const { replies, during } = await message(MALLORY, 'audit my-commands');
      expect(lineOf(replies[0]!)).toBe(
        'I do not know you in Vigil: your Teams email is not a Vigil user’s. Ask a Vigil admin for a link code for you (or make one yourself in Vigil), then send me: audit link CODE',
      );
      expect(during.map((call) => `${call.method} ${call.path}`)).toEqual([
        `GET /v3/conversations/${encodeURIComponent(personal(MALLORY))}/members/${encodeURIComponent(MALLORY.id)}`,
        replies[0]!.method + ' ' + replies[0]!.path,
      ]);
      const ghost = await reply(GHOST, 'access web-01 1h --reason "x"');
      expect(lineOf(ghost)).toMatch(/^I do not know you in Vigil/);
      expect((await t.gql(`query { approvals(first: 5) { nodes { id } } }`, t.admin.token)).data!.approvals.nodes).toEqual([]);
    });

    it('`audit link CODE` links the Teams user to the code’s Vigil user; a used or unknown code is refused', async () => {
      expect(lineOf(await reply(FRANK, 'audit my-commands'))).toMatch(/^I do not know you in Vigil/);
      const made = await t.gql('mutation { createChatLinkCode { code expiresAt } }', frank.token);
      expect(made.errors).toBeUndefined();
      const code = made.data!.createChatLinkCode.code as string;

      expect(lineOf(await reply(FRANK, `audit link ${code}`))).toBe('Linked: you are frank@example.test in Vigil.');
      const mine = listOf(await reply(FRANK, 'audit my-commands'));
      expect(mine.heading).toBe('Your commands');
      expect(mine.titles).toEqual([]);
      // The code was used up; another Teams user cannot take it, nor a made-up one.
      expect(lineOf(await reply(MALLORY, `audit link ${code}`))).toMatch(/unknown, used or expired/);
      expect(lineOf(await reply(MALLORY, 'audit link ABCD-EFGH'))).toMatch(/unknown, used or expired/);
      expect(lineOf(await reply(MALLORY, 'audit my-commands'))).toMatch(/^I do not know you in Vigil/);
    });

    it('`audit help` explains the Teams commands (no Slack slash commands)', async () => {
      const text = lineOf(await reply(ALICE, 'audit help'));
      expect(text).toContain('my-commands');
      expect(text).toContain('link CODE');
      // Anything else typed gets the same help, with the Teams spelling of requests.
      const other = lineOf(await reply(ALICE, 'hello there'));
      expect(other).toContain('“access web-01,db-01 2h');
      expect(other).not.toContain('/access');
      // Teams has no slash commands: `/access web-01 2h` would reach the bot as the unknown word
      // "/access", so the help spells requests as messages, whichever way it is asked for.
      expect(text).not.toContain('/access');
      // Adaptive Cards show no inline code: no backticks reach Teams.
      expect(text).not.toContain('`');
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('audit lists', () => {
    // 13 of alice's (more than a page of 10), 4 of bob's, 1 of dave's: distinctive lines.
    const ALICE_COMMANDS: CommandFact[] = Array.from({ length: 13 }, (_, index) => ({
      line: `echo alice-teams-${String(index + 1).padStart(2, '0')}`,
      server: index % 3 === 0 ? 'db' : 'web',
      status: index % 4 === 1 ? 'FAILED' : 'SUCCESS',
      minutes: 5 + index * 7,
    }));
    const BOB_COMMANDS: CommandFact[] = Array.from({ length: 4 }, (_, index) => ({
      line: `echo bob-teams-${index + 1}`,
      server: index % 2 ? 'db' : 'web',
      status: 'FAILED',
      minutes: 6 + index,
    }));
    const DAVE_COMMANDS: CommandFact[] = [{ line: 'echo dave-teams-1', server: 'db', status: 'FAILED', minutes: 8 }];
    const ingestCommands = (email: string, facts: readonly CommandFact[]) => reportCommands(t, f, email, facts);

    beforeAll(async () => {
      await ingestCommands(f.alice.email, ALICE_COMMANDS);
      await ingestCommands(f.bob.email, BOB_COMMANDS);
      await ingestCommands(f.dave.email, DAVE_COMMANDS);
    });

    it('`audit my-commands` answers alice with a card of her commands only, ten at a time, and More returns the rest', async () => {
      const first = await reply(ALICE, 'audit my-commands');
      expect(first.conversation).toBe(personal(ALICE));
      const page1 = listOf(first);
      expect(page1.heading).toBe('Your commands');
      expect(page1.titles).toHaveLength(10);
      // The ten most recent, newest first.
      expect(page1.titles).toEqual(ALICE_COMMANDS.slice(0, 10).map((fact) => fact.line));
      expect(page1.facts[1]).toContain('FAILED');
      expect(page1.facts[1]).toContain('web-01');
      expect(page1.facts[1]).toContain('exit 1');
      expect(page1.facts[1]).toContain('alice@example.test');
      // When, in each reader's own time zone: Teams' DATE() and TIME() in a TextBlock of the row.
      const rowTimes = cardOf(first).body.filter((element: any) => element.type === 'Container')[1].items[2];
      expect(rowTimes).toMatchObject({
        type: 'TextBlock',
        text: expect.stringMatching(/^\{\{DATE\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, SHORT\)\}\} \{\{TIME\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\}\}$/),
      });
      expect(page1.more).toEqual(expect.any(String));
      const [moreAction] = submitsOf(cardOf(first));
      expect(moreAction).toEqual({ title: 'More', data: { vigil: 'more', state: page1.more } });

      // The More button: Teams sends the Action.Submit data back as the activity's value.
      const { replies } = await send(base, AAD_TENANT, ALICE, { value: { vigil: 'more', state: page1.more }, replyToId: postedIdOf(first) });
      expect(replies).toHaveLength(1);
      const page2 = listOf(replies[0]!);
      expect(page2.titles).toEqual(ALICE_COMMANDS.slice(10).map((fact) => fact.line));
      expect(page2.more).toBeNull();
      expect(submitsOf(cardOf(replies[0]!))).toEqual([]);
      const all = [...page1.titles, ...page2.titles];
      expect([...all].sort()).toEqual(ALICE_COMMANDS.map((fact) => fact.line).sort());
      expect(all.some((line) => !line.startsWith('echo alice-teams-'))).toBe(false);

      // bob's own list is his four, not alice's.
      const bobs = listOf(await reply(BOB, 'audit my-commands'));
      expect([...bobs.titles].sort()).toEqual(BOB_COMMANDS.map((fact) => fact.line).sort());
      expect(bobs.more).toBeNull();
    });

    it('filters (--server, --status, --since) apply, also when typed in a channel after an @mention', async () => {
      const expected = ALICE_COMMANDS.filter((fact) => fact.server === 'db' && fact.status === 'FAILED').map((fact) => fact.line);
      expect(expected.length).toBeGreaterThan(0);
      const filtered = listOf(await reply(ALICE, 'audit my-commands --server db-01 --status failed'));
      expect(filtered.titles).toEqual(expected);

      const recent = ALICE_COMMANDS.filter((fact) => fact.minutes < 30).map((fact) => fact.line);
      // Asked in a channel: her records go to her personal chat only; the channel is told where.
      const inChannel = await message(ALICE, '<at>Vigil</at>\u00a0audit my-commands --since 30m', { id: '19:ops@thread.tacv2', type: 'channel' });
      expect(inChannel.replies.map(lineOf)).toEqual(['I sent you the answer in our personal chat.']);
      expect(inChannel.replies[0]!.conversation).toBe('19:ops@thread.tacv2');
      const [privately] = toPersonal(inChannel, ALICE);
      expect(listOf(privately!).titles).toEqual(recent);
      // Someone Vigil knows no personal chat of is not shown their records in the channel.
      const stranger = await t.createUser(t.admin.tenantId, { email: 'henry@example.test' });
      teams.members.set(HENRY.id, { aadObjectId: HENRY.aadObjectId, email: stranger.email });
      const henry = await message(HENRY, '<at>Vigil</at> audit my-commands', { id: '19:ops@thread.tacv2', type: 'channel' });
      expect(henry.replies.map(lineOf)).toEqual(['I answer that only in our personal chat, where nobody else reads it: open a chat with me and ask there.']);

      expect(lineOf(await reply(ALICE, 'audit my-commands --status sideways'))).toMatch(/--status for “my-commands” is one of/);
      expect(lineOf(await reply(ALICE, 'audit my-commands --server nope-99'))).toBe('No server named “nope-99”');
    });

    it('every command of the app manifest (bot/teams/manifest.json) is one the bot understands', async () => {
      const manifest = JSON.parse(readFileSync(new URL('../../bot/teams/manifest.json', import.meta.url), 'utf8'));
      const [bot] = manifest.bots;
      expect(bot.botId).toBe('{{MICROSOFT_APP_ID}}');
      const titles: string[] = bot.commandLists.flatMap((list: { commands: { title: string }[] }) => list.commands.map((command) => command.title));
      expect(titles).toEqual(expect.arrayContaining(['audit my-commands', 'access', 'sudo']));
      for (const title of titles) {
        const answer = await reply(ALICE, title);
        const card = cardOf(answer);
        const first = String(card.body[0].text);
        // The fallback for words the bot does not know is the help starting "Ask me:".
        expect([title, first.startsWith('Ask me:')]).toEqual([title, false]);
        if (title.startsWith('audit my-') || ['audit commands', 'audit sessions', 'audit approvals'].includes(title))
          expect([title, card.body[0].weight]).toEqual([title, 'Bolder']);
      }
    });

    it('a More state replayed by someone else lists their own rows, never the original asker’s', async () => {
      const first = await reply(ALICE, 'audit my-commands');
      const state = listOf(first).more!;
      const { replies } = await send(base, AAD_TENANT, DAVE, { value: { vigil: 'more', state } });
      const daves = listOf(replies[0]!);
      expect(daves.heading).toBe('Your commands');
      expect(daves.titles.filter((line) => line.includes('alice'))).toEqual([]);
    });

    it('a More value that is not a list’s paging state is refused as out of date', async () => {
      const { replies } = await send(base, AAD_TENANT, ALICE, { value: { vigil: 'more', state: '{"subcommand":"drop-tables","after":null}' } });
      expect(lineOf(replies[0]!)).toBe('That card is out of date: ask again with audit.');
    });
  });

  // -------------------------------------------------------------------------------------------

  /** The cards announcing approval `id` (POSTs whose card links to it), with where they landed. */
  const announcements = (id: string) => teams.sent().filter((call) => call.body?.attachments && json(call.body.attachments).includes(`/approvals/${id}`));
  const updatesOf = (copy: ConnectorCall) => teams.updates().filter((call) => call.conversation === copy.conversation && call.activityId === postedIdOf(copy));
  const lastUpdateOf = (copy: ConnectorCall) => updatesOf(copy).at(-1)!;
  /** What the requester was told in personal chat about closed requests (plain messages). */
  const toldAlice = () => teams.sent(personal(ALICE)).filter((call) => typeof call.body?.text === 'string' && call.body.text.startsWith('Your request for'));
  const copiesUpdated = (copies: ConnectorCall[], count = 1) => teams.waitFor(() => copies.every((copy) => updatesOf(copy).length >= count), WAIT_MS);

  /** A card action (Action.Submit) clicked on a posted copy by `user`: its data with the card's inputs, as the activity's value. */
  function click(user: TeamsUser, copy: ConnectorCall, data: Record<string, unknown>) {
    return send(
      base,
      AAD_TENANT,
      user,
      { value: data, replyToId: postedIdOf(copy) },
      { id: copy.conversation, type: copy.conversation === APPROVERS ? 'channel' : 'personal' },
    );
  }
  const button = (copy: ConnectorCall, title: 'Approve' | 'Deny') => {
    const action = submitsOf(cardOf(copy)).find((candidate) => candidate.title === title);
    expect(action, `${title} on the card`).toBeDefined();
    return action!.data as Record<string, unknown>;
  };

  /** A request by alice through the API; waits until its card reached the channel and bob's and carol's chats. */
  async function requested(server: string, extra: Record<string, unknown> = {}): Promise<{ id: string; copies: ConnectorCall[] }> {
    const response = await requestAccessAs(t, f.alice, { servers: [server], ...extra });
    expect(response.errors).toBeUndefined();
    const id = response.data!.requestAccess.id as string;
    await teams.waitFor(() => announcements(id).length >= 3, WAIT_MS);
    return { id, copies: announcements(id) };
  }

  describe('approvals through card actions', () => {
    let id: string;
    let copies: ConnectorCall[];

    it('alice asks by message; once bob and carol have talked to the bot, the card goes to the approver channel and their personal chats only', async () => {
      // Everyone says something once: their personal chats become known (conversation references kept).
      for (const user of [BOB, CAROL, DAVE, ERIN, ADMIN]) expect(lineOf(await reply(user, 'audit help'))).toContain('Ask');

      const answer = await reply(ALICE, 'access web-01 2h --reason "deploy the hotfix"');
      expect(answer.conversation).toBe(personal(ALICE));
      expect(lineOf(answer)).toBe('Requested access to web-01: waiting for 1 approval. I will tell you here what becomes of it.');
      const mine = await t.gql(
        `query($id: ID!) { approvals(first: 5, filter: { requesterId: $id }) { nodes { id status durationMinutes reason policyName } } }`,
        f.alice.token,
        { id: f.alice.id },
      );
      expect(mine.errors).toBeUndefined();
      expect(mine.data!.approvals.nodes).toHaveLength(1);
      const [created] = mine.data!.approvals.nodes;
      expect(created).toMatchObject({ status: 'PENDING', durationMinutes: 120, reason: 'deploy the hotfix', policyName: 'SRE prod' });
      id = created.id;

      await teams.waitFor(() => announcements(id).length >= 3, WAIT_MS);
      await sleep(300); // and no late extra copy
      copies = announcements(id);
      expect(copies.map((copy) => copy.conversation).sort()).toEqual([APPROVERS, personal(BOB), personal(CAROL)].sort());
      // Proactive messages (new conversation activity, not replies), through TEAMS_SERVICE_URL.
      for (const copy of copies) expect(copy.activityId === undefined || !copy.activityId.startsWith('incoming-')).toBe(true);
      for (const user of [ALICE, DAVE, ERIN, ADMIN]) expect(announcements(id).some((copy) => copy.conversation === personal(user))).toBe(false);

      for (const copy of copies) {
        const card = cardOf(copy);
        expect(textsOf(card)[0]).toBe('Access request: pending');
        expect(factsOf(card)).toMatchObject({
          Requester: 'alice@example.test',
          Servers: 'web-01 (env=prod)',
          Duration: '120 minutes',
          Approvals: '0 of 1 (1 still needed)',
          Policy: 'SRE prod',
        });
        // The reason as typed, under its label (a TextRun: not read as markdown).
        const body = (card as any).body as any[];
        const label = body.findIndex((element) => element.type === 'TextBlock' && element.text === 'Reason');
        expect(body[label + 1]).toMatchObject({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'deploy the hotfix' }] });
        expect(submitsOf(card)).toEqual([
          { title: 'Approve', data: { vigil: 'approve', approvalId: id } },
          { title: 'Deny', data: { vigil: 'deny', approvalId: id } },
          // The same inputs in a dialog (teams-dialogs.test.ts).
          { title: 'Decide in a dialog', data: { msteams: { type: 'task/fetch' }, vigil: 'dialog', approvalId: id } },
        ]);
        expect(inputsOf(card)).toEqual(['justification']);
        expect(openUrlsOf(card)).toEqual([{ title: 'Open in Vigil', url: APPROVAL_URL.replace('{id}', id) }]);
        expect(copy.body.summary).toContain('alice@example.test');
      }
    });

    it('a click by someone who may not decide it (dave; alice on her own request) is refused with a message and changes nothing', async () => {
      const channelCopy = copies.find((copy) => copy.conversation === APPROVERS)!;
      const updatesBefore = teams.updates().length;
      // dave has a personal chat with the bot: his refusals go there, not to the channel.
      const dave = await click(DAVE, channelCopy, { ...button(channelCopy, 'Approve'), justification: '' });
      expect(dave.replies).toEqual([]);
      expect(toPersonal(dave, DAVE).map(lineOf)).toEqual(['Not decided: Deciding requests requires the approvals.decide permission. Nothing changed.']);
      const daveDeny = await click(DAVE, channelCopy, { ...button(channelCopy, 'Deny'), justification: 'because' });
      expect(toPersonal(daveDeny, DAVE).map(lineOf)).toEqual([expect.stringMatching(/^Not decided: .*approvals\.decide.*Nothing changed\.$/)]);
      const erin = await click(ERIN, channelCopy, { ...button(channelCopy, 'Approve'), justification: '' });
      expect(toPersonal(erin, ERIN).map(lineOf)).toEqual(['Not decided: Only members of sre may decide this request. Nothing changed.']);
      // ivy never wrote to the bot: with no personal chat to use, the refusal is a reply in the channel's thread.
      const ivy = await t.createUser(t.admin.tenantId, { email: 'ivy@example.test' });
      teams.members.set(IVY.id, { aadObjectId: IVY.aadObjectId, email: ivy.email });
      const ivyClick = await click(IVY, channelCopy, { ...button(channelCopy, 'Approve'), justification: '' });
      expect(ivyClick.replies.map(lineOf)).toEqual(['Not decided: Deciding requests requires the approvals.decide permission. Nothing changed.']);
      const alice = await send(base, AAD_TENANT, ALICE, { value: { ...button(channelCopy, 'Approve'), justification: '' } });
      expect(lineOf(alice.replies[0]!)).toBe('Not decided: Nobody may decide their own request. Nothing changed.');

      await sleep(300);
      expect(await approval(id)).toMatchObject({ status: 'PENDING', approvalsReceived: 0, decisions: [] });
      expect(teams.updates().length).toBe(updatesBefore);
    });

    it('bob’s Approve in his chat is stored as a TEAMS decision by his AAD id; every copy is updated in place; alice is told', async () => {
      const bobCopy = copies.find((copy) => copy.conversation === personal(BOB))!;
      const told = toldAlice().length;
      const { replies } = await click(BOB, bobCopy, { ...button(bobCopy, 'Approve'), justification: '' });
      expect(replies.map(lineOf)).toEqual([expect.stringMatching(/^You approved alice@example\.test’s access to web-01, for \d+ minutes\.$/)]);
      expect(replies[0]!.conversation).toBe(personal(BOB));

      const state = await approval(id);
      expect(state.status).toBe('APPROVED');
      expect(state.decisions).toEqual([
        { decision: 'APPROVE', justification: null, channel: 'TEAMS', chatUserId: BOB.aadObjectId, approver: { email: 'bob@example.test' } },
      ]);
      expect(state.accessSession).toMatchObject({ approver: { email: 'bob@example.test' } });

      await copiesUpdated(copies);
      for (const copy of copies) {
        const update = lastUpdateOf(copy);
        expect(update.path).toBe(`/v3/conversations/${encodeURIComponent(copy.conversation)}/activities/${postedIdOf(copy)}`);
        expect(update.body.id).toBe(postedIdOf(copy));
        const card = cardOf(update);
        expect(textsOf(card)[0]).toBe('Access request: approved');
        expect(textsOf(card)).toContain('Approved by bob@example.test (teams)');
        expect(factsOf(card).Approvals).toBe('1 of 1');
        expect(submitsOf(card)).toEqual([]);
        expect(inputsOf(card)).toEqual([]);
        expect(openUrlsOf(card)).toHaveLength(1);
      }
      await teams.waitFor(() => toldAlice().length > told, WAIT_MS);
      expect(toldAlice().at(-1)!.body).toMatchObject({
        text: 'Your request for access to web-01 is approved. Approved by bob@example.test (teams)',
        textFormat: 'plain',
      });
    });

    it('a late click on the decided request is refused and changes nothing', async () => {
      const carolCopy = copies.find((copy) => copy.conversation === personal(CAROL))!;
      const updatesBefore = teams.updates().length;
      const { replies } = await click(CAROL, carolCopy, { ...button(carolCopy, 'Approve'), justification: '' });
      expect(lineOf(replies[0]!)).toMatch(/^Not decided: This request was already approved by bob@example\.test at .*\. Nothing changed\.$/);
      await sleep(300);
      expect((await approval(id)).decisions).toHaveLength(1);
      expect(teams.updates().length).toBe(updatesBefore);
    });

    it('`sudo …` by message files a sudo request whose card shows the command; a bad or impossible request is refused', async () => {
      const before = (await t.gql('query { approvals(first: 100) { nodes { id } } }', t.admin.token)).data!.approvals.nodes.length;
      expect(lineOf(await reply(ALICE, 'access web-01'))).toBe(
        'Usage: “access web-01,db-01 2h --reason "deploy the hotfix"” (add “--sudo” to ask for sudo too)',
      );
      expect(lineOf(await reply(ALICE, 'access web-01 2h'))).toMatch(/^A reason is required\. Usage: “access /);
      expect(lineOf(await reply(ALICE, 'sudo web-01 --reason "x"'))).toBe('Usage: “sudo web-01 systemctl restart nginx --reason "stuck worker"”');
      const unknownServer = lineOf(await reply(ALICE, 'access nope-99 1h --reason "x"'));
      expect(unknownServer).toMatch(/^Not requested: [A-Z].*nope-99/);
      expect(unknownServer).not.toContain('input.'); // the API's input path is for programs, not people
      expect((await t.gql('query { approvals(first: 100) { nodes { id } } }', t.admin.token)).data!.approvals.nodes).toHaveLength(before);

      const answer = await reply(ALICE, 'sudo web-01 systemctl restart nginx --reason "stuck worker"');
      expect(lineOf(answer)).toBe('Requested sudo “systemctl restart nginx” on web-01: waiting for 1 approval. I will tell you here what becomes of it.');
      const mine = await t.gql(
        `query($id: ID!) { approvals(first: 1, filter: { requesterId: $id, status: [PENDING] }) { nodes { id kind command } } }`,
        f.alice.token,
        { id: f.alice.id },
      );
      const [created] = mine.data!.approvals.nodes;
      expect(created).toMatchObject({ kind: 'SUDO', command: 'systemctl restart nginx' });
      await teams.waitFor(() => announcements(created.id).length >= 3, WAIT_MS);
      const sudoCopies = announcements(created.id);
      for (const copy of sudoCopies) {
        const card = cardOf(copy);
        expect(textsOf(card)[0]).toBe('Sudo request: pending');
        expect(factsOf(card)).toMatchObject({ Requester: 'alice@example.test', Servers: 'web-01 (env=prod)', Command: 'systemctl restart nginx' });
        expect(textsOf(card)).toEqual(expect.arrayContaining(['Reason', 'stuck worker']));
        expect(factsOf(card).Duration).toBeUndefined();
      }
      const told = toldAlice().length;
      const carolCopy = sudoCopies.find((copy) => copy.conversation === personal(CAROL))!;
      expect((await click(CAROL, carolCopy, { ...button(carolCopy, 'Approve'), justification: '' })).replies.map(lineOf)).toEqual([
        expect.stringMatching(/^You approved alice@example\.test’s sudo “systemctl restart nginx” on web-01\.$/),
      ]);
      expect(await approval(created.id)).toMatchObject({
        status: 'APPROVED',
        sudoAuthorization: { command: 'systemctl restart nginx' },
        decisions: [{ channel: 'TEAMS', chatUserId: CAROL.aadObjectId }],
      });
      await copiesUpdated(sudoCopies);
      for (const copy of sudoCopies) expect(textsOf(cardOf(lastUpdateOf(copy)))).toContain('Approved by carol@example.test (teams)');
      await teams.waitFor(() => toldAlice().length > told, WAIT_MS);
      expect(toldAlice().at(-1)!.body.text).toBe(
        'Your request for sudo “systemctl restart nginx” on web-01 is approved. Approved by carol@example.test (teams)',
      );
    });

    it('a decision through the API updates the Teams cards and tells alice', async () => {
      const { id: other, copies: others } = await requested('web-01');
      const told = toldAlice().length;
      const decided = await decideAs(t, f.carol, other, 'APPROVE');
      expect(decided.errors).toBeUndefined();
      await copiesUpdated(others);
      for (const copy of others) {
        const card = cardOf(lastUpdateOf(copy));
        expect(textsOf(card)).toContain('Approved by carol@example.test (api)');
        expect(submitsOf(card)).toEqual([]);
      }
      await teams.waitFor(() => toldAlice().length > told, WAIT_MS);
      expect(toldAlice().at(-1)!.body.text).toContain('Your request for access to web-01 is approved');
    });

    it('a decision in Slack (both bots on one Vigil) updates the Teams cards too', async () => {
      const { id: other, copies: others } = await requested('db-01');
      const slackPosted = () =>
        slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'C0APPROVERS' && json(call.args.blocks).includes(other));
      await slack.waitFor(() => slackPosted().length === 1, WAIT_MS);
      const answer = await postToSlackEndpoint(t.vigil.baseUrl, buttonClick('approval_approve', other, { teamId: 'T1', userId: 'UCAROL' }, slack.responseUrl), {
        secret: SLACK_SECRET,
      });
      expect(answer.status).toBe(200);
      await teams.waitFor(() => others.every((copy) => updatesOf(copy).length >= 1), WAIT_MS);
      expect((await approval(other)).decisions).toEqual([
        { decision: 'APPROVE', justification: null, channel: 'SLACK', chatUserId: 'UCAROL', approver: { email: 'carol@example.test' } },
      ]);
      for (const copy of others) {
        const card = cardOf(lastUpdateOf(copy));
        expect(textsOf(card)[0]).toBe('Access request: approved');
        expect(textsOf(card)).toContain('Approved by carol@example.test (slack)');
        expect(submitsOf(card)).toEqual([]);
      }
    });

    it('Deny without a justification is refused with a clear message; with one it is stored and shown', async () => {
      const { id: other, copies: others } = await requested('web-01');
      const channelCopy = others.find((copy) => copy.conversation === APPROVERS)!;
      // Clicked in the approver channel: what bob is told goes to his personal chat only.
      const empty = await click(BOB, channelCopy, { ...button(channelCopy, 'Deny'), justification: '   ' });
      expect(empty.replies).toEqual([]);
      expect(toPersonal(empty, BOB).map(lineOf)).toEqual(['Not decided: A denial needs a justification. Nothing changed.']);
      const missing = await click(BOB, channelCopy, button(channelCopy, 'Deny'));
      expect(toPersonal(missing, BOB).map(lineOf)).toEqual([expect.stringMatching(/A denial needs a justification/)]);
      await sleep(200);
      expect(await approval(other)).toMatchObject({ status: 'PENDING', decisions: [] });
      expect(others.flatMap(updatesOf)).toEqual([]);

      const told = toldAlice().length;
      const denied = await click(BOB, channelCopy, { ...button(channelCopy, 'Deny'), justification: 'not during the freeze' });
      expect(toPersonal(denied, BOB).map(lineOf)).toEqual([expect.stringMatching(/^You denied alice@example\.test’s access to /)]);
      const state = await approval(other);
      expect(state.status).toBe('DENIED');
      expect(state.decisions).toEqual([
        { decision: 'DENY', justification: 'not during the freeze', channel: 'TEAMS', chatUserId: BOB.aadObjectId, approver: { email: 'bob@example.test' } },
      ]);
      await copiesUpdated(others);
      for (const copy of others) {
        const card = cardOf(lastUpdateOf(copy));
        expect(textsOf(card)[0]).toBe('Access request: denied');
        expect(textsOf(card)).toContain('Denied by bob@example.test (teams): “not during the freeze”');
      }
      await teams.waitFor(() => toldAlice().length > told, WAIT_MS);
      expect(toldAlice().at(-1)!.body.text).toContain('Your request for access to web-01 is denied');
    });

    it('a cancellation and an expiry update the cards too', async () => {
      const cancelled = await requested('web-01');
      const result = await t.gql(`mutation($id: ID!, $reason: String) { cancelApproval(id: $id, reason: $reason) { status } }`, t.admin.token, {
        id: cancelled.id,
        reason: 'no longer needed',
      });
      expect(result.errors).toBeUndefined();
      await copiesUpdated(cancelled.copies);
      for (const copy of cancelled.copies) {
        const card = cardOf(lastUpdateOf(copy));
        expect(textsOf(card)).toContain(`Cancelled by ${t.admin.email}: “no longer needed”`);
        expect(submitsOf(card)).toEqual([]);
      }

      const expiring = await requested('db-01');
      advance(t, 61);
      expect((await sweep(t)).expiredRequests).toBeGreaterThanOrEqual(1);
      expect((await approval(expiring.id)).status).toBe('EXPIRED');
      await copiesUpdated(expiring.copies);
      for (const copy of expiring.copies) {
        const card = cardOf(lastUpdateOf(copy));
        expect(textsOf(card)[0]).toBe('Access request: expired');
        expect(textsOf(card).some((text) => /^Expired undecided at \{\{DATE\(\S+Z, SHORT\)\}\} \{\{TIME\(\S+Z\)\}\}$/.test(text))).toBe(true);
        expect(textsOf(card).some((text) => /^\*\*Decide by\*\* \{\{DATE\(/.test(text))).toBe(true);
        expect(submitsOf(card)).toEqual([]);
      }
      await teams.waitFor(() => toldAlice().some((call) => call.body.text.startsWith('Your request for access to db-01 is expired')), WAIT_MS);
    });

    it('an access request with sudo says so first on every card, in its summary and to the requester (issue 29)', async () => {
      const answer = await reply(ALICE, 'access web-01,db-01 2h --reason "rotate the certificates" --sudo');
      expect(lineOf(answer)).toBe(
        'Requested access to web-01, db-01 with sudo (any command, as root): waiting for 1 approval. I will tell you here what becomes of it.',
      );
      const mine = await t.gql(`query($id: ID!) { approvals(first: 1, filter: { requesterId: $id }) { nodes { id sudoScope } } }`, f.alice.token, {
        id: f.alice.id,
      });
      const [created] = mine.data!.approvals.nodes;
      expect(created.sudoScope).toBe('*');
      await teams.waitFor(() => announcements(created.id).length >= 3, WAIT_MS);
      for (const copy of announcements(created.id)) {
        const card = cardOf(copy);
        expect(textsOf(card).slice(0, 2)).toEqual(['Access request with sudo: pending', 'Approving also grants sudo: any command, as root, on web-01, db-01.']);
        expect(Object.keys(factsOf(card))[0]).toBe('Sudo');
        expect(factsOf(card)).toMatchObject({ Sudo: 'any command, as root, on every server below', Servers: 'web-01 (env=prod), db-01 (env=prod, role=db)' });
        expect(copy.body.summary).toBe('Access request with sudo by alice@example.test: access to web-01, db-01 with sudo (any command, as root) — pending');
      }
      const denied = await decideAs(t, f.bob, created.id, 'DENY', 'not with sudo');
      expect(denied.errors).toBeUndefined();
      await teams.waitFor(
        () => toldAlice().some((call) => call.body.text.startsWith('Your request for access to web-01, db-01 with sudo (any command, as root) is denied')),
        WAIT_MS,
      );
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('policies that limit deciding in chat', () => {
    let secret: string;
    const codeAt = (offsetMs = 0) =>
      new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: t.clock.now().getTime() + offsetMs });
    const wrongCode = () => {
      const valid = new Set([codeAt(-30_000), codeAt(), codeAt(30_000)]);
      for (let n = 0; ; n++) if (!valid.has(String(n).padStart(6, '0'))) return String(n).padStart(6, '0');
    };

    beforeAll(async () => {
      const started = await t.gql('mutation { startTotpEnrolment { secret otpauthUri } }', f.bob.token);
      expect(started.errors).toBeUndefined();
      secret = started.data!.startTotpEnrolment.secret;
      const confirmed = await t.gql('mutation($code: String!) { confirmTotpEnrolment(code: $code) }', f.bob.token, { code: codeAt() });
      expect(confirmed.data).toEqual({ confirmTotpEnrolment: true });
      advance(t, 1); // the confirming code's step is spent
    });

    it('STEP_UP: the card asks for the authenticator code; none or a wrong one is refused, a valid one decides', async () => {
      const answer = await reply(ALICE, 'access vault-01 30m --reason "rotate the keys"');
      expect(lineOf(answer)).toMatch(/^Requested access to vault-01: waiting for 1 approval/);
      const mine = await t.gql(
        `query($id: ID!) { approvals(first: 1, filter: { requesterId: $id, status: [PENDING] }) { nodes { id policyName } } }`,
        f.alice.token,
        { id: f.alice.id },
      );
      const [created] = mine.data!.approvals.nodes;
      expect(created.policyName).toBe('Vault step-up');
      const id = created.id as string;
      await teams.waitFor(() => announcements(id).length >= 3, WAIT_MS);
      const copies = announcements(id);
      for (const copy of copies) {
        const card = cardOf(copy);
        expect(inputsOf(card)).toEqual(['justification', 'totpCode']);
        expect(json(card)).toContain('Authenticator code');
        expect(submitsOf(card).map((action) => action.title)).toEqual(['Approve', 'Deny', 'Decide in a dialog']);
      }
      const bobCopy = copies.find((copy) => copy.conversation === personal(BOB))!;
      const approve = button(bobCopy, 'Approve');

      const none = await click(BOB, bobCopy, { ...approve, justification: '', totpCode: '' });
      expect(lineOf(none.replies[0]!)).toBe('Not decided: The policy Vault step-up asks for your authenticator code to decide in chat. Nothing changed.');
      const omitted = await click(BOB, bobCopy, approve);
      expect(lineOf(omitted.replies[0]!)).toMatch(/asks for your authenticator code/);
      const wrong = await click(BOB, bobCopy, { ...approve, justification: '', totpCode: wrongCode() });
      expect(lineOf(wrong.replies[0]!)).toBe('Not decided: The TOTP code is not valid. Nothing changed.');
      await sleep(200);
      expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });
      expect(copies.flatMap(updatesOf)).toEqual([]);

      const code = codeAt();
      const right = await click(BOB, bobCopy, { ...approve, justification: '', totpCode: `${code.slice(0, 3)} ${code.slice(3)}` });
      expect(right.replies.map(lineOf)).toEqual([expect.stringMatching(/^You approved alice@example\.test’s access to vault-01/)]);
      const state = await approval(id);
      expect(state.status).toBe('APPROVED');
      expect(state.decisions).toEqual([
        { decision: 'APPROVE', justification: null, channel: 'TEAMS', chatUserId: BOB.aadObjectId, approver: { email: 'bob@example.test' } },
      ]);
      await copiesUpdated(copies);
      for (const copy of copies) {
        const card = cardOf(lastUpdateOf(copy));
        expect(inputsOf(card)).toEqual([]);
        expect(textsOf(card)).toContain('Approved by bob@example.test (teams)');
      }
    });

    it('DISABLED: the card has no Approve/Deny (only a link to Vigil), and a forged submit changes nothing', async () => {
      const { id, copies } = await requested('locked-01');
      for (const copy of copies) {
        const card = cardOf(copy);
        expect(submitsOf(card)).toEqual([]);
        expect(inputsOf(card)).toEqual([]);
        expect(textsOf(card)).toContain('The policy Locked does not allow deciding this request in chat. Decide it in Vigil.');
        expect(openUrlsOf(card)).toEqual([{ title: 'Open in Vigil', url: APPROVAL_URL.replace('{id}', id) }]);
      }
      const bobCopy = copies.find((copy) => copy.conversation === personal(BOB))!;
      const forged = await click(BOB, bobCopy, { vigil: 'approve', approvalId: id, justification: '' });
      expect(lineOf(forged.replies[0]!)).toBe(
        'Not decided: The policy Locked does not allow deciding this request in chat: decide it in Vigil. Nothing changed.',
      );
      const forgedDeny = await click(BOB, bobCopy, { vigil: 'deny', approvalId: id, justification: 'forged' });
      expect(lineOf(forgedDeny.replies[0]!)).toMatch(/does not allow deciding this request in chat/);
      await sleep(200);
      expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });
      expect(copies.flatMap(updatesOf)).toEqual([]);
      // Decided in Vigil, the cards follow.
      expect((await decideAs(t, f.bob, id, 'APPROVE')).errors).toBeUndefined();
      await copiesUpdated(copies);
      for (const copy of copies) expect(textsOf(cardOf(lastUpdateOf(copy)))).toContain('Approved by bob@example.test (api)');
    });
  });

  describe('Universal Actions (Action.Execute)', () => {
    it('answer the clicker alone, in the invoke response: a refusal as one line, a decision with the card as it now stands; a refresh shows the current card', async () => {
      const { id, copies } = await requested('web-01');
      const channelCopy = copies.find((copy) => copy.conversation === APPROVERS)!;
      const execute = (user: TeamsUser, data: Record<string, unknown>) =>
        postInvoke(
          base,
          teamsExecute(teams, AAD_TENANT, user, { verb: String(data.vigil), data, replyToId: postedIdOf(channelCopy) }, { id: APPROVERS, type: 'channel' }),
        );
      // The card's buttons are Action.Execute, and it asks to be refreshed when shown.
      const card = cardOf(channelCopy);
      expect(
        walk(card)
          .filter((node) => node.type === 'Action.Execute')
          .map((node) => node.verb),
      ).toEqual(['approve', 'deny']);
      expect(card.refresh).toEqual({ action: { type: 'Action.Execute', verb: 'refresh', data: { vigil: 'refresh', approvalId: id } } });

      const before = teams.calls.length;
      const refused = await execute(DAVE, { vigil: 'approve', approvalId: id, justification: '' });
      expect(refused).toEqual({
        status: 200,
        body: {
          statusCode: 200,
          type: 'application/vnd.microsoft.activity.message',
          value: 'Not decided: Deciding requests requires the approvals.decide permission. Nothing changed.',
        },
      });
      // Nothing was said in any conversation: the channel never saw dave's refusal.
      expect(teams.calls.slice(before).filter((call) => call.method === 'POST')).toEqual([]);

      const refreshed = await execute(ERIN, { vigil: 'refresh', approvalId: id });
      expect(refreshed.body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(textsOf(refreshed.body.value)[0]).toBe('Access request: pending');

      const approved = await execute(BOB, { vigil: 'approve', approvalId: id, justification: '' });
      expect(approved.body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(textsOf(approved.body.value)[0]).toBe('Access request: approved');
      expect(submitsOf(approved.body.value)).toEqual([]);
      expect(await approval(id)).toMatchObject({ status: 'APPROVED', decisions: [expect.objectContaining({ channel: 'TEAMS', chatUserId: BOB.aadObjectId })] });
      // Every copy follows, as for any decision.
      await copiesUpdated(copies);
    });
  });

  describe('installing the app', () => {
    it('an approver who installs it but never writes is greeted, and gets the requests to decide in personal chat', async () => {
      const grace = await t.createUser(t.admin.tenantId, { email: 'grace@example.test', groups: ['sre'], permissions: ['approvals.decide'] });
      teams.members.set(GRACE.id, { aadObjectId: GRACE.aadObjectId, email: grace.email });
      const installed = { ...teamsMessage(teams, AAD_TENANT, GRACE, {}), type: 'installationUpdate', action: 'add' };
      const before = teams.sent(personal(GRACE)).length;
      expect(await postActivity(base, installed)).toBe(200);
      const hello = teams.sent(personal(GRACE)).slice(before);
      expect(hello.map(lineOf)).toEqual([expect.stringMatching(/^Hello grace@example\.test, I am Vigil’s bot\. Requests you may approve come here/)]);

      const response = await requestAccessAs(t, f.alice, { servers: ['web-01'], reason: 'grace will see it' });
      expect(response.errors).toBeUndefined();
      const id = response.data!.requestAccess.id as string;
      await teams.waitFor(() => announcements(id).some((copy) => copy.conversation === personal(GRACE)), WAIT_MS);
      // Someone the bot cannot tell apart from a stranger is told how to link, not greeted by name.
      const stranger = { ...teamsMessage(teams, AAD_TENANT, MALLORY, {}), type: 'installationUpdate', action: 'add' };
      const strangerBefore = teams.sent(personal(MALLORY)).length;
      expect(await postActivity(base, stranger)).toBe(200);
      expect(teams.sent(personal(MALLORY)).slice(strangerBefore).map(lineOf)).toEqual([
        expect.stringMatching(/^Hello, I am Vigil’s bot\. I do not know you in Vigil/),
      ]);
    });

    it('keeps where each person’s chat is in the verifiable log: saved once, audited, and a rewrite in the database is named', async () => {
      // grace writes twice more: her chat has not moved, so nothing more is saved.
      await message(GRACE, 'audit my-commands');
      await message(GRACE, 'help');
      const saved = await t.gql<any>(
        '{ auditLog(first: 10, filter: { action: ["chat_identity.conversation_saved"], keyword: "aad-grace" }) { nodes { actorId after } } }',
        t.admin.token,
      );
      expect(saved.data!.auditLog.nodes).toEqual([
        {
          actorId: 'teams-bot',
          after: { provider: 'teams', externalUserId: GRACE.aadObjectId, conversationId: personal(GRACE), serviceUrl: teams.serviceUrl },
        },
      ]);
      const integrity = '{ logIntegrity { isIntact faults { kind recordKind recordId } } }';
      expect((await t.gql<any>(integrity, t.admin.token)).data!.logIntegrity).toEqual({ isIntact: true, faults: [] });
      // Someone with the database sends grace's direct messages (and the bot's token) elsewhere.
      await t.vigil.log.whenIdle();
      await asIntruder(t.vigil.database.db, async (tx) => {
        await tx.execute(
          sql`update chat_identities set conversation = jsonb_set(conversation, '{serviceUrl}', '"https://evil.example/"') where provider = 'teams' and external_user_id = ${GRACE.aadObjectId}`,
        );
      });
      expect((await t.gql<any>(integrity, t.admin.token)).data!.logIntegrity.faults).toContainEqual({
        kind: 'RECORD_MODIFIED',
        recordKind: 'chat_identity',
        recordId: `teams:${GRACE.aadObjectId}`,
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('alerts through a TEAMS_BOT channel', () => {
  let t: TestVigil;
  let base: string;
  let server: TestServer;
  let regular: TestUser;

  beforeAll(async () => {
    // The alert evaluator runs every second on this Vigil, with the Teams bot as the sender.
    t = await startTestVigil({ env: { TEAMS_BOT_ENABLED: 'true', TEAMS_SERVICE_URL: teams.serviceUrl, VIGIL_ALERT_EVALUATION_SECONDS: '1' } });
    base = t.url.replace(/\/graphql$/, '');
    regular = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
    server = await addServer(t, t.admin.tenantId, 'web-01');
    teams.members.set(ALICE.id, { aadObjectId: ALICE.aadObjectId, email: regular.email });
    teams.members.set(ADMIN.id, { aadObjectId: ADMIN.aadObjectId, email: t.admin.email });
    await bindTeamsTenant(t, teams, base, AAD_TENANT, APPROVERS);
  });
  afterAll(async () => t?.close());

  it('posts the fired alert as a card with Acknowledge; a regular user is refused, an admin acknowledges and the card is updated', async () => {
    const channel = await t.gql(
      `mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id type settings } }`,
      t.admin.token,
      {
        input: { name: 'Ops in Teams', type: 'TEAMS_BOT', teamsBot: { conversation: ALERTS } },
      },
    );
    expect(channel.errors).toBeUndefined();
    expect(channel.data!.createNotificationChannel).toMatchObject({ type: 'TEAMS_BOT', settings: { conversation: ALERTS } });
    const rule = await t.gql(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id channelIds } }`, t.admin.token, {
      input: {
        name: 'Restart failed',
        condition: 'COMMAND_FAILED',
        commandPattern: 'systemctl restart *',
        severity: 'CRITICAL',
        channelIds: [channel.data!.createNotificationChannel.id],
      },
    });
    expect(rule.errors).toBeUndefined();
    const ruleId = rule.data!.createAlertRule.id as string;

    advance(t, 2);
    const ingested = await ingest(t, server.agentToken, [
      {
        eventId: 'teams-alert-cmd-1',
        kind: 'COMMAND',
        command: { shell: 'INTERNAL', line: 'systemctl restart nginx', status: 'FAILED', submittedAt: minutesAgo(t, 1), exitCode: 1 },
      },
    ]);
    expect(ingested.errors).toBeUndefined();

    /** Cards posted to the alert conversation by Vigil itself (not replies to a click there). */
    const alertPosts = () => teams.sent(ALERTS).filter((call) => !call.activityId?.startsWith('incoming-'));
    await teams.waitFor(() => alertPosts().length >= 1, WAIT_MS);
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
    // Proactive (botbuilder's continueConversationAsync), not a reply to anything Teams sent.
    expect(post.path.startsWith(`/v3/conversations/${encodeURIComponent(ALERTS)}/activities`)).toBe(true);
    expect(post.activityId ?? '').not.toMatch(/^incoming-/);
    const card = cardOf(post);
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(textsOf(card)[0]).toBe('Command failed: systemctl restart nginx');
    expect(textsOf(card).some((text) => text.startsWith('Severity critical'))).toBe(true);
    expect(submitsOf(card)).toEqual([
      { title: 'Acknowledge', data: { vigil: 'ack', alertId: fired.id } },
      { title: 'Resolve', data: { vigil: 'resolve', alertId: fired.id } },
    ]);

    const click = (user: TeamsUser, vigil: 'ack' | 'resolve') =>
      send(base, AAD_TENANT, user, { value: { vigil, alertId: fired.id }, replyToId: postedIdOf(post) }, { id: ALERTS, type: 'channel' });
    const ack = (user: TeamsUser) => click(user, 'ack');
    const updates = () => teams.updates().filter((call) => call.conversation === ALERTS && call.activityId === postedIdOf(post));

    // A user without monitoring.manage: refused, nothing changes.
    const refused = await ack(ALICE);
    expect(refused.replies).toHaveLength(1);
    expect(lineOf(refused.replies[0]!)).toMatch(/^Not acknowledged: /);
    // The same through Action.Execute: told to her alone, in the invoke's response.
    const executed = await postInvoke(
      base,
      teamsExecute(
        teams,
        AAD_TENANT,
        ALICE,
        { verb: 'ack', data: { vigil: 'ack', alertId: fired.id }, replyToId: postedIdOf(post) },
        { id: ALERTS, type: 'channel' },
      ),
    );
    expect(executed.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringMatching(/^Not acknowledged: /),
    });
    expect((await alerts())[0]).toMatchObject({ state: 'FIRED', acknowledgedAt: null });
    expect(updates()).toEqual([]);

    // The admin: acknowledged as them, the card updated in place with Resolve left.
    await ack(ADMIN);
    expect((await alerts())[0]).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedAt: expect.any(String) });
    await teams.waitFor(() => updates().length >= 1, WAIT_MS);
    const updated = cardOf(updates()[0]!);
    expect(textsOf(updated)[0]).toBe('Command failed: systemctl restart nginx');
    expect(textsOf(updated).some((text) => text.includes(`acknowledged by ${t.admin.email}`))).toBe(true);
    expect(submitsOf(updated)).toEqual([{ title: 'Resolve', data: { vigil: 'resolve', alertId: fired.id } }]);

    // Resolved from the card: every copy follows, with no button left.
    await click(ADMIN, 'resolve');
    expect((await alerts())[0]).toMatchObject({ state: 'RESOLVED' });
    await teams.waitFor(() => updates().length >= 2, WAIT_MS);
    const closed = cardOf(updates()[1]!);
    expect(textsOf(closed).some((text) => text.includes(`resolved by ${t.admin.email}`))).toBe(true);
    expect(submitsOf(closed)).toEqual([]);
    // Still one card for the one alert (the evaluator keeps running every second).
    await sleep(1500);
    expect(alertPosts()).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('with MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (Bot Framework JWTs required)', () => {
  let t: TestVigil;
  let base: string;

  beforeAll(async () => {
    t = await startTestVigil({
      env: { MICROSOFT_APP_ID: '3f2a1b4c-0000-4000-8000-00000000b07a', MICROSOFT_APP_PASSWORD: 'not-a-real-secret', TEAMS_SERVICE_URL: teams.serviceUrl },
    });
    base = t.url.replace(/\/graphql$/, '');
    const alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
    teams.members.set(ALICE.id, { aadObjectId: ALICE.aadObjectId, email: alice.email });
    // Proven before: posting the bind code would itself need a Bot Framework JWT, which no test can sign.
    await t.vigil.database.db.insert(chatWorkspaces).values({
      tenantId: t.admin.tenantId,
      provider: 'teams',
      externalId: AAD_TENANT,
      approverChannel: APPROVERS,
      verifiedAt: new Date(),
      verifiedBy: ALICE.aadObjectId,
    });
  });
  afterAll(async () => t?.close());

  /** An HS256 JWT with a foreign issuer: well formed, but no Bot Framework token. */
  function forgedJwt(): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iss: 'https://evil.example/', aud: '3f2a1b4c-0000-4000-8000-00000000b07a', serviceurl: teams.serviceUrl, iat: now, nbf: now, exp: now + 3600 })}`;
    return `${unsigned}.${createHmac('sha256', 'guess').update(unsigned).digest('base64url')}`;
  }

  it('refuses an unsigned request, a garbage bearer token and a forged JWT with 401, and calls no connector', async () => {
    const before = teams.calls.length;
    const activity = () => teamsMessage(teams, AAD_TENANT, ALICE, { text: 'audit help' });
    expect(await postActivity(base, activity())).toBe(401);
    expect(await postActivity(base, activity(), 'Bearer garbage')).toBe(401);
    expect(await postActivity(base, activity(), 'Basic YWxpY2U6c2VjcmV0')).toBe(401);
    expect(await postActivity(base, activity(), `Bearer ${forgedJwt()}`)).toBe(401);
    await sleep(300);
    expect(teams.calls.slice(before)).toEqual([]);
    // Nobody was linked by the refused requests.
    expect(await t.vigil.database.db.select().from(chatIdentities)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the cards against the Adaptive Cards schema they declare', () => {
  type Problem = { phase: string; event: string; message: string };

  /** Parses a card with the official package, targeting the version the card declares; every parse and validation event. */
  function check(card: Card): Problem[] {
    const problems: Problem[] = [];
    const declared = AC.Version.parse(card.version, new AC.SerializationContext());
    if (!declared?.isValid) return [{ phase: 'version', event: 'InvalidVersion', message: `declared version ${json(card.version)}` }];
    const context = new AC.SerializationContext(declared);
    const parsed = new AC.AdaptiveCard();
    parsed.parse(card, context);
    for (let index = 0; index < context.eventCount; index++) {
      const event = context.getEventAt(index);
      problems.push({ phase: AC.ValidationPhase[event.phase], event: AC.ValidationEvent[event.event], message: event.message });
    }
    for (const event of parsed.validateProperties().validationEvents) {
      problems.push({ phase: AC.ValidationPhase[event.phase], event: AC.ValidationEvent[event.event], message: event.message });
    }
    if (parsed.version?.toString() !== card.version)
      problems.push({ phase: 'version', event: 'VersionMismatch', message: `parsed as ${parsed.version?.toString()}` });
    // The package ignores properties it does not know (a misspelt "wrapp"): serialized back, they
    // are gone. A property missing from the round trip must be one the element's schema defines
    // (left out because it holds its default value).
    unknownProperties(card, parsed.toJSON(new AC.SerializationContext(declared)), '$', problems);
    return problems;
  }

  /** The property names the package's schema defines for a card object of this `type`. */
  function schemaNames(type: string): Set<string> | undefined {
    const registration =
      type === 'AdaptiveCard' ? { objectType: AC.AdaptiveCard } : (AC.GlobalRegistry.elements.findByName(type) ?? AC.GlobalRegistry.actions.findByName(type));
    if (!registration) return undefined;
    const schema = new registration.objectType().getSchema();
    const names = new Set<string>();
    for (let index = 0; index < schema.getCount(); index++) names.add(schema.getItemAt(index).name);
    return names;
  }

  /** Collections the containers parse themselves (not in their schemas); an empty one is left out. */
  const CONTAINED = new Set(['body', 'items', 'actions', 'columns']);

  function unknownProperties(original: unknown, back: unknown, path: string, problems: Problem[]): void {
    if (!original || typeof original !== 'object') return;
    if (Array.isArray(original)) {
      original.forEach((item, index) => unknownProperties(item, Array.isArray(back) ? back[index] : undefined, `${path}[${index}]`, problems));
      return;
    }
    const node = original as Record<string, unknown>;
    const other = (back && typeof back === 'object' ? back : {}) as Record<string, unknown>;
    const known = typeof node.type === 'string' ? schemaNames(node.type) : undefined;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && (node.type === 'Action.Submit' || node.type === 'Action.Execute')) continue; // free-form, returned as is
      if (key in other) unknownProperties(value, other[key], `${path}.${key}`, problems);
      else if (!known?.has(key) && !CONTAINED.has(key))
        problems.push({
          phase: 'RoundTrip',
          event: 'UnknownProperty',
          message: `${path}.${key} is not a property of ${typeof node.type === 'string' ? node.type : 'this object'}`,
        });
    }
  }

  const sentCards = () =>
    teams.calls
      .filter((call) => call.method === 'POST' || call.method === 'PUT')
      .flatMap((call) => ((call.body?.attachments ?? []) as { contentType: string; content: Card }[]).map((attachment) => ({ call, attachment })));

  it('the check finds errors in broken cards', () => {
    const ok: Card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'fine', wrap: true }] };
    expect(check(ok)).toEqual([]);
    // An element property of 1.6 in a 1.5 card.
    expect(check({ ...ok, body: [{ type: 'Input.Text', id: 'x', label: 'X', labelPosition: 'inline' }] })).toEqual([
      expect.objectContaining({ event: 'UnsupportedProperty', message: expect.stringContaining('labelPosition') }),
    ]);
    // An element of 1.5 in a 1.4 card, and one that does not exist.
    expect(check({ ...ok, version: '1.4', body: [{ type: 'Table', columns: [] }] })).toEqual([
      expect.objectContaining({ event: 'UnknownElementType', message: expect.stringContaining('Table') }),
    ]);
    expect(check({ ...ok, body: [{ type: 'TextBox', text: 'x' }] })).toEqual([expect.objectContaining({ event: 'UnknownElementType' })]);
    // A missing required property, a bad enum value, a duplicate input id, an unknown version.
    expect(check({ ...ok, actions: [{ type: 'Action.OpenUrl', title: 'Open' }] })).toEqual([
      expect.objectContaining({ event: 'PropertyCantBeNull', message: expect.stringContaining('url') }),
    ]);
    expect(check({ ...ok, body: [{ type: 'Container', style: 'loud', items: [] }] })).toEqual([expect.objectContaining({ event: 'InvalidPropertyValue' })]);
    expect(
      check({
        ...ok,
        body: [
          { type: 'Input.Text', id: 'a' },
          { type: 'Input.Text', id: 'a' },
        ],
      }),
    ).toEqual([expect.objectContaining({ event: 'DuplicateId' })]);
    expect(check({ ...ok, version: '1.9' })).toEqual([expect.objectContaining({ event: 'UnsupportedCardVersion' })]);
    // Properties the schema does not have (a misspelling, a Slack-ism); a default left out is fine.
    expect(
      check({
        ...ok,
        body: [{ type: 'TextBlock', text: 'x', wrapp: true }],
        actions: [{ type: 'Action.Submit', title: 'Go', stile: 'positive', data: { anything: 1 } }],
      }),
    ).toEqual([
      expect.objectContaining({ event: 'UnknownProperty', message: '$.body[0].wrapp is not a property of TextBlock' }),
      expect.objectContaining({ event: 'UnknownProperty', message: '$.actions[0].stile is not a property of Action.Submit' }),
    ]);
    expect(check({ ...ok, body: [{ type: 'TextBlock', text: 'x', spacing: 'Default', wrap: false }] })).toEqual([]);
  });

  it('every card the bot sent (lists, lines, approvals pending and decided, alerts) validates against version 1.5 with no errors or warnings', () => {
    const all = sentCards();
    expect(all.length).toBeGreaterThan(20);
    const kinds = new Set<string>();
    for (const { call, attachment } of all) {
      expect(attachment.contentType).toBe(ADAPTIVE);
      const card = attachment.content;
      expect(card.version).toBe('1.5');
      expect([call.method, call.path, check(card)]).toEqual([call.method, call.path, []]);
      const text = json(card);
      if (text.includes('"vigil":"more"')) kinds.add('list with More');
      else if (card.body?.[0]?.weight === 'Bolder' && card.body.some((element: Card) => element.type === 'Container' && element.separator)) kinds.add('list');
      else if (card.body?.length === 1 && card.body[0].type === 'TextBlock') kinds.add('line');
      if (text.includes('"vigil":"approve"')) kinds.add(text.includes('totpCode') ? 'approval step-up' : 'approval pending');
      if (text.includes('request: approved') && call.method === 'PUT') kinds.add('approval decided');
      if (text.includes('request: denied') && call.method === 'PUT') kinds.add('approval denied');
      if (text.includes('does not allow deciding')) kinds.add('approval chat disabled');
      if (text.includes('"vigil":"ack"')) kinds.add('alert');
      if (text.includes('acknowledged by')) kinds.add('alert acknowledged');
      if (text.includes('resolved by')) kinds.add('alert resolved');
    }
    expect([...kinds].sort()).toEqual(
      [
        'alert',
        'alert acknowledged',
        'alert resolved',
        'approval chat disabled',
        'approval decided',
        'approval denied',
        'approval pending',
        'approval step-up',
        'line',
        'list',
        'list with More',
      ].sort(),
    );
  });
});
