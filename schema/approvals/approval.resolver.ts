import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { cancelApproval } from '../../server/approvals/access-session-lifecycle.js';
import { getApprovalInScope, listApprovals, listApprovalsToReview } from '../../server/approvals/approval-queries.js';
import { decideApprovalCountingCodes } from '../../server/approvals/decide-approval.js';
import { ACCESS_SUDO_PATTERN } from '../../server/approvals/command-patterns.js';
import { requestExtension } from '../../server/approvals/extend-access.js';
import { requestAccess } from '../../server/approvals/request-access.js';
import { requestSudo } from '../../server/approvals/request-sudo.js';
import { canSeeApproval, recordScope, requestServersOf, requireActor, reviewerScope, reviewRefusal, type RowServers } from '../../server/auth/scope.js';
import type { ApprovalRecord } from '../../server/approvals/approval-types.js';
import type { Loaders } from '../loaders.js';
import { NotFound } from '../../server/errors.js';
import { onCallStandingOf, schedulesOfPendingApprovals } from '../../server/oncall/on-call-people.js';
import { inTransaction } from '../../server/service-context.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from '../records/access-session.type.js';
import { Person } from '../records/person.type.js';
import { loadAccessSession, loadPerson, loadServer } from '../records/references.js';
import { SudoAuthorization } from '../records/sudo-authorization.type.js';
import { Approval, ApprovalConnection, ApprovalDecision } from './approval.type.js';
import { DecisionEnum } from './enums.js';
import { ApprovalFilterInput, RequestAccessInput, RequestExtensionInput, RequestSudoInput } from './inputs.js';

const APPROVAL_FILTER_IDS = ['requesterId', 'reviewerId', 'serverId', 'policyId', 'accessSessionId'] as const;

/**
 * Of `schedules`, those the acting person is on call for now (asked of the providers once per
 * operation; a schedule nobody can ask counts for nobody).
 */
export async function viewerOnCall(ctx: GraphQLContext, schedules: readonly string[] | null | undefined): Promise<string[]> {
  if (ctx.actor?.type !== 'user' || !schedules?.length) return [];
  const standing = await onCallStandingOf(ctx.onCall, ctx.deps.db, ctx.actor.tenantId, ctx.actor.email, schedules);
  return standing.onCall.map((state) => state.key);
}

/** The acting person's groups, read fresh for this operation (a removed group stops counting at once). */
export async function viewerGroups(ctx: GraphQLContext): Promise<readonly string[]> {
  if (ctx.actor?.type !== 'user') return [];
  return (await ctx.loaders.userById.load(ctx.actor.userId))?.groups ?? [];
}

@Resolver(() => ApprovalDecision)
export class ApprovalDecisionResolver {
  @FieldResolver(() => Person)
  async approver(@Root() decision: ApprovalDecision, @Ctx() ctx: GraphQLContext): Promise<Person> {
    return (await loadPerson(ctx, decision.record.approverId))!;
  }
}

/** A request with its servers (requestServersOf), through the operation's loader of access sessions. */
export async function withRequestServers<Row extends Pick<ApprovalRecord, 'kind' | 'serverId' | 'accessSessionId'>>(
  ctx: { loaders: Pick<Loaders, 'accessSessionById'> },
  approval: Row,
): Promise<Row & { servers: RowServers }> {
  return { ...approval, servers: requestServersOf(approval, await ctx.loaders.accessSessionById.load(approval.accessSessionId)) };
}

