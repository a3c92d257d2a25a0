/**
 * Teams single sign-on for the identity link (TEAMS_SSO_CONNECTION_NAME), the Bot Framework's token
 * exchange: someone Vigil does not know gets, in personal chat, an OAuth card naming Vigil's app
 * (its Application ID URI as the token exchange resource). Teams then fetches the person's
 * Microsoft Entra token for that app without asking them and sends it in a `signin/tokenExchange`
 * invoke; Vigil checks the token itself (sso-token.ts) and links the Teams user to the Vigil user
 * of the token's email. The invoke is answered 200 when they are linked, and 412 (Precondition
 * Failed, with a failure detail) when not, on which Teams shows the card's sign-in button instead.
 * That button's flow ends in a `signin/verifyState` invoke with a code, redeemed at the Bot
 * Framework token service (only with MICROSOFT_APP_ID) for a token of the OAuth connection, which
 * must ask for Vigil's app scope: the same checks apply to it.
 */
import { randomUUID } from 'node:crypto';
import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { DEFAULT_LOCALE, say as phrase } from '../shared/messages/catalogue.js';
import { aadTenantOf, callerOf, localeOf, notConnected, unmapped, workspaceOf } from './teams-callers.js';
import { forTeams, lineCard } from './cards.js';
import type { TeamsContext } from './teams-bot.js';

/** What someone Vigil does not know is told when they can sign in. */
export const UNMAPPED_SIGN_IN = phrase(DEFAULT_LOCALE, 'sso.unmappedSignIn');

const say = (turn: TurnContext, message: string) => turn.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(lineCard(forTeams(message)))));

/** Whether this person can be offered sign-in here: single sign-on is on, and this is their personal chat (an OAuth card in a channel is everyone's). */
export const canOfferSignIn = (ctx: TeamsContext, turn: TurnContext) => Boolean(ctx.sso) && turn.activity.conversation?.conversationType === 'personal';

/** What someone Vigil does not know is told: with single sign-on, the sign-in card in personal chat, or where to find it. */
export async function answerUnknown(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  if (canOfferSignIn(ctx, turn)) return offerSignIn(ctx, turn);
  const locale = localeOf(turn);
  await say(turn, ctx.sso ? phrase(locale, 'sso.orSignInPersonally', { unmapped: unmapped(locale) }) : unmapped(locale));
}

/** Says who they are not, with the sign-in card. */
export async function offerSignIn(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const sso = ctx.sso!;
  let signInLink: string | undefined;
  // With a bot registration the token service gives the fallback button's link (its OAuth flow);
  // unsigned (local development), the card has token exchange only.
  const tokens = userTokenClientOf(ctx, turn);
  if (tokens) {
    try {
      signInLink = (await tokens.getSignInResource(sso.config.connectionName, turn.activity, '')).signInLink;
    } catch (error) {
      ctx.deps.logger.warn({ err: error }, 'teams sign-in link unavailable');
    }
  }
  const locale = localeOf(turn);
  await say(turn, phrase(locale, 'sso.unmappedSignIn'));
  await turn.sendActivity(
    MessageFactory.attachment(
      CardFactory.oauthCard(sso.config.connectionName, phrase(locale, 'sso.cardTitle'), phrase(locale, 'sso.cardText'), signInLink, {
        id: randomUUID(),
        uri: sso.config.appIdUri,
      }),
    ),
  );
}

const answer = (turn: TurnContext, status: number, body?: Record<string, unknown>) =>
  turn.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status, body } });

/** `signin/tokenExchange`: the token Teams fetched silently for the OAuth card. */
export async function onTokenExchange(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const value = (turn.activity.value ?? {}) as { id?: string; connectionName?: string; token?: string };
  const echo = { id: value.id, connectionName: value.connectionName };
  const refuse = (failureDetail: string) => answer(turn, 412, { ...echo, failureDetail });
  const locale = localeOf(turn);
  if (!ctx.sso) return void (await refuse(phrase(locale, 'sso.notConfigured')));
  if (value.connectionName !== ctx.sso.config.connectionName) return void (await refuse(phrase(locale, 'sso.notOurConnection')));
  if (typeof value.token !== 'string' || !value.token) return void (await refuse(phrase(locale, 'sso.noToken')));
  const failure = await linkByToken(ctx, turn, value.token);
  if (failure) return void (await refuse(failure));
  await answer(turn, 200, echo);
}

