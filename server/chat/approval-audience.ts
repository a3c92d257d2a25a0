/**
 * Who a chat notifier tells about a request, read here so that the bots touch no table: the
 * eligible reviewers of an approval, and the emails of users to find in the chat workspace.
 */
import { reviewersOf } from '../approvals/approval-notifications.js';
import type { Executor } from '../db/database.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import { approvals, users } from '../db/tables/index.js';
import type { OnCallLookup } from '../oncall/on-call-directory.js';

/** The users who may decide the approval (those on call for its schedules asked of `onCall`), or undefined when there is no such approval. */
export async function reviewerIdsOfApproval(db: Executor, tenantId: string, approvalId: string, onCall?: OnCallLookup): Promise<string[] | undefined> {
  const [approval] = await rowsByIds(db, approvals, tenantId, [approvalId]);
  return approval ? reviewersOf(db, approval, onCall) : undefined;
}

/** The emails of the tenant's users among `userIds`. */
export async function emailsOfUsers(db: Executor, tenantId: string, userIds: readonly string[]): Promise<{ id: string; email: string }[]> {
  return (await rowsByIds(db, users, tenantId, [...userIds])).map((user) => ({ id: user.id, email: user.email }));
}
