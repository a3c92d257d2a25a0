import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireAdmin } from '../../server/auth/scope.js';
import { changeUserPermissions, changeUserRole, createUser, getUser, listUsers, setUserDisabled } from '../../server/identity/users.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { PermissionEnum, RoleEnum } from '../common/enums.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { CreateUserInput, UserFilterInput } from './inputs.js';
import { User, UserConnection } from './user.type.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => UserConnection, { description: 'Users of the tenant, newest first. Admins only.' })
  async users(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => UserFilterInput, { nullable: true }) filter?: UserFilterInput | null,
  ): Promise<UserConnection> {
    const actor = requireAdmin(ctx.actor);
    return toConnection(await listUsers(ctx.deps.db, actor.tenantId, { ...filter }, page), User.from);
  }

  @Query(() => User, { description: 'A user of the tenant by id. Admins only.' })
  async user(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<User> {
    const actor = requireAdmin(ctx.actor);
    return User.from(await getUser(ctx.deps.db, actor.tenantId, parseId('id', id)));
  }

  @Mutation(() => User, { description: 'Adds a user to the tenant. Admins only.' })
  async createUser(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateUserInput) input: CreateUserInput): Promise<User> {
    requireAdmin(ctx.actor);
    const { email, name, role, groups, permissions } = input;
    const row = await inTransaction(serviceContext(ctx), (tx) =>
      createUser(tx, { email, name: name ?? undefined, role: role ?? undefined, groups: groups ?? undefined, permissions: permissions ?? undefined }),
    );
    return User.from(row);
  }

  @Mutation(() => User, { description: 'Disables a user: their tokens stop working at once. Admins only.' })
  async disableUser(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<User> {
    requireAdmin(ctx.actor);
    return User.from(await inTransaction(serviceContext(ctx), (tx) => setUserDisabled(tx, parseId('id', id), true)));
  }

  @Mutation(() => User, { description: 'Enables a disabled user again. Admins only.' })
  async enableUser(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<User> {
    requireAdmin(ctx.actor);
    return User.from(await inTransaction(serviceContext(ctx), (tx) => setUserDisabled(tx, parseId('id', id), false)));
  }

  @Mutation(() => User, { description: 'Changes a role. The last enabled admin cannot be demoted. Admins only.' })
  async changeUserRole(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('role', () => RoleEnum) role: RoleEnum): Promise<User> {
    requireAdmin(ctx.actor);
    return User.from(await inTransaction(serviceContext(ctx), (tx) => changeUserRole(tx, parseId('id', id), role)));
  }

  @Mutation(() => User, { description: 'Grants permissions on top of the role. Admins only.' })
  async grantPermissions(
    @Ctx() ctx: GraphQLContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('permissions', () => [PermissionEnum]) permissions: PermissionEnum[],
  ): Promise<User> {
    requireAdmin(ctx.actor);
    const id = parseId('userId', userId);
    return User.from(await inTransaction(serviceContext(ctx), (tx) => changeUserPermissions(tx, id, permissions, 'grant')));
  }

  @Mutation(() => User, { description: 'Takes granted permissions away. Admins only.' })
  async revokePermissions(
    @Ctx() ctx: GraphQLContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('permissions', () => [PermissionEnum]) permissions: PermissionEnum[],
  ): Promise<User> {
    requireAdmin(ctx.actor);
    const id = parseId('userId', userId);
    return User.from(await inTransaction(serviceContext(ctx), (tx) => changeUserPermissions(tx, id, permissions, 'revoke')));
  }
}
