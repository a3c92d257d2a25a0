import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { authorizationEpoch } from '../../server/approvals/authorization-epoch.js';
import { requireAgent } from '../../server/auth/scope.js';
import { authorizeSession } from '../../server/approvals/authorize-session.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { AuthorizeSessionInput, SessionAuthorization, type SessionCheckReasonEnum, type SessionDecisionEnum } from './session-authorization.type.js';

@Resolver()
export class SessionAuthorizationResolver {
  @Query(() => String, {
    description:
      'For agent tokens: the tenant’s authorization epoch. It changes with every change a session authorization rests on (approval policies, access sessions, users, servers): an answer cached under another epoch is asked again.',
  })
  async authorizationEpoch(@Ctx() ctx: GraphQLContext): Promise<string> {
    return authorizationEpoch(ctx.deps.db, requireAgent(ctx.actor).tenantId);
  }

  @Mutation(() => SessionAuthorization, {
    description:
      'For agent tokens, before a person gets a shell: may this user open a session on the agent’s server now? Approval policies with requiresAccessSession decide where an access session is needed. Every check is recorded.',
  })
  async authorizeSession(@Ctx() ctx: GraphQLContext, @Arg('input', () => AuthorizeSessionInput) input: AuthorizeSessionInput): Promise<SessionAuthorization> {
    const { server, user, source } = input;
    const { check, accessSession, serverName } = await authorizeSession(serviceContext(ctx), { server, user, source });
    const url =
      check.decision === 'pending' && check.approvalId
        ? ctx.deps.approvalUrl(check.approvalId)
        : check.reason === 'no_access_session'
          ? ctx.deps.accessRequestUrl(serverName, user)
          : null;
    return Object.assign(new SessionAuthorization(), {
      isAllowed: check.decision === 'allowed',
      decision: check.decision as SessionDecisionEnum,
      reason: check.reason as SessionCheckReasonEnum,
      checkId: check.id,
      checkedAt: check.checkedAt,
      accessSessionId: accessSession?.id ?? null,
      allowedUntil: accessSession?.expiresAt ?? null,
      approvalId: check.approvalId,
      policyId: check.policyId,
      url,
    });
  }
}
