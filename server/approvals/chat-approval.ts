/**
 * Whether a request may be decided in Slack or Teams, from the rules copied onto it from its
 * policy: one answer for the bots (which then show no buttons) and for decideApproval (which
 * refuses a chat decision), so the two never disagree.
 */
import type { ApprovalRow } from '../db/tables/index.js';

export interface ChatRefusal {
  /** Why, as a sentence without its full stop. */
  readonly reason: string;
  readonly details: Record<string, unknown>;
}

type ChatRules = Pick<ApprovalRow, 'policyName' | 'chatApproval' | 'kind' | 'durationSeconds' | 'chatMaxDurationSeconds'>;

export function chatDecisionRefusal(approval: ChatRules): ChatRefusal | null {
  const policy = approval.policyName ? `The policy ${approval.policyName}` : 'Vigil';
  if (approval.chatApproval === 'disabled') return { reason: `${policy} does not allow deciding this request in chat`, details: { chatApproval: 'DISABLED' } };
  // An extension grants its length of access as a request does: the same limit holds for it.
  const grantsTime = approval.kind === 'access' || approval.kind === 'extension';
  if (grantsTime && approval.chatMaxDurationSeconds != null && (approval.durationSeconds ?? 0) > approval.chatMaxDurationSeconds) {
    const minutes = approval.chatMaxDurationSeconds / 60;
    return { reason: `${policy} allows deciding in chat only requests of up to ${minutes} minutes`, details: { chatMaxDurationMinutes: minutes } };
  }
  return null;
}
