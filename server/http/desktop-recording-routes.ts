/**
 * /recordings/desktop: where agents send a desktop session's video, and where people download and
 * watch it.
 *
 * - PUT /recordings/desktop/{sessionEventId}/chunks/{seq}?frames=N&until=S[&final=true][&declareGap=true]
 *       An agent token's chunk of WebM (Content-Type video/webm, codecs allowed): `frames` in the
 *       chunk, `until` the seconds from the recording's start to the chunk's end. Chunk 0 also
 *       says `protocol`, `width`, `height`, and may say `userEmail` or `userId`, `username`,
 *       `startedAt` (ISO 8601) and `filePath`. 201 when stored, 200 when stored already, 409
 *       naming the expected number on a gap.
 * - GET /recordings/desktop/{id}.webm   The video, with byte ranges (206) for seeking.
 * - GET /recordings/desktop/{id}[?t=seconds]   A page that plays it in the browser's <video>.
 *
 * GETs take a bearer token or a playback ticket (`?ticket=`, from the recording's playbackUrl).
 * A view is audited once per opening: the request that reads from the file's first byte.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import express from 'express';
import { BadInput } from '../errors.js';
import { writeChunks } from '../export/stream-rows.js';
import type { Logger } from '../logger.js';
import { appendDesktopChunk, type DesktopSessionFacts } from '../recordings/desktop-append-chunk.js';
import { desktopPlaybackPage } from '../recordings/desktop-playback-page.js';
import { desktopRecordingForReader, recordDesktopRecordingView } from '../recordings/desktop-recording-access.js';
import { videoBytes, videoLayout } from '../recordings/desktop-recording-queries.js';
import { setPageHeaders } from './html-page.js';
import { contextOf, flag, parseStartAt, readerOf, requestOf, type RecordingRequestDeps } from './recording-request.js';
import { sendError } from './send-error.js';

export interface DesktopRecordingRouteOptions extends RecordingRequestDeps {
  readonly logger: Logger;
  readonly chunkLimitBytes: number;
}

const VIDEO_FILE = /^([0-9a-fA-F-]{36})\.webm$/;

export function addDesktopRecordingRoutes(router: Router, options: DesktopRecordingRouteOptions): void {
  router.put(
    '/desktop/:sessionEventId/chunks/:seq',
    express.raw({ type: () => true, limit: options.chunkLimitBytes }),
    (req, res) => void receiveChunk(options, req, res),
  );
  router.get('/desktop/:file', (req, res) => void read(options, req, res));
}

async function receiveChunk(options: DesktopRecordingRouteOptions, req: Request, res: Response): Promise<void> {
  const log = req.log ?? options.logger;
  try {
    const ctx = await contextOf(options, req, res, await options.authenticator.authenticate(req.headers.authorization, requestOf(req, res)));
    if (!/^\d{1,10}$/.test(String(req.params.seq))) throw new BadInput('seq', 'seq must be a whole number from 0');
    const seq = Number(req.params.seq);
    const receipt = await appendDesktopChunk(ctx, {
      sessionEventId: String(req.params.sessionEventId),
      seq,
      mediaType: req.headers['content-type'],
      data: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      frames: wholeNumber(req, 'frames'),
      untilSeconds: number(req, 'until'),
      session: seq === 0 ? sessionFacts(req) : undefined,
      isFinal: flag(req, 'final'),
      isGapDeclared: flag(req, 'declareGap'),
    });
    res.status(receipt.isDuplicate ? 200 : 201).json(receipt);
  } catch (error) {
    sendError(res, error, log, 'desktop recording chunk');
  }
}

async function read(options: DesktopRecordingRouteOptions, req: Request, res: Response): Promise<void> {
  const log = req.log ?? options.logger;
  const file = String(req.params.file);
  const video = VIDEO_FILE.exec(file);
  const id = video ? video[1]! : file;
  let recording;
  let layout;
  let range: { first: number; last: number } | undefined;
  try {
    const ctx = await contextOf(options, req, res, await readerOf(options, req, res, id, 'desktop_recording'));
    recording = await desktopRecordingForReader(options.db, ctx.actor, id);
    if (!video) {
      const nonce = randomBytes(16).toString('base64');
      setPageHeaders(res, { style: [`'nonce-${nonce}'`], isMediaPlayed: true });
      const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
      res.status(200).send(await desktopPlaybackPage(ctx, options.secretBox, recording, { nonce, startAt: parseStartAt(req.query.t), ticket }));
      return;
    }
    layout = await videoLayout(options.db, recording.tenantId, recording.id);
    range = byteRange(req, layout.size);
    if (range === undefined) {
      res.status(416).setHeader('Content-Range', `bytes */${layout.size}`);
      res.json({ errors: [{ message: `The range is outside the video (${layout.size} bytes)`, extensions: { code: 'BAD_USER_INPUT', field: 'Range' } }] });
      return;
    }
    if (range.first === 0) await recordDesktopRecordingView(ctx, recording, req.query.via === 'player' ? 'playback' : 'download');
  } catch (error) {
    sendError(res, error, log, 'desktop recording read');
    return;
  }
  const isPartial = req.headers.range !== undefined;
  res.status(isPartial ? 206 : 200);
  res.setHeader('Content-Type', recording.mediaType);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Length', String(Math.max(range.last - range.first + 1, 0)));
  if (isPartial) res.setHeader('Content-Range', `bytes ${range.first}-${range.last}/${layout.size}`);
  if (req.query.via !== 'player') res.setHeader('Content-Disposition', `attachment; filename="vigil-desktop-recording-${recording.id}.webm"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    const isComplete = await writeChunks(res, videoBytes(options.db, recording.tenantId, recording.id, layout, range));
    if (!isComplete) log.info({ recordingId: recording.id }, 'desktop recording read stopped: the client disconnected');
  } catch (error) {
    log.error({ err: error, recordingId: recording.id }, 'desktop recording read failed while streaming');
    res.destroy();
  }
}

/** The bytes asked for: the whole file without a Range header, one range with one; undefined when it cannot be served. */
function byteRange(req: Request, size: number): { first: number; last: number } | undefined {
  if (req.headers.range === undefined) return { first: 0, last: size - 1 };
  const ranges = req.range(size, { combine: true });
  // A malformed header is ignored, as RFC 9110 allows: the whole file.
  if (ranges === -2) return { first: 0, last: size - 1 };
  if (ranges === -1 || ranges === undefined || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { first: ranges[0]!.start, last: ranges[0]!.end };
}

function sessionFacts(req: Request): DesktopSessionFacts {
  const text = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : undefined);
  const startedAt = text('startedAt');
  const date = startedAt === undefined ? undefined : new Date(startedAt);
  if (date && Number.isNaN(date.getTime())) throw new BadInput('startedAt', 'startedAt must be an ISO 8601 time');
  return {
    protocol: text('protocol') ?? '',
    width: wholeNumber(req, 'width'),
    height: wholeNumber(req, 'height'),
    userId: text('userId'),
    userEmail: text('userEmail'),
    username: text('username'),
    startedAt: date,
    filePath: text('filePath'),
  };
}

function number(req: Request, name: string): number {
  const value = req.query[name];
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new BadInput(name, `${name} must be a number`);
  return parsed;
}

function wholeNumber(req: Request, name: string): number {
  const parsed = number(req, name);
  if (!Number.isInteger(parsed)) throw new BadInput(name, `${name} must be a whole number`);
  return parsed;
}
