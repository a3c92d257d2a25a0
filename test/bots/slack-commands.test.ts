/**
 * The Slack bot's slash commands over real HTTP, signed as Slack signs them: `/audit` lists answer
 * as the mapped Vigil user (only their rows, with the filters they typed), unsigned or stale
 * requests never reach a handler, unknown people and workspaces are told what to do in one line,
 * linking by a one-time code, the "More" button, `/access` and `/sudo` filing requests as the
 * mapped user, and the app manifest matching what the code serves at /slack/events.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ManualClock } from '../../server/clock.js';
import { buttonClick, postToSlackEndpoint, slashCommand, startFakeSlack, viewSubmission, type FakeSlack } from '../support/fake-slack.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { buildRecordsFixture, reportCommands, type CommandFact, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests-0123456789';
const TEAM = 'T1';

// Slack users (ids) and what Slack says about them (users.info).
const U = {
  alice: 'UALICE',
  aliceUnconfirmed: 'UALICEUNCONF',
  aliceUnsaid: 'UALICEUNSAID',
  bob: 'UBOB',
  carol: 'UCAROL',
  admin: 'UADMIN',
  eve: 'UEVE',
  dave: 'UDAVE',
  daveSecond: 'UDAVESECOND',
  daveThird: 'UDAVETHIRD',
  mallory: 'UMALLORY',
} as const;

let t: TestVigil;
let f: RecordsFixture;
let slack: FakeSlack;
let base: string;
/** Every `app.command(name, …)` the bot registered while Vigil started. */
const registeredCommands: string[] = [];

// ---------------------------------------------------------------------------------------------
// The commands on record (distinctive lines; minutes before the test clock's now at ingestion).
// ---------------------------------------------------------------------------------------------

const ALICE: CommandFact[] = [
  { line: 'echo alice-web-ok-1', server: 'web', status: 'SUCCESS', minutes: 5 },
  { line: 'echo alice-web-fail-2', server: 'web', status: 'FAILED', minutes: 10 },
  { line: 'echo alice-db-ok-3', server: 'db', status: 'SUCCESS', minutes: 15 },
  { line: 'echo alice-db-fail-4', server: 'db', status: 'FAILED', minutes: 20 },
  { line: 'echo alice-web-ok-5', server: 'web', status: 'SUCCESS', minutes: 30 },
  { line: 'echo alice-db-ok-6', server: 'db', status: 'SUCCESS', minutes: 45 },
  { line: 'echo alice-web-old-fail-7', server: 'web', status: 'FAILED', minutes: 180 },
  { line: 'echo alice-db-old-8', server: 'db', status: 'SUCCESS', minutes: 2 * 24 * 60 },
];
const BOB: CommandFact[] = [
  { line: 'echo bob-web-ok-1', server: 'web', status: 'SUCCESS', minutes: 7 },
  { line: 'echo bob-db-fail-2', server: 'db', status: 'FAILED', minutes: 12 },
  { line: 'echo bob-web-fail-3', server: 'web', status: 'FAILED', minutes: 25 },
  { line: 'echo bob-db-old-4', server: 'db', status: 'SUCCESS', minutes: 200 },
];
const ADMIN: CommandFact[] = [{ line: 'echo admin-web-ok-1', server: 'web', status: 'SUCCESS', minutes: 8 }];
const DAVE: CommandFact[] = [{ line: 'echo dave-db-ok-1', server: 'db', status: 'SUCCESS', minutes: 9 }];
/** Ingested by the paging test: alice then has 15 commands, 11 of them on web-01. */
const ALICE_MORE: CommandFact[] = Array.from({ length: 7 }, (_, index) => ({
  line: `echo alice-page-${index + 1}`,
  server: 'web' as const,
  status: 'SUCCESS' as const,
  minutes: 61 + index * 10,
}));

const lines = (facts: readonly CommandFact[]) => facts.map((fact) => fact.line);
const sorted = (values: readonly string[]) => [...values].sort();
const allLines = () => [...ALICE, ...ALICE_MORE, ...BOB, ...ADMIN, ...DAVE].map((fact) => fact.line);

const ingestCommands = (email: string, facts: readonly CommandFact[]) => reportCommands(t, f, email, facts);

// ---------------------------------------------------------------------------------------------
// Talking to Vigil as Slack does, and reading its answers.
// ---------------------------------------------------------------------------------------------

async function slash(command: string, text: string, userId: string, teamId = TEAM): Promise<any> {
  const response = await postToSlackEndpoint(base, slashCommand(command, text, { teamId, userId }, slack.responseUrl), { secret: SECRET });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ response_type: 'ephemeral' });
  return response.body;
}
const audit = (text: string, userId: string, teamId = TEAM) => slash('/audit', text, userId, teamId);

