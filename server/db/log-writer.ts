/**
 * Vigil's own database sessions say so: `vigil.log_writer = on`, set when each connection opens.
 * The verifiable log's triggers queue leaves only for such sessions, so a change made around Vigil
 * (psql, another program) leaves its record without a matching leaf, which verification reports.
 * This is a marker, not a secret: what stops someone who sets it is the rule that every version
 * comes with the audit entry written in its transaction (server/log/verify-log.ts).
 */
export const LOG_WRITER_SETTING = 'vigil.log_writer';
