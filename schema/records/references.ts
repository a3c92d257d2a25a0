/**
 * Nested objects of records, loaded in batches through the operation's DataLoaders. A record
 * reached through a reference follows the same row rule as its own list: a holder of
 * SESSION_RECORDINGS_VIEW sees another person's terminal session, but not the access session
 * behind it.
 */
import { canSeeRow } from '../../server/auth/scope.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from './access-session.type.js';
import { Person } from './person.type.js';
import { TerminalSession } from './terminal-session.type.js';

export async function loadServer(ctx: GraphQLContext, id: string | null): Promise<Server | null> {
  const row = id ? await ctx.loaders.serverById.load(id) : null;
  return row ? Server.from(row) : null;
}

export async function loadPerson(ctx: GraphQLContext, id: string | null): Promise<Person | null> {
  const row = id ? await ctx.loaders.userById.load(id) : null;
  return row ? Person.from(row) : null;
}

export async function loadAccessSession(ctx: GraphQLContext, id: string | null): Promise<AccessSession | null> {
  const row = id ? await ctx.loaders.accessSessionById.load(id) : null;
  return row && canSeeRow(ctx.actor, 'accessSessions', row.requesterId) ? AccessSession.from(row) : null;
}

export async function loadTerminalSession(ctx: GraphQLContext, id: string | null): Promise<TerminalSession | null> {
  const row = id ? await ctx.loaders.terminalSessionById.load(id) : null;
  return row && canSeeRow(ctx.actor, 'terminalSessions', row.userId) ? TerminalSession.from(row) : null;
}
