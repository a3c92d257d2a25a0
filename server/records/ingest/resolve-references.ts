/**
 * Looks up, in one statement per kind, everything a batch refers to by id or email: users, access
 * sessions and API tokens of the tenant. A reference that does not resolve fails the batch,
 * naming the event and field.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { accessSessions, apiTokens, users } from '../../db/tables/index.js';
import { BadInput } from '../../errors.js';
import { PAYLOAD_FIELD, type ParsedEvent } from './agent-event.js';

export interface References {
  /** The user an event is about, or null when it names none. */
  userOf(event: ParsedEvent, field?: 'userId' | 'grantedByUserId'): string | null;
  /** The approval behind an access session (null when it was granted without one). */
  accessSessionOf(event: ParsedEvent): { id: string; approvalId: string | null } | null;
  tokenOf(event: ParsedEvent): string | null;
}

type Payload = Record<string, unknown>;
const payloadOf = (event: ParsedEvent) => event.payload as Payload;
const fieldPath = (event: ParsedEvent, name: string) => `events.${event.index}.${PAYLOAD_FIELD[event.kind]}.${name}`;

export async function resolveReferences(db: Executor, tenantId: string, events: readonly ParsedEvent[]): Promise<References> {
  const userIds = new Set<string>();
  const emails = new Set<string>();
  const sessionIds = new Set<string>();
  const tokenIds = new Set<string>();
  for (const event of events) {
    const payload = payloadOf(event);
    for (const name of ['userId', 'grantedByUserId'] as const) if (typeof payload[name] === 'string') userIds.add(payload[name]);
    if (typeof payload.userEmail === 'string') emails.add(payload.userEmail);
    if (typeof payload.accessSessionId === 'string') sessionIds.add(payload.accessSessionId);
    if (typeof payload.operatorTokenId === 'string') tokenIds.add(payload.operatorTokenId);
  }

  const [userRows, sessionRows, tokenRows] = await Promise.all([
    userIds.size + emails.size === 0
      ? []
      : db
          .select({ id: users.id, email: users.email })
          .from(users)
          .where(and(eq(users.tenantId, tenantId), or(userIds.size ? inArray(users.id, [...userIds]) : undefined, emails.size ? inArray(users.email, [...emails]) : undefined))),
    sessionIds.size === 0
      ? []
      : db
          .select({ id: accessSessions.id, approvalId: accessSessions.approvalId })
          .from(accessSessions)
          .where(and(eq(accessSessions.tenantId, tenantId), inArray(accessSessions.id, [...sessionIds]))),
    tokenIds.size === 0
      ? []
      : db
          .select({ id: apiTokens.id })
          .from(apiTokens)
          .where(and(eq(apiTokens.tenantId, tenantId), inArray(apiTokens.id, [...tokenIds]))),
  ]);
  const knownUserIds = new Set(userRows.map((row) => row.id));
  const userIdByEmail = new Map(userRows.map((row) => [row.email, row.id]));
  const sessions = new Map(sessionRows.map((row) => [row.id, row]));
  const tokens = new Set(tokenRows.map((row) => row.id));

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
    accessSessionOf(event) {
      const id = payloadOf(event).accessSessionId;
      if (typeof id !== 'string') return null;
      const found = sessions.get(id);
      if (!found) throw new BadInput(fieldPath(event, 'accessSessionId'), `${fieldPath(event, 'accessSessionId')}: no such access session in this tenant`);
      return found;
    },
    tokenOf(event) {
      const id = payloadOf(event).operatorTokenId;
      if (typeof id !== 'string') return null;
      if (!tokens.has(id)) throw new BadInput(fieldPath(event, 'operatorTokenId'), `${fieldPath(event, 'operatorTokenId')}: no such API token in this tenant`);
      return id;
    },
  };
}

export { fieldPath };
