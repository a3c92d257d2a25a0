/**
 * A campaign's result as CSV: one row per item (the grant, whose, who was to review it, what they
 * decided and why, and whether a revoke found the grant or found it gone), cells through the
 * exports' csvCell (formula neutralisation) and RFC 4180 rows (csvChunks). Each item's id is its
 * record id in the verifiable log: `logInclusionProof(recordId: <item id>)` proves its decision.
 */
import { requireAdmin } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { columnsByIds } from '../db/rows-by-ids.js';
import { users, type AccessReviewItemRow, type AccessReviewRow } from '../db/tables/index.js';
import { csvChunks } from '../export/csv-chunks.js';
import { csvCell } from '../export/csv-cells.js';
import { BadInput } from '../errors.js';
import type { ServiceContext } from '../service-context.js';
import { reviewerIdentity } from './access-reviews.js';
import { allReviewItems, getAccessReview } from './review-queries.js';
import type { ReviewerIdentity } from '../auth/scope.js';

export const REVIEW_CSV_HEADER = [
  'review_id',
  'review_name',
  'item_id',
  'item_kind',
  'subject_user_id',
  'subject_email',
  'grant_ref',
  'grant_snapshot',
  'assigned_reviewer_email',
  'decision',
  'reason',
  'decided_by_email',
  'decided_at',
  'revoke_outcome',
  'revoked_at',
] as const;

/** The CSV text of the campaign's items the reader sees (all of them for admins). */
export async function* reviewCsvChunks(db: Executor, who: ReviewerIdentity, review: AccessReviewRow): AsyncGenerator<string> {
  const items = await allReviewItems(db, who, review);
  const people = new Set(items.flatMap((item) => [item.subjectUserId, item.assignedReviewerId, item.decidedById]).filter((id): id is string => id !== null));
  const emails = new Map((await columnsByIds(db, users, ['id', 'email'], review.tenantId, [...people])).map((user) => [user.id, user.email]));
  const email = (id: string | null) => (id ? (emails.get(id) ?? id) : null);
  const row = (item: AccessReviewItemRow) =>
    [
      review.id,
      review.name,
      item.id,
      item.itemKind,
      item.subjectUserId,
      email(item.subjectUserId),
      item.grantRef,
      item.grantSnapshot,
      email(item.assignedReviewerId),
      item.decision,
      item.reason,
      email(item.decidedById),
      item.decidedAt,
      item.revokeOutcome,
      item.revokedAt,
    ].map(csvCell);
  yield* csvChunks(REVIEW_CSV_HEADER, single(items.map(row)));
}

async function* single<T>(value: T): AsyncGenerator<T> {
  yield value;
}

export async function reviewCsv(db: Executor, who: ReviewerIdentity, review: AccessReviewRow): Promise<string> {
  let text = '';
  for await (const chunk of reviewCsvChunks(db, who, review)) text += chunk;
  return text;
}

/** The export route's start (GET /export/access-review.csv?id=…): admins only, the whole campaign. */
export async function startReviewExport(ctx: ServiceContext, id: string | undefined): Promise<AsyncGenerator<string>> {
  requireAdmin(ctx.actor);
  if (!id) throw new BadInput('id', 'id: name the access review to export');
  const who = await reviewerIdentity(ctx.db, ctx.actor);
  return reviewCsvChunks(ctx.db, who, await getAccessReview(ctx.db, who, id));
}
