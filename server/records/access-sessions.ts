import type { AccessSessionRow, AccessSessionStatus } from '../db/tables/index.js';
import { accessSessions } from '../db/tables/index.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';

export interface NewAccessSession {
  requesterId: string;
  reason: string;
  status: AccessSessionStatus;
  serverIds?: string[];
  serverLabels?: Record<string, string>;
  isSudoAllowed?: boolean;
  approverId?: string | null;
  approvalId?: string | null;
  requestedAt?: Date;
  startsAt?: Date | null;
  expiresAt?: Date | null;
}

/** Stores an access session. The request and approval workflow that drives them builds on this. */
export async function createAccessSession(ctx: TransactionContext, input: NewAccessSession): Promise<AccessSessionRow> {
  const [row] = await ctx.db
    .insert(accessSessions)
    .values({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      requesterId: input.requesterId,
      approverId: input.approverId ?? null,
      approvalId: input.approvalId ?? null,
      serverIds: input.serverIds ?? [],
      serverLabels: input.serverLabels ?? {},
      isSudoAllowed: input.isSudoAllowed ?? false,
      reason: input.reason,
      status: input.status,
      requestedAt: input.requestedAt ?? ctx.clock.now(),
      startsAt: input.startsAt ?? null,
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  return row!;
}
