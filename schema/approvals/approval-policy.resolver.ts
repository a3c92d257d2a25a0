import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import {
  createApprovalPolicy,
  deleteApprovalPolicy,
  getApprovalPolicy,
  listApprovalPolicies,
  updateApprovalPolicy,
  type UpdatePolicyInput,
} from '../../server/approvals/approval-policies.js';
import { requireAdmin } from '../../server/auth/scope.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { ApprovalPolicy, ApprovalPolicyConnection } from './approval-policy.type.js';
import { CreateApprovalPolicyInput, UpdateApprovalPolicyInput } from './inputs.js';

/** GraphQL input objects as plain values, with absent fields left out (so an update keeps them). */
function plainPolicyInput(input: CreateApprovalPolicyInput | UpdateApprovalPolicyInput): UpdatePolicyInput {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...input })) {
    if (value === undefined || (value === null && key !== 'description' && key !== 'maxDurationMinutes')) continue;
    plain[key] = key === 'serverLabels' || key === 'onCallSchedules' ? (value as object[]).map((entry) => ({ ...entry })) : value;
  }
  return plain;
}

@Resolver(() => ApprovalPolicy)
export class ApprovalPolicyResolver {
  @Query(() => ApprovalPolicyConnection, { description: 'Approval policies of the tenant. Admins only.' })
  async approvalPolicies(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<ApprovalPolicyConnection> {
    const admin = requireAdmin(ctx.actor);
    return toConnection(await listApprovalPolicies(ctx.deps.db, admin.tenantId, page), ApprovalPolicy.from);
  }

  @Query(() => ApprovalPolicy, { description: 'An approval policy. Admins only.' })
  async approvalPolicy(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApprovalPolicy> {
    const admin = requireAdmin(ctx.actor);
    return ApprovalPolicy.from(await getApprovalPolicy(ctx.deps.db, admin.tenantId, parseId('id', id)));
  }

  @Mutation(() => ApprovalPolicy, { description: 'Creates an approval policy. Admins only.' })
  async createApprovalPolicy(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateApprovalPolicyInput) input: CreateApprovalPolicyInput,
  ): Promise<ApprovalPolicy> {
    requireAdmin(ctx.actor);
    const plain = plainPolicyInput(input) as Parameters<typeof createApprovalPolicy>[1];
    return ApprovalPolicy.from(await inTransaction(serviceContext(ctx), (tx) => createApprovalPolicy(tx, plain)));
  }

  @Mutation(() => ApprovalPolicy, { description: 'Changes an approval policy; pending requests keep the rules they were made under. Admins only.' })
  async updateApprovalPolicy(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateApprovalPolicyInput) input: UpdateApprovalPolicyInput,
  ): Promise<ApprovalPolicy> {
    requireAdmin(ctx.actor);
    return ApprovalPolicy.from(await inTransaction(serviceContext(ctx), (tx) => updateApprovalPolicy(tx, parseId('id', id), plainPolicyInput(input))));
  }

  @Mutation(() => ApprovalPolicy, { description: 'Retires an approval policy: it governs no new request. Admins only.' })
  async deleteApprovalPolicy(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApprovalPolicy> {
    requireAdmin(ctx.actor);
    return ApprovalPolicy.from(await inTransaction(serviceContext(ctx), (tx) => deleteApprovalPolicy(tx, parseId('id', id))));
  }
}
