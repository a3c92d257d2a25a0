/**
 * Domain events: what changed, by reference. Services publish them inside the transaction that
 * makes the change, through PostgreSQL's NOTIFY, which is delivered at commit and only then: a
 * rolled-back change publishes nothing, and every instance listening on the channel hears each
 * event once. Payloads carry ids, never whole rows (NOTIFY caps payloads at 8,000 bytes), so
 * listeners load what they deliver under the reader's own scope.
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import type { Executor } from '../db/database.js';
import { enqueueWebhookDeliveries } from '../webhooks/outbox.js';

export const DOMAIN_EVENTS_CHANNEL = 'vigil_events';

interface EventBase {
  readonly tenantId: string;
}

/** The agent-reported record kinds, as their changes are published. */
export type RecordEventKind = 'terminal_session' | 'command' | 'file_transfer' | 'system_log' | 'sudo_authorization';
export type RecordChange = 'created' | 'updated' | 'ended';

export type DomainEvent = EventBase &
  (
    | {
        readonly type: 'records.changed';
        readonly kind: RecordEventKind;
        readonly change: RecordChange;
        readonly serverId: string;
        readonly ids: readonly string[];
      }
    /** Commands that reached SUCCESS or FAILED in this change: once each, never on a repeated report. */
    | { readonly type: 'commands.finished'; readonly serverId: string; readonly ids: readonly string[] }
    | { readonly type: 'audit.appended'; readonly fromSeq: number; readonly toSeq: number }
    /**
     * Who someone is changed: a person (userId), tokens (tokenIds), or, with `everyone`, every person
     * of the tenant (a custom role or its assignments changed, or a server's labels, and with them
     * what label-scoped roles reach). Open subscriptions of those re-check who they act as.
     */
    | { readonly type: 'identity.changed'; readonly userId?: string; readonly tokenIds?: readonly string[]; readonly everyone?: true }
    | { readonly type: 'notification.created'; readonly notificationId: string; readonly userId: string | null }
    | { readonly type: 'audit.integrity_failed'; readonly seq: number; readonly kind: string; readonly fromSeq: number; readonly toSeq: number }
    | { readonly type: 'log.checkpoint_signed'; readonly checkpointId: string; readonly size: number; readonly rootHash: string; readonly note: string }
    /** A sequencer run placed the tenant's leaves at [fromSize, toSize): the event stream's wake-up. */
    | { readonly type: 'log.appended'; readonly fromSize: number; readonly toSize: number }
    | { readonly type: 'alert.changed'; readonly alertId: string; readonly state: 'fired' | 'acknowledged' | 'resolved' }
    | { readonly type: 'approval.requested'; readonly approvalId: string; readonly requesterId: string }
    | { readonly type: 'approval.decided'; readonly approvalId: string; readonly requesterId: string; readonly status: string }
    /** `change` says what moved when the status did not: an extension moved the session's end. */
    | {
        readonly type: 'access_session.changed';
        readonly accessSessionId: string;
        readonly requesterId: string;
        readonly status: string;
        readonly change?: 'extended';
      }
    | { readonly type: 'sudo.granted'; readonly sudoAuthorizationId: string; readonly userId: string; readonly serverId: string }
    /** The platform reported operations (deployments, compliance scans, drift): activity-log entries. */
    | { readonly type: 'operations.reported'; readonly activityIds: readonly string[] }
    /** Directives for a server's agent, written in this change (server/directives/). */
    | { readonly type: 'directive.issued'; readonly serverId: string; readonly directiveIds: readonly string[] }
    /** A server's agent started or stopped reporting (server/presence/). */
    | { readonly type: 'host.changed'; readonly serverId: string; readonly status: 'online' | 'offline' }
    | {
        readonly type: 'recording.appended';
        readonly recordingId: string;
        readonly userId: string | null;
        readonly serverId: string;
        readonly seq: number;
        readonly isComplete: boolean;
      }
  );

export type DomainEventType = DomainEvent['type'];

/** Ids per `records.changed` event: 150 UUIDs keep a payload well under NOTIFY's 8,000 bytes. */
export const IDS_PER_EVENT = 150;

/** `ids` in runs of at most IDS_PER_EVENT: one event's worth each. */
export function idBatches(ids: readonly string[]): string[][] {
  const batches: string[][] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_EVENT) batches.push(ids.slice(start, start + IDS_PER_EVENT));
  return batches;
}

/** `records.changed` events for `ids`, split to fit NOTIFY payloads. */
export function recordsChanged(tenantId: string, serverId: string, kind: RecordEventKind, change: RecordChange, ids: readonly string[]): DomainEvent[] {
  return idBatches(ids).map((batch) => ({ type: 'records.changed', tenantId, serverId, kind, change, ids: batch }));
}

/** `commands.finished` events for `ids`, split to fit NOTIFY payloads. */
export function commandsFinished(tenantId: string, serverId: string, ids: readonly string[]): DomainEvent[] {
  return idBatches(ids).map((batch) => ({ type: 'commands.finished', tenantId, serverId, ids: batch }));
}

/**
 * Publishes `events` when the transaction `tx` commits, and writes the webhook deliveries they
 * make (the outbox) in it, due at `now` (Vigil's clock: pass it where the caller has it).
 */
export async function publishEvents(tx: Executor, events: readonly DomainEvent[], now: Date = new Date()): Promise<void> {
  await enqueueWebhookDeliveries(tx, events, now);
  if (events.length === 1) {
    await tx.execute(sql`select pg_notify(${DOMAIN_EVENTS_CHANNEL}, ${JSON.stringify(events[0])})`);
  } else if (events.length > 1) {
    // One statement for a run's events; notifications go out in the array's order.
    const payloads = arrayLiteral(events.map((event) => JSON.stringify(event)));
    await tx.execute(
      sql`select count(pg_notify(${DOMAIN_EVENTS_CHANNEL}, p)) from (select p from unnest(${payloads}::text[]) with ordinality as u(p, n) order by n) ordered`,
    );
  }
}

export function parseDomainEvent(payload: string): DomainEvent | undefined {
  try {
    const event = JSON.parse(payload) as DomainEvent;
    return typeof event?.type === 'string' && typeof event.tenantId === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}
