/**
 * One-time codes typed in chat are stored as scrypt hashes: someone who reads the database cannot
 * search the short code space within a code's lifetime, as they could under plain SHA-256. A code
 * stored before the change (SHA-256) still redeems until it expires.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redeemLinkCode } from '../../server/chat/identities.js';
import { hashOneTimeCode } from '../../server/chat/one-time-code.js';
import { queryRows } from '../../server/db/database.js';
import { newId } from '../../server/ids.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const sha256 = (code: string) => createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');

describe('one-time codes', () => {
  it('are kept as scrypt hashes, not SHA-256, and still redeem however they are typed', async () => {
    const user = await t.createUser(t.admin.tenantId, { email: 'linker@example.test' });
    const made = await t.gql<any>('mutation { createChatLinkCode { code } }', user.token);
    expect(made.errors).toBeUndefined();
    const code = made.data!.createChatLinkCode.code as string;
    const [row] = await queryRows<{ code_hash: string }>(
      t.vigil.database.db,
      sql`select code_hash from chat_link_codes where tenant_id = ${t.admin.tenantId} and user_id = ${user.id}`,
    );
    expect(row!.code_hash).not.toBe(sha256(code));
    expect(row!.code_hash).toBe(await hashOneTimeCode(code));

    const linked = await redeemLinkCode(t.systemContext(t.admin.tenantId), 'slack', 'U-LINKER', ` ${code.toLowerCase().replace('-', ' ')} `);
    expect(linked.id).toBe(user.id);
  });

  it('redeems a code stored under SHA-256 before the change, once', async () => {
    const user = await t.createUser(t.admin.tenantId, { email: 'older-code@example.test' });
    const code = 'ABCD-EFGH';
    await t.vigil.database.db.execute(
      sql`insert into chat_link_codes (tenant_id, id, code_hash, user_id, expires_at) values (${t.admin.tenantId}, ${newId()}, ${sha256(code)}, ${user.id}, ${new Date(t.clock.now().getTime() + 60_000).toISOString()}::timestamptz)`,
    );
    const ctx = t.systemContext(t.admin.tenantId);
    expect((await redeemLinkCode(ctx, 'slack', 'U-OLDER', code)).id).toBe(user.id);
    await expect(redeemLinkCode(ctx, 'slack', 'U-OLDER-2', code)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
