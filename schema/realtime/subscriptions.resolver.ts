/**
 * Live activity. Every subscription field is a stream of domain events of the subscriber's tenant
 * (schema/realtime/event-stream.ts), each passed through the same row rules as the queries, at the
 * moment it is delivered, with the subscriber's current permissions: a regular user never
 * receives another person's command, an approver receives the requests they may decide.
 */
import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { auditEntriesBetween } from '../../server/audit/list-entries.js';
import { canSeeApproval, canSeeRow, recordScope, requirePermission, requireUser, reviewRefusal } from '../../server/auth/scope.js';
import { newNotificationView } from '../../server/notifications/notifications.js';
import type { DomainEvent } from '../../server/realtime/domain-events.js';
import type { CommandRecord } from '../../server/records/record-types.js';
import { parseFilterIds } from '../../server/validation.js';
import { viewerOnCall, withRequestServers } from '../approvals/approval.resolver.js';
import { Approval } from '../approvals/approval.type.js';
import { AuditEntry } from '../audit/audit-entry.type.js';
import type { GraphQLContext } from '../context.js';
import { Notification } from '../notifications/notification.type.js';
import { AccessSession } from '../records/access-session.type.js';
import { Command } from '../records/command.type.js';
import { CommandChange, RecordChangeEnum, RecordedEvent, TerminalSessionChange } from './change.types.js';
import { eventStream } from './event-stream.js';
import { visibleRecords } from './record-sources.js';
import { AuditSubscriptionFilter, CommandSubscriptionFilter, RecordedEventFilter, TerminalSessionSubscriptionFilter } from './subscription-filters.js';
import type { Delivery } from './subscription-hub.js';

type Data = SubscribeResolverData<unknown, Record<string, unknown>, GraphQLContext>;
const filterOf = <Filter extends object>(data: Data): Filter => ({ ...((data.args.filter as Filter | null) ?? ({} as Filter)) });
const isType = <Type extends DomainEvent['type']>(delivery: Delivery, type: Type): delivery is Delivery & { event: Extract<DomainEvent, { type: Type }> } =>
  delivery.event.type === type;

/** The viewer's groups for this event, through the event's shared loaders (one query for all viewers). */
async function groupsOf(ctx: GraphQLContext, delivery: Delivery): Promise<readonly string[]> {
  if (ctx.actor?.type !== 'user') return [];
  return (await delivery.loaders.userById.load(ctx.actor.userId))?.groups ?? [];
}

function approvalOf(delivery: Delivery & { event: { approvalId: string } }) {
  return delivery.loaders.approvalById.load(delivery.event.approvalId);
}

function commandChanges(data: Data) {
  const ctx = data.context;
  recordScope(ctx.actor, 'commands');
  const filter = parseFilterIds(filterOf<CommandSubscriptionFilter>(data), ['serverId', 'userId', 'terminalSessionId', 'accessSessionId']);
  return eventStream(
    ctx,
    (event) => event.type === 'records.changed' && event.kind === 'command',
    async (delivery): Promise<CommandChange[]> => {
      if (!isType(delivery, 'records.changed') || delivery.event.kind !== 'command') return [];
      if (filter.serverId && delivery.event.serverId !== filter.serverId) return [];
      const { rows } = await visibleRecords<CommandRecord>(ctx, delivery);
      return rows
        .map(({ row }) => row)
        .filter(
          (row) =>
            (!filter.userId || row.operatorUserId === filter.userId) &&
            (!filter.terminalSessionId || row.terminalSessionId === filter.terminalSessionId) &&
            (!filter.accessSessionId || row.accessSessionId === filter.accessSessionId) &&
            (!filter.status?.length || (filter.status as string[]).includes(row.status)),
        )
        .map((row) => Object.assign(new CommandChange(), { change: delivery.event.change, command: Command.from(row) }));
    },
  );
}