/** A one-line answer: a single section, no list heading, no rows, no buttons; its text. */
function oneLine(body: any): string {
  expect(body.blocks).toHaveLength(1);
  expect(body.blocks[0].type).toBe('section');
  expect(body.blocks[0].text.text).toBe(body.text);
  expect(String(body.text)).not.toContain('\n');
  return body.text;
}

/** A list answer: its heading and the row titles (command lines, …). */
function listOf(body: any): { heading: string; titles: string[]; facts: string[]; more: string | null } {
  expect(body.blocks[0]?.type).toBe('header');
  const blocks = body.blocks.slice(1);
  const titles: string[] = [];
  const facts: string[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.type !== 'section' || block.text.text === '_Nothing matches._') continue;
    // A row: its title as typed (plain text), then its facts in a context line.
    expect(block.text.type, `a row's title is plain text: ${block.text.text}`).toBe('plain_text');
    const context = blocks[index + 1];
    expect(context?.type).toBe('context');
    titles.push(block.text.text);
    facts.push(context.elements.map((element: { text: string }) => element.text).join(' '));
  }
  const button = body.blocks
    .flatMap((block: any) => (block.type === 'actions' ? block.elements : []))
    .find((element: any) => element.action_id === 'audit_more');
  return { heading: body.blocks[0].text.text, titles, facts, more: button ? button.value : null };
}

/** Clicks "More" as `userId`; the next page, as posted to the response_url. */
async function clickMore(value: string, userId: string): Promise<any> {
  const before = slack.callsOf('response_url').length;
  const click = await postToSlackEndpoint(base, buttonClick('audit_more', value, { teamId: TEAM, userId }, slack.responseUrl), { secret: SECRET });
  expect(click.status).toBe(200);
  await slack.waitFor((calls) => calls.filter((call) => call.method === 'response_url').length > before);
  const posts = slack.callsOf('response_url');
  expect(posts).toHaveLength(before + 1);
  return posts[before]!.args;
}

/** Every row title of a list, following "More" to the end (at most 10 pages). */
async function allTitles(first: any, userId: string): Promise<string[]> {
  let page = listOf(first);
  const titles = [...page.titles];
  for (let pages = 1; page.more; pages += 1) {
    expect(pages).toBeLessThan(10);
    page = listOf(await clickMore(page.more, userId));
    titles.push(...page.titles);
  }
  return titles;
}

const usersInfoFor = (userId: string) => slack.callsOf('users.info').filter((call) => call.args.user === userId);

const APPROVALS = '{ approvals(first: 200) { nodes { kind status reason command durationMinutes requester { email } servers { name } } } }';
async function approvalsAsAdmin(): Promise<any[]> {
  const response = await t.gql<any>(APPROVALS, t.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.approvals.nodes;
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  // Record what the bot registers (same @slack/bolt module instance as the in-process Vigil's).
  const original = App.prototype.command;
  vi.spyOn(App.prototype, 'command').mockImplementation(function (this: App, ...args: any[]) {
    registeredCommands.push(String(args[0]));
    return (original as any).apply(this, args);
  } as any);
  slack = await startFakeSlack();
  t = await startTestVigil({ env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl } });
  vi.restoreAllMocks();
  base = t.url.replace(/\/graphql$/, '');
  f = await buildRecordsFixture(t);

  await bindSlackWorkspace(t, { slack, base, secret: SECRET }, TEAM, 'C0APPROVERS');
  const bound = await t.gql<any>('{ chatWorkspaces { provider externalId approverChannel verified } }', t.admin.token);
  expect(bound.data!.chatWorkspaces).toEqual([{ provider: 'SLACK', externalId: 'T1', approverChannel: 'C0APPROVERS', verified: true }]);

  slack.users.set(U.alice, { email: f.alice.email, isEmailConfirmed: true });
  slack.users.set(U.aliceUnconfirmed, { email: f.alice.email, isEmailConfirmed: false });
  slack.users.set(U.aliceUnsaid, { email: f.alice.email, isEmailConfirmed: null });
  slack.users.set(U.bob, { email: f.bob.email, isEmailConfirmed: true });
  slack.users.set(U.carol, { email: f.carol.email, isEmailConfirmed: true });
  // Slack reports addresses as typed; the bot matches them case-insensitively.
  slack.users.set(U.admin, { email: t.admin.email.toUpperCase(), isEmailConfirmed: true });
  slack.users.set(U.eve, { email: 'eve@nowhere.test', isEmailConfirmed: true });
  slack.users.set(U.dave, { email: 'dave.home@personal.example', isEmailConfirmed: true });
  slack.users.set(U.daveSecond, { email: 'dave.second@personal.example', isEmailConfirmed: true });
  slack.users.set(U.daveThird, { email: 'dave.third@personal.example', isEmailConfirmed: true });
  slack.users.set(U.mallory, { email: 'mallory@personal.example', isEmailConfirmed: true });

  await ingestCommands(f.alice.email, ALICE);
  await ingestCommands(f.bob.email, BOB);
  await ingestCommands(t.admin.email, ADMIN);
  await ingestCommands(f.dave.email, DAVE);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await slack?.close();
});

