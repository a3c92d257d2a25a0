/**
 * A PostgreSQL primary and a streaming hot standby of it, two clusters of the test's own in a
 * temporary directory on ports of their own: what VIGIL_READ_DATABASE_URL is tested against.
 * Needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup); as root they run as the
 * `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

const run = promisify(execFile);

export interface ReplicaCluster {
  /** The `vigil` database on the primary, and the same database on the standby. */
  readonly primaryUrl: string;
  readonly replicaUrl: string;
  /** Another database on the standby's cluster (a URL that is a standby, but not of Vigil's database). */
  readonly replicaOtherDatabaseUrl: string;
  /** Stops and resumes the standby's replay of the primary's WAL (it keeps receiving it). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  dispose(): Promise<void>;
}

/** PostgreSQL's newest server programs on this machine, or undefined. */
function serverBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(path.join(root, name, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], 'bin');
}

const isRoot = userInfo().uid === 0;

/** Why this machine cannot run the clusters, or null when it can. */
export function replicaClusterUnavailable(): string | null {
  if (!serverBinaries()) return 'PostgreSQL server programs (/usr/lib/postgresql/*/bin) are not installed';
  if (!isRoot) return null;
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'true']);
    return null;
  } catch {
    return 'running as root, and PostgreSQL cannot be run as the postgres user (runuser -u postgres)';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startReplicaCluster(): Promise<ReplicaCluster> {
  const bin = serverBinaries();
  if (!bin) throw new Error(replicaClusterUnavailable() ?? 'no PostgreSQL server programs');
  const directory = await mkdtemp(path.join(tmpdir(), 'vigil-replica-'));
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    await chown(directory, uid, uid);
  }
  const pg = (program: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]) : run(path.join(bin, program), args);
  const primaryDir = path.join(directory, 'primary');
  const replicaDir = path.join(directory, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  // The sockets live in the directory too: no clash with the machine's own cluster.
  const options = (port: number) => `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  const start = (dir: string, port: number, log: string) => pg('pg_ctl', ['-D', dir, '-o', options(port), '-l', path.join(directory, log), '-w', 'start']);
  const stop = (dir: string) => pg('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']);
  const url = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

  await pg('initdb', ['-D', primaryDir, '--auth=trust', '-U', 'postgres', '--no-sync']);
  await start(primaryDir, primaryPort, 'primary.log');
  let isReplicaRunning = false;
  try {
    const admin = postgres(url(primaryPort, 'postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe('create database vigil');
    await admin.unsafe('create database elsewhere');
    await admin.end();
    // -R writes standby.signal and the primary's address: the copy starts as a streaming standby.
    await pg('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
      '--no-sync',
    ]);
    await start(replicaDir, replicaPort, 'replica.log');
    isReplicaRunning = true;
  } catch (error) {
    await stop(primaryDir).catch(() => {});
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  const onReplica = async (statement: string) => {
    const client = postgres(url(replicaPort, 'postgres'), { max: 1, onnotice: () => {} });
    try {
      await client.unsafe(statement);
    } finally {
      await client.end();
    }
  };
  return {
    primaryUrl: url(primaryPort, 'vigil'),
    replicaUrl: url(replicaPort, 'vigil'),
    replicaOtherDatabaseUrl: url(replicaPort, 'elsewhere'),
    pauseReplay: () => onReplica('select pg_wal_replay_pause()'),
    resumeReplay: () => onReplica('select pg_wal_replay_resume()'),
    async stopReplica() {
      await stop(replicaDir);
      isReplicaRunning = false;
    },
    async startReplica() {
      await start(replicaDir, replicaPort, 'replica.log');
      isReplicaRunning = true;
    },
    async dispose() {
      // Vigil's pools may still hold connections: immediate stops do not wait for them.
      if (isReplicaRunning) await pg('pg_ctl', ['-D', replicaDir, '-m', 'immediate', 'stop']).catch(() => {});
      await pg('pg_ctl', ['-D', primaryDir, '-m', 'immediate', 'stop']).catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}
