/** What the recording routes (terminal and desktop) read from a request alike: who asks, and the flags and start time they give. */
import type { Request, Response } from 'express';
import type { Actor } from '../auth/actor.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { BadInput, NotFound, Unauthenticated } from '../errors.js';
import { redeemPlaybackTicket, type TicketKind } from '../recordings/playback-ticket.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ServiceContext } from '../service-context.js';
import { requestInfoOf } from './request-info.js';

export interface RecordingRequestDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly authenticator: Authenticator;
  readonly secretBox: SecretBox;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The bearer token's actor, else the playback ticket's user (a ticket of `kind` for this recording). */
export async function readerOf(deps: RecordingRequestDeps, req: Request, res: Response, recordingId: string, kind: TicketKind): Promise<Actor> {
  const ticket = req.query.ticket;
  if (typeof ticket === 'string' && !req.headers.authorization) {
    if (!UUID.test(recordingId)) throw new NotFound(kind === 'recording' ? 'Terminal recording' : 'Desktop recording', recordingId);
    return redeemPlaybackTicket(deps.db, deps.secretBox, ticket, recordingId.toLowerCase(), deps.clock.now(), kind);
  }
  const actor = await deps.authenticator.authenticate(req.headers.authorization, requestOf(req, res));
  if (!actor) throw new Unauthenticated('Send a bearer token in the Authorization header, or open the playback link GraphQL gives (playbackUrl)');
  return actor;
}

export async function contextOf(deps: RecordingRequestDeps, req: Request, res: Response, actor: Actor | null): Promise<ServiceContext> {
  if (!actor) throw new Unauthenticated();
  return { db: deps.db, clock: deps.clock, actor, request: requestOf(req, res) };
}

export function requestOf(req: Request, res: Response) {
  return requestInfoOf(req, String(res.getHeader('x-request-id') ?? ''));
}

export function flag(req: Request, name: string): boolean {
  const value = req.query[name];
  if (value === undefined) return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadInput(name, `${name} must be true or false`);
}

export function parseStartAt(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(seconds) || seconds < 0) throw new BadInput('t', 't must be a number of seconds, 0 or more');
  return seconds;
}
