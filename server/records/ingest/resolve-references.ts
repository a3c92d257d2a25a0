/**
 * Looks up, in one statement per kind, everything a batch refers to by id or email: users, access
 * sessions, approvals, approval policies and API tokens of the tenant. A reference that does not
 * resolve, or that does not fit the event, fails the batch, naming the event and field: an agent
 * may place an event only in an access session of the event's own user, covering the agent's
 * server, in force when the event happened (what the session's owner then reads through
 * `accessSession { … }` is theirs), and may name only an approval of that user for that server.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { rowsByIds } from '../../db/rows-by-ids.js';
import { accessSessions, apiTokens, approvalPolicies, approvals, users } from '../../db/tables/index.js';
import { BadInput } from '../../errors.js';
import { PAYLOAD_FIELD, type ParsedEvent } from './agent-event.js';

/** Who an event is about and when it happened, as the access session it names must fit. */
export interface EventFacts {
  readonly userId: string | null;
  readonly at: Date;
}

export interface References {
  /** The user an event is about, or null when it names none. */
  userOf(event: ParsedEvent, field?: 'userId' | 'grantedByUserId'): string | null;
  /** The access session an event names (with the approval behind it), checked against `facts`. */
  accessSessionOf(event: ParsedEvent, facts: EventFacts): { id: string; approvalId: string | null } | null;
  /** The approval a sudo authorization names: one of its user's, for the agent's server. */
  approvalOf(event: ParsedEvent, userId: string): string | null;
  /** The approval policy a sudo authorization names. */
  policyOf(event: ParsedEvent): string | null;
  tokenOf(event: ParsedEvent): string | null;
}

/** Where the batch comes from: the agent's tenant and server, and how far its clock may be off (ms). */
export interface ReferenceScope {
  readonly tenantId: string;
  readonly serverId: string;
  readonly skewMs: number;
}

/** Whether `at` falls in a session from `start` (null: it never began) to `end` (null: still open), give or take the agent's clock skew. */
export function isWithinSession(at: Date, start: Date | null, end: Date | null, skewMs: number): boolean {
  return start !== null && start.getTime() - skewMs <= at.getTime() && (end === null || at.getTime() <= end.getTime() + skewMs);
}

type Payload = Record<string, unknown>;
const payloadOf = (event: ParsedEvent) => event.payload as Payload;
const fieldPath = (event: ParsedEvent, name: string) => `events.${event.index}.${PAYLOAD_FIELD[event.kind]}.${name}`;

/** Statuses of a session that never came into force. */
const NEVER_IN_FORCE = new Set(['pending', 'denied', 'cancelled']);

export async function resolveReferences(db: Executor, scope: ReferenceScope, events: readonly ParsedEvent[]): Promise<References> {
  const { tenantId } = scope;
  const userIds = new Set<string>();
  const emails = new Set<string>();
  const sessionIds = new Set<string>();
  const tokenIds = new Set<string>();
  const approvalIds = new Set<string>();
  const policyIds = new Set<string>();
  for (const event of events) {
    const payload = payloadOf(event);
    for (const name of ['userId', 'grantedByUserId'] as const) if (typeof payload[name] === 'string') userIds.add(payload[name]);
    if (typeof payload.userEmail === 'string') emails.add(payload.userEmail);
    if (typeof payload.accessSessionId === 'string') sessionIds.add(payload.accessSessionId);
    if (typeof payload.operatorTokenId === 'string') tokenIds.add(payload.operatorTokenId);
    if (typeof payload.approvalId === 'string') approvalIds.add(payload.approvalId);
    if (typeof payload.policyId === 'string') policyIds.add(payload.policyId);
  }

  const [userRows, sessionRows, tokenRows, approvalRows, policyRows] = await Promise.all([
    userIds.size + emails.size === 0
      ? []
      : db
          .select({ id: users.id, email: users.email })
          .from(users)
          .where(
            and(
              eq(users.tenantId, tenantId),
              or(userIds.size ? inArray(users.id, [...userIds]) : undefined, emails.size ? inArray(users.email, [...emails]) : undefined),
            ),
          ),
    rowsByIds(db, accessSessions, tenantId, [...sessionIds]),
    rowsByIds(db, apiTokens, tenantId, [...tokenIds]),
    rowsByIds(db, approvals, tenantId, [...approvalIds]),
    rowsByIds(db, approvalPolicies, tenantId, [...policyIds]),
  ]);
  const knownUserIds = new Set(userRows.map((row) => row.id));
  const userIdByEmail = new Map(userRows.map((row) => [row.email, row.id]));
  const byId = <Row extends { id: string }>(rows: Row[]) => new Map(rows.map((row) => [row.id, row]));
  const sessions = byId(sessionRows);
  const tokens = byId(tokenRows);
  const approvalsById = byId(approvalRows);
  const policies = byId(policyRows);

  /** The row of `rows` the event names in `name`: null when it names none, BAD_USER_INPUT when the tenant has no such `what`. */
  const named = <Row>(event: ParsedEvent, name: string, rows: Map<string, Row>, what: string): { id: string; row: Row; field: string } | null => {
    const id = payloadOf(event)[name];
    if (typeof id !== 'string') return null;
    const field = fieldPath(event, name);
    const row = rows.get(id);
    if (!row) throw new BadInput(field, `${field}: no such ${what} in this tenant`);
    return { id, row, field };
  };

  return {
    userOf(event, field = 'userId') {
      const payload = payloadOf(event);
      const id = payload[field];
      if (typeof id === 'string') {
        if (!knownUserIds.has(id)) throw new BadInput(fieldPath(event, field), `${fieldPath(event, field)}: no such user in this tenant`);
        return id;
      }
      if (field === 'userId' && typeof payload.userEmail === 'string') {
        const found = userIdByEmail.get(payload.userEmail);
        if (!found) throw new BadInput(fieldPath(event, 'userEmail'), `${fieldPath(event, 'userEmail')}: no user with this email in this tenant`);
        return found;
      }
      return null;
    },
    accessSessionOf(event, facts) {
      const session = named(event, 'accessSessionId', sessions, 'access session');
      if (!session) return null;
      const { id, row: found, field } = session;
      if (!found.serverIds.includes(scope.serverId)) throw new BadInput(field, `${field}: access session ${id} does not cover this agent's server`);
      if (facts.userId !== null && facts.userId !== found.requesterId)
        throw new BadInput(field, `${field}: access session ${id} belongs to another user than the event's`);
      const isInForce = !NEVER_IN_FORCE.has(found.status) && isWithinSession(facts.at, found.startsAt, found.endedAt ?? found.expiresAt, scope.skewMs);
      if (!isInForce) throw new BadInput(field, `${field}: access session ${id} was not in force at ${facts.at.toISOString()}`);
      return found;
    },
    approvalOf(event, userId) {
      const approval = named(event, 'approvalId', approvalsById, 'approval');
      if (!approval) return null;
      const { id, row, field } = approval;
      if (row.requesterId !== userId || (row.serverId !== null && row.serverId !== scope.serverId)) {
        throw new BadInput(field, `${field}: approval ${id} is not one of this user's for this agent's server`);
      }
      return id;
    },
    policyOf: (event) => named(event, 'policyId', policies, 'approval policy')?.id ?? null,
    tokenOf: (event) => named(event, 'operatorTokenId', tokens, 'API token')?.id ?? null,
  };
}

export { fieldPath };
