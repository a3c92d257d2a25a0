/**
 * Approval policies: who may approve which requests, how many approvals they need, how long
 * reviewers have, and which sudo commands need no review. Admins manage them.
 */
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { labelsContain } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { conflictOnDuplicateName } from '../db/db-errors.js';
import {
  approvalPolicies,
  CHAT_APPROVAL_MODES,
  EXTENSION_APPROVAL_MODES,
  POLICY_REQUEST_KINDS,
  type ApprovalPolicyRow,
  type ChatApprovalMode,
  type PolicyRequestKind,
  type ServerRow,
} from '../db/tables/index.js';
import { BadInput, NotFound } from '../errors.js';
import { groupSchema } from '../identity/users.js';
import { labelKey } from '../identity/servers.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import { AUTO_APPROVAL_NEEDS_SCHEDULES, checkScheduleIntegrations, onCallSchedulesSchema, scheduleKeysOf } from '../oncall/policy-schedules.js';
import { normalizeCommand } from './command-patterns.js';

const labels = z
  .array(z.object({ key: labelKey, value: z.string().trim().max(256, 'must be at most 256 characters') }))
  .max(32, 'at most 32 labels')
  .refine((list) => new Set(list.map((label) => label.key)).size === list.length, 'has the same key twice');

const policyFields = {
  name: nameSchema(128),
  description: z.string().trim().max(1000, 'must be at most 1000 characters').nullish(),
  requestKinds: z
    .array(z.enum(POLICY_REQUEST_KINDS, { message: 'must be ACCESS or SUDO (an extension follows the policy of the session it extends)' }))
    .min(1, 'must name at least one kind')
    .max(2),
  serverLabels: labels,
  requesterGroups: z.array(groupSchema).max(100, 'at most 100 groups'),
  approverGroups: z.array(groupSchema).max(100, 'at most 100 groups'),
  isAdminApprover: z.boolean(),
  requiredApprovals: z.number().int().min(0, 'must be 0 or more').max(10, 'must be at most 10'),
  decisionTimeoutMinutes: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(30 * 24 * 60, 'must be at most 30 days'),
  isApprovalJustificationRequired: z.boolean(),
  autoApproveCommands: z.array(z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters')).max(200, 'at most 200 commands'),
  maxDurationMinutes: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(365 * 24 * 60, 'must be at most a year')
    .nullish(),
  chatApproval: z.enum(CHAT_APPROVAL_MODES),
  chatMaxDurationMinutes: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(365 * 24 * 60, 'must be at most a year')
    .nullish(),
  priority: z.number().int().min(-1000).max(1000),
  isEnabled: z.boolean(),
  isAccessSessionRequired: z.boolean(),
  isWatchAnnounced: z.boolean(),
  canApproversWatch: z.boolean(),
  extensionApproval: z.enum(EXTENSION_APPROVAL_MODES),
  onCallSchedules: onCallSchedulesSchema,
  isOnCallRequesterAutoApproved: z.boolean(),
  maxTotalDurationMinutes: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(365 * 24 * 60, 'must be at most a year')
    .nullish(),
};

const NOBODY_APPROVES = 'names nobody who may approve: allow admins or name approver groups or on-call schedules';
const TOTAL_BELOW_REQUEST = 'must be at least maxDurationMinutes: a session may not be requested longer than it may last in all';

/** Whether a total limit (extensions included) sits below the limit of one request, which would make no sense. */
const isTotalBelowRequest = (maxTotalSeconds: number | null | undefined, maxDurationSeconds: number | null | undefined) =>
  maxTotalSeconds != null && maxDurationSeconds != null && maxTotalSeconds < maxDurationSeconds;

const createPolicyInput = z
  .object({
    ...policyFields,
    serverLabels: policyFields.serverLabels.default([]),
    requesterGroups: policyFields.requesterGroups.default([]),
    approverGroups: policyFields.approverGroups.default([]),
    isAdminApprover: policyFields.isAdminApprover.default(true),
    requiredApprovals: policyFields.requiredApprovals.default(1),
    decisionTimeoutMinutes: policyFields.decisionTimeoutMinutes.default(60),
    isApprovalJustificationRequired: policyFields.isApprovalJustificationRequired.default(false),
    autoApproveCommands: policyFields.autoApproveCommands.default([]),
    chatApproval: policyFields.chatApproval.default('allowed'),
    priority: policyFields.priority.default(0),
    isEnabled: policyFields.isEnabled.default(true),
    isAccessSessionRequired: policyFields.isAccessSessionRequired.optional(),
    isWatchAnnounced: policyFields.isWatchAnnounced.optional(),
    canApproversWatch: policyFields.canApproversWatch.optional(),
    extensionApproval: policyFields.extensionApproval.optional(),
    onCallSchedules: policyFields.onCallSchedules.default([]),
    isOnCallRequesterAutoApproved: policyFields.isOnCallRequesterAutoApproved.optional(),
  })
  .refine((policy) => policy.requiredApprovals === 0 || policy.isAdminApprover || policy.approverGroups.length > 0 || policy.onCallSchedules.length > 0, {
    message: NOBODY_APPROVES,
    path: ['approverGroups'],
  })
  .refine((policy) => !policy.isOnCallRequesterAutoApproved || policy.onCallSchedules.length > 0, {
    message: AUTO_APPROVAL_NEEDS_SCHEDULES,
    path: ['isOnCallRequesterAutoApproved'],
  })
  .refine((policy) => !isTotalBelowRequest(policy.maxTotalDurationMinutes, policy.maxDurationMinutes), {
    message: TOTAL_BELOW_REQUEST,
    path: ['maxTotalDurationMinutes'],
  });

const updatePolicyInput = z.object(policyFields).partial();

export type CreatePolicyInput = z.input<typeof createPolicyInput>;
export type UpdatePolicyInput = z.input<typeof updatePolicyInput>;

type PolicyColumns = Partial<Omit<ApprovalPolicyRow, 'tenantId' | 'id' | 'createdAt' | 'deletedAt'>>;

function toColumns(input: Partial<z.output<typeof createPolicyInput>>): PolicyColumns {
  const columns: PolicyColumns = {};
  if (input.name !== undefined) columns.name = input.name;
  if (input.description !== undefined) columns.description = input.description ?? null;
  if (input.requestKinds !== undefined) columns.requestKinds = [...new Set(input.requestKinds)];
  if (input.serverLabels !== undefined) columns.serverLabels = Object.fromEntries(input.serverLabels.map((label) => [label.key, label.value]));
  if (input.requesterGroups !== undefined) columns.requesterGroups = [...new Set(input.requesterGroups)];
  if (input.approverGroups !== undefined) columns.approverGroups = [...new Set(input.approverGroups)];
  if (input.isAdminApprover !== undefined) columns.isAdminApprover = input.isAdminApprover;
  if (input.requiredApprovals !== undefined) columns.requiredApprovals = input.requiredApprovals;
  if (input.decisionTimeoutMinutes !== undefined) columns.decisionTimeoutSeconds = input.decisionTimeoutMinutes * 60;
  if (input.isApprovalJustificationRequired !== undefined) columns.isApprovalJustificationRequired = input.isApprovalJustificationRequired;
  if (input.autoApproveCommands !== undefined) columns.autoApproveCommands = [...new Set(input.autoApproveCommands.map(normalizeCommand))];
  if (input.maxDurationMinutes !== undefined) columns.maxDurationSeconds = input.maxDurationMinutes == null ? null : input.maxDurationMinutes * 60;
  if (input.chatApproval !== undefined) columns.chatApproval = input.chatApproval;
  if (input.chatMaxDurationMinutes !== undefined)
    columns.chatMaxDurationSeconds = input.chatMaxDurationMinutes == null ? null : input.chatMaxDurationMinutes * 60;
  if (input.priority !== undefined) columns.priority = input.priority;
  if (input.isEnabled !== undefined) columns.isEnabled = input.isEnabled;
  // Left null unless set: the leaves of policies that never said keep their text (migrations 0021, 0022).
  if (input.isAccessSessionRequired !== undefined) columns.requiresAccessSession = input.isAccessSessionRequired;
  if (input.isWatchAnnounced !== undefined) columns.watchAnnounced = input.isWatchAnnounced;
  if (input.canApproversWatch !== undefined) columns.watchByApprovers = input.canApproversWatch;
  // Null unless set, as above (migration 0026).
  if (input.extensionApproval !== undefined) columns.extensionApproval = input.extensionApproval;
  if (input.maxTotalDurationMinutes !== undefined)
    columns.maxTotalDurationSeconds = input.maxTotalDurationMinutes == null ? null : input.maxTotalDurationMinutes * 60;
  // Null unless set, as above (migration 0029).
  if (input.onCallSchedules !== undefined) columns.onCallSchedules = scheduleKeysOf(input.onCallSchedules);
  if (input.isOnCallRequesterAutoApproved !== undefined) columns.onCallAutoApproval = input.isOnCallRequesterAutoApproved;
  return columns;
}

export const policySnapshot = (row: ApprovalPolicyRow) => {
  const { tenantId: _tenantId, createdAt: _createdAt, updatedAt: _updatedAt, ...facts } = row;
  return facts;
};

const duplicateName = (error: unknown, name: string | undefined): never =>
  conflictOnDuplicateName(error, `An approval policy named ${name} already exists in this tenant`);

export async function createApprovalPolicy(ctx: TransactionContext, input: CreatePolicyInput): Promise<ApprovalPolicyRow> {
  const parsed = parseInput(createPolicyInput, input, 'input');
  await checkScheduleIntegrations(ctx.db, ctx.actor.tenantId, parsed.onCallSchedules, 'input.onCallSchedules');
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(approvalPolicies)
    .values({
      ...toColumns(parsed),
      name: parsed.name,
      requestKinds: parsed.requestKinds,
      tenantId: ctx.actor.tenantId,
      id: newId(),
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'approval_policy.created',
    resource: { type: 'approval_policy', id: row.id, name: row.name },
    after: policySnapshot(row),
    activityDetails: { policyId: row.id, name: row.name },
  });
  return row;
}

export async function getApprovalPolicy(db: Executor, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<ApprovalPolicyRow> {
  const query = db
    .select()
    .from(approvalPolicies)
    .where(and(eq(approvalPolicies.tenantId, tenantId), eq(approvalPolicies.id, id), isNull(approvalPolicies.deletedAt)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw new NotFound('Approval policy', id);
  return row;
}

export async function updateApprovalPolicy(ctx: TransactionContext, id: string, input: UpdatePolicyInput): Promise<ApprovalPolicyRow> {
  const parsed = parseInput(updatePolicyInput, input, 'input');
  const before = await getApprovalPolicy(ctx.db, ctx.actor.tenantId, id, { forUpdate: true });
  if (parsed.onCallSchedules) await checkScheduleIntegrations(ctx.db, ctx.actor.tenantId, parsed.onCallSchedules, 'input.onCallSchedules');
  const merged = { ...before, ...toColumns(parsed) };
  const hasSchedules = (merged.onCallSchedules ?? []).length > 0;
  if (merged.requiredApprovals > 0 && !merged.isAdminApprover && merged.approverGroups.length === 0 && !hasSchedules) {
    throw new BadInput('input.approverGroups', `input.approverGroups: ${NOBODY_APPROVES}`);
  }
  if (merged.onCallAutoApproval === true && !hasSchedules) {
    throw new BadInput('input.isOnCallRequesterAutoApproved', `input.isOnCallRequesterAutoApproved: ${AUTO_APPROVAL_NEEDS_SCHEDULES}`);
  }
  if (isTotalBelowRequest(merged.maxTotalDurationSeconds, merged.maxDurationSeconds)) {
    throw new BadInput('input.maxTotalDurationMinutes', `input.maxTotalDurationMinutes: ${TOTAL_BELOW_REQUEST}`);
  }
  const row = await ctx.db
    .update(approvalPolicies)
    .set({ ...toColumns(parsed), updatedAt: ctx.clock.now() })
    .where(and(eq(approvalPolicies.tenantId, ctx.actor.tenantId), eq(approvalPolicies.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'approval_policy.updated',
    resource: { type: 'approval_policy', id, name: row.name },
    before: policySnapshot(before),
    after: policySnapshot(row),
    activityDetails: { policyId: id, name: row.name },
  });
  return row;
}

/** Retires a policy: it governs no new request, and the requests it governed keep naming it. */
export async function deleteApprovalPolicy(ctx: TransactionContext, id: string): Promise<ApprovalPolicyRow> {
  const before = await getApprovalPolicy(ctx.db, ctx.actor.tenantId, id, { forUpdate: true });
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(approvalPolicies)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(approvalPolicies.tenantId, ctx.actor.tenantId), eq(approvalPolicies.id, id)))
    .returning();
  await recordChange(ctx, {
    action: 'approval_policy.deleted',
    resource: { type: 'approval_policy', id, name: before.name },
    before: policySnapshot(before),
    activityDetails: { policyId: id, name: before.name },
  });
  return row!;
}

export async function listApprovalPolicies(db: Executor, tenantId: string, args: PageArgs): Promise<Page<ApprovalPolicyRow>> {
  return fetchPage(
    args,
    [approvalPolicies.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(approvalPolicies)
        .where(and(eq(approvalPolicies.tenantId, tenantId), isNull(approvalPolicies.deletedAt), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** The rules a request is held to, copied from its policy (or Vigil's defaults) when it is made. */
export interface ApprovalRules {
  policyId: string | null;
  policyName: string | null;
  requiredApprovals: number;
  approverGroups: string[];
  isAdminApprover: boolean;
  isApprovalJustificationRequired: boolean;
  decisionTimeoutSeconds: number;
  autoApproveCommands: string[];
  maxDurationSeconds: number | null;
  chatApproval: ChatApprovalMode;
  chatMaxDurationSeconds: number | null;
  /** Whether a session on the servers concerned needs an access session in force (authorize-session.ts). */
  isAccessSessionRequired: boolean;
  /** Whether a live watch of such a session is announced to its user (server/directives/announce-watch.ts). */
  isWatchAnnounced: boolean;
  /** Whether the approvers of an access session it governed may watch its terminal sessions live. */
  canApproversWatch: boolean;
  /** On-call schedules whose people on call may approve, besides the groups (server/oncall/schedule-keys.ts). */
  onCallSchedules: string[];
  /** Whether a requester on call for one of them is approved on the spot (server/oncall/on-call-approval.ts). */
  isOnCallRequesterAutoApproved: boolean;
}

/** When no policy governs a request: one approval by an admin, within an hour; no auto-approval. */
export const DEFAULT_RULES: ApprovalRules = {
  policyId: null,
  policyName: null,
  requiredApprovals: 1,
  approverGroups: [],
  isAdminApprover: true,
  isApprovalJustificationRequired: false,
  decisionTimeoutSeconds: 3600,
  autoApproveCommands: [],
  maxDurationSeconds: null,
  chatApproval: 'allowed',
  chatMaxDurationSeconds: null,
  isAccessSessionRequired: false,
  isWatchAnnounced: false,
  canApproversWatch: false,
  onCallSchedules: [],
  isOnCallRequesterAutoApproved: false,
};

/**
 * The policy that governs a request of `kind` by someone in `requesterGroups` for `servers`: of
 * the enabled policies covering the kind, whose labels any of the servers carries and whose
 * requester groups include the requester (or are empty), the one with the highest priority (the
 * oldest, on a tie). "Any server" on purpose: adding a dev server to a request for a prod server
 * must not escape the prod policy.
 */
export async function governingRules(
  db: Executor,
  tenantId: string,
  kind: PolicyRequestKind,
  requesterGroups: readonly string[],
  servers: readonly ServerRow[],
): Promise<ApprovalRules> {
  const policy = await governingPolicy(db, tenantId, kind, requesterGroups, servers);
  return policy ? rulesOf(policy) : DEFAULT_RULES;
}

/** The policy governingRules reads its rules from; undefined when none governs (Vigil's defaults). */
export async function governingPolicy(
  db: Executor,
  tenantId: string,
  kind: PolicyRequestKind,
  requesterGroups: readonly string[],
  servers: readonly ServerRow[],
): Promise<ApprovalPolicyRow | undefined> {
  const candidates = await db
    .select()
    .from(approvalPolicies)
    .where(
      and(
        eq(approvalPolicies.tenantId, tenantId),
        isNull(approvalPolicies.deletedAt),
        eq(approvalPolicies.isEnabled, true),
        sql`${kind} = any(${approvalPolicies.requestKinds})`,
      ),
    )
    .orderBy(desc(approvalPolicies.priority), asc(approvalPolicies.id));
  return candidates.find(
    (candidate) =>
      servers.some((server) => labelsContain(server.labels, candidate.serverLabels)) &&
      (candidate.requesterGroups.length === 0 || candidate.requesterGroups.some((group) => requesterGroups.includes(group))),
  );
}

/** The rules a request governed by `policy` is held to. */
export function rulesOf(policy: ApprovalPolicyRow): ApprovalRules {
  return {
    policyId: policy.id,
    policyName: policy.name,
    requiredApprovals: policy.requiredApprovals,
    approverGroups: policy.approverGroups,
    isAdminApprover: policy.isAdminApprover,
    isApprovalJustificationRequired: policy.isApprovalJustificationRequired,
    decisionTimeoutSeconds: policy.decisionTimeoutSeconds,
    autoApproveCommands: policy.autoApproveCommands,
    maxDurationSeconds: policy.maxDurationSeconds,
    chatApproval: policy.chatApproval,
    chatMaxDurationSeconds: policy.chatMaxDurationSeconds,
    isAccessSessionRequired: policy.requiresAccessSession === true,
    isWatchAnnounced: policy.watchAnnounced === true,
    canApproversWatch: policy.watchByApprovers === true,
    onCallSchedules: policy.onCallSchedules ?? [],
    isOnCallRequesterAutoApproved: policy.onCallAutoApproval === true,
  };
}
