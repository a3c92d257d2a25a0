import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { listRetentionPolicies, RETENTION_KINDS, setRetentionPolicy, type RetentionKind } from '../../server/audit/retention.js';
import { requireAdmin } from '../../server/auth/scope.js';
import { inTransaction } from '../../server/service-context.js';
import { serviceContext, type GraphQLContext } from '../context.js';

/** Derived from the list of kinds: `terminal_sessions` is TERMINAL_SESSIONS. */
export const RetentionKindEnum = Object.fromEntries(RETENTION_KINDS.map((kind) => [kind.toUpperCase(), kind])) as Record<string, RetentionKind>;
registerEnumType(RetentionKindEnum, { name: 'RetentionKind' });

@ObjectType({ simpleResolvers: true, description: 'How long a kind of record is kept in this tenant.' })
export class RetentionPolicy {
  @Field(() => RetentionKindEnum)
  kind!: RetentionKind;
  @Field(() => Int)
  days!: number;
}

@Resolver()
export class RetentionResolver {
  @Query(() => [RetentionPolicy], { description: 'Retention by kind; kinds not listed are kept forever. Admins only.' })
  async retentionPolicies(@Ctx() ctx: GraphQLContext): Promise<RetentionPolicy[]> {
    const actor = requireAdmin(ctx.actor);
    return (await listRetentionPolicies(ctx.deps.db, actor.tenantId)) as RetentionPolicy[];
  }

  @Mutation(() => [RetentionPolicy], {
    description: 'Keeps a kind of record for `days` days (null: forever). The audit log is cut only at signed checkpoints. Admins only.',
  })
  async setRetentionPolicy(
    @Ctx() ctx: GraphQLContext,
    @Arg('kind', () => RetentionKindEnum) kind: RetentionKind,
    @Arg('days', () => Int, { nullable: true }) days: number | null,
  ): Promise<RetentionPolicy[]> {
    const actor = requireAdmin(ctx.actor);
    await inTransaction(serviceContext(ctx), (tx) => setRetentionPolicy(tx, { kind, days: days ?? null }));
    return (await listRetentionPolicies(ctx.deps.db, actor.tenantId)) as RetentionPolicy[];
  }
}
