import { Arg, Args, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { requireAdmin, requireUser } from '../../server/auth/scope.js';
import {
  getNotificationView,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  sendNotification,
  unreadNotificationCount,
} from '../../server/notifications/notifications.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { Notification, NotificationConnection, NotificationFilterInput, SendNotificationInput } from './notification.type.js';

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => NotificationConnection, { description: 'Your notifications (to you and to the workspace), newest first.' })
  async notifications(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => NotificationFilterInput, { nullable: true }) filter?: NotificationFilterInput | null,
  ): Promise<NotificationConnection> {
    const user = requireUser(ctx.actor);
    return toConnection(await listNotifications(ctx.deps.db, user.tenantId, user.userId, { ...filter }, page), Notification.from);
  }

  @Query(() => Int, { description: 'How many of your notifications are unread.' })
  unreadNotificationCount(@Ctx() ctx: GraphQLContext): Promise<number> {
    const user = requireUser(ctx.actor);
    return unreadNotificationCount(ctx.deps.db, user.tenantId, user.userId);
  }

  @Query(() => Notification)
  async notification(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Notification> {
    const user = requireUser(ctx.actor);
    return Notification.from(await getNotificationView(ctx.deps.db, user.tenantId, user.userId, parseId('id', id)));
  }

  @Mutation(() => Notification, { description: 'Marks one of your notifications read.' })
  async markNotificationRead(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Notification> {
    const user = requireUser(ctx.actor);
    return Notification.from(await inTransaction(serviceContext(ctx), (tx) => markNotificationRead(tx, user.userId, parseId('id', id))));
  }

  @Mutation(() => Int, { description: 'Marks all your notifications read; returns how many were unread.' })
  markAllNotificationsRead(@Ctx() ctx: GraphQLContext): Promise<number> {
    const user = requireUser(ctx.actor);
    return inTransaction(serviceContext(ctx), (tx) => markAllNotificationsRead(tx, user.userId));
  }

  @Mutation(() => Notification, { description: 'Sends a notification to one user, or to everyone in the workspace. Admins only.' })
  async sendNotification(@Ctx() ctx: GraphQLContext, @Arg('input', () => SendNotificationInput) input: SendNotificationInput): Promise<Notification> {
    requireAdmin(ctx.actor);
    const { user, category, severity, title, body, link } = input;
    const row = await inTransaction(serviceContext(ctx), (tx) =>
      sendNotification(tx, user, { category, severity: severity ?? undefined, title, body: body ?? undefined, link }),
    );
    return Notification.from({ ...row, isRead: false });
  }
}
