/**
 * GET /export/…: the audit log (CSV or JSONL), the audit records (CSV) and an incident case's bundle
 * of proofs (JSONL, server/cases/case-bundle.ts), streamed. Each request
 * is authenticated with the same bearer token as GraphQL, needs AUDIT_LOGS_EXPORT and, for
 * records, the row rule of the list it mirrors. Refusals are JSON (401, 403, 400 naming the
 * parameter) and come before anything is written; once the file has started, a failure can only
 * cut the response short (destroyed, so the client sees an incomplete transfer, never a file that
 * looks whole) and is logged.
 */
import type { Request, RequestHandler, Response } from 'express';
import express from 'express';
import type { Authenticator } from '../auth/authenticate.js';
import type { Actor } from '../auth/actor.js';
import { recordExportScope, requirePermission, requireRecordExporter } from '../auth/scope.js';
import type { SigningKey } from '../audit/signing-key.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { ReadRouting } from '../reads/read-routing.js';
import { parseAuditFilter, startAuditExport, type AuditExportFormat } from '../export/audit-export.js';
import { exportFilename } from '../export/export-filename.js';
import { assertLogIntact, startLogExport } from '../export/log-export.js';
import type { LogService } from '../log/log-service.js';
import type { NoteVerifier } from '../log/signed-note.js';
import { QueryParams } from '../export/query-params.js';
import { startRecordExport } from '../export/record-export.js';
import { RECORD_EXPORTS } from '../export/record-exports.js';
import type { RecordExportKind } from '../export/record-kind.js';
import { writeChunks } from '../export/stream-rows.js';
import { findTenant } from '../identity/tenants.js';
import { startReviewExport } from '../reviews/review-csv.js';
import { startCaseBundle } from '../cases/case-bundle.js';
import { parseId } from '../validation.js';
import type { Logger } from '../logger.js';
import type { ServiceContext } from '../service-context.js';
import { readAfterOf } from './read-after.js';
import { requestInfoOf } from './request-info.js';
import { sendError } from './send-error.js';

export interface ExportRoutesOptions {
  readonly db: Database;
  /** Where record exports read (audit and log exports read the primary, where the log's checkpoints are). */
  readonly reads: ReadRouting;
  readonly clock: Clock;
  readonly signingKey: SigningKey;
  readonly log: LogService;
  readonly trustedLogKeys: readonly NoteVerifier[];
  readonly authenticator: Authenticator;
  /** Used when a request has no pino-http logger of its own. */
  readonly logger: Logger;
}

interface StartedExport {
  readonly kind: string;
  readonly extension: 'csv' | 'jsonl';
  readonly headers?: Record<string, string>;
  readonly chunks: AsyncIterable<string | Uint8Array | readonly (string | Uint8Array)[]>;
}

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' } as const;

export function createExportRouter(options: ExportRoutesOptions): express.Router {
  const router = express.Router();
  for (const format of ['csv', 'jsonl'] as const) {
    router.get(
      `/audit.${format}`,
      exportHandler(options, (ctx, params) => startAudit(options, ctx, params, format)),
    );
  }
  router.get(
    '/log.jsonl',
    exportHandler(options, (ctx, params) => startLog(options, ctx, params)),
  );
  router.get(
    '/access-review.csv',
    exportHandler(options, (ctx, params) => startAccessReview(ctx, params)),
  );
  router.get(
    '/cases/:id/bundle',
    exportHandler(options, (ctx, params, req) => startBundle(options, ctx, params, String(req.params.id))),
  );
  for (const kind of RECORD_EXPORTS) {
    router.get(
      `/${kind.name}.csv`,
      exportHandler(options, (ctx, params, req) => startRecords(ctx, params, kind, options.reads.session(readAfterOf(req)).db()), requireRecordExporter),
    );
  }
  return router;
}

/**
 * The audit log and the verifiable log are read with AUDIT_LOGS_VIEW; exporting them takes that
 * and AUDIT_LOGS_EXPORT, so the export permission alone never shows what the queries refuse.
 */
const requireAuditView = (ctx: ServiceContext) => requirePermission(ctx.actor, 'audit_logs.view');

async function startLog(options: ExportRoutesOptions, ctx: ServiceContext, params: QueryParams): Promise<StartedExport> {
  requireAuditView(ctx);
  params.rejectUnknown();
  const { size, chunks } = await startLogExport(ctx, options.log, options.trustedLogKeys);
  return { kind: 'log', extension: 'jsonl', headers: { 'X-Vigil-Log-Size': String(size) }, chunks };
}

