/**
 * GET /events: the event stream as NDJSON (application/x-ndjson) for curl-style consumers, with
 * the bearer token of the API and its scope. One event per line, in log order; then a line
 * `{"endCursor","hasMore"}` to resume from. With `follow=1` the response stays open and writes
 * new events as the log grows, with an endCursor line after each read that showed nothing past
 * its last event (and every 30 s when nothing happens, which also keeps proxies from closing an
 * idle connection), until the client goes away or `first` events were written.
 *
 * Parameters: `format` (`vigil`, the envelope, or `ocsf`: each event as its OCSF class), `after` (a cursor), `first` (at most this many events in all; without it, until
 * the end of the log, or forever with `follow`), `follow`, and the filter: `kinds`, `categories`,
 * `types`, `minSeverity`, `since`, `until`, `serverId`, `serverName`, `serverLabels` (`env=prod`),
 * `userId`, `ip` (an address or a network), `keyword` (lists repeat or take commas). Refusals come
 * before anything is written, as JSON with the API's codes (401, 403, 400 naming the parameter);
 * the first page is read before the headers go out, so a bad cursor is a 400 too. Writing waits
 * for the socket to drain, and reading waits for writing (a batch reads one page ahead of it). While following, the credential is
 * checked again when its person or token changes and once it expires: a revoked one ends the
 * response.
 */
import express from 'express';
import type { Authenticator } from '../auth/authenticate.js';
import { requireActor } from '../auth/scope.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import { BadInput } from '../errors.js';
import { checkEventFilter, EVENT_KINDS, type EventStreamFilter } from '../events/event-filter.js';
import { writeEventLine } from '../events/event-line.js';
import { followEventStream } from '../events/follow-event-stream.js';
import { MAX_EVENT_PAGE, readEventStream, type EventStreamPage, type LogCatchUp } from '../events/read-event-stream.js';
import { ocsfEventOf } from '../events/ocsf.js';
import { EVENT_CATEGORIES, EVENT_SEVERITIES, type StreamEvent } from '../events/stream-event.js';
import { QueryParams } from '../export/query-params.js';
import { writeChunks } from '../export/stream-rows.js';
import { Utf8Slabs } from '../export/utf8-slabs.js';
import type { Logger } from '../logger.js';
import type { DomainEvent } from '../realtime/domain-events.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { ServiceContext } from '../service-context.js';
import { identityChangeConcerns } from '../auth/identity-change.js';
import { requestInfoOf } from './request-info.js';
import { sendError } from './send-error.js';

export interface EventRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly log: LogCatchUp;
  readonly bus: EventBus;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /**
   * How long a following response waits for the log to grow before reading anyway and writing an
   * endCursor line.
   * @default 30_000
   */
  readonly heartbeatMs?: number;
}

/** What a line holds: Vigil's envelope, or the event as OCSF (server/events/ocsf.ts). */
const EVENT_FORMATS = ['vigil', 'ocsf'] as const;

interface EventsRequest {
  readonly format: (typeof EVENT_FORMATS)[number];
  readonly after: string | undefined;
  readonly first: number | undefined;
  readonly isFollowing: boolean;
  readonly filter: EventStreamFilter;
}

