/**
 * How the hand-written baselines authenticate: the bearer token's SHA-256 looked up among the
 * tenant's live tokens, as Vigil does, so that each ratio compares Vigil with a handler that also
 * knows who is asking.
 */
import { createHash } from 'node:crypto';
import type { RawSql } from './raw-sql.js';

export interface BaselineCaller {
  readonly userId: string;
  readonly role: string;
}

export async function baselineCaller(raw: RawSql, tenantId: string, authorization: string | undefined): Promise<BaselineCaller | undefined> {
  const token = (authorization ?? '').replace(/^Bearer /, '');
  const [caller] = await raw.query<{ user_id: string; role: string }>(
    `select t.user_id, u.role from api_tokens t join users u on u.tenant_id = t.tenant_id and u.id = t.user_id
     where t.tenant_id = $1 and t.token_hash = $2 and t.revoked_at is null`,
    [tenantId, createHash('sha256').update(token).digest('hex')],
  );
  return caller && { userId: caller.user_id, role: caller.role };
}