/** `signin/verifyState`: the sign-in button's flow finished; its code is redeemed at the token service. */
export async function onVerifyState(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const state = (turn.activity.value as { state?: string } | undefined)?.state;
  const tokens = userTokenClientOf(ctx, turn);
  const locale = localeOf(turn);
  if (!ctx.sso || !tokens || !state) return void (await answer(turn, 412, { failureDetail: phrase(locale, 'sso.tokenServiceUnavailable') }));
  let token: string | undefined;
  try {
    token = (await tokens.getUserToken(turn.activity.from.id, ctx.sso.config.connectionName, turn.activity.channelId, state))?.token;
  } catch (error) {
    ctx.deps.logger.warn({ err: error }, 'teams sign-in code not redeemed');
  }
  if (!token) return void (await answer(turn, 412, { failureDetail: phrase(locale, 'sso.codeNotAccepted') }));
  const failure = await linkByToken(ctx, turn, token);
  await answer(turn, failure ? 412 : 200, failure ? { failureDetail: failure } : undefined);
}

/**
 * `signin/failure`: Teams could not fetch the token at all (most often `resourcematchfailed`: the
 * manifest's webApplicationInfo.resource is not TEAMS_SSO_APP_ID_URI). Logged for the admin who
 * set the app up; the person still has the card's sign-in button.
 */
export async function onSignInFailure(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const value = (turn.activity.value ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof value.code === 'string' ? value.code : '';
  const message = typeof value.message === 'string' ? value.message.slice(0, 500) : '';
  ctx.deps.logger.warn({ aadTenantId: aadTenantOf(turn), code, message }, 'teams single sign-on failed in the client');
  await answer(turn, 200);
}

/**
 * Checks the token against the bound tenant and the sender, and links them by its email: undefined
 * when linked, else why not (also said to them in the conversation, and logged without the token).
 */
async function linkByToken(ctx: TeamsContext, turn: TurnContext, token: string): Promise<string | undefined> {
  const aadTenantId = aadTenantOf(turn);
  const locale = localeOf(turn);
  const workspace = await workspaceOf(ctx, turn);
  if (!workspace) {
    await say(turn, notConnected(aadTenantId, locale));
    return phrase(locale, 'sso.tenantNotConnected');
  }
  const aadObjectId = turn.activity.from.aadObjectId;
  const refused = async (reason: string, message: string) => {
    ctx.deps.logger.warn({ tenantId: workspace.tenantId, aadTenantId, aadObjectId, reason }, 'teams single sign-on refused');
    await say(turn, message);
    return message;
  };
  if (!aadObjectId) return refused('no aadObjectId', phrase(locale, 'sso.whoUnknown'));
  const checked = await ctx.sso!.verify(token, { aadTenantId: workspace.externalId, aadObjectId });
  if (checked.refusal !== undefined) return refused(checked.refusal, phrase(locale, 'sso.notLinked', { refusal: checked.refusal }));
  const linked = await ctx.services.linkBySignIn(workspace.tenantId, aadObjectId, checked.identity.email);
  if (!linked) {
    return refused('no such user', phrase(locale, 'sso.noSuchUser', { email: checked.identity.email }));
  }
  // Keeps where their personal chat is, as any first message does.
  await callerOf(ctx, workspace, turn);
  if (linked.isNew) await say(turn, phrase(locale, 'sso.signedIn', { email: linked.email }));
  return undefined;
}

/** What Vigil asks of the Bot Framework token service (botframework-connector's UserTokenClient). */
interface UserTokenClient {
  getSignInResource(connectionName: string, activity: TurnContext['activity'], finalRedirect: string): Promise<{ signInLink?: string }>;
  getUserToken(userId: string, connectionName: string, channelId: string, magicCode: string): Promise<{ token?: string } | undefined>;
}

/** The token service client the adapter made for this turn: signed requests only (unsigned, there is no token service to ask). */
function userTokenClientOf(ctx: TeamsContext, turn: TurnContext): UserTokenClient | undefined {
  if (!ctx.appId) return undefined;
  return turn.turnState.get<UserTokenClient | undefined>(ctx.adapter.UserTokenClientKey);
}
