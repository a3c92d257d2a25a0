/**
 * Login answers kept between logins. The daemon writes the tenant's authorization epoch after
 * every directives poll (about every second); check-login reuses an allowed answer only while
 * that epoch is fresh and unchanged since the answer was given, and never past the access
 * session's end or VIGIL_AGENT_LOGIN_CACHE_SECONDS. A revocation, a disabled user or a stricter
 * policy changes the epoch (Vigil's triggers), so the next login asks Vigil again; a daemon that
 * stopped polling (or cannot reach Vigil) lets the epoch go stale, and every login asks too.
 * Refusals are never kept: an approval takes effect at the next login.
 *
 * Both files sit in the state directory, which must belong to the user running the agent and be
 * writable by nobody else; anything else there is ignored, as is a file that does not parse.
 */
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

const EPOCH_FILE = 'authorization-epoch.json';
const CACHE_FILE = 'login-cache.json';

interface EpochMark {
  readonly epoch: string;
  /** When the daemon last read it from Vigil (ms since the epoch). */
  readonly checkedAt: number;
}

interface CachedAnswers {
  readonly epoch: string;
  /** Vigil email → until when the allowed answer may be reused (ms since the epoch). */
  readonly allowedUntil: Record<string, number>;
}

/** Whether `file` (or directory) belongs to us and nobody else may write it. */
async function isOurs(file: string): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  if (!info || info.isSymbolicLink()) return false;
  return info.uid === process.getuid?.() && (info.mode & 0o022) === 0;
}

async function readOurs<T>(stateDir: string, name: string): Promise<T | undefined> {
  const file = path.join(stateDir, name);
  if (!(await isOurs(stateDir)) || !(await isOurs(file))) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Written whole, then renamed into place: a reader never sees half a file. */
async function writeOurs(stateDir: string, name: string, value: unknown): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  if (!(await isOurs(stateDir))) throw new Error(`${stateDir} must belong to this user and be writable by nobody else`);
  const partial = path.join(stateDir, `.${name}.${process.pid}`);
  await writeFile(partial, JSON.stringify(value), { mode: 0o600 });
  await rename(partial, path.join(stateDir, name));
}

export function writeAuthorizationEpoch(stateDir: string, epoch: string, now: number): Promise<void> {
  return writeOurs(stateDir, EPOCH_FILE, { epoch, checkedAt: now } satisfies EpochMark);
}

/** The epoch the daemon saw, if it saw it within `maxAgeMs`. */
export async function freshAuthorizationEpoch(stateDir: string, now: number, maxAgeMs: number): Promise<string | undefined> {
  const mark = await readOurs<EpochMark>(stateDir, EPOCH_FILE);
  if (typeof mark?.epoch !== 'string' || typeof mark.checkedAt !== 'number') return undefined;
  return now - mark.checkedAt <= maxAgeMs && mark.checkedAt <= now + 1000 ? mark.epoch : undefined;
}

/** Until when `email`'s allowed answer may be reused under `epoch`; undefined when it may not. */
export async function cachedAllowance(stateDir: string, email: string, epoch: string, now: number): Promise<number | undefined> {
  const cache = await readOurs<CachedAnswers>(stateDir, CACHE_FILE);
  if (cache?.epoch !== epoch) return undefined;
  const until = cache.allowedUntil?.[email];
  return typeof until === 'number' && until > now ? until : undefined;
}

/** Keeps `email`'s allowed answer under `epoch` until `until`, dropping what another epoch left. */
export async function rememberAllowance(stateDir: string, email: string, epoch: string, until: number, now: number): Promise<void> {
  const cache = await readOurs<CachedAnswers>(stateDir, CACHE_FILE);
  const kept = cache?.epoch === epoch ? Object.entries(cache.allowedUntil ?? {}).filter(([, at]) => typeof at === 'number' && at > now) : [];
  await writeOurs(stateDir, CACHE_FILE, { epoch, allowedUntil: { ...Object.fromEntries(kept), [email]: until } } satisfies CachedAnswers);
}
