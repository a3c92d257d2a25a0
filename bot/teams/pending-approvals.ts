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
import { aadTenantOf, callerOf, notConnected, UNMAPPED, workspaceOf } from './teams-callers.js';
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
const say = (turn: TurnContext, text: string) => respond(turn, { type: 'message', text: forTeams(text) });

export async function onPendingApprovalsQuery(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  const query = (turn.activity.value ?? {}) as QueryValue;
  if (query.commandId !== PENDING_APPROVALS_COMMAND) return void (await say(turn, 'That command is out of date: update the Vigil app.'));
  const workspace = await workspaceOf(ctx, turn);
  if (!workspace) return void (await say(turn, notConnected(aadTenantOf(turn))));
  const caller = await callerOf(ctx, workspace, turn);
  if (!caller) return void (await say(turn, UNMAPPED));
  const result = await runOperation<{ approvalsToReview: { nodes: ApprovalFacts[] } }>(ctx.schema, ctx.deps, caller, TO_REVIEW, { first: SEARCHED });
  if (result.error) return void (await say(turn, result.error.message));
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
    attachments: found.slice(skip, skip + count).map((facts) => ({ ...CardFactory.adaptiveCard(approvalCard(facts)), preview: previewOf(facts) })),
  });
}

const searchTextOf = (facts: ApprovalFacts) =>
  [facts.requester.email, facts.requester.name, facts.command ?? '', facts.reason, ...facts.servers.map((server) => server.name)].join('\n').toLowerCase();

/**
 * The line in the search results: Vigil's words and names an admin gave (servers, emails); the
 * requester's own words (reason, command) stay on the card, where they are shown as typed.
 */
function previewOf(facts: ApprovalFacts) {
  const servers = listWithin(
    facts.servers.map((server) => server.name),
    200,
  );
  const needed = `${facts.approvalsStillNeeded} approval${facts.approvalsStillNeeded === 1 ? '' : 's'} still needed`;
  return CardFactory.thumbnailCard(clip(`${requestTitle(facts)}: ${servers}`, 300), `${facts.requester.email} · ${needed}`);
}
