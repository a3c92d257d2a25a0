/**
 * Outbox rows are instructions: "send this payload to that subscription, signed", "mail this
 * message to that address". Anyone who can write to the database could otherwise insert one (or
 * change a queued one) and have Vigil send it with its own credentials and signatures. So every
 * row carries Vigil's tag (an HMAC under a key derived from VIGIL_SECRET_KEY, which the database
 * never holds) over what it says to send, written in the transaction that queues it and checked
 * before each attempt: a row whose tag does not match is refused (server/outbound/refused-deliveries.ts).
 *
 * What a tag covers, per table: the row's tenant and id, and everything that decides what is sent
 * and to whom. Bookkeeping (status, attempts, times, errors) is not covered: changing it can only
 * delay, repeat or stop a message Vigil queued (a repeated webhook keeps its message id, which
 * receivers deduplicate on).
 */
import { and, eq, inArray, isNotNull, isNull, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { canonicalJson } from '../canonical-json.js';
import type { Database, Executor } from '../db/database.js';
import {
  alertDeliveries,
  personDeliveries,
  webhookDeliveries,
  type AlertDeliveryRow,
  type PersonDeliveryRow,
  type WebhookDeliveryRow,
} from '../db/tables/index.js';
import { sealedKeyId, type SecretBox } from '../secrets/secret-box.js';
import type { OutboxTable } from './outbox-claims.js';

type Covered = {
  webhook_deliveries: Pick<WebhookDeliveryRow, 'tenantId' | 'id' | 'subscriptionId' | 'eventType' | 'payload'>;
  alert_deliveries: Pick<AlertDeliveryRow, 'tenantId' | 'id' | 'alertId' | 'channelId'>;
  person_deliveries: Pick<PersonDeliveryRow, 'tenantId' | 'id' | 'userId' | 'medium' | 'address' | 'message'>;
};

const COVERED_PARTS: { readonly [T in OutboxTable]: (row: Covered[T]) => string[] } = {
  webhook_deliveries: (row) => [row.tenantId, row.id, row.subscriptionId, row.eventType, row.payload],
  alert_deliveries: (row) => [row.tenantId, row.id, row.alertId, row.channelId],
  // jsonb keeps its own key order: the canonical text is what both sides agree on.
  person_deliveries: (row) => [row.tenantId, row.id, row.userId, row.medium, row.address, canonicalJson(row.message)],
};

/** The tag a row of `table` carries. */
export function deliveryTag<T extends OutboxTable>(box: SecretBox, table: T, row: Covered[T]): string {
  return box.tag(table, COVERED_PARTS[table](row));
}

/**
 * Why `row` is not one Vigil queued, or null when it carries Vigil's tag over what it says to send
 * (under the current or a previous key). A tag under a key this Vigil does not hold is told apart:
 * it is also what an instance or CLI run with another VIGIL_SECRET_KEY writes.
 */
export function whyNotQueuedByVigil<T extends OutboxTable>(box: SecretBox, table: T, row: Covered[T] & { readonly mac: string | null }): string | null {
  if (row.mac === null) return 'it carries no tag';
  const keyId = sealedKeyId(row.mac);
  if (!keyId || !box.hasKey(keyId)) {
    return `its tag names key ${keyId ?? '(none)'}, which this Vigil does not hold (VIGIL_SECRET_KEY, VIGIL_SECRET_KEY_PREVIOUS): written by an instance or CLI with another key, or forged`;
  }
  return box.isTagOf(row.mac, table, COVERED_PARTS[table](row)) ? null : 'its tag does not match what it says to send: written or changed outside Vigil';
}

/**
 * The key of each open database, found from any of its transactions: a drizzle transaction shares
 * its database's dialect object, so that object names the database (as in server/db/migrate.ts,
 * which reaches the dialect too). Kept beside the database rather than passed down, because rows
 * are queued from deep inside many services' transactions (publishEvents).
 */
const keys = new WeakMap<object, SecretBox>();

const dialectOf = (db: Executor): object => (db as unknown as { dialect: object }).dialect;

/** Lets every transaction on `db` tag the outbox rows it queues with `box`. */
export function registerOutboxKey(db: Database, box: SecretBox): () => void {
  keys.set(dialectOf(db), box);
  return () => keys.delete(dialectOf(db));
}

/** The key rows queued on `db` are tagged with; throws when none was registered (a row without a tag would only be refused). */
export function outboxKeyOf(db: Executor): SecretBox {
  const box = keys.get(dialectOf(db));
  if (!box) throw new Error('No outbox key registered for this database: registerOutboxKey when it is opened');
  return box;
}

/** The migration that added the tags. */
const TAGS_MIGRATION = '0040_outbox_tags';

/** For runMigrations: once `applied` includes the tags' migration, tags what was queued before it. */
export async function tagOutboxAfterMigrations(db: Database, box: SecretBox, applied: readonly string[]): Promise<void> {
  if (applied.includes(TAGS_MIGRATION)) await tagRowsQueuedBeforeTags(db, box);
}

/**
 * Tags the unsettled rows queued before tags existed: run once, by the process that applies
 * TAGS_MIGRATION, under the migrations' lock (so before any instance sends on the new schema).
 * Those rows were trusted as they were until then; every row written after needs Vigil's own tag.
 */
export async function tagRowsQueuedBeforeTags(db: Database, box: SecretBox): Promise<number> {
  const { retagged } = await retagUnsettled(
    db,
    box,
    (mac) => isNull(mac),
    () => true,
  );
  return retagged;
}

/**
 * For key rotation: tags again under the current key every unsettled row tagged under a previous
 * one, so VIGIL_SECRET_KEY_PREVIOUS can go without refusing what is still to be sent. A row whose
 * tag no key confirms is left as it is (it will be refused) and counted.
 */
export function retagUnderCurrentKey(db: Database, box: SecretBox): Promise<{ retagged: number; untrusted: number }> {
  return retagUnsettled(
    db,
    box,
    (mac) => and(isNotNull(mac), sql`not starts_with(${mac}, ${`v1.${box.keyId}.`})`)!,
    (table, row) => whyNotQueuedByVigil(box, table, row) === null,
  );
}

/** Tags again the unsettled rows whose tag `matches`, where `accept` says so; a row changed meanwhile is left to the next run. */
async function retagUnsettled(
  db: Database,
  box: SecretBox,
  matches: (mac: AnyColumn) => SQL,
  accept: <T extends OutboxTable>(table: T, row: Covered[T] & { mac: string | null }) => boolean,
): Promise<{ retagged: number; untrusted: number }> {
  const counts = { retagged: 0, untrusted: 0 };
  const unsettled = ['pending', 'retrying', 'delivering'] as const;
  const retag = async <T extends OutboxTable>(
    table: T,
    rows: readonly (Covered[T] & { mac: string | null })[],
    write: (row: Covered[T] & { mac: string | null }, mac: string) => Promise<unknown>,
  ) => {
    for (const row of rows) {
      if (!accept(table, row)) counts.untrusted += 1;
      else {
        await write(row, deliveryTag(box, table, row));
        counts.retagged += 1;
      }
    }
  };
  // Only while the tag is still the one read: compare and set.
  const sameRow = (
    table: typeof webhookDeliveries | typeof alertDeliveries | typeof personDeliveries,
    row: { tenantId: string; id: string; mac: string | null },
  ) => and(eq(table.tenantId, row.tenantId), eq(table.id, row.id), row.mac === null ? isNull(table.mac) : eq(table.mac, row.mac));
  await retag(
    'webhook_deliveries',
    await db
      .select()
      .from(webhookDeliveries)
      .where(and(matches(webhookDeliveries.mac), inArray(webhookDeliveries.status, unsettled))),
    (row, mac) => db.update(webhookDeliveries).set({ mac }).where(sameRow(webhookDeliveries, row)),
  );
  await retag(
    'alert_deliveries',
    await db
      .select()
      .from(alertDeliveries)
      .where(and(matches(alertDeliveries.mac), inArray(alertDeliveries.status, unsettled))),
    (row, mac) => db.update(alertDeliveries).set({ mac }).where(sameRow(alertDeliveries, row)),
  );
  await retag(
    'person_deliveries',
    await db
      .select()
      .from(personDeliveries)
      .where(and(matches(personDeliveries.mac), inArray(personDeliveries.status, unsettled))),
    (row, mac) => db.update(personDeliveries).set({ mac }).where(sameRow(personDeliveries, row)),
  );
  return counts;
}
