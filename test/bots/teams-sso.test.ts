/**
 * Teams single sign-on for the identity link, over real HTTP: someone Vigil does not know is
 * offered an OAuth card in personal chat; Teams' `signin/tokenExchange` invoke carries their
 * Microsoft Entra token, which Vigil checks against a local JWKS server (a fake AAD whose key pair
 * signs the tokens) and links them by its email, audited. The same token shape is refused (412,
 * nothing linked, nothing audited) for another app, another tenant, an expired token, a key AAD
 * does not publish, and someone else's object id.
 */
import { eq, and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { chatIdentities } from '../../server/db/tables/index.js';
import { bindTeamsTenant } from '../support/chat-binding.js';
import { startFakeAad, type AadToken, type FakeAad } from '../support/fake-aad.js';
import { postActivity, postInvoke, startFakeTeams, teamsInvoke, teamsMessage, type FakeTeams, type TeamsUser } from '../support/fake-teams.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const AAD_TENANT = '7a2e0c5a-0000-4000-8000-00000000c0de';
const OTHER_AAD_TENANT = '7a2e0c5a-0000-4000-8000-0000000bad00';
const APP_ID = '3f1b2c4d-0000-4000-8000-00000000a11d';
const APP_ID_URI = `api://vigil.example.test/botid-${APP_ID}`;
const CONNECTION = 'vigil-sso';
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

/** Teams users that Teams' member lookup does not know: only sign-in (or a code) can link them. */
const NINA: TeamsUser = { id: '29:nina', aadObjectId: 'aad-nina' };
const OMAR: TeamsUser = { id: '29:omar', aadObjectId: 'aad-omar' };
const PAUL: TeamsUser = { id: '29:paul', aadObjectId: 'aad-paul' };

let teams: FakeTeams;
let aad: FakeAad;
let t: TestVigil;
let base: string;
let nina: TestUser;

beforeAll(async () => {
  teams = await startFakeTeams();
  aad = await startFakeAad();
  t = await startTestVigil({
    env: {
      TEAMS_BOT_ENABLED: 'true',
      TEAMS_SERVICE_URL: teams.serviceUrl,
      TEAMS_SSO_CONNECTION_NAME: CONNECTION,
      TEAMS_SSO_APP_ID: APP_ID,
      TEAMS_SSO_APP_ID_URI: APP_ID_URI,
      TEAMS_SSO_JWKS_URL: aad.jwksUrl,
    },
  });
  base = t.url.replace(/\/graphql$/, '');
  await bindTeamsTenant(t, teams, base, AAD_TENANT);
  nina = await t.createUser(t.admin.tenantId, { email: 'nina@example.test' });
  await t.createUser(t.admin.tenantId, { email: 'omar@example.test' });
});
afterAll(async () => {
  await t?.close();
  await teams?.close();
  await aad?.close();
});

/** A v2 token for Vigil's app, from the bound tenant, for `user`, valid now; `change` alters one thing. */
const tokenFor = (user: TeamsUser, email: string, change: Partial<AadToken> = {}) =>
  aad.sign({
    tenantId: AAD_TENANT,
    objectId: user.aadObjectId,
    audience: APP_ID,
    issuedAt: t.clock.now(),
    claims: { preferred_username: email, name: email },
    ...change,
  });

/** Teams' signin/tokenExchange invoke from `user` in their personal chat; the invoke response and what the bot said meanwhile. */
async function exchange(user: TeamsUser, token: string, connectionName = CONNECTION, tenant = AAD_TENANT) {
  const before = teams.calls.length;
  const id = `exchange-${Math.random().toString(36).slice(2)}`;
  const response = await postInvoke(base, teamsInvoke(teams, tenant, user, 'signin/tokenExchange', { id, connectionName, token }));
  const said = teams.calls
    .slice(before)
    .filter((call) => call.method === 'POST')
    .map((call) => String(call.body?.attachments?.[0]?.content?.body?.[0]?.text ?? ''));
  return { id, response, said };
}

/** Sends a message from `user` in their personal chat; the activities the bot replied with. */
async function message(user: TeamsUser, text: string, conversation: { id?: string; type?: 'personal' | 'channel' } = {}) {
  const activity = teamsMessage(teams, AAD_TENANT, user, { text }, conversation);
  expect(await postActivity(base, activity)).toBe(200);
  return teams.calls.filter((call) => call.method === 'POST' && call.activityId === activity.id).map((call) => call.body);
}

const linkOf = async (user: TeamsUser) =>
  t.vigil.database.db
    .select({ userId: chatIdentities.userId, linkedVia: chatIdentities.linkedVia })
    .from(chatIdentities)
    .where(and(eq(chatIdentities.provider, 'teams'), eq(chatIdentities.externalUserId, user.aadObjectId)));

async function linkAudits(user: TeamsUser) {
  const listed = await t.gql<any>(
    'query($keyword: String) { auditLog(first: 20, filter: { action: ["chat_identity.linked"], keyword: $keyword }) { nodes { actorId resourceName after } } }',
    t.admin.token,
    { keyword: user.aadObjectId },
  );
  expect(listed.errors).toBeUndefined();
  return listed.data!.auditLog.nodes as Record<string, unknown>[];
}

describe('Teams single sign-on', () => {
  it('offers someone unknown an OAuth card naming Vigil’s connection and app in personal chat; in a channel, only the line', async () => {
    const [line, card] = await message(NINA, 'audit my-commands');
    expect(line.attachments[0].content.body[0].text).toMatch(/^I do not know you in Vigil yet\. Sign in with your Microsoft account below/);
    expect(card.attachments).toEqual([
      {
        contentType: OAUTH_CARD,
        content: expect.objectContaining({
          connectionName: CONNECTION,
          text: 'Sign in with your Microsoft account',
          buttons: [expect.objectContaining({ type: 'signin', title: 'Sign in to Vigil' })],
          tokenExchangeResource: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), uri: APP_ID_URI },
        }),
      },
    ]);
    const inChannel = await message(NINA, '<at>Vigil</at> audit my-commands', { id: '19:ops@thread.tacv2', type: 'channel' });
    expect(inChannel).toHaveLength(1);
    expect(inChannel[0].attachments[0].content.body[0].text).toMatch(
      /^I do not know you in Vigil: your Teams email is not a Vigil user’s.* Or open a personal chat with me and sign in with your Microsoft account\.$/,
    );
  });

  it('refuses the same token shape for another app, another tenant, an expired token, an unpublished key or someone else’s object id: 412, nothing linked', async () => {
    const now = t.clock.now();
    const refusals: [string, string, RegExp][] = [
      ['another app id', await tokenFor(NINA, nina.email, { audience: '99999999-0000-4000-8000-0000000000ff' }), /for another app/],
      ['another app’s URI', await tokenFor(NINA, nina.email, { audience: 'api://elsewhere.example/botid-x', version: 'v1' }), /for another app/],
      ['another tenant (issuer and tid)', await tokenFor(NINA, nina.email, { tenantId: OTHER_AAD_TENANT }), /another Microsoft Entra tenant/],
      [
        'another tenant’s issuer, the bound tid',
        await tokenFor(NINA, nina.email, { issuer: `https://login.microsoftonline.com/${OTHER_AAD_TENANT}/v2.0` }),
        /another Microsoft Entra tenant/,
      ],
      ['expired', await tokenFor(NINA, nina.email, { issuedAt: new Date(now.getTime() - 2 * 3600_000) }), /has expired/],
      ['not valid yet', await tokenFor(NINA, nina.email, { issuedAt: new Date(now.getTime() + 600_000) }), /not valid yet/],
      ['an unpublished key', await tokenFor(NINA, nina.email, { forgedWith: 'unknown kid' }), /a key Microsoft Entra does not publish/],
      ['an unpublished key under a published kid', await tokenFor(NINA, nina.email, { forgedWith: 'published kid' }), /signature is not valid/],
      ['someone else’s object id', await tokenFor(NINA, nina.email, { objectId: OMAR.aadObjectId }), /another person’s/],
      ['a guest', await tokenFor(NINA, nina.email, { claims: { idp: 'https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/' } }), /a guest’s/],
    ];
    for (const [what, token, reason] of refusals) {
      const { id, response, said } = await exchange(NINA, token);
      expect([what, response.status]).toEqual([what, 412]);
      expect([what, response.body]).toEqual([what, { id, connectionName: CONNECTION, failureDetail: expect.stringMatching(reason) }]);
      expect([what, said]).toEqual([what, [expect.stringMatching(/^Sign-in did not link you: .*Nothing was linked\.$/)]]);
    }
    // A good token for another connection, or from a conversation in an unbound tenant, links no one either.
    const good = await tokenFor(NINA, nina.email);
    expect((await exchange(NINA, good, 'another-connection')).response.status).toBe(412);
    const unbound = await exchange(NINA, await tokenFor(NINA, nina.email, { tenantId: OTHER_AAD_TENANT }), CONNECTION, OTHER_AAD_TENANT);
    expect(unbound.response).toMatchObject({ status: 412, body: { failureDetail: 'This Microsoft Teams tenant is not connected to Vigil' } });

    expect(await linkOf(NINA)).toEqual([]);
    expect(await linkAudits(NINA)).toEqual([]);
    const [still] = await message(NINA, 'audit my-commands');
    expect(still.attachments[0].content.body[0].text).toMatch(/^I do not know you in Vigil yet/);
  });

  it('a valid token links the Teams user by its email, audited as sso; the same exchange again changes nothing', async () => {
    const { id, response, said } = await exchange(NINA, await tokenFor(NINA, 'Nina@Example.test'));
    expect(response).toEqual({ status: 200, body: { id, connectionName: CONNECTION } });
    expect(said).toEqual(['Signed in: you are nina@example.test in Vigil.']);
    expect(await linkOf(NINA)).toEqual([{ userId: nina.id, linkedVia: 'sso' }]);
    expect(await linkAudits(NINA)).toEqual([
      { actorId: 'teams-bot', resourceName: 'nina@example.test', after: { provider: 'teams', externalUserId: NINA.aadObjectId, linkedVia: 'sso' } },
    ]);
    // She is a Vigil caller now: her own (empty) list, not the sign-in card.
    const [answer] = await message(NINA, 'audit my-commands');
    expect(answer.attachments[0].content.body[0].text).toBe('Your commands');
    // Teams may send the exchange again: answered 200, nothing said, written or audited.
    const again = await exchange(NINA, await tokenFor(NINA, nina.email));
    expect(again.response.status).toBe(200);
    expect(again.said).toEqual([]);
    expect(await linkAudits(NINA)).toHaveLength(1);
  });

  it('accepts a v1 token (sts.windows.net issuer, the Application ID URI as audience, upn)', async () => {
    const token = await aad.sign({
      tenantId: AAD_TENANT,
      objectId: OMAR.aadObjectId,
      audience: APP_ID_URI,
      version: 'v1',
      issuedAt: t.clock.now(),
      claims: { upn: 'omar@example.test' },
    });
    const { response, said } = await exchange(OMAR, token);
    expect(response.status).toBe(200);
    expect(said).toEqual(['Signed in: you are omar@example.test in Vigil.']);
    expect(await linkOf(OMAR)).toEqual([expect.objectContaining({ linkedVia: 'sso' })]);
  });

  it('a sign-in Teams itself could not complete (signin/failure) is acknowledged and changes nothing', async () => {
    const before = teams.calls.length;
    const failed = await postInvoke(
      base,
      teamsInvoke(teams, AAD_TENANT, PAUL, 'signin/failure', { code: 'resourcematchfailed', message: 'Resource match failed' }),
    );
    expect(failed.status).toBe(200);
    expect(teams.calls.slice(before)).toEqual([]);
    expect(await linkOf(PAUL)).toEqual([]);
  });

  it('a valid token whose email is no active Vigil user’s links no one, and says so', async () => {
    const { response, said } = await exchange(PAUL, await tokenFor(PAUL, 'paul@contoso.example'));
    expect(response).toMatchObject({ status: 412, body: { failureDetail: expect.stringMatching(/no active Vigil user has that email/) } });
    expect(said).toEqual([expect.stringMatching(/^You signed in as paul@contoso\.example, but no active Vigil user has that email/)]);
    expect(await linkOf(PAUL)).toEqual([]);
    expect(await linkAudits(PAUL)).toEqual([]);
  });
});