@Resolver(() => Approval)
export class ApprovalResolver {
  @Query(() => ApprovalConnection, { description: 'Requests, newest first: the approval history for admins; your own requests otherwise.' })
  async approvals(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ApprovalFilterInput, { nullable: true }) filter?: ApprovalFilterInput | null,
  ): Promise<ApprovalConnection> {
    const scope = recordScope(ctx.actor, 'approvals');
    return toConnection(await listApprovals(ctx.reads.db(), scope, parseFilterIds(filter, APPROVAL_FILTER_IDS), page), Approval.from);
  }

  @Query(() => ApprovalConnection, { description: 'Pending requests you may decide and have not decided yet, newest first.' })
  async approvalsToReview(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<ApprovalConnection> {
    const actor = requireActor(ctx.actor);
    const onCall = await viewerOnCall(ctx, await schedulesOfPendingApprovals(ctx.deps.db, actor.tenantId));
    const reviewer = reviewerScope(ctx.actor, await viewerGroups(ctx), onCall);
    return toConnection(await listApprovalsToReview(ctx.deps.db, reviewer, page), Approval.from);
  }

  @Query(() => Approval, { description: 'A request: yours, one you may decide, or any for admins.' })
  async approval(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Approval> {
    const actor = requireActor(ctx.actor);
    const found = await getApprovalInScope(ctx.deps.db, { tenantId: actor.tenantId }, parseId('id', id));
    if (!found) throw new NotFound('Approval', id);
    const groups = await viewerGroups(ctx);
    const row = await withRequestServers(ctx, found);
    // The providers are asked only when the request is not otherwise the viewer's to see.
    if (!canSeeApproval(actor, groups, row) && !canSeeApproval(actor, groups, row, await viewerOnCall(ctx, row.onCallSchedules))) {
      throw new NotFound('Approval', id);
    }
    return Approval.from(row);
  }

  @Mutation(() => Approval, {
    description: 'Asks for access to servers for a while. Returns the request; approved at once when its policy needs no approvals.',
  })
  async requestAccess(@Ctx() ctx: GraphQLContext, @Arg('input', () => RequestAccessInput) input: RequestAccessInput): Promise<Approval> {
    const { servers, serverLabels, durationMinutes, reason, isSudoRequested, startsAt } = input;
    const { approval } = await inTransaction(serviceContext(ctx), (tx) =>
      requestAccess(tx, {
        servers: servers ?? undefined,
        serverLabels: serverLabels?.map((label) => ({ ...label })) ?? undefined,
        durationMinutes,
        reason,
        isSudoRequested: isSudoRequested ?? undefined,
        startsAt,
      }),
    );
    return Approval.from(approval);
  }

  @Mutation(() => Approval, {
    description: 'Asks for sudo on a server inside an access session in force. Approved at once when the policy allows the command.',
  })
  async requestSudo(@Ctx() ctx: GraphQLContext, @Arg('input', () => RequestSudoInput) input: RequestSudoInput): Promise<Approval> {
    const { server, command, isPattern, reason, accessSessionId } = input;
    const { approval } = await inTransaction(serviceContext(ctx), (tx) =>
      requestSudo(tx, { server, command, isPattern: isPattern ?? undefined, reason, accessSessionId }),
    );
    return Approval.from(approval);
  }

  @Mutation(() => Approval, {
    description:
      'Asks to extend your access session in force: a later end, by durationMinutes, with a reason. The policy that governed the session decides: approved at once (the session’s end has moved) when it needs no approval, else a request approvers decide like any other; refused when it allows no extension or the session would last longer than it allows in all.',
  })
  async requestExtension(@Ctx() ctx: GraphQLContext, @Arg('input', () => RequestExtensionInput) input: RequestExtensionInput): Promise<Approval> {
    const { accessSessionId, durationMinutes, reason } = input;
    const { approval } = await inTransaction(serviceContext(ctx), (tx) => requestExtension(tx, { accessSessionId, durationMinutes, reason }));
    return Approval.from(approval);
  }

  @Mutation(() => Approval, {
    description:
      'Approves or denies a request. Denials need a justification; so do approvals when the policy says so. Repeating your own decision changes nothing; deciding a closed request is a CONFLICT naming who closed it and when.',
  })
  async decideApproval(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => DecisionEnum) decision: DecisionEnum,
    @Arg('justification', () => String, { nullable: true }) justification?: string | null,
    @Arg('totpCode', () => String, { nullable: true, description: 'Your current authenticator code: needed in chat under a STEP_UP policy.' })
    totpCode?: string | null,
  ): Promise<Approval> {
    const row = await decideApprovalCountingCodes(
      serviceContext(ctx),
      parseId('id', id),
      { decision, justification, totpCode },
      { secretBox: ctx.deps.secretBox },
    );
    return Approval.from(row);
  }

  @Mutation(() => Approval, { description: 'Withdraws a pending request: your own, or anyone’s for admins.' })
  async cancelApproval(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<Approval> {
    return Approval.from(await inTransaction(serviceContext(ctx), (tx) => cancelApproval(tx, parseId('id', id), reason)));
  }

  @FieldResolver(() => Person)
  async requester(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<Person> {
    return (await loadPerson(ctx, approval.record.requesterId))!;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Where people decide this request outside chat: VIGIL_APPROVAL_URL with its id (the web app of the platform that uses Vigil); null when none is configured.',
  })
  url(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): string | null {
    return ctx.deps.approvalUrl(approval.id);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who closed the request: the deciding reviewer, or who cancelled it.' })
  closedBy(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, approval.record.closedById);
  }

  @FieldResolver(() => [ApprovalDecision], { description: 'Every decision, oldest first.' })
  async decisions(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<ApprovalDecision[]> {
    return (await ctx.loaders.decisionsByApprovalId.load(approval.id)).map(ApprovalDecision.from);
  }

  @FieldResolver(() => Int, { description: 'Approvals received so far.' })
  async approvalsReceived(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.decisionsByApprovalId.load(approval.id)).filter((decision) => decision.decision === 'approved').length;
  }

  @FieldResolver(() => Int, { description: 'Approvals still needed while pending; 0 once closed.' })
  async approvalsStillNeeded(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<number> {
    if (approval.record.status !== 'pending') return 0;
    return Math.max(0, approval.record.requiredApprovals - (await this.approvalsReceived(approval, ctx)));
  }

  @FieldResolver(() => Boolean, { description: 'Whether you may decide this request now.' })
  async viewerCanDecide(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    if (approval.record.status !== 'pending') return false;
    const groups = await viewerGroups(ctx);
    const rules = await withRequestServers(ctx, approval.record);
    if (reviewRefusal(ctx.actor, groups, rules) !== null) {
      if (reviewRefusal(ctx.actor, groups, rules, await viewerOnCall(ctx, rules.onCallSchedules)) !== null) return false;
    }
    const decisions = await ctx.loaders.decisionsByApprovalId.load(approval.id);
    return ctx.actor?.type === 'user' && !decisions.some((decision) => decision.approverId === (ctx.actor as { userId: string }).userId);
  }

  @FieldResolver(() => [Server], { description: 'The servers requested: the session’s scope for access and extensions, the one server for sudo.' })
  async servers(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<Server[]> {
    let ids: readonly string[] = approval.record.serverId ? [approval.record.serverId] : [];
    if (approval.record.kind !== 'sudo') ids = (await ctx.loaders.accessSessionById.load(approval.record.accessSessionId))?.serverIds ?? [];
    const servers = await Promise.all(ids.map((id) => loadServer(ctx, id)));
    return servers.filter((server): server is Server => server !== null);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'The sudo that approving grants, for whoever sees the request (approvers decide on it): the command or pattern of a sudo request, or `*` (any command) on every requested server for an access request made with sudo; null when approving grants no sudo.',
  })
  async sudoScope(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    if (approval.record.kind === 'sudo') return approval.record.command;
    const session = await ctx.loaders.accessSessionById.load(approval.record.accessSessionId);
    return session?.isSudoAllowed ? ACCESS_SUDO_PATTERN : null;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'Extension: when the session it extends ends now (before the extension while it waits; the extended end once approved), for whoever sees the request (approvers decide on it); null for other kinds.',
  })
  async sessionExpiresAt(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    if (approval.record.kind !== 'extension') return null;
    return (await ctx.loaders.accessSessionById.load(approval.record.accessSessionId))?.expiresAt ?? null;
  }

  @FieldResolver(() => AccessSession, {
    nullable: true,
    description: 'The session requested (access), asked in (sudo) or to extend (extension); null when not yours to see.',
  })
  accessSession(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<AccessSession | null> {
    return loadAccessSession(ctx, approval.record.accessSessionId);
  }

  @FieldResolver(() => SudoAuthorization, { nullable: true, description: 'The sudo grant an approved sudo request produced.' })
  async sudoAuthorization(@Root() approval: Approval, @Ctx() ctx: GraphQLContext): Promise<SudoAuthorization | null> {
    const row = approval.record.sudoAuthorizationId ? await ctx.loaders.sudoAuthorizationById.load(approval.record.sudoAuthorizationId) : null;
    return row ? SudoAuthorization.from(row) : null;
  }
}
