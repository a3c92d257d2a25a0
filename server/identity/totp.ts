/**
 * TOTP (RFC 6238) authenticators, for step-up approval in chat: SHA1, 6 digits, 30-second steps,
 * and a code of the step before or after the current one is accepted for clock drift.
 *
 * Each code is good once. The row keeps the last time step a code was accepted for, and a code
 * must be of a later step: a replayed code is refused, and so is an older code still inside the
 * drift window once a newer one was used. Verification locks the row (FOR UPDATE), so two
 * decisions racing with the same code cannot both pass.
 *
 * Time is Vigil's clock, never the machine's: otpauth is always given the timestamp.
 * The secret is sealed with the SecretBox at rest and never goes into an audit entry.
 */
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { recordChange } from '../audit/record-change.js';
import { requireSelfOrAdmin, requireUser } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { userTotp, type UserTotpRow } from '../db/tables/index.js';
import { BadInput, Conflict, Forbidden } from '../errors.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { TransactionContext } from '../service-context.js';
import { getUser } from './users.js';

const ISSUER = 'Vigil';
const SECRET_BYTES = 20;
/** Steps either side of the current one a code may come from (±30 s of drift). */
const DRIFT_STEPS = 1;
const CODE_PATTERN = /^\d{6}$/;

const RESOURCE_TYPE = 'user_totp';

export interface TotpEnrolment {
  /** The base32 secret, for typing into an authenticator: shown once, stored only sealed. */
  readonly secret: string;
  /** The same secret as an `otpauth://totp/...` URI, for a QR code. */
  readonly otpauthUri: string;
}

function totpOf(secret: Secret, label = ''): TOTP {
  return new TOTP({ issuer: ISSUER, label, secret, algorithm: 'SHA1', digits: 6, period: 30 });
}

/** The time step `code` belongs to at `now`, or null when it matches none within the drift window. */
function matchingStep(sealedSecret: string, box: SecretBox, code: string, now: Date): number | null {
  const totp = totpOf(Secret.fromBase32(box.open(sealedSecret)));
  const timestamp = now.getTime();
  const delta = totp.validate({ token: code, timestamp, window: DRIFT_STEPS });
  return delta === null ? null : totp.counter({ timestamp }) + delta;
}

async function lockTotpRow(db: Executor, tenantId: string, userId: string): Promise<UserTotpRow | undefined> {
  const [row] = await db
    .select()
    .from(userTotp)
    .where(and(eq(userTotp.tenantId, tenantId), eq(userTotp.userId, userId)))
    .for('update');
  return row;
}

/**
 * Starts enrolling an authenticator for the acting user: a new secret, replacing any enrolment
 * not yet confirmed. A confirmed authenticator must be removed first, so that a stolen session
 * cannot silently swap it.
 */
/**
 * The authenticator is what makes a chat click as good as a web sign-in: it is enrolled, confirmed
 * and removed in Vigil itself, never from a chat bot (whoever holds the chat account would
 * otherwise enrol their own).
 */
function refuseFromChat(ctx: TransactionContext): void {
  const channel = ctx.request?.channel;
  if (channel === 'slack' || channel === 'teams') throw new Forbidden('Authenticators are managed in Vigil, not from chat');
}

export async function startTotpEnrolment(ctx: TransactionContext, box: SecretBox): Promise<TotpEnrolment> {
  refuseFromChat(ctx);
  const user = requireUser(ctx.actor);
  const secret = new Secret({ size: SECRET_BYTES });
  const sealedSecret = box.seal(secret.base32);
  const now = ctx.clock.now();
  // One statement, so a confirmation racing with it either lands first (and this refuses) or after.
  const [row] = await ctx.db
    .insert(userTotp)
    .values({ tenantId: user.tenantId, userId: user.userId, sealedSecret, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [userTotp.tenantId, userTotp.userId],
      set: { sealedSecret, lastUsedStep: null, createdAt: now, updatedAt: now },
      setWhere: isNull(userTotp.confirmedAt),
    })
    .returning({ userId: userTotp.userId });
  if (!row) throw new Conflict('An authenticator is already enrolled: remove it (removeTotp) before enrolling a new one');
  await recordChange(ctx, {
    action: 'totp.enrolment_started',
    resource: { type: RESOURCE_TYPE, id: user.userId, name: user.email },
    after: { userId: user.userId, isConfirmed: false },
  });
  return { secret: secret.base32, otpauthUri: totpOf(secret, user.email).toString() };
}

/**
 * Confirms the acting user's pending enrolment with a code from the authenticator. The code's
 * step counts as used, so the same code cannot then step up an approval.
 */
