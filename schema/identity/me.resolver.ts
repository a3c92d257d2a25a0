import { Ctx, Query, Resolver } from 'type-graphql';
import { requireUser } from '../../server/auth/scope.js';
import { getUser } from '../../server/identity/users.js';
import type { GraphQLContext } from '../context.js';
import { User } from './user.type.js';

@Resolver()
export class MeResolver {
  @Query(() => User, { description: 'The signed-in user.' })
  async me(@Ctx() ctx: GraphQLContext): Promise<User> {
    const actor = requireUser(ctx.actor);
    // The row authentication just read (HTTP); else read it, as for a long-lived WebSocket actor.
    const signedIn = ctx.signedInUser?.id === actor.userId && ctx.signedInUser.tenantId === actor.tenantId ? ctx.signedInUser : undefined;
    return User.from(signedIn ?? (await getUser(ctx.deps.db, actor.tenantId, actor.userId)));
  }
}
