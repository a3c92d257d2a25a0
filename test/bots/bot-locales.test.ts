/**
 * Both bots answer in the chat user's language, over real signed HTTP with the fake Slack and Teams:
 * a Slack user whose client is German (users.info with include_locale says `de-DE`) and a Teams
 * user whose activities say `de-DE` get German help and German refusals; a language the catalogue
 * lacks, or none, gets English exactly as before; Slack is asked for a person's locale once, not
 * once per command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHelp } from '../../bot/shared/audit-command.js';
import { say } from '../../bot/shared/messages/catalogue.js';
import { bindSlackWorkspace, bindTeamsTenant } from '../support/chat-binding.js';
import { buttonClick, postToSlackEndpoint, slashCommand, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { postActivity, startFakeTeams, teamsMessage, type ConnectorCall, type FakeTeams, type TeamsUser } from '../support/fake-teams.js';
import { buildRecordsFixture, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-locale-tests';
const TEAM = 'T1';
const AAD_TENANT = '6f1e0c5a-0000-4000-8000-0000000010ca';

const SLACK = { german: 'UGERMAN', austrian: 'UAUSTRIAN', french: 'UFRENCH', english: 'UENGLISH', stranger: 'USTRANGER' } as const;
const GERMAN: TeamsUser = { id: '29:german', aadObjectId: 'aad-german' };
const ENGLISH: TeamsUser = { id: '29:english', aadObjectId: 'aad-english' };

let t: TestVigil;
let f: RecordsFixture;
let slack: FakeSlack;
let teams: FakeTeams;
let base: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  teams = await startFakeTeams();
  t = await startTestVigil({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      TEAMS_BOT_ENABLED: 'true',
      TEAMS_SERVICE_URL: teams.serviceUrl,
    },
  });
  base = t.url.replace(/\/graphql$/, '');
  f = await buildRecordsFixture(t);
  await bindSlackWorkspace(t, { slack, base, secret: SECRET }, TEAM, 'C0APPROVERS');
  await bindTeamsTenant(t, teams, base, AAD_TENANT, '19:approvers@thread.tacv2');
  slack.users.set(SLACK.german, { email: f.alice.email, locale: 'de-DE' });
  slack.users.set(SLACK.austrian, { email: f.bob.email, locale: 'de-AT' });
  slack.users.set(SLACK.french, { email: f.admin.email, locale: 'fr-FR' });
  slack.users.set(SLACK.english, { email: f.carol.email, locale: 'en-US' });
  slack.users.set(SLACK.stranger, { email: 'nobody@elsewhere.test', locale: 'de-DE' });
  teams.members.set(GERMAN.id, { aadObjectId: GERMAN.aadObjectId, email: f.alice.email });
  teams.members.set(ENGLISH.id, { aadObjectId: ENGLISH.aadObjectId, email: f.bob.email });
});

afterAll(async () => {
  await t?.close();
  await slack?.close();
  await teams?.close();
});

/** A slash command's ephemeral one-line answer: its text. */
async function slash(command: string, text: string, userId: string): Promise<string> {
  const response = await postToSlackEndpoint(base, slashCommand(command, text, { teamId: TEAM, userId }, slack.responseUrl), { secret: SECRET });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ response_type: 'ephemeral' });
  return String(response.body.text);
}

/** A message to the Teams bot, with the locale the client says (activity.locale, or a clientInfo entity); the one reply's text. */
async function tell(user: TeamsUser, text: string, locale: { activity?: string; clientInfo?: string } = {}): Promise<string> {
  const before = teams.calls.length;
  const activity: Record<string, unknown> = {
    ...teamsMessage(teams, AAD_TENANT, user, { text }),
    ...(locale.activity ? { locale: locale.activity } : {}),
    ...(locale.clientInfo ? { entities: [{ type: 'clientInfo', locale: locale.clientInfo, platform: 'Web' }] } : {}),
  };
  expect(await postActivity(base, activity)).toBe(200);
  const replies = teams.calls.slice(before).filter((call: ConnectorCall) => call.method === 'POST' && call.activityId === activity.id);
  expect(replies).toHaveLength(1);
  const card = replies[0]!.body.attachments[0].content;
  return card.body.map((block: any) => (block.type === 'RichTextBlock' ? block.inlines.map((run: any) => run.text).join('') : block.text)).join('\n');
}

