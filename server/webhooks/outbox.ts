/**
 * The webhook outbox: for each domain event a subscription wants, a delivery row written in the
 * transaction of the event, so a committed change is always delivered and a rolled-back one never
 * is. Workers send the rows (server/webhooks/delivery-worker.ts).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { accessSessionSnapshot, approvalSnapshot, sudoAuthorizationSnapshot } from '../approvals/approval-records.js';
import type { Executor } from '../db/database.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import {
  accessSessions,
  activityLog,
  alerts,
  approvals,
  commands,
  serverPresence,
  servers,
  sudoAuthorizations,
  webhookDeliveries,
  webhookSubscriptions,
} from '../db/tables/index.js';
import { alertSnapshot } from '../alerts/alert-snapshot.js';
import { newId } from '../ids.js';
import { deliveryTag, outboxKeyOf } from '../outbound/delivery-tags.js';
import type { DomainEvent } from '../realtime/domain-events.js';
import type { WebhookEventType } from './event-types.js';

export interface WebhookMessage {
  readonly tenantId: string;
  readonly type: WebhookEventType;
  readonly data: Record<string, unknown>;
  readonly occurredAt: Date;
}

/** The tenant's active subscriptions and the types each wants (one small query per publishing transaction). */
async function activeSubscriptions(db: Executor, tenantId: string): Promise<{ id: string; eventTypes: string[] }[]> {
  return db
    .select({ id: webhookSubscriptions.id, eventTypes: webhookSubscriptions.eventTypes })
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.isActive, true)));
}

const SESSION_EVENT: Record<string, WebhookEventType | undefined> = {
  active: 'session.started',
  ended: 'session.ended',
  expired: 'session.ended',
  revoked: 'session.ended',
};

/** The webhook messages one domain event makes, among the types wanted. */
async function messagesOf(db: Executor, event: DomainEvent, wanted: Set<string>, now: Date): Promise<WebhookMessage[]> {
  const message = (type: WebhookEventType, data: Record<string, unknown>): WebhookMessage => ({ tenantId: event.tenantId, type, data, occurredAt: now });
  switch (event.type) {
    case 'approval.requested':
    case 'approval.decided': {
      if (!wanted.has(event.type)) return [];
      const [row] = await rowsByIds(db, approvals, event.tenantId, [event.approvalId]);
      return row ? [message(event.type, { approval: approvalSnapshot(row) })] : [];
    }
    case 'access_session.changed': {
      // An extension leaves the status as it was: it is not the session starting again.
      const type = event.change === 'extended' ? 'session.extended' : SESSION_EVENT[event.status];
      if (!type || !wanted.has(type)) return [];
      const [row] = await rowsByIds(db, accessSessions, event.tenantId, [event.accessSessionId]);
      return row ? [message(type, { accessSession: accessSessionSnapshot(row) })] : [];
    }
    case 'sudo.granted': {
      if (!wanted.has('sudo.granted')) return [];
      const [row] = await rowsByIds(db, sudoAuthorizations, event.tenantId, [event.sudoAuthorizationId]);
      return row ? [message('sudo.granted', { sudoAuthorization: sudoAuthorizationSnapshot(row) })] : [];
    }
    case 'commands.finished': {
      // command.failed for any command that failed; job.* for a job: a command submitted to the
      // server's agent to run (scheduled through the platform or the API), not typed in a terminal.
      if (!wanted.has('command.failed') && !wanted.has('job.completed') && !wanted.has('job.failed')) return [];
      const finished = await db
        .select()
        .from(commands)
        .where(and(eq(commands.tenantId, event.tenantId), inArray(commands.id, [...event.ids])));
      return finished.flatMap((row) => {
        const command = {
          id: row.id,
          serverId: row.serverId,
          operatorUserId: row.operatorUserId,
          line: row.line,
          status: row.status,
          exitCode: row.exitCode,
          submittedAt: row.submittedAt,
          startedAt: row.startedAt,
          finishedAt: row.finishedAt,
          accessSessionId: row.accessSessionId,
        };
        const types: WebhookEventType[] = [];
        if (row.status === 'failed') types.push('command.failed');
        if (row.terminalSessionId === null) types.push(row.status === 'failed' ? 'job.failed' : 'job.completed');
        return types.filter((type) => wanted.has(type)).map((type) => message(type, { command }));
      });
    }
    case 'audit.integrity_failed': {
      if (!wanted.has('audit.integrity_failed')) return [];
      return [
        message('audit.integrity_failed', { fault: { seq: event.seq, kind: event.kind }, verifiedRange: { fromSeq: event.fromSeq, toSeq: event.toSeq } }),
      ];
    }
    case 'log.checkpoint_signed': {
      if (!wanted.has('log.checkpoint_signed')) return [];
      return [message('log.checkpoint_signed', { checkpoint: { id: event.checkpointId, size: event.size, rootHash: event.rootHash, note: event.note } })];
    }
    case 'alert.changed': {
      const type = `alert.${event.state}` as WebhookEventType;
      if (!wanted.has(type)) return [];
      const [row] = await rowsByIds(db, alerts, event.tenantId, [event.alertId]);
      return row ? [message(type, { alert: alertSnapshot(row) })] : [];
    }
    case 'operations.reported': {
      const rows = await rowsByIds(db, activityLog, event.tenantId, event.activityIds);
      return rows
        .filter((row) => wanted.has(row.action))
        .map((row) =>
          message(row.action as WebhookEventType, {
            operation: {
              id: row.id,
              action: row.action,
              result: row.result,
              userId: row.userId,
              userEmail: row.userEmail,
              details: row.details,
              occurredAt: row.occurredAt,
            },
          }),
        );
    }
    case 'host.changed': {
      const type: WebhookEventType = event.status === 'online' ? 'host.online' : 'host.offline';
      if (!wanted.has(type)) return [];
      const [server] = await rowsByIds(db, servers, event.tenantId, [event.serverId]);
      const [presence] = await db
        .select()
        .from(serverPresence)
        .where(and(eq(serverPresence.tenantId, event.tenantId), eq(serverPresence.serverId, event.serverId)));
      if (!server || !presence) return [];
      return [
        message(type, {
          server: { id: server.id, name: server.name, hostname: server.hostname, labels: server.labels },
          presence: {
            status: presence.status,
            statusChangedAt: presence.statusChangedAt,
            lastSeenAt: presence.lastSeenAt,
            agentVersion: presence.agentVersion,
            hostname: presence.hostname,
            os: presence.os,
          },
        }),
      ];
    }
    default:
      return [];
  }
}

