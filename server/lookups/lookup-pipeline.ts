/**
 * The lookups by id of one operation (its DataLoaders) share PostgreSQL writes: those due in the
 * same turn of the event loop go out together on one connection (server/db/statement-pipeline.ts).
 */
export { statementPipeline as lookupPipeline, type StatementPipeline as LookupPipeline } from '../db/statement-pipeline.js';