/** `env=prod` as a label; BAD_USER_INPUT naming serverLabels otherwise. */
function labelOf(text: string): { key: string; value: string } {
  const at = text.indexOf('=');
  if (at < 1) throw new BadInput('serverLabels', `serverLabels: ${text} is not key=value`);
  return { key: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
}

function parseEventsRequest(params: QueryParams): EventsRequest {
  const follow = params.text('follow')?.toLowerCase();
  if (follow !== undefined && !['1', '0', 'true', 'false'].includes(follow)) throw new BadInput('follow', 'follow: must be 1 or 0 (true or false)');
  const first = params.int('first');
  if (first !== undefined && first < 1) throw new BadInput('first', 'first: must be 1 or more');
  const request: EventsRequest = {
    format: params.oneOf('format', EVENT_FORMATS) ?? 'vigil',
    after: params.text('after'),
    first,
    isFollowing: follow === '1' || follow === 'true',
    filter: {
      kinds: params.list('kinds', EVENT_KINDS),
      categories: params.list('categories', EVENT_CATEGORIES),
      types: params.list('types'),
      minSeverity: params.oneOf('minSeverity', EVENT_SEVERITIES),
      serverId: params.id('serverId'),
      userId: params.id('userId'),
      since: params.date('since'),
      until: params.date('until'),
      serverName: params.text('serverName'),
      serverLabels: params.list('serverLabels')?.map((label) => labelOf(label)),
      ip: params.text('ip'),
      keyword: params.text('keyword'),
    },
  };
  params.rejectUnknown();
  // Checked here as well as where it is read, so a refusal names the parameter (`ip`, not `filter.ip`).
  checkEventFilter(request.filter, null);
  return request;
}

const cursorLine = (page: EventStreamPage) => `${JSON.stringify({ endCursor: page.endCursor, hasMore: page.hasMore })}\n`;

/** A request's service context, with the credential it came with (checked again while following). */
type StreamContext = ServiceContext & { readonly authorization?: string };

export interface EventRouter extends Disposable {
  readonly router: express.Router;
}

/** The route; `dispose()` ends the following responses (each ends whole; its consumer resumes from its last cursor). */
export function createEventRouter(options: EventRoutesOptions): EventRouter {
  const router = express.Router();
  const following = new Set<AbortController>();
  router.get('/', async (req, res) => {
    const log = req.log ?? options.logger;
    let ctx: StreamContext;
    let request: EventsRequest;
    let opening: EventStreamPage;
    try {
      const info = requestInfoOf(req, String(res.getHeader('x-request-id') ?? ''));
      const actor = requireActor(await options.authenticator.authenticate(req.headers.authorization, info, { acceptsStreamTokens: true }));
      ctx = { db: options.db, clock: options.clock, actor, request: info, authorization: req.headers.authorization };
      request = parseEventsRequest(new QueryParams(req.query));
      opening = await readEventStream(ctx, options.log, { after: request.after, first: pageSize(request.first), filter: request.filter });
    } catch (error) {
      sendError(res, error, log, 'event stream before streaming');
      return;
    }

    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Proxies that buffer (nginx) would hold a following stream back.
    if (request.isFollowing) res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const stop = new AbortController();
    following.add(stop);
    res.once('close', () => stop.abort());
    try {
      const isComplete = await writeChunks(res, lines(options, ctx, request, opening, stop));
      if (!isComplete) log.info({ follow: request.isFollowing }, 'event stream stopped: the client disconnected');
    } catch (error) {
      log.error({ err: error }, 'event stream failed while streaming');
      res.destroy();
    } finally {
      stop.abort();
      following.delete(stop);
    }
  });
  return {
    router,
    async dispose() {
      for (const stop of following) stop.abort();
    },
  };
}

/** A read's page size: what is left of `first`, at most MAX_EVENT_PAGE. */
const pageSize = (remaining: number | undefined) => Math.min(remaining ?? MAX_EVENT_PAGE, MAX_EVENT_PAGE);

async function* lines(
  options: EventRoutesOptions,
  ctx: StreamContext,
  request: EventsRequest,
  opening: EventStreamPage,
  stop: AbortController,
): AsyncGenerator<string | readonly (string | Uint8Array)[]> {
  let remaining = request.first;
  /** The page cut to what is left of `first`: then it ends at its last event. */
  const counted = (page: EventStreamPage): EventStreamPage => {
    if (remaining === undefined) return page;
    const nodes = page.nodes.slice(0, remaining);
    remaining -= nodes.length;
    return nodes.length < page.nodes.length ? { nodes, endCursor: nodes.at(-1)!.cursor, hasMore: true } : page;
  };
  const tenantId = ctx.actor.tenantId;
  const slabs = new Utf8Slabs();
  const linesOf = (events: readonly StreamEvent[]): readonly (string | Uint8Array)[] => {
    if (request.format === 'ocsf') return events.map((event) => `${JSON.stringify(ocsfEventOf(event, tenantId))}\n`);
    for (const event of events) writeEventLine(slabs, event);
    return slabs.take();
  };
  let page = counted(opening);
  if (!request.isFollowing) {
    // The next page is read while this one is written: the database and the socket work at once,
    // and at most one page waits ahead of the client.
    const readAhead = (after: EventStreamPage): Promise<EventStreamPage> | undefined => {
      if (!after.hasMore || remaining === 0) return undefined;
      const reading = readEventStream(ctx, options.log, { after: after.endCursor, first: pageSize(remaining), filter: request.filter });
      // Awaited below; until then a failure must not count as unhandled.
      reading.catch(() => undefined);
      return reading;
    };
    let ahead = readAhead(page);
    yield linesOf(page.nodes);
    while (ahead) {
      page = counted(await ahead);
      ahead = readAhead(page);
      yield linesOf(page.nodes);
    }
    yield cursorLine(page);
    return;
  }
  yield linesOf(page.nodes);
  if (remaining === 0 || page.nodes.at(-1)?.cursor !== page.endCursor) yield cursorLine(page);
  if (remaining === 0) return;
  const credential = watchCredential(options, ctx, stop);
  const pages = followEventStream(credential.context, options.log, {
    after: page.endCursor,
    first: MAX_EVENT_PAGE,
    filter: request.filter,
    signal: stop.signal,
    pollMs: options.heartbeatMs,
    beforeRead: credential.beforeRead,
    // The log growing, or the credential changing (checked again at once, so a revoked one stops now).
    onLogAppended: (wake) => {
      const stops = [
        options.bus.subscribe(ctx.actor.tenantId, (event) => {
          if (event.type === 'log.appended' || credential.isChangedBy(event)) wake();
        }),
      ];
      // An account admin's credential belongs to another workspace: its changes are published there.
      const via = ctx.actor.type === 'user' ? ctx.actor.via : undefined;
      if (via) stops.push(options.bus.subscribe(via.tenantId, (event) => credential.isChangedBy(event) && wake()));
      return () => stops.forEach((stop) => stop());
    },
  });
  for await (const read of pages) {
    page = counted(read);
    // An endCursor line when the read went past its last event: the consumer resumes from there.
    const isPastLastEvent = page.nodes.at(-1)?.cursor !== page.endCursor;
    yield linesOf(page.nodes);
    if (isPastLastEvent || remaining === 0) yield cursorLine(page);
    if (remaining === 0) return;
  }
}

/**
 * Who a following response acts as, kept current as a WebSocket's actor is (server/http/graphql-ws.ts):
 * after an identity change of its person or token (from any instance), or once its credential's
 * expiry or that of one of the person's custom roles has passed, it is authenticated again before the next read, so a changed permission
 * applies from the next page on, and a revoked, expired or disabled credential ends the response.
 */
function watchCredential(options: EventRoutesOptions, ctx: StreamContext, stop: AbortController) {
  let current: StreamContext = ctx;
  let isStale = false;
  return {
    context: (): ServiceContext => current,
    /** Whether `event` changes the credential's person or token (then it is checked again before the next read). */
    isChangedBy(event: DomainEvent): boolean {
      if (identityChangeConcerns(current.actor, event)) isStale = true;
      return isStale;
    },
    async beforeRead(): Promise<void> {
      const expiresAt = current.actor.type === 'system' ? undefined : current.actor.expiresAt;
      const grantsChangeAt = current.actor.type === 'user' ? current.actor.grantsChangeAt : undefined;
      const now = options.clock.now();
      if (!isStale && !(expiresAt && expiresAt <= now) && !(grantsChangeAt && grantsChangeAt <= now)) return;
      isStale = false;
      const actor = await options.authenticator.authenticate(ctx.authorization, ctx.request, { acceptsStreamTokens: true }).catch(() => null);
      if (actor) current = { ...current, actor };
      else stop.abort();
    },
  };
}
