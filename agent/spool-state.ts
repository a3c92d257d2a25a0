/**
 * What the daemon has already delivered: for a shell's spool file, a byte offset; for a follower
 * (system logs, recordings), a JSON state; each in a directory of the daemon's own in the spool. Each is
 * replaced atomically (write, then rename) so a crash leaves the old place or the new, never half.
 */
import { appendFile, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where the delivered offset of the spool file `name` is kept, in the daemon's own directory. */
const offsetFile = (stateDirectory: string, name: string) => path.join(stateDirectory, `${name}.sent`);

async function replaceFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

export async function readOffset(stateDirectory: string, name: string): Promise<number> {
  try {
    const value = Number((await readFile(offsetFile(stateDirectory, name), 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}

export async function saveOffset(stateDirectory: string, name: string, offset: number): Promise<void> {
  await replaceFile(offsetFile(stateDirectory, name), `${offset}\n`);
}

/** A spool file and its offset, once everything in it is delivered. */
export async function removeDelivered(spool: string, stateDirectory: string, name: string): Promise<void> {
  await rm(path.join(spool, name), { force: true });
  await rm(offsetFile(stateDirectory, name), { force: true });
}

/**
 * A directory in the spool that only the daemon writes. The spool is writable by every shell, so a
 * person could plant a state file there (a journal cursor past their own log lines); the daemon's
 * state lives in a directory it made, owned by it and closed to others, or it stops with the reason.
 */
export async function privateStateDirectory(spool: string, name: string): Promise<string> {
  const directory = path.join(spool, name);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const info = await lstat(directory);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new Error(`${directory} must be a directory of the agent's own user, writable by it alone: remove it and let the agent make it`);
  }
  return directory;
}

/**
 * Sets aside something Vigil refused, with its reason, in `<spool>/rejected/rejected.jsonl`: a
 * directory of the daemon's own, since a file in the open spool could be a planted link.
 */
export async function setAside(spool: string, entry: Record<string, unknown>): Promise<void> {
  const directory = await privateStateDirectory(spool, 'rejected');
  await appendFile(path.join(directory, 'rejected.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
}

/** A follower's state, or undefined before its first save. A damaged one stops the follower rather than start it over. */
export async function readState<State>(file: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as State;
  } catch {
    throw new Error(`${file} is damaged (not JSON): remove it to start following again from the configured point`);
  }
}

export async function saveState(file: string, state: unknown): Promise<void> {
  await replaceFile(file, `${JSON.stringify(state)}\n`);
}
