/**
 * One-time codes made in Vigil and typed in chat (`/audit link CODE`, `/audit bind CODE`): read off
 * one screen and typed into another, so no 0/O or 1/I/L, grouped by four, compared without case,
 * spaces or dashes. Only their hash is stored.
 */
import { createHash, randomInt } from 'node:crypto';

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A fresh code of `groups` groups of four characters (31^4 ≈ 20 bits per group). */
export function oneTimeCode(groups: number): string {
  return Array.from({ length: groups }, () => Array.from({ length: 4 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('')).join('-');
}

export const hashOneTimeCode = (code: string) => createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
