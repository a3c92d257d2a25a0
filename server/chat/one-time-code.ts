/**
 * One-time codes made in Vigil and typed in chat (`/audit link CODE`, `/audit bind CODE`): read off
 * one screen and typed into another, so no 0/O or 1/I/L, grouped by four, compared without case,
 * spaces or dashes. Only their hash is stored: scrypt, memory-hard and slow on purpose (tens of
 * milliseconds), because a code is short (40 or 60 bits) and lives for minutes to a day. With plain
 * SHA-256, someone who reads the database (a replica, a backup) could search all 2^40 link codes
 * on a GPU within the code's ten minutes and link their own chat account to its user; with scrypt
 * that search takes thousands of CPU-years. The salt is fixed (a bind code is looked up before its
 * tenant is known); it only keeps tables made for other software useless here.
 */
import { createHash, randomInt, scrypt } from 'node:crypto';
import { promisify } from 'node:util';

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A fresh code of `groups` groups of four characters (31^4 ≈ 20 bits per group). */
export function oneTimeCode(groups: number): string {
  return Array.from({ length: groups }, () => Array.from({ length: 4 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('')).join('-');
}

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
/** 2^14 iterations of 8 blocks: 16 MiB and some tens of milliseconds per code, off the event loop. */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SALT = 'vigil one-time code v1';

const normalized = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();

/** The hash a new code is stored under. */
export async function hashOneTimeCode(code: string): Promise<string> {
  return (await scryptAsync(normalized(code), SALT, 32, SCRYPT)).toString('hex');
}

/**
 * Every hash a typed code may be stored under: scrypt's, and the plain SHA-256 of codes made before
 * it (they expire within a day of the upgrade; this can go once no such code is left).
 */
export async function storedHashesOfOneTimeCode(code: string): Promise<string[]> {
  return [await hashOneTimeCode(code), createHash('sha256').update(normalized(code)).digest('hex')];
}
