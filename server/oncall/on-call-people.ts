/**
 * On-call people as Vigil users: the tenant's enabled users whose email (case-insensitively) is
 * one the provider answered. Someone on call without a Vigil account here, or under another email,
 * is nobody to Vigil.
 */
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import type { Executor } from '../db/database.js';
import { approvals, users } from '../db/tables/index.js';
import type { OnCallLookup, ScheduleState } from './on-call-directory.js';

/** Distinct schedules asked about for one reviewer's queue at most (each is a question to a provider). */
const MAX_PENDING_SCHEDULES = 50;

/** Where one person stands with some schedules: those they are on call for, and those nobody could ask. */
export interface OnCallStanding {
  readonly onCall: readonly ScheduleState[];
  readonly unavailable: readonly ScheduleState[];
}

export async function onCallStandingOf(lookup: OnCallLookup, db: Executor, tenantId: string, email: string, keys: readonly string[]): Promise<OnCallStanding> {
  if (keys.length === 0) return { onCall: [], unavailable: [] };
  const states = await lookup.schedules(db, tenantId, keys);
  const wanted = email.toLowerCase();
  return { onCall: states.filter((state) => state.emails?.includes(wanted)), unavailable: states.filter((state) => state.emails === null) };
}

/** The enabled users on call now for any of `keys`, each with the schedules they are on call for. */
export async function usersOnCall(
  lookup: OnCallLookup,
  db: Executor,
  tenantId: string,
  keys: readonly string[],
): Promise<{ id: string; name: string; email: string; keys: string[] }[]> {
  if (keys.length === 0) return [];
  const states = await lookup.schedules(db, tenantId, keys);
  const emails = [...new Set(states.flatMap((state) => state.emails ?? []))];
  if (emails.length === 0) return [];
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), isNull(users.disabledAt), sql`${users.email} = any(${arrayLiteral(emails)}::text[])`));
  return rows.map((row) => ({ ...row, keys: states.filter((state) => state.emails?.includes(row.email.toLowerCase())).map((state) => state.key) }));
}

/** Schedules a tenant's pending requests name: those whose people may have something to decide now. */
export async function schedulesOfPendingApprovals(db: Executor, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ key: sql<string>`unnest(${approvals.onCallSchedules})` })
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.status, 'pending'), isNotNull(approvals.onCallSchedules)))
    .limit(MAX_PENDING_SCHEDULES);
  return rows.map((row) => row.key);
}
