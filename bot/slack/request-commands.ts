/** `/access` and `/sudo`: requests made through the same mutations as the API, as the caller. */
import type { App } from '@slack/bolt';
import { describeRequest, type ApprovalFacts } from '../shared/approval-facts.js';
import { parseAccessCommand, parseSudoCommand } from '../shared/request-commands.js';
import { runOperation } from '../shared/run-operation.js';
import { line, type SlackMessage } from './blocks.js';
import { callerOf, NOT_CONNECTED, UNMAPPED, workspaceOf } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

const ephemeral = (message: SlackMessage) => ({ response_type: 'ephemeral' as const, ...message });
const REQUEST_FIELDS = 'id kind status command isPattern durationMinutes policyName approvalsStillNeeded servers { name labels { key value } }';

function outcome(approval: Pick<ApprovalFacts, 'id' | 'kind' | 'status' | 'command' | 'isPattern' | 'servers' | 'policyName' | 'approvalsStillNeeded'>): string {
  const what = describeRequest(approval as ApprovalFacts);
  if (approval.status === 'APPROVED') return `Approved at once${approval.policyName ? ` by the policy ${approval.policyName}` : ''}: ${what}.`;
  return `Requested ${what}: waiting for ${approval.approvalsStillNeeded} approval${approval.approvalsStillNeeded === 1 ? '' : 's'}. You will hear back here.`;
}

export function registerRequestCommands(app: App, ctx: SlackContext): void {
  const handle = (name: '/access' | '/sudo') =>
    app.command(name, async ({ command, ack }) => {
      const workspace = await workspaceOf(ctx.db, command.team_id);
      if (!workspace) return ack(ephemeral(line(NOT_CONNECTED)));
      const parsed = name === '/access' ? parseAccessCommand(command.text ?? '') : parseSudoCommand(command.text ?? '');
      if ('error' in parsed) return ack(ephemeral(line(parsed.error)));
      const caller = await callerOf(ctx, workspace, command.user_id);
      if (!caller) return ack(ephemeral(line(UNMAPPED)));
      const mutation =
        name === '/access'
          ? `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { ${REQUEST_FIELDS} } }`
          : `mutation($input: RequestSudoInput!) { requestSudo(input: $input) { ${REQUEST_FIELDS} } }`;
      const result = await runOperation<Record<string, ApprovalFacts>>(ctx.schema, ctx.deps, caller, mutation, { input: parsed.input });
      if (result.error) return ack(ephemeral(line(`Not requested: ${result.error.message}`)));
      return ack(ephemeral(line(outcome(Object.values(result.data)[0]!))));
    });
  handle('/access');
  handle('/sudo');
}
