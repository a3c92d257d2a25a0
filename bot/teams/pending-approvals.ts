/**
 * The "Pending approvals" message extension (a search command, `composeExtension/query`, declared
 * in manifest.json): the requests waiting for the person's decision, newest first, found by
 * `approvalsToReview` run as them, so the API's rule of who may decide what is the only one. Typed
 * words narrow the list (server, requester, command or reason). Each result previews as a line
 * and inserts the approval card itself, whose buttons decide as whoever clicks and which asks Vigil
 * for its current state when shown.
 */
import { CardFactory, type TurnContext } from 'botbuilder';
import { APPROVAL_FIELDS, requestTitle, type ApprovalFacts } from '../shared/approval-facts.js';
import { clip, listWithin } from '../shared/clip.js';
import { runOperation } from '../shared/run-operation.js';
import { approvalCard, forTeams } from './cards.js';
import { say, type Locale } from '../shared/messages/catalogue.js';
import { aadTenantOf, callerOf, localeOf, notConnected, unmapped, workspaceOf } from './teams-callers.js';
import type { TeamsContext } from './teams-bot.js';

export const PENDING_APPROVALS_COMMAND = 'pendingApprovals';

/** The most requests one search looks through (the newest waiting); the words narrow within them. */
const SEARCHED = 100;
const TO_REVIEW = `query($first: Int!) { approvalsToReview(first: $first) { nodes { ${APPROVAL_FIELDS} } } }`;

interface QueryValue {
  commandId?: string;
  parameters?: { name?: string; value?: string }[];
  queryOptions?: { skip?: number; count?: number };
}

const respond = (turn: TurnContext, composeExtension: Record<string, unknown>) =>
  turn.sendActivity({ type: 'invokeResponse', value: { status: 200, body: { composeExtension } } });
const tell = (turn: TurnContext, text: string) => respond(turn, { type: 'message', text: forTeams(text) });

export async function onPendingApprovalsQuery(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const query = (turn.activity.value ?? {}) as QueryValue;
  const locale = localeOf(turn);
  if (query.commandId !== PENDING_APPROVALS_COMMAND) return void (await tell(turn, say(locale, 'pending.commandOutOfDate')));
  const workspace = await workspaceOf(ctx, turn);
  if (!workspace) return void (await tell(turn, notConnected(aadTenantOf(turn), locale)));
  const caller = await callerOf(ctx, workspace, turn);
  if (!caller) return void (await tell(turn, unmapped(locale)));
  const result = await runOperation<{ approvalsToReview: { nodes: ApprovalFacts[] } }>(ctx.schema, ctx.deps, caller, TO_REVIEW, { first: SEARCHED });
  if (result.error) return void (await tell(turn, result.error.message));
  // Teams sends the typed text as the command's parameter (none on the initial run).
  const words = String(query.parameters?.find((parameter) => parameter.name === 'query')?.value ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
  const found = result.data.approvalsToReview.nodes.filter((facts) => words.every((word) => searchTextOf(facts).includes(word)));
  const skip = Math.max(0, Number(query.queryOptions?.skip) || 0);
  const count = Math.min(25, Math.max(1, Number(query.queryOptions?.count) || 25));
  await respond(turn, {
    type: 'result',
    attachmentLayout: 'list',
    // The card is inserted where others read it (English); the preview is the searcher's alone.
    attachments: found.slice(skip, skip + count).map((facts) => ({ ...CardFactory.adaptiveCard(approvalCard(facts)), preview: previewOf(facts, locale) })),
  });
}

const searchTextOf = (facts: ApprovalFacts) =>
  [facts.requester.email, facts.requester.name, facts.command ?? '', facts.reason, ...facts.servers.map((server) => server.name)].join('\n').toLowerCase();

/**
 * The line in the search results: Vigil's words and names an admin gave (servers, emails); the
 * requester's own words (reason, command) stay on the card, where they are shown as typed.
 */
function previewOf(facts: ApprovalFacts, locale: Locale) {
  const servers = listWithin(
    facts.servers.map((server) => server.name),
    200,
  );
  return CardFactory.thumbnailCard(
    clip(say(locale, 'pending.preview', { title: requestTitle(facts, locale), servers }), 300),
    say(locale, 'pending.stillNeeded', { requester: facts.requester.email, count: facts.approvalsStillNeeded }),
  );
}
