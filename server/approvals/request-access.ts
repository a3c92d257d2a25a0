/**
 * Access requests: a person asks for servers (by name, id or label) for a while, with a reason,
 * optionally with sudo. The request becomes a pending access session and an approval held to the
 * governing policy's rules; a policy needing no approvals puts it into force at once.
 */
import { z } from 'zod';
import { requireUser } from '../auth/scope.js';
import { accessSessions, type ServerRow } from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import { findServerByRef, findServersByLabels, labelKey } from '../identity/servers.js';
import { getUser } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { accessSessionSnapshot } from './approval-records.js';
import { governingRules } from './approval-policies.js';
import type { InForce } from './grants.js';
import { fileRequest } from './file-request.js';

/** Servers one request may name, directly or through labels. */
const MAX_SERVERS = 500;
/** How far back a requested start may lie (clock skew between Vigil and the requester). */
const START_SKEW_MS = 5 * 60_000;

export const reasonSchema = z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');

const requestAccessInput = z
  .object({
    servers: z.array(z.string().trim().min(1, 'must not be empty').max(253, 'is too long')).max(MAX_SERVERS, `at most ${MAX_SERVERS} servers`).default([]),
    serverLabels: z
      .array(z.object({ key: labelKey, value: z.string().trim().max(256, 'must be at most 256 characters') }))
      .max(32, 'at most 32 labels')
      .default([]),
    durationMinutes: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(30 * 24 * 60, 'must be at most 30 days'),
    reason: reasonSchema,
    isSudoRequested: z.boolean().default(false),
    startsAt: z.date().nullish(),
  })
  .refine((input) => input.servers.length > 0 || input.serverLabels.length > 0, { message: 'name at least one server or server label', path: ['servers'] });

export type RequestAccessInput = z.input<typeof requestAccessInput>;

async function resolveServers(ctx: TransactionContext, input: z.output<typeof requestAccessInput>): Promise<ServerRow[]> {
  const found = new Map<string, ServerRow>();
  for (const [index, ref] of input.servers.entries()) {
    const server = await findServerByRef(ctx.db, ctx.actor.tenantId, ref);
    if (!server) throw new BadInput(`input.servers.${index}`, `input.servers.${index}: no server named ${ref} is in service`);
    found.set(server.id, server);
  }
  if (input.serverLabels.length > 0) {
    const labels = Object.fromEntries(input.serverLabels.map((label) => [label.key, label.value]));
    const labelled = await findServersByLabels(ctx.db, ctx.actor.tenantId, labels, MAX_SERVERS + 1);
    if (labelled.length === 0) throw new BadInput('input.serverLabels', 'input.serverLabels: no server in service carries these labels');
    for (const server of labelled) found.set(server.id, server);
  }
  if (found.size > MAX_SERVERS) throw new BadInput('input.serverLabels', `input.serverLabels: the request would cover more than ${MAX_SERVERS} servers`);
  return [...found.values()];
}

export async function requestAccess(ctx: TransactionContext, input: RequestAccessInput): Promise<InForce> {
  const requester = requireUser(ctx.actor);
  const parsed = parseInput(requestAccessInput, input, 'input');
  const now = ctx.clock.now();
  if (parsed.startsAt && parsed.startsAt.getTime() < now.getTime() - START_SKEW_MS) {
    throw new BadInput('input.startsAt', 'input.startsAt: must not lie in the past');
  }
  if (parsed.startsAt && parsed.startsAt.getTime() > now.getTime() + 30 * 24 * 3600_000) {
    throw new BadInput('input.startsAt', 'input.startsAt: must be within 30 days');
  }
  const servers = await resolveServers(ctx, parsed);
  const requesterRow = await getUser(ctx.db, requester.tenantId, requester.userId);
  const rules = await governingRules(ctx.db, requester.tenantId, 'access', requesterRow.groups, servers);
  const durationSeconds = parsed.durationMinutes * 60;
  if (rules.maxDurationSeconds !== null && durationSeconds > rules.maxDurationSeconds) {
    throw new BadInput(
      'input.durationMinutes',
      `input.durationMinutes: the policy ${rules.policyName} allows at most ${rules.maxDurationSeconds / 60} minutes`,
    );
  }

  const approvalId = newId();
  const [session] = await ctx.db
    .insert(accessSessions)
    .values({
      tenantId: requester.tenantId,
      id: newId(),
      approvalId,
      requesterId: requester.userId,
      serverIds: servers.map((server) => server.id),
      serverLabels: Object.fromEntries(parsed.serverLabels.map((label) => [label.key, label.value])),
      isSudoAllowed: parsed.isSudoRequested,
      reason: parsed.reason,
      status: 'pending',
      requestedAt: now,
      startsAt: parsed.startsAt ?? null,
    })
    .returning();
  return fileRequest(
    ctx,
    {
      id: approvalId,
      kind: 'access',
      requesterId: requester.userId,
      reason: parsed.reason,
      accessSessionId: session!.id,
      durationSeconds,
      decideBy: new Date(now.getTime() + rules.decisionTimeoutSeconds * 1000),
    },
    rules,
    {
      isAutoApproved: rules.requiredApprovals === 0,
      session: session!,
      auditFacts: { accessSession: accessSessionSnapshot(session!) },
      activityDetails: { accessSessionId: session!.id, serverIds: session!.serverIds, durationSeconds },
    },
  );
}