describe('Slack, in the language of the user’s Slack client', () => {
  it('a German user gets the help in German, and German refusals', async () => {
    expect(await slash('/audit', 'help', SLACK.german)).toBe(auditHelp('de'));
    expect(await slash('/audit', 'help', SLACK.german)).toMatch(/^Fragen Sie nach dem Protokoll:\n/);
    expect(await slash('/audit', 'nope', SLACK.german)).toBe(
      'Unbekannter Unterbefehl `nope`. Versuchen Sie `my-commands`, `my-sessions`, `my-transfers`, `my-sudo`, `commands`, `sessions`, `approvals`, `activity` oder `help`.',
    );
    expect(await slash('/audit', 'my-commands --server web-99', SLACK.german)).toBe('Kein Server namens `web-99`');
    // A list: its heading and summary in German, its rows as recorded.
    expect(await slash('/audit', 'my-commands', SLACK.german)).toMatch(/^Ihre Befehle: \d+ angezeigt/);
    expect(await slash('/access', 'web-01 2h', SLACK.german)).toBe(
      'Ein Grund ist nötig. Aufruf: `/access web-01,db-01 2h --reason "Hotfix ausrollen"` (mit `--sudo` auch sudo anfragen)',
    );
  });

  it('a click on Approve that cannot decide anything is refused in German', async () => {
    const before = slack.callsOf('response_url').length;
    const click = await postToSlackEndpoint(
      base,
      buttonClick('approval_approve', '00000000-0000-4000-8000-000000000000', { teamId: TEAM, userId: SLACK.german }, slack.responseUrl),
      { secret: SECRET },
    );
    expect(click.status).toBe(200);
    await slack.waitFor((calls) => calls.filter((call) => call.method === 'response_url').length > before);
    const answer = String(slack.callsOf('response_url')[before]!.args.text);
    expect(answer).toMatch(/^Sie können diese Anfrage nicht entscheiden: .+\. Nichts wurde geändert\.$/);
  });

  it('Slack is asked for the locale with the users.info calls the bot makes anyway, not with every command', async () => {
    const askedOf = () => slack.callsOf('users.info').filter((call) => call.args.user === SLACK.german);
    // The help's (the locale alone) and the mapping's (the confirmed email), each asking for the locale.
    const asked = askedOf();
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.length).toBeLessThanOrEqual(2);
    expect(asked.map((call) => String(call.args.include_locale))).toEqual(asked.map(() => 'true'));
    await slash('/audit', 'help', SLACK.german);
    await slash('/audit', 'my-commands', SLACK.german);
    await slash('/access', 'web-01', SLACK.german);
    expect(askedOf()).toHaveLength(asked.length);
  });

  it('someone Vigil does not know is told how to link, in their language', async () => {
    expect(await slash('/audit', 'my-commands', SLACK.stranger)).toBe(say('de', 'slack.unmapped'));
    expect(await slash('/audit', 'my-commands', SLACK.stranger)).toMatch(/^Ich kenne Sie in Vigil nicht/);
  });

  it('a regional German (de-AT) gets German; a language the catalogue lacks (fr-FR) and English get English, word for word', async () => {
    expect(await slash('/audit', 'nope', SLACK.austrian)).toMatch(/^Unbekannter Unterbefehl `nope`/);
    const english = auditHelp('en');
    expect(english).toMatch(/^Ask about the record:\n`my-commands`, `my-sessions`/);
    expect(await slash('/audit', 'help', SLACK.french)).toBe(english);
    expect(await slash('/audit', 'help', SLACK.english)).toBe(english);
    expect(await slash('/audit', 'my-commands --server web-99', SLACK.english)).toBe('No server named `web-99`');
  });
});

describe('Teams, in the language of the user’s Teams client', () => {
  it('activity.locale de-DE gets the help and refusals in German', async () => {
    const help = await tell(GERMAN, 'audit help', { activity: 'de-DE' });
    expect(help).toMatch(/^Fragen Sie mich: audit <Liste> \[Filter\], access …, sudo …\n/);
    // Teams' spelling: messages to the bot, not slash commands.
    // (Teams shows code spans as quotes.)
    expect(help).toContain('Anfragen: “access web-01,db-01 2h --reason "…"” und “sudo web-01 systemctl restart nginx --reason "…"”');
    expect(await tell(GERMAN, 'audit nope', { activity: 'de-DE' })).toMatch(/^Unbekannter Unterbefehl “nope”\. Versuchen Sie /);
    // A list, in personal chat: its heading in German.
    expect(await tell(GERMAN, 'audit my-commands', { activity: 'de-DE' })).toMatch(/^Ihre Befehle(\n|$)/);
    expect(await tell(GERMAN, 'access web-01 2h', { activity: 'de-DE' })).toBe(
      'Ein Grund ist nötig. Aufruf: “access web-01,db-01 2h --reason "Hotfix ausrollen"” (mit “--sudo” auch sudo anfragen)',
    );
  });

  it('a clientInfo entity’s locale counts when the activity has none; no locale, or one the catalogue lacks, is English', async () => {
    expect(await tell(GERMAN, 'audit nope', { clientInfo: 'de-AT' })).toMatch(/^Unbekannter Unterbefehl/);
    expect(await tell(ENGLISH, 'audit nope')).toMatch(/^Unknown subcommand “nope”\. Try /);
    expect(await tell(ENGLISH, 'audit nope', { activity: 'fr-FR' })).toMatch(/^Unknown subcommand “nope”\. Try /);
    expect(await tell(ENGLISH, 'audit help', { activity: 'en-US' })).toMatch(/^Ask me: audit <list> \[filters\], access …, sudo …\n“my-commands”/);
  });
});
