import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireActor, requireAdmin } from '../../server/auth/scope.js';
import {
  createOnCallIntegration,
  deleteOnCallIntegration,
  getOnCallIntegration,
  listOnCallIntegrations,
  updateOnCallIntegration,
} from '../../server/oncall/on-call-integrations.js';
import { usersOnCall } from '../../server/oncall/on-call-people.js';
import type { OnCallCheck as OnCallCheckRecord } from '../../server/oncall/on-call-approval.js';
import { scheduleIdSchema } from '../../server/oncall/policy-schedules.js';
import { scheduleKey } from '../../server/oncall/schedule-keys.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId, parseInput } from '../../server/validation.js';
import { Approval } from '../approvals/approval.type.js';
import { ApprovalPolicy } from '../approvals/approval-policy.type.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { CreateOnCallIntegrationInput, UpdateOnCallIntegrationInput } from './inputs.js';
import { OnCallCheck, OnCallIntegration, OnCallIntegrationConnection, OnCallScheduleRef, OnCallScheduleStatus } from './on-call.type.js';

/** Each schedule of `keys` now, with the tenant's users on call for it. */
async function statusesOf(ctx: GraphQLContext, tenantId: string, keys: readonly string[]): Promise<OnCallScheduleStatus[]> {
  if (keys.length === 0) return [];
  const [states, people] = await Promise.all([ctx.onCall.schedules(ctx.deps.db, tenantId, keys), usersOnCall(ctx.onCall, ctx.deps.db, tenantId, keys)]);
  return states.map((state) => OnCallScheduleStatus.from(state, people));
}

@Resolver(() => OnCallIntegration)
export class OnCallResolver {
  @Query(() => OnCallIntegrationConnection, { description: 'The tenant’s on-call integrations (PagerDuty, Opsgenie). Admins only.' })
  async onCallIntegrations(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<OnCallIntegrationConnection> {
    const admin = requireAdmin(ctx.actor);
    return toConnection(await listOnCallIntegrations(ctx.deps.db, admin.tenantId, page), OnCallIntegration.from);
  }

  @Query(() => OnCallScheduleStatus, {
    description:
      'Who is on call now for a schedule of an integration, as Vigil would count them: a check of the key, the schedule id and the email matching. Admins only.',
  })
  async onCallSchedule(
    @Ctx() ctx: GraphQLContext,
    @Arg('integrationId', () => ID) integrationId: string,
    @Arg('scheduleId', () => String) scheduleId: string,
  ): Promise<OnCallScheduleStatus> {
    const admin = requireAdmin(ctx.actor);
    const integration = await getOnCallIntegration(ctx.deps.db, admin.tenantId, parseId('integrationId', integrationId));
    const schedule = parseInput(scheduleIdSchema, scheduleId, 'scheduleId');
    const [status] = await statusesOf(ctx, admin.tenantId, [scheduleKey({ integrationId: integration.id, scheduleId: schedule })]);
    return status!;
  }

  @Mutation(() => OnCallIntegration, { description: 'Connects an on-call service; the API key is sealed and never returned. Admins only.' })
  async createOnCallIntegration(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateOnCallIntegrationInput) input: CreateOnCallIntegrationInput,
  ): Promise<OnCallIntegration> {
    requireAdmin(ctx.actor);
    const row = await inTransaction(serviceContext(ctx), (tx) => createOnCallIntegration(tx, ctx.deps.secretBox, { ...input }));
    return OnCallIntegration.from(row);
  }

  @Mutation(() => OnCallIntegration, { description: 'Renames an on-call integration or replaces its API key. Admins only.' })
  async updateOnCallIntegration(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateOnCallIntegrationInput) input: UpdateOnCallIntegrationInput,
  ): Promise<OnCallIntegration> {
    requireAdmin(ctx.actor);
    const changes = { name: input.name ?? undefined, apiKey: input.apiKey ?? undefined };
    return OnCallIntegration.from(
      await inTransaction(serviceContext(ctx), (tx) => updateOnCallIntegration(tx, ctx.deps.secretBox, parseId('id', id), changes)),
    );
  }

  @Mutation(() => OnCallIntegration, { description: 'Removes an on-call integration; a CONFLICT while a policy names its schedules. Admins only.' })
  async deleteOnCallIntegration(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<OnCallIntegration> {
    requireAdmin(ctx.actor);
    return OnCallIntegration.from(await inTransaction(serviceContext(ctx), (tx) => deleteOnCallIntegration(tx, parseId('id', id))));
  }
}

@Resolver(() => ApprovalPolicy)
export class ApprovalPolicyOnCallResolver {
  @FieldResolver(() => [OnCallScheduleRef], {
    description: 'On-call schedules whose people on call may approve (with approvals.decide), besides the approver groups.',
  })
  onCallSchedules(@Root() policy: ApprovalPolicy): OnCallScheduleRef[] {
    return (policy.record.onCallSchedules ?? []).map((key) => OnCallScheduleRef.fromKey(key));
  }

  @FieldResolver(() => Boolean, { description: 'Whether a request by someone on call for one of its schedules is approved on the spot (audited as such).' })
  isOnCallRequesterAutoApproved(@Root() policy: ApprovalPolicy): boolean {
    return policy.record.onCallAutoApproval === true;
  }
}

@Resolver(() => Approval)
export class ApprovalOnCallResolver {
  @FieldResolver(() => [OnCallScheduleStatus], {
    description: 'The on-call schedules whose people may decide it (copied from its policy), each with who is on call now, or why that is unknown.',
  })
  onCallSchedules(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<OnCallScheduleStatus[]> {
    return statusesOf(ctx, requireActor(ctx.actor).tenantId, approval.record.onCallSchedules ?? []);
  }

  @FieldResolver(() => OnCallCheck, {
    nullable: true,
    description: 'Whether the requester was on call when it was filed, under a policy approving on-call requesters on the spot; null otherwise.',
  })
  onCallCheck(@Root() approval: Approval): OnCallCheck | null {
    const check = approval.record.onCallCheck as OnCallCheckRecord | null | undefined;
    return check ? OnCallCheck.from(check) : null;
  }
}
