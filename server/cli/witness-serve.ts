/**
 * `vigil witness serve --port N --cosign-key FILE --state FILE --log ORIGIN=VKEY…`: a witness that
 * logs call (C2SP tlog-witness, server/log/tlog-witness.ts): `POST /add-checkpoint` cosigns a
 * checkpoint of a log it witnesses once it extends the one it cosigned last, kept per origin in
 * FILE. Requests are taken one at a time and FILE is replaced (written beside, renamed) before
 * the answer, so the size checked and the size kept cannot interleave; one process per FILE.
 * Vigil calls it for every workspace's log when its URL is in VIGIL_LOG_WITNESS_URLS.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { parseWitnessSignerKey } from '../log/cosignature.js';
import { parseVerifierKey, type NoteSigner, type NoteVerifier } from '../log/signed-note.js';
import { decideAddCheckpoint, type WitnessedHead } from '../log/tlog-witness.js';

const BODY_LIMIT = 64 * 1024;

export interface WitnessServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly cosigner: NoteSigner;
  readonly stateFile: string;
  /** Each witnessed log's origin and the keys that sign it. */
  readonly logs: ReadonlyMap<string, readonly NoteVerifier[]>;
}

export interface WitnessServer {
  readonly url: string;
  close(): Promise<void>;
}

async function readHeads(file: string): Promise<Record<string, WitnessedHead>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, WitnessedHead>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

async function writeHeads(file: string, heads: Record<string, WitnessedHead>): Promise<void> {
  const partial = `${file}.partial`;
  await fs.writeFile(partial, `${JSON.stringify(heads, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(partial, file);
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWitnessServer(options: WitnessServerOptions): Promise<WitnessServer> {
  let heads = await readHeads(options.stateFile);
  // One request at a time: the check against the kept size and the new size kept are one step.
  let turn: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work, work);
    turn = next.catch(() => {});
    return next;
  };

  const server = http.createServer((req, res) => {
    const answer = (status: number, body: string, contentType = 'text/plain; charset=utf-8') =>
      res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
    if (req.method !== 'POST' || !req.url?.endsWith('/add-checkpoint')) return answer(404, 'Only POST <prefix>/add-checkpoint is served\n');
    void (async () => {
      const body = await readBody(req);
      if (body === null) return answer(413, 'The body is too large\n');
      const outcome = await serialized(async () => {
        const decided = decideAddCheckpoint(body, options.logs, (origin) => heads[origin], options.cosigner, new Date());
        if (decided.status === 200) {
          const next = { ...heads, [decided.origin]: decided.head };
          await writeHeads(options.stateFile, next);
          heads = next;
        }
        return decided;
      });
      answer(outcome.status, outcome.body, 'contentType' in outcome && outcome.contentType ? outcome.contentType : undefined);
    })().catch((error: unknown) => {
      if (!res.headersSent) answer(500, `${(error as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `--log` values, "<origin>=<verifier key>", by origin (a log signed under several keys is named once per key). */
export function parseWitnessedLogs(entries: readonly string[]): Map<string, NoteVerifier[]> {
  const logs = new Map<string, NoteVerifier[]>();
  for (const entry of entries) {
    // The key's base64 may end in "=": the origin ends at the last "=" before the key's first "+".
    const split = entry.lastIndexOf('=', entry.indexOf('+'));
    if (split <= 0) throw new Error(`--log "${entry}" is not <origin>=<verifier key>`);
    const origin = entry.slice(0, split);
    logs.set(origin, [...(logs.get(origin) ?? []), parseVerifierKey(entry.slice(split + 1))]);
  }
  return logs;
}

export function addWitnessServeCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('witness-serve')
    .description('Run a C2SP tlog-witness (POST /add-checkpoint) for the logs named by --log, cosigning with --cosign-key.')
    .requiredOption('--port <port>', 'the port to listen on', (value: string) => Number(value))
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .requiredOption('--cosign-key <file>', 'the witness’s signer key (vigil witness-keygen)')
    .requiredOption('--state <file>', 'where the latest cosigned size and root of each log are kept')
    .requiredOption(
      '--log <origin=verifier-key>',
      'a log to witness: its checkpoint origin (vigil: "<instance>/tenants/<tenant id>") and a key that signs it; repeat',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action(async (options: { port: number; host: string; cosignKey: string; state: string; log: string[] }) => {
      let logs: Map<string, NoteVerifier[]>;
      let cosigner: NoteSigner;
      try {
        logs = parseWitnessedLogs(options.log);
        cosigner = parseWitnessSignerKey((await fs.readFile(options.cosignKey, 'utf8')).trim());
      } catch (error) {
        process.stderr.write(`vigil witness-serve: ${(error as Error).message}\n`);
        return setExitCode(2);
      }
      const server = await startWitnessServer({ port: options.port, host: options.host, cosigner, stateFile: options.state, logs });
      process.stdout.write(`${JSON.stringify({ url: server.url, witness: cosigner.verifierKey, logs: [...logs.keys()] })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await server.close();
    });
}