describe('Teams single sign-on configuration', () => {
  it('is off unless TEAMS_SSO_CONNECTION_NAME is set; defaults to the bot’s app id, its botid URI and Microsoft’s keys', () => {
    expect(loadConfig({ TEAMS_BOT_ENABLED: 'true' }).teams?.sso).toBeUndefined();
    expect(loadConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'p', TEAMS_SSO_CONNECTION_NAME: CONNECTION }).teams?.sso).toEqual({
      connectionName: CONNECTION,
      appId: APP_ID,
      appIdUri: `api://botid-${APP_ID}`,
      jwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    });
  });

  it('refuses a connection without an app id, an Application ID URI that is not api://, a JWKS URL that is not http(s), and SSO without the bot', () => {
    expect(() => loadConfig({ TEAMS_BOT_ENABLED: 'true', TEAMS_SSO_CONNECTION_NAME: CONNECTION })).toThrow(/TEAMS_SSO_APP_ID/);
    expect(() =>
      loadConfig({ TEAMS_BOT_ENABLED: 'true', TEAMS_SSO_CONNECTION_NAME: CONNECTION, TEAMS_SSO_APP_ID: APP_ID, TEAMS_SSO_APP_ID_URI: APP_ID }),
    ).toThrow(/TEAMS_SSO_APP_ID_URI/);
    expect(() =>
      loadConfig({ TEAMS_BOT_ENABLED: 'true', TEAMS_SSO_CONNECTION_NAME: CONNECTION, TEAMS_SSO_APP_ID: APP_ID, TEAMS_SSO_JWKS_URL: 'file:///keys' }),
    ).toThrow(/TEAMS_SSO_JWKS_URL/);
    expect(() => loadConfig({ TEAMS_SSO_CONNECTION_NAME: CONNECTION, TEAMS_SSO_APP_ID: APP_ID })).toThrow(/TEAMS_SSO_CONNECTION_NAME/);
  });
});
