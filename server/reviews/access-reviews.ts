/**
 * Access review campaigns: an admin starts one over kinds of grant (server/reviews/review-grants.ts)
 * with reviewers and a due date, optionally recurring (a cron expression in a time zone); the
 * grants in force are snapshotted into items in the same transaction, each assigned to a reviewer
 * who does not hold it. Deciding the items and closing the campaign: review-decisions.ts; the
 * recurrence, reminders and escalation: review-job.ts. Campaigns and items are leaves of the
 * verifiable log, each written with its audit entry.
 */
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { requireAdmin } from '../auth/scope.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import type { Executor } from '../db/database.js';
import { accessReviewItems, accessReviews, REVIEW_ITEM_KINDS, users, type AccessReviewItemRow, type AccessReviewRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { getUser, groupSchema, isWorkspaceAdminSql } from '../identity/users.js';
import { isUuid, newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import { currentGrants, type GrantItem } from './review-grants.js';
import { parseRecurrence, storedRecurrence } from './review-schedule.js';
import { requireReviewer, type ReviewerIdentity } from '../auth/scope.js';

/** A campaign and an item as the layers above the services hold them. */
export type { AccessReviewRow as AccessReviewRecord, AccessReviewItemRow as AccessReviewItemRecord };

const createReviewInput = z.object({
  name: nameSchema(),
  description: z.string().trim().max(2000, 'must be at most 2000 characters').default(''),
  grantKinds: z
    .array(z.enum(REVIEW_ITEM_KINDS))
    .min(1, 'must name at least one kind of grant')
    .transform((kinds) => [...new Set(kinds)]),
  tokenMinAgeDays: z.number().int('must be a whole number').min(0, 'must not be negative').max(3650, 'must be at most 3650').nullish(),
  reviewerIds: z
    .array(z.string().refine(isUuid, 'must be user ids'))
    .max(100, 'at most 100 reviewers')
    .default([])
    .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]),
  reviewerGroups: z
    .array(groupSchema)
    .max(50, 'at most 50 groups')
    .default([])
    .transform((groups) => [...new Set(groups)]),
  dueAt: z.date(),
  recurrence: z.string().trim().max(200, 'is too long').nullish(),
  timeZone: z.string().trim().max(100, 'is too long').nullish(),
});

export type CreateReviewInput = z.input<typeof createReviewInput>;

/** The next run of a recurring campaign's schedule after its period started; null for a one-off. */
export function nextRunOf(review: Pick<AccessReviewRow, 'recurrence' | 'timeZone' | 'periodStart'>): Date | null {
  if (!review.recurrence || !review.timeZone) return null;
  return storedRecurrence(review.recurrence, review.timeZone).nextRun(review.periodStart);
}

/** What a campaign is made of; a recurring one's next campaign repeats it for the next period. */
export type CampaignSpec = Pick<
  AccessReviewRow,
  | 'seriesId'
  | 'name'
  | 'description'
  | 'grantKinds'
  | 'tokenMinAgeDays'
  | 'reviewerIds'
  | 'reviewerGroups'
  | 'periodStart'
  | 'dueAt'
  | 'recurrence'
  | 'timeZone'
  | 'createdById'
>;

export async function createAccessReview(ctx: TransactionContext, input: CreateReviewInput): Promise<AccessReviewRow> {
  const admin = requireAdmin(ctx.actor);
  const parsed = parseInput(createReviewInput, input, 'input');
  const now = ctx.clock.now();
  if (parsed.dueAt <= now) throw new BadInput('input.dueAt', 'input.dueAt: must be in the future');
  let recurrence: { recurrence: string; timeZone: string } | null = null;
  if (parsed.recurrence) {
    const timeZone = parsed.timeZone || 'UTC';
    parseRecurrence(parsed.recurrence, timeZone, 'input.recurrence', 'input.timeZone');
    recurrence = { recurrence: parsed.recurrence.split(/\s+/).join(' '), timeZone };
  } else if (parsed.timeZone) {
    throw new BadInput('input.timeZone', 'input.timeZone: only a recurring review (with a recurrence) has a time zone');
  }
  await assertReviewersExist(ctx.db, admin.tenantId, parsed.reviewerIds);
  const created = await startCampaign(ctx, {
    seriesId: newId(),
    name: parsed.name,
    description: parsed.description,
    grantKinds: parsed.grantKinds,
    tokenMinAgeDays: parsed.tokenMinAgeDays ?? null,
    reviewerIds: parsed.reviewerIds,
    reviewerGroups: parsed.reviewerGroups,
    periodStart: now,
    dueAt: parsed.dueAt,
    recurrence: recurrence?.recurrence ?? null,
    timeZone: recurrence?.timeZone ?? null,
    createdById: admin.type === 'user' ? admin.userId : null,
  });
  return created!;
}