/** A case's bundle: needs cases.manage and audit_logs.view besides the export permission (the leaves hold every column). */
async function startBundle(options: ExportRoutesOptions, ctx: ServiceContext, params: QueryParams, caseId: string): Promise<StartedExport> {
  params.rejectUnknown();
  const { size, chunks } = await startCaseBundle(ctx, options.log, options.trustedLogKeys, parseId('id', caseId));
  return { kind: `case-${caseId}`, extension: 'jsonl', headers: { 'X-Vigil-Log-Size': String(size) }, chunks };
}

async function startAudit(options: ExportRoutesOptions, ctx: ServiceContext, params: QueryParams, format: AuditExportFormat): Promise<StartedExport> {
  requireAuditView(ctx);
  const filter = parseAuditFilter(params);
  params.rejectUnknown();
  // A signature over a broken log would launder it: the export verifies first and refuses.
  await assertLogIntact(ctx, options.log, options.trustedLogKeys);
  const { checkpoint, chunks } = await startAuditExport(ctx, options.signingKey, filter, format);
  const headers = {
    'X-Vigil-Checkpoint-Seq': String(checkpoint.seq),
    'X-Vigil-Checkpoint-Hash': checkpoint.headHash,
    'X-Vigil-Checkpoint-Signed-At': checkpoint.signedAt.toISOString(),
    'X-Vigil-Checkpoint-Key-Id': checkpoint.keyId,
    'X-Vigil-Checkpoint-Signature': checkpoint.signature,
  };
  return { kind: 'audit', extension: format, headers, chunks };
}

/** One access review's result, every item with its decision (admins): `?id=<review id>`. */
async function startAccessReview(ctx: ServiceContext, params: QueryParams): Promise<StartedExport> {
  const id = params.id('id');
  params.rejectUnknown();
  return { kind: 'access-review', extension: 'csv', chunks: await startReviewExport(ctx, id) };
}

/** Records are read from `source`: the read replica when one is configured and fresh enough. */
async function startRecords(ctx: ServiceContext, params: QueryParams, kind: RecordExportKind, source: Database): Promise<StartedExport> {
  const scope = recordExportScope(ctx.actor, kind.scopeKind);
  const filter = kind.parseFilter(params);
  params.rejectUnknown();
  return { kind: kind.name, extension: 'csv', chunks: await startRecordExport(ctx, kind, scope, filter, source) };
}

/**
 * Every export needs AUDIT_LOGS_EXPORT held tenant-wide, but the records' (`authorize`), which also
 * take it held for some servers (their rows alone: recordExportScope).
 */
function exportHandler(
  options: ExportRoutesOptions,
  start: (ctx: ServiceContext, params: QueryParams, req: Request) => Promise<StartedExport>,
  authorize: (actor: Actor | null) => Actor = (actor) => requirePermission(actor, 'audit_logs.export'),
): RequestHandler {
  return async (req, res) => {
    // Express answers HEAD with the GET route; an export would then sign, record and read everything for nothing.
    if (req.method !== 'GET') {
      res
        .status(405)
        .setHeader('Allow', 'GET')
        .json({ errors: [{ message: 'Exports are downloaded with GET', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    const log = req.log ?? options.logger;
    let started: StartedExport;
    let tenant: string;
    try {
      const request = requestInfoOf(req, String(res.getHeader('x-request-id') ?? ''));
      const actor = authorize(await options.authenticator.authenticate(req.headers.authorization, request));
      const ctx: ServiceContext = { db: options.db, clock: options.clock, actor, request };
      tenant = (await findTenant(options.db, actor.tenantId))?.slug ?? actor.tenantId;
      started = await start(ctx, new QueryParams(req.query), req);
    } catch (error) {
      sendError(res, error, log, 'export before streaming');
      return;
    }

    setExportHeaders(res, started, exportFilename(started.kind, tenant, options.clock.now(), started.extension));
    try {
      const isComplete = await writeChunks(res, started.chunks);
      if (!isComplete) log.info({ export: started.kind }, 'export stopped: the client disconnected');
    } catch (error) {
      log.error({ err: error, export: started.kind }, 'export failed while streaming');
      res.destroy();
    }
  };
}

function setExportHeaders(res: Response, started: StartedExport, filename: string): void {
  res.status(200);
  res.setHeader('Content-Type', CONTENT_TYPES[started.extension]);
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(started.headers ?? {})) res.setHeader(name, value);
}
