/**
 * `vigil witness --url URL --key VKEY --state FILE [--interval SECONDS]`: a witness of one
 * workspace's log, run by someone other than Vigil's operator. Each round it fetches the latest
 * checkpoint (GET /log/checkpoint) and accepts it only if a trusted key signed it and the log's
 * consistency proof (GET /log/consistency) shows it extends the checkpoint accepted before
 * (server/log/witness.ts); the accepted one is kept in FILE. A refusal keeps FILE as it was and
 * writes both signed notes beside it: two notes signed by one key that do not extend one another
 * are the evidence of a rewritten history. The token (AUDIT_LOGS_VIEW) comes from
 * VIGIL_WITNESS_TOKEN, not the command line, where other users of the machine could read it.
 * With --cosign-key (a witness key, made by `vigil witness keygen`), each accepted checkpoint is
 * cosigned (C2SP tlog-cosignature, server/log/cosignature.ts) and the cosignature sent back
 * (POST /log/cosignatures), where Vigil publishes it with the checkpoint for readers who require
 * this witness.
 * Exit 0: accepted; 1: refused (with --interval, the witness stops at the first refusal); 2: the
 * log, a key or FILE could not be read, or the cosignature could not be delivered.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { cosign, parseWitnessSignerKey, witnessKeyOf, witnessSignerKeyOf } from '../log/cosignature.js';
import { parseNote, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../log/signed-note.js';
import { ProofRefused, witnessCheckpoint, type WitnessState } from '../log/witness.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => process.stderr.write(`${line}\n`);

export interface WitnessOptions {
  /** Vigil's base URL (the one that serves /graphql and /log/…). */
  readonly url: string;
  readonly token: string;
  readonly keys: readonly string[];
  readonly stateFile: string;
  /** A file holding the witness's signer key: cosign what is accepted and send it back. */
  readonly cosignKeyFile?: string;
}

class Unreachable extends Error {}

/** Answers a log gives when it will not prove what it signed (an outage or a refused token is not one). */
const REFUSING_STATUSES = new Set([400, 404, 409]);

async function get(options: WitnessOptions, path: string, isProof = false): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(path, options.url.endsWith('/') ? options.url : `${options.url}/`), {
      headers: { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Unreachable(`${path}: ${(error as Error).message}`);
  }
  if (response.status === 200) return response;
  const why = `${path}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`;
  throw isProof && REFUSING_STATUSES.has(response.status) ? new ProofRefused(why) : new Unreachable(why);
}

async function readState(file: string): Promise<WitnessState | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const state = JSON.parse(text) as WitnessState;
  if (typeof state.origin !== 'string' || !Number.isSafeInteger(state.size) || typeof state.rootHash !== 'string' || typeof state.note !== 'string') {
    throw new Error(`${file} is not a witness state`);
  }
  return state;
}

