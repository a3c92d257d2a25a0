/**
 * One shipper per spool: two daemons (or a daemon and `send`) reading one spool would cut a
 * recording's chunks differently and send two bodies under one number. The lock is a file made
 * with O_EXCL in the daemon's own directory, holding its PID; one left by a process that is gone
 * (killed) is taken over. PIDs are those of this PID namespace: run one agent per machine.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AgentConfigError } from './agent-config.js';
import { isProcessAlive } from './shell-shipper.js';
import { privateStateDirectory } from './spool-state.js';

export interface SpoolLock {
  release(): Promise<void>;
}

export async function lockSpool(spool: string): Promise<SpoolLock> {
  const file = path.join(await privateStateDirectory(spool, 'daemon'), 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
      throw new AgentConfigError(`another vigil-agent (pid ${holder}) ships ${spool}; stop it first (one daemon per spool)`);
    }
    // Left by a daemon that is gone: take it over.
    await rm(file, { force: true });
  }
  throw new AgentConfigError(`cannot take the lock of ${spool}: another vigil-agent is starting at the same time`);
}