/** Writes a delivery per subscription wanting each message, tagged, in the caller's transaction. */
async function enqueueMessages(
  db: Executor,
  subscriptions: readonly { id: string; eventTypes: string[] }[],
  messages: readonly WebhookMessage[],
): Promise<void> {
  const box = messages.length > 0 ? outboxKeyOf(db) : undefined;
  const rows = messages.flatMap((message) => {
    // One message id for every subscription's copy: the id receivers deduplicate on.
    const body = JSON.stringify({
      id: newId(),
      type: message.type,
      tenantId: message.tenantId,
      occurredAt: message.occurredAt.toISOString(),
      data: message.data,
    });
    return subscriptions
      .filter((subscription) => subscription.eventTypes.includes(message.type))
      .map((subscription) => {
        const row = { tenantId: message.tenantId, id: newId(), subscriptionId: subscription.id, eventType: message.type, payload: body };
        return { ...row, nextAttemptAt: message.occurredAt, createdAt: message.occurredAt, mac: deliveryTag(box!, 'webhook_deliveries', row) };
      });
  });
  if (rows.length > 0) await db.insert(webhookDeliveries).values(rows);
}

/** Events for Vigil's own listeners only: bookkeeping, or (recording chunks) far too many to send. */
const NOT_WEBHOOK_EVENTS = new Set<DomainEvent['type']>(['audit.appended', 'log.appended', 'identity.changed', 'notification.created', 'recording.appended']);

/** The outbox rows for `events`, in their transaction: nothing when no subscription wants them. */
export async function enqueueWebhookDeliveries(db: Executor, events: readonly DomainEvent[], now = new Date()): Promise<void> {
  const byTenant = new Map<string, DomainEvent[]>();
  for (const event of events) {
    if (NOT_WEBHOOK_EVENTS.has(event.type)) continue;
    byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
  }
  for (const [tenantId, tenantEvents] of byTenant) {
    const subscriptions = await activeSubscriptions(db, tenantId);
    const wanted = new Set(subscriptions.flatMap((subscription) => subscription.eventTypes));
    if (wanted.size === 0) continue;
    const messages: WebhookMessage[] = [];
    for (const event of tenantEvents) messages.push(...(await messagesOf(db, event, wanted, now)));
    await enqueueMessages(db, subscriptions, messages);
  }
}
