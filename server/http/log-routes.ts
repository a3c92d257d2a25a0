/**
 * GET /log/…: what a witness polls. `/log/checkpoint` is the tenant's latest signed checkpoint as
 * the plain-text note (C2SP tlog-checkpoint in a signed note, the bytes a witness verifies);
 * `/log/checkpoints?since=&until=&limit=` lists them newest first, quiet-period ones included, as
 * JSON; `/log/consistency?from=&to=` proves the tree of `to` leaves (default: the latest
 * checkpoint's) extends the one of `from` (RFC 9162), as JSON, which a witness checks before it
 * accepts a newer checkpoint (server/log/witness.ts). `POST /log/cosignatures` takes a witness's
 * cosignature of a checkpoint back ({ note, cosignature }, JSON; server/log/cosignatures.ts). The
 * bearer token is any of the tenant's with AUDIT_LOGS_VIEW (give a witness its own).
 */
import express from 'express';
import type { Authenticator } from '../auth/authenticate.js';
import { requirePermission } from '../auth/scope.js';
import type { Database } from '../db/database.js';
import { BadInput, NotFound } from '../errors.js';
import { QueryParams } from '../export/query-params.js';
import type { Clock } from '../clock.js';
import { latestLogCheckpoint } from '../log/checkpoints.js';
import { acceptCosignature } from '../log/cosignatures.js';
import type { NoteVerifier } from '../log/signed-note.js';
import { listLogCheckpoints, proveConsistency } from '../log/proofs.js';
import type { Logger } from '../logger.js';
import { requestInfoOf } from './request-info.js';
import { sendError } from './send-error.js';

export function createLogRouter(options: {
  db: Database;
  clock: Clock;
  authenticator: Authenticator;
  logger: Logger;
  /** Witnesses whose cosignatures are kept (VIGIL_LOG_WITNESS_KEYS). */
  witnesses: readonly NoteVerifier[];
}): express.Router {
  const router = express.Router();
  const actorOf = async (req: express.Request, res: express.Response) =>
    requirePermission(
      await options.authenticator.authenticate(req.headers.authorization, requestInfoOf(req, String(res.getHeader('x-request-id') ?? ''))),
      'audit_logs.view',
    );

  router.get('/checkpoint', async (req, res) => {
    try {
      const actor = await actorOf(req, res);
      const checkpoint = await latestLogCheckpoint(options.db, actor.tenantId);
      if (!checkpoint) throw new NotFound('Checkpoint', 'latest');
      res.status(200).setHeader('Content-Type', 'text/plain; charset=utf-8').setHeader('Cache-Control', 'no-store').send(checkpoint.note);
    } catch (error) {
      sendError(res, error, req.log ?? options.logger, 'latest checkpoint');
    }
  });

  router.get('/checkpoints', async (req, res) => {
    try {
      const actor = await actorOf(req, res);
      const params = new QueryParams(req.query);
      const since = params.date('since');
      const until = params.date('until');
      const limit = params.int('limit') ?? 100;
      if (limit < 1 || limit > 1000) throw new BadInput('limit', 'limit: must be between 1 and 1000');
      params.rejectUnknown();
      const rows = await listLogCheckpoints(options.db, actor.tenantId, { since, until, limit });
      res
        .status(200)
        .setHeader('Cache-Control', 'no-store')
        .json({
          checkpoints: rows.map((row) => ({ size: row.size, rootHash: row.rootHash.toString('base64'), signedAt: row.signedAt.toISOString(), note: row.note })),
        });
    } catch (error) {
      sendError(res, error, req.log ?? options.logger, 'checkpoints');
    }
  });
  router.get('/consistency', async (req, res) => {
    try {
      const actor = await actorOf(req, res);
      const params = new QueryParams(req.query);
      const from = params.int('from');
      const to = params.int('to');
      params.rejectUnknown();
      if (from === undefined) throw new BadInput('from', 'from: the tree size to prove from is needed');
      const proof = await proveConsistency(options.db, actor.tenantId, from, to);
      res
        .status(200)
        .setHeader('Cache-Control', 'no-store')
        .json({ fromSize: proof.fromSize, toSize: proof.toSize, hashes: proof.hashes.map((hash) => hash.toString('base64')) });
    } catch (error) {
      sendError(res, error, req.log ?? options.logger, 'consistency proof');
    }
  });
  router.post('/cosignatures', express.json({ limit: '64kb' }), async (req, res) => {
    try {
      const actor = await actorOf(req, res);
      const body = (req.body ?? {}) as { note?: unknown; cosignature?: unknown };
      if (typeof body.note !== 'string') throw new BadInput('note', 'note: the checkpoint as /log/checkpoint served it is needed');
      if (typeof body.cosignature !== 'string') throw new BadInput('cosignature', 'cosignature: the witness’s signature line is needed');
      const accepted = await acceptCosignature(
        options.db,
        actor.tenantId,
        options.witnesses,
        { note: body.note, cosignature: body.cosignature },
        options.clock.now(),
      );
      req.log?.info({ tenantId: actor.tenantId, size: accepted.size, witness: accepted.witnessName }, 'cosignature kept');
      res
        .status(201)
        .setHeader('Cache-Control', 'no-store')
        .json({ ...accepted, cosignedAt: accepted.cosignedAt.toISOString() });
    } catch (error) {
      sendError(res, error, req.log ?? options.logger, 'cosignature');
    }
  });
  return router;
}
