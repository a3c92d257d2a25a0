/**
 * /recordings: where agents send a terminal session's recording, and where people download and
 * watch it.
 *
 * - PUT  /recordings/sessions/{sessionEventId}/chunks/{seq}[?final=true][&declareGap=true]
 *        An agent token's chunk of asciicast v2 lines (any content type, UTF-8). 201 when stored,
 *        200 when it had been stored already, 409 naming the expected number on a gap.
 * - GET  /recordings/{id}.cast   The whole recording as an asciicast v2 file, streamed.
 * - GET  /recordings/{id}[?t=seconds]   A page with asciinema-player (served from Vigil, no CDN),
 *        starting at t.
 *
 * Desktop recordings (WebM video) have their routes under /recordings/desktop (desktop-recording-routes.ts).
 *
 * GETs take the same bearer token as GraphQL, or a playback ticket (`?ticket=`, from the
 * recording's playbackUrl in GraphQL): a browser cannot put a header on a page or on the file
 * the player fetches.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Request, RequestHandler, Response } from 'express';
import express from 'express';
import type { Authenticator } from '../auth/authenticate.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { BadInput } from '../errors.js';
import { writeChunks } from '../export/stream-rows.js';
import type { Logger } from '../logger.js';
import { appendRecordingChunk } from '../recordings/append-chunk.js';
import { castFile } from '../recordings/cast-file.js';
import { playbackPage } from '../recordings/playback-page.js';
import { recordingForReader, recordRecordingView } from '../recordings/recording-access.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ServiceContext } from '../service-context.js';
import { addDesktopRecordingRoutes } from './desktop-recording-routes.js';
import { setPageHeaders } from './html-page.js';
import { contextOf, flag, parseStartAt, readerOf, requestOf } from './recording-request.js';
import { sendError } from './send-error.js';

export interface RecordingRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly authenticator: Authenticator;
  readonly secretBox: SecretBox;
  readonly logger: Logger;
  readonly chunkLimitBytes: number;
}

const require = createRequire(import.meta.url);
const PLAYER_ASSETS: Record<string, { file: string; type: string }> = {
  'asciinema-player.min.js': { file: require.resolve('asciinema-player/dist/bundle/asciinema-player.min.js'), type: 'text/javascript; charset=utf-8' },
  'asciinema-player.css': { file: require.resolve('asciinema-player/dist/bundle/asciinema-player.css'), type: 'text/css; charset=utf-8' },
};

const CAST_FILE = /^([0-9a-fA-F-]{36})\.cast$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function createRecordingRouter(options: RecordingRoutesOptions): express.Router {
  const router = express.Router();
  router.put(
    '/sessions/:sessionEventId/chunks/:seq',
    express.raw({ type: () => true, limit: options.chunkLimitBytes }),
    (req, res) => void receiveChunk(options, req, res),
  );
  addDesktopRecordingRoutes(router, options);
  for (const [name, asset] of Object.entries(PLAYER_ASSETS)) {
    router.get(`/assets/${name}`, (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.type(asset.type).sendFile(asset.file);
    });
  }
  router.get('/:file', readerRoute(options));
  return router;
}

async function receiveChunk(options: RecordingRoutesOptions, req: Request, res: Response): Promise<void> {
  const log = req.log ?? options.logger;
  try {
    const ctx = await contextOf(options, req, res, await options.authenticator.authenticate(req.headers.authorization, requestOf(req, res)));
    const seq = Number(req.params.seq);
    if (!/^\d{1,10}$/.test(String(req.params.seq))) throw new BadInput('seq', 'seq must be a whole number from 0');
    const receipt = await appendRecordingChunk(ctx, {
      sessionEventId: String(req.params.sessionEventId),
      seq,
      lines: decodeBody(req.body),
      isFinal: flag(req, 'final'),
      isGapDeclared: flag(req, 'declareGap'),
    });
    res.status(receipt.isDuplicate ? 200 : 201).json(receipt);
  } catch (error) {
    sendError(res, error, log, 'recording chunk');
  }
}

function readerRoute(options: RecordingRoutesOptions): RequestHandler {
  return async (req, res) => {
    const log = req.log ?? options.logger;
    const file = String(req.params.file);
    const cast = CAST_FILE.exec(file);
    const id = cast ? cast[1]! : file;
    let ctx: ServiceContext;
    let recording;
    try {
      ctx = await contextOf(options, req, res, await readerOf(options, req, res, id, 'recording'));
      recording = await recordingForReader(options.db, ctx.actor, id);
      if (!cast) {
        const startAt = parseStartAt(req.query.t);
        const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
        const nonce = randomBytes(16).toString('base64');
        // The player compiles its terminal emulator from WebAssembly and styles itself inline.
        setPageHeaders(res, { script: [`'nonce-${nonce}'`, "'wasm-unsafe-eval'"], style: ["'unsafe-inline'"] });
        res.status(200).send(await playbackPage(ctx, options.secretBox, recording, { nonce, startAt, ticket }));
        return;
      }
      await recordRecordingView(ctx, recording, req.query.via === 'player' ? 'playback' : 'download');
    } catch (error) {
      sendError(res, error, log, 'recording read');
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'application/x-asciicast');
    res.setHeader('Content-Disposition', `attachment; filename="vigil-recording-${recording.id}.cast"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    try {
      const isComplete = await writeChunks(res, castFile(options.db, recording));
      if (!isComplete) log.info({ recordingId: recording.id }, 'recording download stopped: the client disconnected');
    } catch (error) {
      log.error({ err: error, recordingId: recording.id }, 'recording download failed while streaming');
      res.destroy();
    }
  };
}

function decodeBody(body: unknown): string {
  if (!Buffer.isBuffer(body)) return '';
  try {
    return UTF8.decode(body);
  } catch {
    throw new BadInput('body', 'The chunk is not valid UTF-8');
  }
}