export async function confirmTotpEnrolment(ctx: TransactionContext, box: SecretBox, code: string): Promise<void> {
  refuseFromChat(ctx);
  const user = requireUser(ctx.actor);
  const row = await lockTotpRow(ctx.db, user.tenantId, user.userId);
  if (!row) throw new Conflict('There is no authenticator enrolment to confirm: start one with startTotpEnrolment first');
  if (row.confirmedAt) throw new Conflict('The authenticator is already confirmed');
  if (!CODE_PATTERN.test(code)) throw new BadInput('code', 'The code must be the 6 digits the authenticator shows');
  const now = ctx.clock.now();
  const step = matchingStep(row.sealedSecret, box, code, now);
  if (step === null) throw new BadInput('code', "The code is not valid: check that the authenticator's clock is right and enter the current code");
  await ctx.db
    .update(userTotp)
    .set({ confirmedAt: now, lastUsedStep: step, updatedAt: now })
    .where(and(eq(userTotp.tenantId, user.tenantId), eq(userTotp.userId, user.userId)));
  await recordChange(ctx, {
    action: 'totp.enrolled',
    resource: { type: RESOURCE_TYPE, id: user.userId, name: user.email },
    before: { userId: user.userId, isConfirmed: false },
    after: { userId: user.userId, isConfirmed: true, confirmedAt: now },
  });
}

/**
 * Checks a step-up code of `userId`, inside the caller's transaction (a decision): the code is
 * spent only if that transaction commits. Throws FORBIDDEN when the code does not pass.
 */
/** Wrong codes allowed in a window; past them, codes are refused until the window ends. */
export const MAX_FAILED_CODES = 5;
export const FAILED_CODES_WINDOW_MS = 15 * 60_000;

/** The error of a wrong code: the caller records it (recordTotpFailure) outside its rolled-back transaction. */
export class WrongTotpCode extends Forbidden {
  constructor(readonly userId: string) {
    super('The TOTP code is not valid');
  }
}

export async function verifyTotpCode(tx: TransactionContext, box: SecretBox, userId: string, code: string): Promise<void> {
  const tenantId = tx.actor.tenantId;
  const row = await lockTotpRow(tx.db, tenantId, userId);
  if (!row?.confirmedAt) throw new Forbidden('This step needs a TOTP code: enrol an authenticator first (startTotpEnrolment)');
  const now = tx.clock.now();
  // Six digits are few: guessing is bounded per person, not only per request.
  if (row.failedAttempts >= MAX_FAILED_CODES && row.failedSince && row.failedSince.getTime() + FAILED_CODES_WINDOW_MS > now.getTime()) {
    const retryAt = new Date(row.failedSince.getTime() + FAILED_CODES_WINDOW_MS);
    throw new Forbidden(`Too many wrong authenticator codes: try again after ${retryAt.toISOString()}`, { retryAt: retryAt.toISOString() });
  }
  if (!CODE_PATTERN.test(code)) throw new BadInput('totpCode', 'The TOTP code must be the 6 digits the authenticator shows');
  const step = matchingStep(row.sealedSecret, box, code, now);
  if (step === null) throw new WrongTotpCode(userId);
  if (row.lastUsedStep !== null && step <= row.lastUsedStep) throw new Forbidden('This TOTP code was already used');
  await tx.db
    .update(userTotp)
    .set({ lastUsedStep: step, failedAttempts: 0, failedSince: null, updatedAt: now })
    .where(and(eq(userTotp.tenantId, tenantId), eq(userTotp.userId, userId)));
}

/** Counts a wrong code, in its own statement (the decision it came with rolled back). */
export async function recordTotpFailure(db: Executor, tenantId: string, userId: string, now: Date): Promise<void> {
  const windowStart = new Date(now.getTime() - FAILED_CODES_WINDOW_MS).toISOString();
  await db
    .update(userTotp)
    .set({
      failedAttempts: sql`case when ${userTotp.failedSince} is null or ${userTotp.failedSince} <= ${windowStart}::timestamptz then 1 else ${userTotp.failedAttempts} + 1 end`,
      failedSince: sql`case when ${userTotp.failedSince} is null or ${userTotp.failedSince} <= ${windowStart}::timestamptz then ${now.toISOString()}::timestamptz else ${userTotp.failedSince} end`,
    })
    .where(and(eq(userTotp.tenantId, tenantId), eq(userTotp.userId, userId)));
}

/** Removes `userId`'s authenticator, confirmed or pending: their own, or anyone's for admins. False when there was none. */
export async function removeTotp(ctx: TransactionContext, userId: string): Promise<boolean> {
  refuseFromChat(ctx);
  requireSelfOrAdmin(ctx.actor, userId);
  const user = await getUser(ctx.db, ctx.actor.tenantId, userId);
  const [removed] = await ctx.db
    .delete(userTotp)
    .where(and(eq(userTotp.tenantId, ctx.actor.tenantId), eq(userTotp.userId, user.id)))
    .returning({ confirmedAt: userTotp.confirmedAt });
  if (!removed) return false;
  await recordChange(ctx, {
    action: 'totp.removed',
    resource: { type: RESOURCE_TYPE, id: user.id, name: user.email },
    before: { userId: user.id, isConfirmed: removed.confirmedAt !== null, confirmedAt: removed.confirmedAt },
  });
  return true;
}

/** Whether `userId` has a confirmed authenticator (a pending enrolment does not count). */
export async function hasTotp(db: Executor, tenantId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ userId: userTotp.userId })
    .from(userTotp)
    .where(and(eq(userTotp.tenantId, tenantId), eq(userTotp.userId, userId), isNotNull(userTotp.confirmedAt)));
  return row !== undefined;
}