describe('/audit my-commands, signed like Slack', () => {
  it("answers alice's Slack user with alice's commands only", async () => {
    const body = await audit('my-commands', U.alice);
    const list = listOf(body);
    expect(list.heading).toBe('Your commands');
    // Newest first, exactly hers (8 rows: one page, no More button).
    expect(list.titles).toEqual(lines([...ALICE].sort((a, b) => a.minutes - b.minutes)));
    for (const line of lines(BOB)) expect(JSON.stringify(body)).not.toContain(line);
    expect(JSON.stringify(body)).not.toContain('bob@example.test');
    expect(list.more).toBeNull();
    // Rows say where, how and who.
    const first = list.facts[list.titles.indexOf('echo alice-web-fail-2')]!;
    expect(first).toContain('FAILED');
    expect(first).toContain('web-01');
    expect(first).toContain('exit 1');
    expect(first).toContain(f.alice.email);
    // When, in each reader's own time zone: Slack's date token, its fallback the UTC time.
    expect(first).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\dT[\d:.]+Z>/);
    expect(body.text).toBe('Your commands: 8 shown');
    // Alice was mapped by the email Slack confirmed.
    expect(usersInfoFor(U.alice).length).toBeGreaterThanOrEqual(1);
  });

  it('--server db-01 narrows to that server', async () => {
    const list = listOf(await audit('my-commands --server db-01', U.alice));
    expect(sorted(list.titles)).toEqual(sorted(lines(ALICE.filter((fact) => fact.server === 'db'))));
    expect(list.facts.every((facts) => facts.includes('db-01') && !facts.includes('web-01'))).toBe(true);
  });

  it('--status failed narrows to failed ones', async () => {
    const list = listOf(await audit('my-commands --status failed', U.alice));
    expect(sorted(list.titles)).toEqual(sorted(lines(ALICE.filter((fact) => fact.status === 'FAILED'))));
    expect(list.facts.every((facts) => facts.startsWith('FAILED'))).toBe(true);
  });

  it('--since 1h leaves out older ones, and filters combine', async () => {
    const recent = ALICE.filter((fact) => fact.minutes < 60);
    expect(sorted(listOf(await audit('my-commands --since 1h', U.alice)).titles)).toEqual(sorted(lines(recent)));
    expect(sorted(listOf(await audit('my-commands --since 1h --server web-01 --status failed', U.alice)).titles)).toEqual(['echo alice-web-fail-2']);
    // The --opt=value form too.
    expect(sorted(listOf(await audit('my-commands --since=1h --server=db-01', U.alice)).titles)).toEqual(
      sorted(lines(recent.filter((fact) => fact.server === 'db'))),
    );
  });

  it('a bad signature is refused with 401 before any handler', async () => {
    const form = slashCommand('/audit', 'my-commands', { teamId: TEAM, userId: U.carol }, slack.responseUrl);
    const wrongSecret = await postToSlackEndpoint(base, form, { secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body ?? '').toBe('');
    const forged = await postToSlackEndpoint(base, form, { secret: SECRET, signature: `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    expect(forged.body ?? '').toBe('');
    // The body differs from what was signed (the text changed on the way).
    const signedTimestamp = Math.floor(Date.now() / 1000);
    const signedFor = new URLSearchParams({ ...form, text: 'help' }).toString();
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${signedTimestamp}:${signedFor}`).digest('hex')}`;
    const tampered = await postToSlackEndpoint(base, form, { secret: SECRET, timestamp: signedTimestamp, signature });
    expect(tampered.status).toBe(401);
    expect(tampered.body ?? '').toBe('');
    expect(usersInfoFor(U.carol)).toEqual([]);
  });

  it('a stale timestamp (10 minutes old, correctly signed) is refused with 401 before any handler', async () => {
    const form = slashCommand('/audit', 'my-commands', { teamId: TEAM, userId: U.carol }, slack.responseUrl);
    const stale = await postToSlackEndpoint(base, form, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(stale.body ?? '').toBe('');
    expect(usersInfoFor(U.carol)).toEqual([]);
    // The control: the same request, a minute old, is answered (so the handler would have run).
    const fresh = await postToSlackEndpoint(base, form, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 60 });
    expect(fresh.status).toBe(200);
    expect(listOf(fresh.body).heading).toBe('Your commands');
    expect(usersInfoFor(U.carol)).toHaveLength(1);
  });

  it('a timestamp more than 5 minutes ahead (correctly signed) is refused with 401 too; 4 minutes ahead is served', async () => {
    const form = slashCommand('/audit', 'my-commands', { teamId: TEAM, userId: U.alice }, slack.responseUrl);
    const ahead = await postToSlackEndpoint(base, form, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(ahead.status).toBe(401);
    expect(ahead.body ?? '').toBe('');
    const within = await postToSlackEndpoint(base, form, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(within.status).toBe(200);
    expect(listOf(within.body).heading).toBe('Your commands');
  });

  it('a retried delivery (x-slack-retry-num) is answered and acts on nothing', async () => {
    const countRequests = async () => (await t.gql<any>('{ approvals(first: 100) { nodes { id } } }', t.admin.token)).data!.approvals.nodes.length;
    const before = await countRequests();
    const form = slashCommand('/access', 'web-01 30m --reason "retried delivery"', { teamId: TEAM, userId: U.alice }, slack.responseUrl);
    const retried = await postToSlackEndpoint(base, form, { secret: SECRET, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retried.status).toBe(200);
    expect(retried.body ?? '').toBe('');
    expect(await countRequests()).toBe(before);
  });

  it('a signed request no handler serves is answered 200 at once, not 404 after Slack gave up: unknown commands, actions, link buttons and modals', async () => {
    const who = { teamId: TEAM, userId: U.alice };
    const answers = [
      await postToSlackEndpoint(base, slashCommand('/nope', 'anything', who, slack.responseUrl), { secret: SECRET }),
      await postToSlackEndpoint(base, buttonClick('who_knows', 'x', who, slack.responseUrl), { secret: SECRET }),
      await postToSlackEndpoint(base, buttonClick('open_2', '', who, slack.responseUrl), { secret: SECRET }),
      await postToSlackEndpoint(base, viewSubmission('not_a_vigil_modal', '', {}, who), { secret: SECRET }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((answer) => answer.body ?? '')).toEqual(['', '', '', '']);
  });
});

describe('one clear line when the answer is not a list', () => {
  const expectNoData = (body: any) => {
    const text = JSON.stringify(body);
    for (const line of allLines()) expect(text).not.toContain(line);
    expect(body.blocks.some((block: any) => block.type === 'header' || block.type === 'actions')).toBe(false);
  };

  it('a Slack user whose email is no Vigil user’s is told how to link', async () => {
    const body = await audit('my-commands', U.eve);
    const text = oneLine(body);
    expect(text).toMatch(/do not know you in Vigil/);
    // Told what a person can do, not a GraphQL mutation to run.
    expect(text).toContain('Ask a Vigil admin for a link code for you');
    expect(text).not.toContain('createChatLinkCode');
    expect(text).toContain('/audit link CODE');
    expectNoData(body);
    expect(usersInfoFor(U.eve)).toHaveLength(1);
  });

  it('a Slack user whose email is a Vigil user’s but not confirmed by Slack is not mapped', async () => {
    const body = await audit('my-commands', U.aliceUnconfirmed);
    expect(oneLine(body)).toContain('/audit link CODE');
    expectNoData(body);
    // Nor one whose profile does not say (is_email_confirmed left out): unconfirmed until Slack says so.
    const unsaid = await audit('my-commands', U.aliceUnsaid);
    expect(oneLine(unsaid)).toContain('/audit link CODE');
    expectNoData(unsaid);
    // Nor is an unknown Slack account (users.info fails).
    const unknown = await audit('my-commands', 'UNOBODY');
    expect(oneLine(unknown)).toContain('/audit link CODE');
    expectNoData(unknown);
  });

  it('a subcommand the caller may not use says so', async () => {
    const body = await audit('activity', U.alice);
    const text = oneLine(body);
    expect(text).toMatch(/may not/);
    expect(text).toContain('activity');
    expectNoData(body);
    // The control: an admin may.
    expect(listOf(await audit('activity', U.admin)).heading).toBe('Workspace activity');
  });

  it.each([
    ['my-commands --since yesterday', /--since takes a duration such as 24h.*not `yesterday`/],
    ['my-commands --status maybe', /--status for `my-commands` is one of .*failed.*not `maybe`/],
    ['my-commands --bogus 1', /Unknown option --bogus/],
    ['my-commands --user bob@example.test', /`my-commands` lists your own records/],
    ['my-commands --server', /--server needs a value/],
    ['my-commands web-01', /Unexpected `web-01`/],
    ['my-commands --server nosuch-01', /No server named `nosuch-01`/],
    ['frobnicate', /Unknown subcommand `frobnicate`/],
  ])('`/audit %s` gets a clear message and no list', async (text, message) => {
    const body = await audit(text, U.alice);
    expect(oneLine(body)).toMatch(message);
    expectNoData(body);
  });

  it('`/audit help` lists the subcommands', async () => {
    const body = await audit('help', U.alice);
    expect(body.text).toContain('my-commands');
    expect(body.text).toContain('link CODE');
    expect(body.text).toContain('/access');
    expectNoData(body);
    expect((await audit('', U.alice)).text).toBe(body.text);
  });
});

describe('a workspace not bound to any tenant', () => {
  it('is refused with "not connected", and no Vigil data', async () => {
    slack.users.set('UALICEELSEWHERE', { email: f.alice.email, isEmailConfirmed: true });
    for (const [command, text] of [
      ['/audit', 'my-commands'],
      ['/audit', 'commands'],
      ['/access', 'web-01 2h --reason "from elsewhere"'],
      ['/sudo', 'web-01 id --reason "from elsewhere"'],
    ] as const) {
      const body = await slash(command, text, 'UALICEELSEWHERE', 'T999');
      expect(oneLine(body)).toMatch(/not connected to Vigil/);
      const answer = JSON.stringify(body);
      for (const line of allLines()) expect(answer).not.toContain(line);
      expect(answer).not.toContain('alice@example.test');
    }
    // A button click from there too (the More button of an answer that can only be stale or forged).
    const before = slack.callsOf('response_url').length;
    const click = await postToSlackEndpoint(
      base,
      buttonClick(
        'audit_more',
        JSON.stringify({ subcommand: 'my-commands', filters: {}, after: null }),
        { teamId: 'T999', userId: 'UALICEELSEWHERE' },
        slack.responseUrl,
      ),
      { secret: SECRET },
    );
    expect(click.status).toBe(200);
    await slack.waitFor((calls) => calls.filter((call) => call.method === 'response_url').length > before);
    const posted = slack.callsOf('response_url')[before]!.args;
    expect(oneLine(posted)).toMatch(/not connected to Vigil/);
    for (const line of allLines()) expect(JSON.stringify(posted)).not.toContain(line);
    // Nobody was looked up, and nothing was requested.
    expect(usersInfoFor('UALICEELSEWHERE')).toEqual([]);
    expect((await approvalsAsAdmin()).filter((approval) => approval.reason === 'from elsewhere')).toEqual([]);
  });
});

describe('linking a Slack account with a one-time code', () => {
  const newCode = async () => {
    const response = await t.gql<any>('mutation { createChatLinkCode { code expiresAt } }', f.dave.token);
    expect(response.errors).toBeUndefined();
    return response.data!.createChatLinkCode.code as string;
  };

  it('maps dave, whose Slack email differs, once he sends his code', async () => {
    expect(oneLine(await audit('my-commands', U.dave))).toContain('/audit link CODE');
    const code = await newCode();
    expect(oneLine(await audit(`link ${code}`, U.dave))).toBe(`Linked: you are ${f.dave.email} in Vigil.`);
    const list = listOf(await audit('my-commands', U.dave));
    expect(list.titles).toEqual(lines(DAVE));
    // Used once: neither dave again nor anyone else can use it.
    expect(oneLine(await audit(`link ${code}`, U.mallory))).toMatch(/unknown, used or expired/);
    expect(oneLine(await audit('my-commands', U.mallory))).toContain('/audit link CODE');
    expect(oneLine(await audit(`link ${code}`, U.dave))).toMatch(/unknown, used or expired/);
    // A code nobody made.
    expect(oneLine(await audit('link ABCD-EFGH', U.mallory))).toMatch(/unknown, used or expired/);
    expect(oneLine(await audit('link', U.mallory))).toMatch(/Usage: `link CODE`/);
  });

  it('refuses a code older than 10 minutes (and takes one of 9)', async () => {
    const clock = t.clock as ManualClock;
    const youngCode = await newCode();
    const oldCode = await newCode();
    clock.advance(9 * 60_000);
    // Typed as read off the screen: lower case, without the dash, is the same code.
    expect(oneLine(await audit(`link ${youngCode.toLowerCase().replace('-', '')}`, U.daveSecond))).toBe(`Linked: you are ${f.dave.email} in Vigil.`);
    clock.advance(2 * 60_000);
    expect(oneLine(await audit(`link ${oldCode}`, U.daveThird))).toMatch(/unknown, used or expired/);
    expect(oneLine(await audit('my-commands', U.daveThird))).toContain('/audit link CODE');
  });
});

describe('a link code an admin made', () => {
  it('links the person it was made for; only an admin may make one for someone else, and the audit log names both', async () => {
    const made = await t.gql<any>(`mutation($userId: ID) { createChatLinkCode(userId: $userId) { code } }`, t.admin.token, { userId: f.carol.id });
    expect(made.errors).toBeUndefined();
    slack.users.set('UCAROLHOME', { email: 'carol@home.example' });
    expect(oneLine(await audit(`link ${made.data!.createChatLinkCode.code}`, 'UCAROLHOME'))).toBe(`Linked: you are ${f.carol.email} in Vigil.`);
    const forbidden = await t.gql<any>(`mutation($userId: ID) { createChatLinkCode(userId: $userId) { code } }`, f.bob.token, { userId: f.carol.id });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await t.gql<any>(`mutation($userId: ID) { createChatLinkCode(userId: $userId) { code } }`, t.admin.token, {
      userId: '01a24919-9c23-70ce-a038-05981261a96d',
    });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const audited = await t.gql<any>(
      '{ auditLog(first: 5, filter: { action: ["chat.link_code_created"] }) { nodes { actorEmail resourceId after } } }',
      t.admin.token,
    );
    expect(audited.data!.auditLog.nodes[0]).toMatchObject({ actorEmail: t.admin.email, resourceId: f.carol.id, after: { isForSelf: false } });
  });
});

describe('one code, two Slack accounts at once', () => {
  it('links exactly one of them', async () => {
    const response = await t.gql<any>('mutation { createChatLinkCode { code } }', f.bob.token);
    expect(response.errors).toBeUndefined();
    const code = response.data!.createChatLinkCode.code as string;
    slack.users.set('URACE1', { email: 'race1@personal.example' });
    slack.users.set('URACE2', { email: 'race2@personal.example' });
    const answers = await Promise.all(['URACE1', 'URACE2'].map((userId) => audit(`link ${code}`, userId)));
    const texts = answers.map(oneLine);
    expect(texts.filter((text) => text === `Linked: you are ${f.bob.email} in Vigil.`)).toHaveLength(1);
    expect(texts.filter((text) => /unknown, used or expired/.test(text))).toHaveLength(1);
    const mapped = await Promise.all(['URACE1', 'URACE2'].map(async (userId) => JSON.stringify(await audit('my-commands', userId)).includes('Your commands')));
    expect(mapped.filter(Boolean)).toHaveLength(1);
  });
});

describe('paging with the More button', () => {
  it('shows 10 rows and a More button whose click posts the rest to the response_url', async () => {
    await ingestCommands(f.alice.email, ALICE_MORE);
    const first = await audit('my-commands', U.alice);
    const page1 = listOf(first);
    expect(page1.titles).toHaveLength(10);
    expect(page1.more).not.toBeNull();
    expect(first.text).toBe('Your commands: 10 shown, more available');
    expect(JSON.parse(page1.more!)).toMatchObject({ subcommand: 'my-commands' });
    const posted = await clickMore(page1.more!, U.alice);
    expect(posted).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const page2 = listOf(posted);
    expect(page2.titles).toHaveLength(5);
    expect(page2.more).toBeNull();
    const everything = [...page1.titles, ...page2.titles];
    expect(new Set(everything).size).toBe(everything.length);
    expect(sorted(everything)).toEqual(sorted(lines([...ALICE, ...ALICE_MORE])));
    for (const line of lines(BOB)) expect(everything).not.toContain(line);
  });

  it('the next page keeps the filters', async () => {
    const webOnes = [...ALICE, ...ALICE_MORE].filter((fact) => fact.server === 'web');
    expect(webOnes).toHaveLength(11);
    const titles = await allTitles(await audit('my-commands --server web-01', U.alice), U.alice);
    expect(titles).toHaveLength(11);
    expect(sorted(titles)).toEqual(sorted(lines(webOnes)));
  });

  it('an unreadable More value is answered with a line, not a list', async () => {
    const posted = await clickMore('not json', U.alice);
    expect(oneLine(posted)).toMatch(/out of date/);
  });

  it('a More value naming another list still runs as the clicking person, under the API’s rules', async () => {
    const more = (state: Record<string, unknown>) => clickMore(JSON.stringify({ filters: {}, after: null, ...state }), U.alice);
    expect(oneLine(await more({ subcommand: 'activity' }))).toMatch(/may not/);
    const bobs = await more({ subcommand: 'commands', filters: { userId: f.bob.id } });
    expect(oneLine(bobs)).toMatch(/^You can list only your own commands/);
    const everyones = listOf(await more({ subcommand: 'commands' }));
    expect(everyones.titles.length).toBeGreaterThan(0);
    expect(everyones.titles.every((title) => title.includes('alice-'))).toBe(true);
  });

  it('a More value that is JSON but no list state is answered as out of date', async () => {
    // Slack only sends back values Vigil put on a button, but one left from an older Vigil may name
    // a list that no longer exists: the click must still get an answer, not silence.
    for (const value of [JSON.stringify({ subcommand: 'my-logs', filters: {}, after: null }), 'null']) {
      const before = slack.callsOf('response_url').length;
      const click = await postToSlackEndpoint(base, buttonClick('audit_more', value, { teamId: TEAM, userId: U.alice }, slack.responseUrl), { secret: SECRET });
      expect(click.status).toBe(200);
      await slack.waitFor((calls) => calls.filter((call) => call.method === 'response_url').length > before, 1500).catch(() => undefined);
      const posted = slack.callsOf('response_url').slice(before);
      expect(posted, `an answer to the More click with value ${value}`).toHaveLength(1);
      expect(oneLine(posted[0]!.args)).toMatch(/out of date/);
    }
  });
});

describe('/audit commands follows the API’s scoping', () => {
  it('an admin sees everyone’s commands', async () => {
    const titles = await allTitles(await audit('commands', U.admin), U.admin);
    expect(new Set(titles).size).toBe(titles.length);
    expect(sorted(titles)).toEqual(sorted(allLines()));
    const bobs = await allTitles(await audit(`commands --user ${f.bob.email}`, U.admin), U.admin);
    expect(sorted(bobs)).toEqual(sorted(lines(BOB)));
  });

  it('alice sees only hers', async () => {
    const titles = await allTitles(await audit('commands', U.alice), U.alice);
    expect(sorted(titles)).toEqual(sorted(lines([...ALICE, ...ALICE_MORE])));
    // Asking for bob's gives nothing of bob's, and says why rather than "0 shown" (issue 29).
    const body = await audit(`commands --user ${f.bob.email}`, U.alice);
    for (const line of lines(BOB)) expect(JSON.stringify(body)).not.toContain(line);
    expect(oneLine(body)).toBe('You can list only your own commands: --user with someone else needs the admin role.');
    // Naming herself is fine.
    expect(sorted(await allTitles(await audit(`commands --user ${f.alice.email}`, U.alice), U.alice))).toEqual(sorted(lines([...ALICE, ...ALICE_MORE])));
  });

  it('carol (session recordings only) sees no commands', async () => {
    const body = await audit('commands', U.carol);
    const list = listOf(body);
    expect(list.titles).toEqual([]);
    expect(JSON.stringify(body)).toContain('_Nothing matches._');
  });
});

describe('/access and /sudo', () => {
  it('/access files an access request as the mapped user', async () => {
    const before = await approvalsAsAdmin();
    const text = oneLine(await slash('/access', 'web-01 2h --reason "deploy the hotfix"', U.alice));
    expect(text).toMatch(/^(Requested|Approved at once)/);
    expect(text).toContain('web-01');
    // Dave, linked by code (his Slack email is not his Vigil one).
    expect(oneLine(await slash('/access', 'db-01 90m --reason “check replication”', U.dave))).toMatch(/^(Requested|Approved at once)/);
    const after = await approvalsAsAdmin();
    expect(after).toHaveLength(before.length + 2);
    expect(after).toContainEqual(
      expect.objectContaining({
        kind: 'ACCESS',
        reason: 'deploy the hotfix',
        durationMinutes: 120,
        requester: { email: f.alice.email },
        servers: [{ name: 'web-01' }],
      }),
    );
    expect(after).toContainEqual(
      expect.objectContaining({
        kind: 'ACCESS',
        reason: 'check replication',
        durationMinutes: 90,
        requester: { email: f.dave.email },
        servers: [{ name: 'db-01' }],
      }),
    );
  });

  it('/sudo files a sudo request as the mapped user, inside their access', async () => {
    const before = await approvalsAsAdmin();
    const text = oneLine(await slash('/sudo', 'web-01 systemctl restart nginx --reason "stuck worker"', U.alice));
    expect(text).toMatch(/^(Requested|Approved at once)/);
    const after = await approvalsAsAdmin();
    expect(after).toHaveLength(before.length + 1);
    expect(after).toContainEqual(
      expect.objectContaining({
        kind: 'SUDO',
        reason: 'stuck worker',
        command: 'systemctl restart nginx',
        requester: { email: f.alice.email },
        servers: [{ name: 'web-01' }],
      }),
    );
    // Bob has no access in force on db-01: the API's refusal, in one line.
    expect(oneLine(await slash('/sudo', 'db-01 id --reason "look around"', U.bob))).toMatch(/^Not requested: .*no access session in force on db-01/);
    expect(await approvalsAsAdmin()).toHaveLength(after.length);
  });

  it('/sudo keeps the command as typed, quotes included', async () => {
    // The command is what approvers see and what the grant must match (grantCovers compares the
    // text, quotes included): word-splitting would turn sh -c "x y" into a different command.
    const before = (await approvalsAsAdmin()).length;
    const text = oneLine(await slash('/sudo', 'web-01 sh -c "systemctl restart nginx" --reason "reload the config"', U.alice));
    expect(text).toMatch(/^(Requested|Approved at once)/);
    const after = await approvalsAsAdmin();
    expect(after).toHaveLength(before + 1);
    const filed = after.find((approval) => approval.reason === 'reload the config');
    expect(filed).toMatchObject({ kind: 'SUDO', requester: { email: f.alice.email } });
    expect(filed.command).toBe('sh -c "systemctl restart nginx"');
  });

  it.each([
    ['/access', 'web-01', /^Usage: `\/access /],
    ['/access', '', /^Usage: `\/access /],
    ['/access', 'web-01 2h', /^A reason is required\. Usage: `\/access /],
    ['/access', 'web-01 2h --reason', /--reason needs a value\. Usage: `\/access /],
    ['/access', 'web-01 2h extra --reason "x"', /^Unexpected `extra`\. Usage: `\/access /],
    ['/access', 'web-01 soon --reason "x"', /The duration is minutes.*not `soon`/],
    ['/sudo', 'web-01', /^Usage: `\/sudo /],
    ['/sudo', '', /^Usage: `\/sudo /],
    ['/sudo', 'web-01 systemctl restart nginx', /^A reason is required\. Usage: `\/sudo /],
  ])('%s %s: the usage line, nothing filed', async (command, text, message) => {
    const before = (await approvalsAsAdmin()).length;
    expect(oneLine(await slash(command, text, U.alice))).toMatch(message);
    expect(await approvalsAsAdmin()).toHaveLength(before);
  });

  it('an unmapped person files nothing', async () => {
    const before = (await approvalsAsAdmin()).length;
    expect(oneLine(await slash('/access', 'web-01 2h --reason "let me in"', U.eve))).toContain('/audit link CODE');
    expect(oneLine(await slash('/sudo', 'web-01 id --reason "let me in"', U.eve))).toContain('/audit link CODE');
    expect(await approvalsAsAdmin()).toHaveLength(before);
  });
});

describe('the app manifest', () => {
  const manifest = parseYaml(readFileSync(new URL('../../bot/slack/manifest.yml', import.meta.url), 'utf8'));

  it('is valid YAML listing exactly the slash commands the bot registers', () => {
    const listed: string[] = manifest.features.slash_commands.map((command: { command: string }) => command.command);
    expect(sorted(listed)).toEqual(['/access', '/audit', '/sudo']);
    // What the code registered with app.command( while Vigil started.
    expect(sorted(registeredCommands)).toEqual(sorted(listed));
    // …and the source says the same (app.command('/x' or the helper registering '/access' and '/sudo').
    const dir = new URL('../../bot/slack/', import.meta.url).pathname;
    const source = readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      .join('\n');
    expect(source).toContain("app.command('/audit'");
    for (const command of listed) expect(source).toContain(`'${command}'`);
  });

  it('sends every command and the interactivity to /slack/events, which is served', async () => {
    const urls: string[] = [...manifest.features.slash_commands.map((command: { url: string }) => command.url), manifest.settings.interactivity.request_url];
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    for (const { command } of manifest.features.slash_commands as { command: string }[]) {
      const response = await postToSlackEndpoint(base, slashCommand(command, '', { teamId: TEAM, userId: U.alice }, slack.responseUrl), { secret: SECRET });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ response_type: 'ephemeral' });
      expect(String(response.body.text).length).toBeGreaterThan(0);
    }
    const click = await postToSlackEndpoint(base, buttonClick('approval_open', 'x', { teamId: TEAM, userId: U.alice }, slack.responseUrl), { secret: SECRET });
    expect(click.status).toBe(200);
    // The control: another path is not the bot's.
    const elsewhere = await fetch(`${base}/slack/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Faudit',
    });
    expect(elsewhere.status).toBe(404);
  });
});
