import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireAdmin, requireSelfOrAdmin } from '../../server/auth/scope.js';
import { assignmentsOfUser, assignRole, createRole, deleteRole, listRoleAssignments, listRoles, unassignRole, updateRole } from '../../server/roles/roles.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { User } from '../identity/user.type.js';
import { CreateRoleInput, RoleAssignment, RoleDefinition, ServerSelectorInput, UpdateRoleInput } from './role.types.js';

const selectorsOf = (input: ServerSelectorInput[] | null | undefined) => input?.map((selector) => ({ labels: selector.labels.map((label) => ({ ...label })) }));

@Resolver(() => RoleDefinition)
export class RoleResolver {
  @Query(() => [RoleDefinition], { description: 'The built-in roles (ADMIN, USER) and the tenant’s custom roles. Admins only.' })
  async roles(@Ctx() ctx: GraphQLContext): Promise<RoleDefinition[]> {
    const admin = requireAdmin(ctx.actor);
    return [...RoleDefinition.builtInRoles(), ...(await listRoles(ctx.deps.db, admin.tenantId)).map((row) => RoleDefinition.from(row))];
  }

  @FieldResolver(() => [RoleAssignment], { description: 'Who holds the role (expired assignments included). Empty for the built-in roles. Admins only.' })
  async assignments(@Root() role: RoleDefinition, @Ctx() ctx: GraphQLContext): Promise<RoleAssignment[]> {
    const admin = requireAdmin(ctx.actor);
    if (role.builtIn) return [];
    const now = ctx.deps.clock.now();
    return (await listRoleAssignments(ctx.deps.db, admin.tenantId, role.id)).map((row) => RoleAssignment.from(row, now));
  }

  @Mutation(() => RoleDefinition, { description: 'Creates a custom role. Admins only.' })
  async createRole(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateRoleInput) input: CreateRoleInput): Promise<RoleDefinition> {
    requireAdmin(ctx.actor);
    const row = await inTransaction(serviceContext(ctx), (tx) =>
      createRole(tx, {
        name: input.name,
        description: input.description ?? undefined,
        permissions: input.permissions,
        serverSelectors: selectorsOf(input.serverSelectors) ?? undefined,
      }),
    );
    return RoleDefinition.from(row);
  }

  @Mutation(() => RoleDefinition, { description: 'Changes a custom role; it counts from its holders’ next request. Admins only.' })
  async updateRole(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateRoleInput) input: UpdateRoleInput,
  ): Promise<RoleDefinition> {
    requireAdmin(ctx.actor);
    const changes = {
      name: input.name ?? undefined,
      description: input.description ?? undefined,
      permissions: input.permissions ?? undefined,
      serverSelectors: selectorsOf(input.serverSelectors),
    };
    return RoleDefinition.from(await inTransaction(serviceContext(ctx), (tx) => updateRole(tx, parseId('id', id), changes)));
  }

  @Mutation(() => RoleDefinition, { description: 'Deletes a custom role; CONFLICT while anyone holds it (unassign first). Admins only.' })
  async deleteRole(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<RoleDefinition> {
    requireAdmin(ctx.actor);
    return RoleDefinition.from(await inTransaction(serviceContext(ctx), (tx) => deleteRole(tx, parseId('id', id))));
  }

  @Mutation(() => RoleAssignment, { description: 'Gives a custom role to one user or to every member of a group, until expiresAt if given. Admins only.' })
  async assignRole(
    @Ctx() ctx: GraphQLContext,
    @Arg('roleId', () => ID) roleId: string,
    @Arg('userId', () => ID, { nullable: true }) userId?: string | null,
    @Arg('group', () => String, { nullable: true }) group?: string | null,
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt?: Date | null,
  ): Promise<RoleAssignment> {
    requireAdmin(ctx.actor);
    const input = { roleId: parseId('roleId', roleId), userId: userId == null ? null : parseId('userId', userId), group, expiresAt };
    const row = await inTransaction(serviceContext(ctx), (tx) => assignRole(tx, input));
    return RoleAssignment.from(row, ctx.deps.clock.now());
  }

  @Mutation(() => RoleAssignment, { description: 'Takes a role assignment back; it stops counting from the holder’s next request. Admins only.' })
  async unassignRole(@Ctx() ctx: GraphQLContext, @Arg('assignmentId', () => ID) assignmentId: string): Promise<RoleAssignment> {
    requireAdmin(ctx.actor);
    const row = await inTransaction(serviceContext(ctx), (tx) => unassignRole(tx, parseId('assignmentId', assignmentId)));
    return RoleAssignment.from(row, ctx.deps.clock.now());
  }
}

@Resolver(() => User)
export class UserRolesResolver {
  @FieldResolver(() => [RoleAssignment], {
    description: 'The custom roles the user holds, directly and through their groups (expired ones too: isActive says). Admins, and the user themselves.',
  })
  async roles(@Root() user: User, @Ctx() ctx: GraphQLContext): Promise<RoleAssignment[]> {
    const actor = requireSelfOrAdmin(ctx.actor, user.id);
    const now = ctx.deps.clock.now();
    return (await assignmentsOfUser(ctx.deps.db, actor.tenantId, user)).map((assignment) => RoleAssignment.from(assignment, now));
  }
}
