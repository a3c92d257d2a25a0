/**
 * What the daemon has already delivered from a spool file: a byte offset in a sidecar file,
 * replaced atomically (write, then rename) so a crash leaves the old place or the new, never half.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

const sidecar = (file: string) => `${file}.sent`;

export async function readOffset(file: string): Promise<number> {
  try {
    const value = Number((await readFile(sidecar(file), 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}

export async function saveOffset(file: string, offset: number): Promise<void> {
  const temporary = `${sidecar(file)}.tmp`;
  await writeFile(temporary, `${offset}\n`);
  await rename(temporary, sidecar(file));
}

/** The file and its sidecar, once everything in it is delivered. */
export async function removeDelivered(file: string): Promise<void> {
  await rm(file, { force: true });
  await rm(sidecar(file), { force: true });
}