/** Written beside, then renamed over: a witness stopped mid-write keeps its last state whole. */
async function writeState(file: string, state: WitnessState): Promise<void> {
  const partial = `${file}.partial`;
  await fs.writeFile(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(partial, file);
}

/** One round; returns the exit code. */
export async function witnessOnce(options: WitnessOptions): Promise<number> {
  let trusted: NoteVerifier[];
  let previous: WitnessState | null;
  let cosigner: NoteSigner | undefined;
  try {
    trusted = options.keys.map(parseVerifierKey);
    previous = await readState(options.stateFile);
    if (options.cosignKeyFile) cosigner = parseWitnessSignerKey((await fs.readFile(options.cosignKeyFile, 'utf8')).trim());
  } catch (error) {
    say(`vigil witness: ${(error as Error).message}`);
    return 2;
  }
  try {
    const note = await (await get(options, 'log/checkpoint')).text();
    const verdict = await witnessCheckpoint(previous, note, trusted, async (fromSize, toSize) => {
      const body = (await (await get(options, `log/consistency?from=${fromSize}&to=${toSize}`, true)).json()) as { hashes: string[] };
      return body.hashes.map((hash) => Buffer.from(hash, 'base64'));
    });
    if (!verdict.isAccepted) {
      const evidence = `${options.stateFile}.refused-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`;
      await fs.writeFile(evidence, `held:\n${previous?.note ?? '(none)\n'}\nserved:\n${note}`);
      say(`vigil witness: REFUSED: ${verdict.reason} (both checkpoints in ${evidence})`);
      print(JSON.stringify({ isAccepted: false, reason: verdict.reason, evidence }));
      return 1;
    }
    await writeState(options.stateFile, verdict.state);
    if (cosigner) await sendCosignature(options, note, cosign(parseNote(note).text, cosigner, Math.floor(Date.now() / 1000)));
    print(
      JSON.stringify({ isAccepted: true, size: verdict.state.size, rootHash: verdict.state.rootHash, grewBy: verdict.grewBy, isCosigned: Boolean(cosigner) }),
    );
    return 0;
  } catch (error) {
    say(`vigil witness: ${error instanceof Unreachable ? 'cannot reach the log: ' : ''}${(error as Error).message}`);
    return 2;
  }
}

async function sendCosignature(options: WitnessOptions, note: string, cosignature: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('log/cosignatures', options.url.endsWith('/') ? options.url : `${options.url}/`), {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note, cosignature }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Unreachable(`log/cosignatures: ${(error as Error).message}`);
  }
  if (response.status !== 201) throw new Unreachable(`log/cosignatures: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
}

/** A new witness key: the signer key into `file` (never overwritten), the verifier key returned for Vigil's VIGIL_LOG_WITNESS_KEYS. */
export async function makeWitnessKey(name: string, file: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const verifierKey = witnessKeyOf(name, publicKey);
  await fs.writeFile(file, `${witnessSignerKeyOf(name, privateKey)}\n`, { mode: 0o600, flag: 'wx' });
  return verifierKey;
}

export function addWitnessCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('witness-keygen')
    .description('Make a witness key: the secret signer key into FILE (never overwritten), the verifier key (for VIGIL_LOG_WITNESS_KEYS) on stdout.')
    .requiredOption('--name <name>', 'the witness’s name, a schema-less URL such as witness.example.org/w1')
    .requiredOption('--out <file>', 'where the secret signer key is written')
    .action(async (options: { name: string; out: string }) => {
      try {
        print(await makeWitnessKey(options.name, options.out));
      } catch (error) {
        say(`vigil witness-keygen: ${(error as Error).message}`);
        setExitCode(2);
      }
    });
  program
    .command('witness')
    .description(
      'Witness a workspace’s log: accept its latest checkpoint only if it extends the one accepted before (VIGIL_WITNESS_TOKEN: a token with AUDIT_LOGS_VIEW). Exit 0: accepted, 1: refused, 2: unreadable.',
    )
    .requiredOption('--url <url>', 'Vigil’s base URL')
    .requiredOption(
      '--key <verifier-key>',
      'a trusted signed-note verifier key (logVerifierKeys); repeat for rotated keys',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .requiredOption('--state <file>', 'where the accepted checkpoint is kept between rounds')
    .option('--interval <seconds>', 'keep witnessing, a round every so many seconds, until a refusal', (value: string) => Number(value))
    .option('--cosign-key <file>', 'the witness’s signer key (vigil witness-keygen): cosign each accepted checkpoint and send the cosignature to Vigil')
    .action(async (options: { url: string; key: string[]; state: string; interval?: number; cosignKey?: string }) => {
      const token = process.env.VIGIL_WITNESS_TOKEN;
      if (!token) {
        say('vigil witness: VIGIL_WITNESS_TOKEN is not set');
        return setExitCode(2);
      }
      if (options.interval !== undefined && !(Number.isFinite(options.interval) && options.interval >= 1)) {
        say('vigil witness: --interval is a number of seconds, at least 1');
        return setExitCode(2);
      }
      const witness: WitnessOptions = { url: options.url, token, keys: options.key, stateFile: options.state, cosignKeyFile: options.cosignKey };
      for (;;) {
        const code = await witnessOnce(witness);
        if (options.interval === undefined || code === 1) return setExitCode(code);
        await new Promise((resolve) => setTimeout(resolve, options.interval! * 1000));
      }
    });
}
