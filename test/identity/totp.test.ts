/**
 * TOTP authenticators for step-up approval: enrolment through GraphQL, the sealed secret at rest,
 * and verifyTotpCode as a decision calls it (once per code, ±1 step of drift, on Vigil's clock).
 */
import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userActorOf } from '../../server/auth/actor.js';
import { ManualClock } from '../../server/clock.js';
import { userTotp } from '../../server/db/tables/index.js';
import { AppError } from '../../server/errors.js';
import { verifyTotpCode } from '../../server/identity/totp.js';
import { getUser } from '../../server/identity/users.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import { inTransaction } from '../../server/service-context.js';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, TEST_SECRET_KEY, type TestUser, type TestVigil } from '../support/test-vigil.js';

const STEP_MS = 30_000;
/** Ten seconds into a time step, so a step either side is a whole step away. */
const START = new Date('2030-01-01T00:00:10Z');

const START_ENROLMENT = 'mutation { startTotpEnrolment { secret otpauthUri } }';
const CONFIRM = 'mutation($code: String!) { confirmTotpEnrolment(code: $code) }';
const REMOVE = 'mutation($userId: ID) { removeTotp(userId: $userId) }';
const HAS_TOTP = '{ me { hasTotp } }';

let t: TestVigil;
let clock: ManualClock;
const box = secretBoxFromKey(Buffer.from(TEST_SECRET_KEY, 'base64'));

beforeAll(async () => {
  clock = new ManualClock(START);
  t = await startTestVigil({ clock });
});
afterAll(async () => t?.close());

/** The code an authenticator holding `secret` shows `offsetMs` from now on Vigil's clock. */
function codeAt(secret: string, offsetMs = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: clock.now().getTime() + offsetMs });
}

/** A 6-digit code that matches none of the steps the drift window accepts now. */
function wrongCode(secret: string): string {
  const valid = new Set([codeAt(secret, -STEP_MS), codeAt(secret), codeAt(secret, STEP_MS)]);
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

async function startEnrolment(user: TestUser): Promise<{ secret: string; otpauthUri: string }> {
  const response = await t.gql(START_ENROLMENT, user.token);
  expect(response.errors).toBeUndefined();
  return response.data!.startTotpEnrolment;
}

/** A user with a confirmed authenticator; returns its secret. */
async function enrol(user: TestUser): Promise<string> {
  const { secret } = await startEnrolment(user);
  const confirmed = await t.gql(CONFIRM, user.token, { code: codeAt(secret) });
  expect(confirmed.data).toEqual({ confirmTotpEnrolment: true });
  return secret;
}

/** Calls verifyTotpCode as a decision would, inside a transaction acting as `user`; the error it threw, if any. */
async function verify(user: TestUser, code: string): Promise<{ code: string; message: string; field?: unknown } | undefined> {
  const actor = userActorOf(await getUser(t.vigil.database.db, user.tenantId, user.id));
  try {
    await inTransaction({ db: t.vigil.database.db, clock, actor }, (tx) => verifyTotpCode(tx, box, user.id, code));
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { code: error.code, message: error.message, ...('field' in error.details ? { field: error.details.field } : {}) };
  }
}

async function totpRow(user: TestUser) {
  const [row] = await t.vigil.database.db
    .select()
    .from(userTotp)
    .where(and(eq(userTotp.tenantId, user.tenantId), eq(userTotp.userId, user.id)));
  return row;
}

describe('enrolling an authenticator', () => {
  let alice: TestUser;
  let secret: string;
  const usedCodes: string[] = [];

  beforeAll(async () => {
    alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.com' });
  });

  it('gives a new secret as an otpauth:// URI with issuer Vigil and the user email', async () => {
    const enrolment = await startEnrolment(alice);
    secret = enrolment.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes in base32
    const uri = new URL(enrolment.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Vigil:alice@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: 'Vigil', secret, algorithm: 'SHA1', digits: '6', period: '30' });
    expect((await t.gql(HAS_TOTP, alice.token)).data).toEqual({ me: { hasTotp: false } });
  });

  it('stores the secret sealed, not as it is', async () => {
    const row = await totpRow(alice);
    expect(row).toMatchObject({ confirmedAt: null, lastUsedStep: null });
    expect(row!.sealedSecret).toMatch(/^v1\./);
    expect(row!.sealedSecret).not.toContain(secret);
    expect(box.open(row!.sealedSecret)).toBe(secret);
  });

  it('replaces an enrolment that was not confirmed', async () => {
    const first = secret;
    secret = (await startEnrolment(alice)).secret;
    expect(secret).not.toBe(first);
    expect(box.open((await totpRow(alice))!.sealedSecret)).toBe(secret);
    const stale = codeAt(first);
    if (stale !== codeAt(secret)) {
      expect(errorCodes(await t.gql(CONFIRM, alice.token, { code: stale }))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses a wrong code, naming the field code', async () => {
    const response = await t.gql(CONFIRM, alice.token, { code: wrongCode(secret) });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe('code');
    expect((await totpRow(alice))!.confirmedAt).toBeNull();
  });

  it('confirms with the current code, and then me.hasTotp is true', async () => {
    const code = codeAt(secret);
    usedCodes.push(code);
    expect(await t.gql(CONFIRM, alice.token, { code })).toMatchObject({ data: { confirmTotpEnrolment: true }, errors: undefined });
    expect((await t.gql(HAS_TOTP, alice.token)).data).toEqual({ me: { hasTotp: true } });
    const row = await totpRow(alice);
    expect(row!.confirmedAt).toEqual(clock.now());
    expect(row!.lastUsedStep).toBe(Math.floor(clock.now().getTime() / STEP_MS));
  });

  it('spends the confirming code: it cannot then step up a decision', async () => {
    expect(await verify(alice, usedCodes[0]!)).toEqual({ code: 'FORBIDDEN', message: 'This TOTP code was already used' });
  });

  it('refuses to start again while an authenticator is confirmed', async () => {
    const response = await t.gql(START_ENROLMENT, alice.token);
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.message).toContain('remove it');
    expect(box.open((await totpRow(alice))!.sealedSecret)).toBe(secret);
  });

  it('refuses to confirm twice', async () => {
    clock.advance(STEP_MS);
    expect(errorCodes(await t.gql(CONFIRM, alice.token, { code: codeAt(secret) }))).toEqual(['CONFLICT']);
  });

  it('refuses to confirm when no enrolment was started', async () => {
    const nobody = await t.createUser(t.admin.tenantId, { email: 'nobody@example.com' });
    const response = await t.gql(CONFIRM, nobody.token, { code: '123456' });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.message).toContain('startTotpEnrolment');
  });

  it('records the enrolment in the audit log without the secret or the code', async () => {
    const response = await t.gql(
      `query($id: String!) { auditLog(first: 50, filter: { resourceType: "user_totp", resourceId: $id }) { nodes { action actorId actorEmail resourceName before after } } }`,
      t.admin.token,
      { id: alice.id },
    );
    expect(response.errors).toBeUndefined();
    const entries = [...response.data!.auditLog.nodes].reverse();
    expect(entries.map((entry: any) => entry.action)).toEqual(['totp.enrolment_started', 'totp.enrolment_started', 'totp.enrolled']);
    for (const entry of entries) expect(entry).toMatchObject({ actorId: alice.id, actorEmail: 'alice@example.com', resourceName: 'alice@example.com' });
    expect(entries[2].after).toMatchObject({ userId: alice.id, isConfirmed: true });
    const text = JSON.stringify(entries);
    expect(text).not.toContain(secret);
    for (const code of usedCodes) expect(text).not.toContain(code);
  });
});

