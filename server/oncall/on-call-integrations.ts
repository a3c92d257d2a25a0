/**
 * On-call integrations: a tenant's account at PagerDuty or Opsgenie, managed by admins. The API key
 * is sealed with the secret box on the way in and opened only to ask the provider; no answer, log
 * line or audit entry carries it (the audit entry says whether it changed). An integration that a
 * policy names cannot be deleted: dropping it from the policy would change who may approve.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { conflictOnDuplicateName } from '../db/db-errors.js';
import { approvalPolicies, onCallIntegrations, ON_CALL_PROVIDERS, type OnCallIntegrationRow, type OnCallProvider } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';

const apiKeySchema = z.string().trim().min(8, 'is too short to be an API key').max(512, 'is too long');

const createInput = z.object({ provider: z.enum(ON_CALL_PROVIDERS), name: nameSchema(128), apiKey: apiKeySchema });
const updateInput = z.object({ name: nameSchema(128).optional(), apiKey: apiKeySchema.optional() });

export type CreateOnCallIntegrationInput = z.input<typeof createInput>;
export type UpdateOnCallIntegrationInput = z.input<typeof updateInput>;

/** An integration as the API shows it: without its key. */
export interface OnCallIntegrationRecord {
  readonly id: string;
  readonly provider: OnCallProvider;
  readonly name: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the audit log keeps of an integration: never the key, sealed or not. */
export const integrationSnapshot = (row: OnCallIntegrationRow) => ({ id: row.id, provider: row.provider, name: row.name });

const duplicateName = (error: unknown, name: string | undefined): never =>
  conflictOnDuplicateName(error, `An on-call integration named ${name} already exists in this tenant`);

export async function createOnCallIntegration(
  ctx: TransactionContext,
  secretBox: SecretBox,
  input: CreateOnCallIntegrationInput,
): Promise<OnCallIntegrationRow> {
  const parsed = parseInput(createInput, input, 'input');
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(onCallIntegrations)
    .values({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      provider: parsed.provider,
      name: parsed.name,
      sealedApiKey: secretBox.seal(parsed.apiKey),
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'on_call_integration.created',
    resource: { type: 'on_call_integration', id: row.id, name: row.name },
    after: integrationSnapshot(row),
  });
  return row;
}

export async function getOnCallIntegration(db: Executor, tenantId: string, id: string): Promise<OnCallIntegrationRow> {
  const [row] = await db
    .select()
    .from(onCallIntegrations)
    .where(and(eq(onCallIntegrations.tenantId, tenantId), eq(onCallIntegrations.id, id)));
  if (!row) throw new NotFound('On-call integration', id);
  return row;
}

/** Renames an integration or replaces its key; a field left out keeps its value. */
export async function updateOnCallIntegration(
  ctx: TransactionContext,
  secretBox: SecretBox,
  id: string,
  input: UpdateOnCallIntegrationInput,
): Promise<OnCallIntegrationRow> {
  const parsed = parseInput(updateInput, input, 'input');
  const before = await getOnCallIntegration(ctx.db, ctx.actor.tenantId, id);
  const row = await ctx.db
    .update(onCallIntegrations)
    .set({
      ...(parsed.name !== undefined ? { name: parsed.name } : {}),
      ...(parsed.apiKey !== undefined ? { sealedApiKey: secretBox.seal(parsed.apiKey) } : {}),
      updatedAt: ctx.clock.now(),
    })
    .where(and(eq(onCallIntegrations.tenantId, ctx.actor.tenantId), eq(onCallIntegrations.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'on_call_integration.updated',
    resource: { type: 'on_call_integration', id, name: row.name },
    before: integrationSnapshot(before),
    after: { ...integrationSnapshot(row), isApiKeyReplaced: parsed.apiKey !== undefined },
  });
  return row;
}

export async function deleteOnCallIntegration(ctx: TransactionContext, id: string): Promise<OnCallIntegrationRow> {
  const before = await getOnCallIntegration(ctx.db, ctx.actor.tenantId, id);
  const naming = await ctx.db
    .select({ id: approvalPolicies.id, name: approvalPolicies.name })
    .from(approvalPolicies)
    .where(
      and(
        eq(approvalPolicies.tenantId, ctx.actor.tenantId),
        sql`${approvalPolicies.deletedAt} is null`,
        sql`exists (select 1 from unnest(${approvalPolicies.onCallSchedules}) as schedule where starts_with(schedule, ${`${id}:`}))`,
      ),
    );
  if (naming.length > 0) {
    throw new Conflict(`The approval policies ${naming.map((policy) => policy.name).join(', ')} name schedules of ${before.name}: change them first`, {
      policyIds: naming.map((policy) => policy.id),
    });
  }
  await ctx.db.delete(onCallIntegrations).where(and(eq(onCallIntegrations.tenantId, ctx.actor.tenantId), eq(onCallIntegrations.id, id)));
  await recordChange(ctx, {
    action: 'on_call_integration.deleted',
    resource: { type: 'on_call_integration', id, name: before.name },
    before: integrationSnapshot(before),
  });
  return before;
}

export async function listOnCallIntegrations(db: Executor, tenantId: string, args: PageArgs): Promise<Page<OnCallIntegrationRow>> {
  return fetchPage(
    args,
    [onCallIntegrations.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(onCallIntegrations)
        .where(and(eq(onCallIntegrations.tenantId, tenantId), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

export async function integrationsByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<OnCallIntegrationRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(onCallIntegrations)
    .where(and(eq(onCallIntegrations.tenantId, tenantId), inArray(onCallIntegrations.id, [...ids])));
}
