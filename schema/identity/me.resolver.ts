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
    return User.from(await getUser(ctx.deps.db, actor.tenantId, actor.userId));
  }
}
