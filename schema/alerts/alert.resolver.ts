/** One alert, and who moved it on: what chat messages show of an alert, kept in step with it. */
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { getAlert } from '../../server/alerts/alerts.js';
import { requirePermission } from '../../server/auth/scope.js';
import { parseId } from '../../server/validation.js';
import type { GraphQLContext } from '../context.js';
import { Person } from '../records/person.type.js';
import { loadPerson } from '../records/references.js';
import { Alert } from './alert.types.js';

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => Alert, { description: 'One alert. Needs MONITORING_VIEW.' })
  async alert(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Alert> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return Alert.from(await getAlert(ctx.deps.db, actor.tenantId, parseId('id', id)));
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who acknowledged it.' })
  acknowledgedBy(@Root() alert: Alert, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, alert.acknowledgedById);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who resolved it; null when it resolved by itself (its condition cleared) or is still open.' })
  resolvedBy(@Root() alert: Alert, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, alert.resolvedById);
  }
}