async function assertReviewersExist(db: Executor, tenantId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), inArray(users.id, [...ids]), isNull(users.disabledAt)));
  const missing = ids.find((id) => !found.some((row) => row.id === id));
  if (missing) throw new BadInput('input.reviewerIds', `input.reviewerIds: no enabled user ${missing} in this tenant`);
}

/** The people who review: named ones and members of the reviewer groups, enabled, in a stable order. */
async function reviewersOf(db: Executor, tenantId: string, spec: Pick<CampaignSpec, 'reviewerIds' | 'reviewerGroups'>): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.tenantId, tenantId),
        isNull(users.disabledAt),
        or(sql`${users.id} = any(${arrayLiteral(spec.reviewerIds)}::uuid[])`, sql`${users.groups} && ${arrayLiteral(spec.reviewerGroups)}::text[]`),
      ),
    )
    .orderBy(asc(users.id));
  return rows.map((row) => row.id);
}

async function adminsOf(db: Executor, tenantId: string): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), isWorkspaceAdminSql, isNull(users.disabledAt)))
    .orderBy(asc(users.id));
  return rows.map((row) => row.id);
}

/**
 * Each item to a reviewer in turn, never to the grant's holder; when no named reviewer is left
 * for an item (they review only themselves), to an admin who is not its holder.
 */
function assignReviewers(items: readonly GrantItem[], reviewers: readonly string[], admins: readonly string[]): (string | null)[] {
  let turn = 0;
  return items.map((item) => {
    const eligible = reviewers.filter((id) => id !== item.subjectUserId);
    if (eligible.length > 0) return eligible[turn++ % eligible.length]!;
    return admins.find((id) => id !== item.subjectUserId) ?? null;
  });
}

const ITEMS_PER_INSERT = 500;

/**
 * Writes a campaign and its items (the grants in force now), with its audit entry. Returns
 * undefined when the series already has a campaign for this period (another instance started
 * it): the unique (tenant, series, period) decides, and nothing is written.
 */
export async function startCampaign(ctx: TransactionContext, spec: CampaignSpec): Promise<AccessReviewRow | undefined> {
  const tenantId = ctx.actor.tenantId;
  const now = ctx.clock.now();
  const [review] = await ctx.db
    .insert(accessReviews)
    .values({ ...spec, tenantId, id: newId(), status: 'open', createdAt: now })
    .onConflictDoNothing({ target: [accessReviews.tenantId, accessReviews.seriesId, accessReviews.periodStart] })
    .returning();
  if (!review) return undefined;
  const grants = await currentGrants(ctx.db, spec.grantKinds as GrantItem['itemKind'][], { tenantId, now, tokenMinAgeDays: spec.tokenMinAgeDays });
  const assignees = assignReviewers(grants, await reviewersOf(ctx.db, tenantId, spec), await adminsOf(ctx.db, tenantId));
  for (let start = 0; start < grants.length; start += ITEMS_PER_INSERT) {
    await ctx.db.insert(accessReviewItems).values(
      grants.slice(start, start + ITEMS_PER_INSERT).map((grant, index) => ({
        ...grant,
        tenantId,
        id: newId(),
        reviewId: review.id,
        assignedReviewerId: assignees[start + index] ?? null,
        createdAt: now,
      })),
    );
  }
  await recordChange(ctx, {
    action: 'access_review.created',
    resource: { type: 'access_review', id: review.id, name: review.name },
    after: { ...reviewSnapshot(review), items: grants.length },
  });
  return review;
}

export const reviewSnapshot = (row: AccessReviewRow) => ({
  id: row.id,
  seriesId: row.seriesId,
  name: row.name,
  grantKinds: row.grantKinds,
  reviewerIds: row.reviewerIds,
  reviewerGroups: row.reviewerGroups,
  periodStart: row.periodStart,
  dueAt: row.dueAt,
  recurrence: row.recurrence,
  timeZone: row.timeZone,
  status: row.status,
});

/** The person acting, with the groups they are in now. */
export async function reviewerIdentity(db: Executor, actor: Parameters<typeof requireReviewer>[0]): Promise<ReviewerIdentity> {
  const person = requireReviewer(actor);
  const user = await getUser(db, person.tenantId, person.userId);
  return { actor: person, groups: user.groups };
}

export async function lockReview(db: Executor, tenantId: string, id: string, mode: 'update' | 'share'): Promise<AccessReviewRow> {
  if (!isUuid(id)) throw new NotFound('Access review', id);
  const [row] = await db
    .select()
    .from(accessReviews)
    .where(and(eq(accessReviews.tenantId, tenantId), eq(accessReviews.id, id)))
    .for(mode);
  if (!row) throw new NotFound('Access review', id);
  return row;
}

export function assertOpen(review: AccessReviewRow): void {
  if (review.status !== 'open') throw new Conflict(`This access review is ${review.status}`, { status: review.status });
}
