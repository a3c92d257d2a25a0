/** One alert, and who moved it on: what chat messages show of an alert, kept in step with it. */
import DataLoader from 'dataloader';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { deliveriesOfAlerts } from '../../server/alerts/alert-deliveries.js';
import { getAlert } from '../../server/alerts/alerts.js';
import { requirePermission } from '../../server/auth/scope.js';
import { parseId } from '../../server/validation.js';
import type { GraphQLContext } from '../context.js';
import { Person } from '../records/person.type.js';
import { loadPerson } from '../records/references.js';
import { Alert, AlertDelivery } from './alert.types.js';

/** The deliveries of every alert of the page, with their channels, in one statement. */
function deliveriesLoader(ctx: GraphQLContext, tenantId: string): DataLoader<string, AlertDelivery[]> {
  let loader = ctx.loaders.nested.get('alert.deliveries') as DataLoader<string, AlertDelivery[]> | undefined;
  if (!loader) {
    loader = new DataLoader<string, AlertDelivery[]>(async (alertIds) => {
      const byAlert = new Map<string, AlertDelivery[]>();
      for (const row of await deliveriesOfAlerts(ctx.deps.db, tenantId, alertIds)) {
        byAlert.set(row.alertId, [...(byAlert.get(row.alertId) ?? []), AlertDelivery.from(row)]);
      }
      return alertIds.map((id) => byAlert.get(id) ?? []);
    });
    ctx.loaders.nested.set('alert.deliveries', loader);
  }
  return loader;
}

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => Alert, { description: 'One alert. Needs MONITORING_VIEW.' })
  async alert(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Alert> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return Alert.from(await getAlert(ctx.deps.db, actor.tenantId, parseId('id', id)));
  }

  @FieldResolver(() => [AlertDelivery], { description: 'Its sending to each of its rule’s notification channels, retried on failure. Needs MONITORING_VIEW.' })
  deliveries(@Root() alert: Alert, @Ctx() ctx: GraphQLContext): Promise<AlertDelivery[]> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return deliveriesLoader(ctx, actor.tenantId).load(alert.id);
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