describe('verifying a step-up code', () => {
  let carol: TestUser;
  let secret: string;

  beforeAll(async () => {
    carol = await t.createUser(t.admin.tenantId, { email: 'carol@example.com' });
    secret = await enrol(carol); // spends the current step
    clock.advance(STEP_MS);
  });

  it('accepts a fresh code once, and refuses it when replayed', async () => {
    const code = codeAt(secret);
    expect(await verify(carol, code)).toBeUndefined();
    expect((await totpRow(carol))!.lastUsedStep).toBe(Math.floor(clock.now().getTime() / STEP_MS));
    expect(await verify(carol, code)).toEqual({ code: 'FORBIDDEN', message: 'This TOTP code was already used' });
  });

  it('makes a decision racing with the same code wait for the first, then refuses it', async () => {
    clock.advance(STEP_MS);
    const code = codeAt(secret);
    const actor = userActorOf(await getUser(t.vigil.database.db, carol.tenantId, carol.id));
    let verified!: () => void;
    let commit!: () => void;
    const firstVerified = new Promise<void>((resolve) => (verified = resolve));
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));
    // The first decision holds its transaction open after the code passed.
    const first = inTransaction({ db: t.vigil.database.db, clock, actor }, async (tx) => {
      await verifyTotpCode(tx, box, carol.id, code);
      verified();
      await mayCommit;
    });
    await firstVerified;
    const second = verify(carol, code);
    await new Promise((resolve) => setTimeout(resolve, 200));
    commit();
    await first;
    expect(await second).toEqual({ code: 'FORBIDDEN', message: 'This TOTP code was already used' });
  });

  it('refuses a code from five minutes ago', async () => {
    clock.advance(STEP_MS);
    expect(await verify(carol, codeAt(secret, -5 * 60_000))).toEqual({ code: 'FORBIDDEN', message: 'The TOTP code is not valid' });
  });

  it('accepts a code of the previous step only when it is newer than the last one used', async () => {
    // The last used code is of the step before this one: that step's code is spent.
    expect(await verify(carol, codeAt(secret, -STEP_MS))).toEqual({ code: 'FORBIDDEN', message: 'This TOTP code was already used' });

    clock.advance(2 * STEP_MS);
    expect(await verify(carol, codeAt(secret, -STEP_MS))).toBeUndefined(); // a slow authenticator, within drift
    expect(await verify(carol, codeAt(secret))).toBeUndefined();
    // Once the current step is used, the previous step's code is older than it: refused.
    expect(await verify(carol, codeAt(secret, -STEP_MS))).toEqual({ code: 'FORBIDDEN', message: 'This TOTP code was already used' });
  });

  it('refuses a code of the next step once used, until its step has passed', async () => {
    clock.advance(STEP_MS);
    expect(await verify(carol, codeAt(secret, STEP_MS))).toBeUndefined(); // a fast authenticator
    expect(await verify(carol, codeAt(secret))).toEqual({ code: 'FORBIDDEN', message: 'This TOTP code was already used' });
    clock.advance(2 * STEP_MS);
    expect(await verify(carol, codeAt(secret))).toBeUndefined();
  });

  it('refuses a wrong code, and anything but 6 digits naming the field totpCode', async () => {
    clock.advance(STEP_MS);
    expect(await verify(carol, wrongCode(secret))).toEqual({ code: 'FORBIDDEN', message: 'The TOTP code is not valid' });
    for (const malformed of ['12345', '1234567', 'abcdef', '']) {
      expect(await verify(carol, malformed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'totpCode' });
    }
    expect(await verify(carol, codeAt(secret))).toBeUndefined(); // failures spent nothing
  });

  it('refuses a user without an authenticator, and one whose enrolment is not confirmed', async () => {
    const dave = await t.createUser(t.admin.tenantId, { email: 'dave@example.com' });
    const refused = await verify(dave, '123456');
    expect(refused?.code).toBe('FORBIDDEN');
    expect(refused?.message).toContain('enrol an authenticator first');

    const pending = (await startEnrolment(dave)).secret;
    const stillRefused = await verify(dave, codeAt(pending));
    expect(stillRefused?.code).toBe('FORBIDDEN');
    expect(stillRefused?.message).toContain('enrol an authenticator first');
  });

  it('takes the time from Vigil’s clock, not the machine’s', async () => {
    const code = TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() });
    expect(await verify(carol, code)).toEqual({ code: 'FORBIDDEN', message: 'The TOTP code is not valid' });
  });
});

