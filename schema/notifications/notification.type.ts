import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { NotificationView } from '../../server/notifications/notifications.js';
import { Connection } from '../common/connection.js';
import { SeverityEnum } from '../common/enums.js';
import { TimeRangeInput } from '../records/filters.js';

export enum NotificationCategoryEnum {
  APPROVAL = 'approval',
  ALERT = 'alert',
  SECURITY = 'security',
  SYSTEM = 'system',
  COMMAND = 'command',
}
registerEnumType(NotificationCategoryEnum, { name: 'NotificationCategory' });

@ObjectType({ simpleResolvers: true, description: 'An in-app notification: to you, or to the whole workspace.' })
export class Notification {
  @Field(() => ID)
  id!: string;
  @Field(() => NotificationCategoryEnum)
  category!: NotificationCategoryEnum;
  @Field(() => SeverityEnum)
  severity!: SeverityEnum;
  @Field(() => String)
  title!: string;
  @Field(() => String)
  body!: string;
  @Field(() => String, { nullable: true })
  link!: string | null;
  @Field(() => String, { nullable: true, description: 'What it is about, e.g. `approval`.' })
  resourceType!: string | null;
  @Field(() => String, { nullable: true })
  resourceId!: string | null;
  @Field(() => Boolean, { description: 'Sent to the whole workspace rather than to you alone.' })
  isBroadcast!: boolean;
  @Field(() => Boolean)
  isRead!: boolean;
  @Field(() => Date)
  createdAt!: Date;

  static from(view: NotificationView): Notification {
    return Object.assign(new Notification(), {
      id: view.id,
      category: view.category,
      severity: view.severity,
      title: view.title,
      body: view.body,
      link: view.link,
      resourceType: view.resourceType,
      resourceId: view.resourceId,
      isBroadcast: view.userId === null,
      isRead: view.isRead,
      createdAt: view.createdAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class NotificationConnection extends Connection(Notification, 'Notification') {}

@InputType()
export class NotificationFilterInput extends TimeRangeInput {
  @Field(() => [NotificationCategoryEnum], { nullable: true })
  category?: NotificationCategoryEnum[] | null;
  @Field(() => Boolean, { nullable: true, description: 'true: unread only; false: read only.' })
  isUnread?: boolean | null;
}

@InputType()
export class SendNotificationInput {
  @Field(() => String, { nullable: true, description: 'The recipient by id or email; omitted: everyone in the workspace.' })
  user?: string | null;
  @Field(() => NotificationCategoryEnum)
  category!: NotificationCategoryEnum;
  @Field(() => SeverityEnum, { nullable: true })
  severity?: SeverityEnum | null;
  @Field(() => String)
  title!: string;
  @Field(() => String, { nullable: true })
  body?: string | null;
  @Field(() => String, { nullable: true })
  link?: string | null;
}
