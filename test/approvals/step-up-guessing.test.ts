/**
 * Step-up codes cannot be guessed from chat: after five wrong codes in fifteen minutes an approver's
 * codes are refused, the right one included, until the window ends. Each wrong code is counted
 * although the decision it came with rolled back.
 */
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApprovalCountingCodes } from '../../server/approvals/decide-approval.js';
import { userActorOf } from '../../server/auth/actor.js';
import { findUserByRef } from '../../server/identity/users.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import type { ServiceContext } from '../../server/service-context.js';
import { advance, buildApprovalsFixture, createPolicy, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { startTestVigil, TEST_SECRET_KEY, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: ApprovalsFixture;
let secret: string;
const box = secretBoxFromKey(Buffer.from(TEST_SECRET_KEY, 'base64'));
const codeNow = () => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: t.clock.now().getTime() });
const wrong = () => String((Number(codeNow()) + 500_000) % 1_000_000).padStart(6, '0');

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
  expect(
    (
      await createPolicy(t, {
        name: 'prod step-up',
        requestKinds: ['ACCESS'],
        serverLabels: [{ key: 'env', value: 'prod' }],
        approverGroups: ['sre'],
        chatApproval: 'STEP_UP',
      })
    ).errors,
  ).toBeUndefined();
  const started = await t.gql<any>('mutation { startTotpEnrolment { secret } }', f.bob.token);
  secret = started.data!.startTotpEnrolment.secret;
  expect((await t.gql<any>('mutation($c: String!) { confirmTotpEnrolment(code: $c) }', f.bob.token, { c: codeNow() })).data!.confirmTotpEnrolment).toBe(true);
  advance(t, 1);
});
afterAll(() => t?.close());

async function bobInSlack(): Promise<ServiceContext> {
  const bob = await findUserByRef(t.vigil.database.db, f.bob.tenantId, f.bob.id);
  return { db: t.vigil.database.db, clock: t.clock, actor: userActorOf(bob!), request: { requestId: 'step-up-test', channel: 'slack', chatUserId: 'UBOB' } };
}

describe('guessing step-up codes', () => {
  it('refuses every code after five wrong ones, the right one included, until fifteen minutes have passed', async () => {
    const request = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const id = request.data!.requestAccess.id as string;
    const decide = async (code: string) => decideApprovalCountingCodes(await bobInSlack(), id, { decision: 'approved', totpCode: code }, { secretBox: box });

    for (let attempt = 0; attempt < 5; attempt += 1) await expect(decide(wrong())).rejects.toThrow('The TOTP code is not valid');
    await expect(decide(codeNow())).rejects.toThrow(/Too many wrong authenticator codes/);
    const pending = await t.gql<any>('query($id: ID!) { approval(id: $id) { status decisions { id } } }', f.admin.token, { id });
    expect(pending.data!.approval).toEqual({ status: 'PENDING', decisions: [] });

    advance(t, 16);
    const approved = await decide(codeNow());
    expect(approved.status).toBe('approved');
  });

  it('forgets wrong codes older than the window, and a right code clears the count', async () => {
    advance(t, 1);
    const first = await requestAccessAs(t, f.dave, { servers: ['web-01'] });
    const firstId = first.data!.requestAccess.id as string;
    const decide = async (id: string, code: string) =>
      decideApprovalCountingCodes(await bobInSlack(), id, { decision: 'approved', totpCode: code }, { secretBox: box });
    for (let attempt = 0; attempt < 4; attempt += 1) await expect(decide(firstId, wrong())).rejects.toThrow('not valid');
    expect((await decide(firstId, codeNow())).status).toBe('approved');
    // The count started again: four more wrong codes still leave the right one working.
    advance(t, 1);
    const second = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const secondId = second.data!.requestAccess.id as string;
    for (let attempt = 0; attempt < 4; attempt += 1) await expect(decide(secondId, wrong())).rejects.toThrow('not valid');
    expect((await decide(secondId, codeNow())).status).toBe('approved');
  });
});