describe('removing an authenticator', () => {
  it('lets a user remove their own', async () => {
    const erin = await t.createUser(t.admin.tenantId, { email: 'erin@example.com' });
    await enrol(erin);
    expect((await t.gql(REMOVE, erin.token)).data).toEqual({ removeTotp: true });
    expect(await totpRow(erin)).toBeUndefined();
    expect((await t.gql(HAS_TOTP, erin.token)).data).toEqual({ me: { hasTotp: false } });
    expect((await t.gql(REMOVE, erin.token)).data).toEqual({ removeTotp: false });
    // Removed, a new authenticator may be enrolled.
    await enrol(erin);
  });

  it("refuses a regular user removing someone else's, and lets an admin", async () => {
    const frank = await t.createUser(t.admin.tenantId, { email: 'frank@example.com' });
    const mallory = await t.createUser(t.admin.tenantId, { email: 'mallory@example.com' });
    await enrol(frank);

    const refused = await t.gql(REMOVE, mallory.token, { userId: frank.id });
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(await totpRow(frank)).toBeDefined();
    expect((await t.gql('query($id: ID!) { user(id: $id) { hasTotp } }', t.admin.token, { id: frank.id })).data).toEqual({ user: { hasTotp: true } });

    expect((await t.gql(REMOVE, t.admin.token, { userId: frank.id })).data).toEqual({ removeTotp: true });
    expect(await totpRow(frank)).toBeUndefined();

    const audit = await t.gql(
      `query($id: String!) { auditLog(first: 50, filter: { resourceType: "user_totp", resourceId: $id, action: ["totp.removed"] }) { nodes { action actorId resourceName before after } } }`,
      t.admin.token,
      { id: frank.id },
    );
    expect(audit.data!.auditLog.nodes).toEqual([
      {
        action: 'totp.removed',
        actorId: t.admin.id,
        resourceName: 'frank@example.com',
        before: expect.objectContaining({ userId: frank.id, isConfirmed: true }),
        after: null,
      },
    ]);
  });
});
