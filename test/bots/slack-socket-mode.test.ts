/**
 * The Slack bot over Socket Mode (SLACK_APP_TOKEN): Vigil opens the WebSocket itself with the
 * app-level token, answers every envelope by acknowledging it with the reply, and accepts nothing
 * over HTTP. The receiver keeps the HTTP endpoint's rules: a retried event acts on nothing, an
 * envelope no handler serves is acknowledged empty, and a `disconnect` from Slack is followed by a
 * new connection. The approval scenarios run over both transports in slack-approvals.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { buttonClick, postToSlackEndpoint, slashCommand, startFakeSlack, viewSubmission, type FakeSlack } from '../support/fake-slack.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const TEAM = 'T1';
const WAIT_MS = 10_000;

let slack: FakeSlack;
let t: TestVigil;
let base: string;

const audit = (text: string, userId = 'UADMIN') =>
  slack.sendEnvelope('slash_commands', slashCommand('/audit', text, { teamId: TEAM, userId }, slack.responseUrl));
const opened = () => slack.callsOf('apps.connections.open');

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.transport = 'socket';
  // A signing secret set beside the app token changes nothing: Socket Mode accepts nothing over HTTP.
  t = await startTestVigil({
    env: { SLACK_APP_TOKEN: slack.appToken, SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl },
  });
  base = t.url.replace(/\/graphql$/, '');
  await slack.waitFor(() => slack.openSockets() === 1 && opened().length === 1, WAIT_MS);
});
afterAll(async () => {
  await t?.close();
  await slack?.close();
});

describe('Socket Mode', () => {
  it('connects with the app-level token, never the bot token', () => {
    expect(opened().map((call) => call.token)).toEqual([slack.appToken]);
    expect(slack.calls.filter((call) => call.token === slack.appToken).map((call) => call.method)).toEqual(['apps.connections.open']);
  });

  it('answers a slash command in its acknowledgement: an unbound workspace is told how to connect', async () => {
    const answer = await audit('help');
    expect(answer.response_type).toBe('ephemeral');
    expect(String(answer.text)).toContain('not connected to Vigil');
    expect(String(answer.text)).toContain(TEAM);
  });

  it('binds the workspace and serves its users through the socket', async () => {
    slack.users.set('UADMIN', { email: t.admin.email });
    await bindSlackWorkspace(t, { slack, base, secret: SECRET }, TEAM, 'C0APPROVERS');
    const help = await audit('help');
    expect(String(help.text)).toContain('my-commands');
    expect(String(help.text)).toContain('/access');
  });

  it('accepts nothing over HTTP, even correctly signed', async () => {
    const answer = await postToSlackEndpoint(base, slashCommand('/audit', 'help', { teamId: TEAM, userId: 'UADMIN' }, slack.responseUrl), { secret: SECRET });
    expect(answer.status).toBe(404);
  });

  it('acknowledges what no handler serves at once and empty: unknown commands, actions and modals', async () => {
    const who = { teamId: TEAM, userId: 'UADMIN' };
    const answers = [
      await slack.sendEnvelope('slash_commands', slashCommand('/nope', 'anything', who, slack.responseUrl)),
      await slack.sendEnvelope('interactive', JSON.parse(buttonClick('who_knows', 'x', who, slack.responseUrl).payload!)),
      await slack.sendEnvelope('interactive', JSON.parse(viewSubmission('not_a_vigil_modal', '', {}, who).payload!)),
    ];
    expect(answers).toEqual([{}, {}, {}]);
  });

  it('acknowledges a retried event and acts on nothing', async () => {
    const before = slack.calls.length;
    const event = {
      type: 'event_callback',
      team_id: TEAM,
      api_app_id: 'A0VIGIL01',
      event: { type: 'app_home_opened', user: 'UADMIN', tab: 'home' },
      event_id: 'Ev1',
    };
    expect(await slack.sendEnvelope('events_api', event, { retryAttempt: 1 })).toEqual({});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.calls.slice(before)).toEqual([]);
  });

  it('reconnects when Slack asks it to, and serves on the new connection', async () => {
    slack.disconnectSockets();
    await slack.waitFor(() => opened().length === 2 && slack.openSockets() === 1, WAIT_MS);
    const help = await audit('help');
    expect(String(help.text)).toContain('my-commands');
  });
});

describe('Socket Mode that cannot connect', () => {
  it('does not keep Vigil from serving: a refused app token leaves the API up and no socket open', async () => {
    const refused = await startTestVigil({ env: { SLACK_APP_TOKEN: 'xapp-1-not-the-right-one', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl } });
    try {
      await slack.waitFor((calls) => calls.some((call) => call.method === 'apps.connections.open' && call.token === 'xapp-1-not-the-right-one'), WAIT_MS);
      const me = await refused.gql<any>('{ me { email } }', refused.admin.token);
      expect(me.data?.me.email).toBe(refused.admin.email);
      expect(slack.openSockets()).toBe(1);
    } finally {
      await refused.close();
    }
  });
});