function recordedEvents(data: Data) {
  const ctx = data.context;
  requireUser(ctx.actor);
  const filter = parseFilterIds(filterOf<RecordedEventFilter>(data), ['serverId', 'userId']);
  return eventStream(
    ctx,
    (event) => event.type === 'records.changed',
    async (delivery): Promise<RecordedEvent[]> => {
      if (!isType(delivery, 'records.changed')) return [];
      if (filter.serverId && delivery.event.serverId !== filter.serverId) return [];
      const { source, rows, event } = await visibleRecords(ctx, delivery);
      return rows
        .filter(({ owner }) => !filter.userId || owner === filter.userId)
        .map(({ row }) => source.toEvent(row as never, event.change as RecordChangeEnum))
        .filter((recorded) => !filter.kinds?.length || filter.kinds.includes(recorded.kind));
    },
  );
}

function terminalSessionChanges(data: Data) {
  const ctx = data.context;
  recordScope(ctx.actor, 'terminalSessions');
  const filter = parseFilterIds(filterOf<TerminalSessionSubscriptionFilter>(data), ['serverId', 'userId']);
  return eventStream(
    ctx,
    (event) => event.type === 'records.changed' && event.kind === 'terminal_session',
    async (delivery): Promise<TerminalSessionChange[]> => {
      if (!isType(delivery, 'records.changed') || delivery.event.kind !== 'terminal_session') return [];
      if (filter.serverId && delivery.event.serverId !== filter.serverId) return [];
      const { source, rows, event } = await visibleRecords(ctx, delivery);
      return rows
        .filter(({ owner }) => !filter.userId || owner === filter.userId)
        .map(({ row }) => {
          const recorded = source.toEvent(row as never, event.change as RecordChangeEnum);
          return Object.assign(new TerminalSessionChange(), { change: event.change, terminalSession: recorded.terminalSession! });
        });
    },
  );
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => CommandChange, { subscribe: commandChanges, description: 'Commands made and their status changes, live: yours, or all for admins.' })
  commandChanged(
    @Root() change: CommandChange,
    @Arg('filter', () => CommandSubscriptionFilter, { nullable: true }) _filter?: CommandSubscriptionFilter | null,
  ): CommandChange {
    return change;
  }

  @Subscription(() => RecordedEvent, {
    subscribe: recordedEvents,
    description: 'Every record agents report, live, within what you may read (system logs need MONITORING_VIEW).',
  })
  eventRecorded(
    @Root() recorded: RecordedEvent,
    @Arg('filter', () => RecordedEventFilter, { nullable: true }) _filter?: RecordedEventFilter | null,
  ): RecordedEvent {
    return recorded;
  }

  @Subscription(() => TerminalSessionChange, { subscribe: terminalSessionChanges, description: 'Terminal sessions starting and ending, live.' })
  terminalSessionChanged(
    @Root() change: TerminalSessionChange,
    @Arg('filter', () => TerminalSessionSubscriptionFilter, { nullable: true }) _filter?: TerminalSessionSubscriptionFilter | null,
  ): TerminalSessionChange {
    return change;
  }

  @Subscription(() => Approval, {
    description: 'New requests you may decide.',
    subscribe: ({ context: ctx }: Data) => {
      requireUser(ctx.actor);
      return eventStream(
        ctx,
        (event) => event.type === 'approval.requested',
        async (delivery): Promise<Approval[]> => {
          if (!isType(delivery, 'approval.requested')) return [];
          const found = await approvalOf(delivery);
          if (!found) return [];
          const groups = await groupsOf(ctx, delivery);
          const approval = await withRequestServers(delivery, found);
          // The providers are asked only for a request the groups and the admin role leave open.
          const mayDecide =
            reviewRefusal(ctx.actor, groups, approval) === null ||
            reviewRefusal(ctx.actor, groups, approval, await viewerOnCall(ctx, approval.onCallSchedules)) === null;
          return mayDecide ? [Approval.from(approval)] : [];
        },
      );
    },
  })
  approvalRequested(@Root() approval: Approval): Approval {
    return approval;
  }

  @Subscription(() => Approval, {
    description: 'Requests closed (approved, denied, cancelled, expired) or approved by one more reviewer: to their requester, their reviewers and admins.',
    subscribe: ({ context: ctx }: Data) => {
      requireUser(ctx.actor);
      return eventStream(
        ctx,
        (event) => event.type === 'approval.decided',
        async (delivery): Promise<Approval[]> => {
          if (!isType(delivery, 'approval.decided')) return [];
          const found = await approvalOf(delivery);
          if (!found) return [];
          const groups = await groupsOf(ctx, delivery);
          const approval = await withRequestServers(delivery, found);
          const canSee =
            canSeeApproval(ctx.actor, groups, approval) || canSeeApproval(ctx.actor, groups, approval, await viewerOnCall(ctx, approval.onCallSchedules));
          return canSee ? [Approval.from(approval)] : [];
        },
      );
    },
  })
  approvalDecided(@Root() approval: Approval): Approval {
    return approval;
  }

  @Subscription(() => AccessSession, {
    description: 'Access sessions changing state: yours, or all for admins.',
    subscribe: ({ context: ctx }: Data) => {
      recordScope(ctx.actor, 'accessSessions');
      return eventStream(
        ctx,
        (event) => event.type === 'access_session.changed',
        async (delivery): Promise<AccessSession[]> => {
          if (!isType(delivery, 'access_session.changed')) return [];
          const session = await delivery.loaders.accessSessionById.load(delivery.event.accessSessionId);
          return session && canSeeRow(ctx.actor, 'accessSessions', session.requesterId, session) ? [AccessSession.from(session)] : [];
        },
      );
    },
  })
  accessSessionChanged(@Root() session: AccessSession): AccessSession {
    return session;
  }

  @Subscription(() => AuditEntry, {
    description: 'Audit-log entries as they are appended. Needs AUDIT_LOGS_VIEW.',
    subscribe: (data: Data) => {
      const ctx = data.context;
      requirePermission(ctx.actor, 'audit_logs.view');
      const filter = filterOf<AuditSubscriptionFilter>(data);
      return eventStream(
        ctx,
        (event) => event.type === 'audit.appended',
        async (delivery): Promise<AuditEntry[]> => {
          if (!isType(delivery, 'audit.appended')) return [];
          if (!ctx.actor || !canSeeAudit(ctx)) return [];
          const { tenantId, fromSeq, toSeq } = delivery.event;
          const entries = await delivery.once('entries', () => auditEntriesBetween(ctx.deps.db, tenantId, fromSeq, toSeq));
          return entries
            .filter(
              (entry) =>
                (!filter.actions?.length || filter.actions.includes(entry.action)) && (!filter.resourceType || entry.resourceType === filter.resourceType),
            )
            .map(AuditEntry.from);
        },
      );
    },
  })
  auditEntryAppended(
    @Root() entry: AuditEntry,
    @Arg('filter', () => AuditSubscriptionFilter, { nullable: true }) _filter?: AuditSubscriptionFilter | null,
  ): AuditEntry {
    return entry;
  }

  @Subscription(() => Notification, {
    description: 'Your notifications as they are sent (to you, or to the whole workspace).',
    subscribe: ({ context: ctx }: Data) => {
      requireUser(ctx.actor);
      return eventStream(
        ctx,
        (event) => event.type === 'notification.created',
        async (delivery): Promise<Notification[]> => {
          if (!isType(delivery, 'notification.created')) return [];
          const user = ctx.actor?.type === 'user' ? ctx.actor : null;
          if (!user || (delivery.event.userId !== null && delivery.event.userId !== user.userId)) return [];
          const view = await delivery.once('notification', () => newNotificationView(ctx.deps.db, delivery.event.tenantId, delivery.event.notificationId));
          return view ? [Notification.from(view)] : [];
        },
      );
    },
  })
  notificationReceived(@Root() notification: Notification): Notification {
    return notification;
  }
}

/** Whether the viewer still holds AUDIT_LOGS_VIEW (it may have been revoked since subscribing). */
function canSeeAudit(ctx: GraphQLContext): boolean {
  try {
    requirePermission(ctx.actor, 'audit_logs.view');
    return true;
  } catch {
    return false;
  }
}
