/**
 * Nested objects of records, loaded in batches through the operation's DataLoaders. A record
 * reached through a reference follows the same row rule as its own list: a holder of
 * SESSION_RECORDINGS_VIEW sees another person's terminal session, but not the access session
 * behind it.
 */
import type DataLoader from 'dataloader';
import { canSeeRow, onServer } from '../../server/auth/scope.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from './access-session.type.js';
import { Person } from './person.type.js';
import { TerminalSession } from './terminal-session.type.js';

/**
 * One GraphQL object per referenced row, and one promise of it per operation: a page of 100
 * commands on 20 servers makes 20 Servers (each with its labels sorted), not 100, and the other 80
 * references cost a map lookup. The objects hold only what the row holds, the same for whoever
 * reads them; the promises live as long as the operation's loader.
 */
const viewPromises = new WeakMap<object, Map<string, Promise<unknown>>>();

function viewById<Row, View>(loader: DataLoader<string, Row | null>, id: string, make: (row: Row) => View): Promise<View | null> {
  let byId = viewPromises.get(loader);
  if (!byId) viewPromises.set(loader, (byId = new Map<string, Promise<unknown>>()));
  let view = byId.get(id) as Promise<View | null> | undefined;
  if (!view) byId.set(id, (view = loader.load(id).then((row) => (row ? make(row) : null))));
  return view;
}

export function loadServer(ctx: GraphQLContext, id: string | null): Promise<Server | null> {
  return id ? viewById(ctx.loaders.serverById, id, Server.from) : Promise.resolve(null);
}

export function loadPerson(ctx: GraphQLContext, id: string | null): Promise<Person | null> {
  return id ? viewById(ctx.loaders.personById, id, Person.from) : Promise.resolve(null);
}

export async function loadAccessSession(ctx: GraphQLContext, id: string | null): Promise<AccessSession | null> {
  const row = id ? await ctx.loaders.accessSessionById.load(id) : null;
  return row && canSeeRow(ctx.actor, 'accessSessions', row.requesterId, row) ? AccessSession.from(row) : null;
}

export async function loadTerminalSession(ctx: GraphQLContext, id: string | null): Promise<TerminalSession | null> {
  const row = id ? await ctx.loaders.terminalSessionById.load(id) : null;
  return row && canSeeRow(ctx.actor, 'terminalSessions', row.userId, onServer(row.serverId)) ? TerminalSession.from(row) : null;
}
