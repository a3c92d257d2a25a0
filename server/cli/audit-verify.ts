/**
 * `vigil audit verify FILE…`: checks an export offline, opening no database, so it runs beside a
 * live server or on an auditor's laptop. A verifiable-log export (GET /export/log.jsonl) is
 * checked whole, every fault reported, against trusted keys (`--key`, signed-note verifier keys)
 * and earlier checkpoints (`--anchor`: an earlier export, or a checkpoint note a witness holds);
 * the archive's objects (gzipped log segments) are checked as one log, in the order given, each
 * continuing the one before; an audit-chain export (GET /export/audit.jsonl) as before
 * (`--public-key`). The report is JSON on stdout; the exit code is 0 intact, 1 a fault, 2 a file
 * or key that cannot be read as one.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { AuditFileFormatError, verifyAuditFile } from '../export/verify-audit-jsonl.js';
import { isLogExportHeader, LogFileFormatError, verifyLogFile } from '../export/verify-log-jsonl.js';
import { parseVerifierKey } from '../log/signed-note.js';
import { addProofCommands } from './proof-verify.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

export function addAuditCommands(program: Command, setExitCode: (code: number) => void): void {
  const audit = program.command('audit').description('Work with the audit log.');
  audit
    .command('verify')
    .description('Verify a JSONL audit export without a database; prints a JSON report. Exit 0: intact, 1: a fault, 2: not a readable export.')
    .argument('<files...>', 'a file from GET /export/log.jsonl or GET /export/audit.jsonl, or archive objects (.jsonl.gz) in log order')
    .option('--key <verifier-key>', 'log exports: a trusted signed-note verifier key (the logVerifierKeys query); repeat for rotated keys', collect)
    .option('--anchor <file>', 'log exports: an earlier export, or a file holding a checkpoint note a witness kept; repeat for several', collect)
    .option(
      '--public-key <pem-file>',
      'audit-chain exports: a trusted public key (the auditSigningKeys query); repeat for rotated keys. Default: the keys in the file',
      collect,
    )
    .action(async (files: string[], options: { publicKey?: string[]; key?: string[]; anchor?: string[] }) => {
      const firstLine = await readFirstLine(files[0]!);
      if (firstLine !== undefined && isLogExportHeader(firstLine)) {
        setExitCode(await verifyLogExportFiles(files, options.key ?? [], options.anchor ?? []));
      } else if (files.length > 1) {
        say('vigil: an audit-chain export is verified alone; only log exports and archive objects are read one after another');
        setExitCode(2);
      } else {
        setExitCode(await verifyExportFile(files[0]!, options.publicKey ?? []));
      }
    });
  addProofCommands(program, setExitCode);
}

async function readFirstLine(file: string): Promise<string | undefined> {
  try {
    for await (const line of readLines(file)) return line;
  } catch {
    // Unreadable: the chosen verifier says so.
  }
  return undefined;
}

async function verifyLogExportFiles(files: string[], keys: string[], anchorFiles: string[]): Promise<number> {
  try {
    const trusted = keys.map((key) => {
      try {
        return parseVerifierKey(key);
      } catch (error) {
        throw new LogFileFormatError(`--key ${key}: ${(error as Error).message}`);
      }
    });
    const anchors = await Promise.all(anchorFiles.map((path) => readAnchor(readableFile(path, 'anchor'))));
    const readable = files.map((file) => readableFile(file, 'log export'));
    const report = await verifyLogFile(linesOfAll(readable), { trusted, anchors });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const note of report.notes) say(`vigil: note: ${note}`);
    for (const fault of report.faults) say(`vigil: ${fault.kind}${fault.index === null ? '' : ` at ${fault.index}`}: ${fault.message}`);
    if (report.faultCount > report.faults.length) say(`vigil: … and ${report.faultCount - report.faults.length} more`);
    return report.isIntact ? 0 : 1;
  } catch (error) {
    if (!(error instanceof LogFileFormatError)) throw error;
    say(`vigil: ${error.message}`);
    return 2;
  }
}

/** A checkpoint note: the file itself, or the checkpoint in an export's header. */
async function readAnchor(path: string): Promise<string> {
  const firstLine = await readFirstLine(path);
  if (firstLine !== undefined && isLogExportHeader(firstLine)) return (JSON.parse(firstLine) as { checkpoint: string }).checkpoint;
  return fs.readFileSync(path, 'utf8');
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

async function verifyExportFile(file: string, publicKeyFiles: string[]): Promise<number> {
  try {
    const trustedKeys = publicKeyFiles.length > 0 ? publicKeyFiles.map((path) => fs.readFileSync(readableFile(path, 'public key'), 'utf8')) : undefined;
    const { report } = await verifyAuditFile(() => readLines(readableFile(file, 'export')), trustedKeys);
    if (!trustedKeys) {
      say('vigil: warning: the signature was checked with the public keys written in the file itself, which prove nothing about who signed it;');
      say('vigil: warning: pass --public-key with the key your Vigil publishes (query auditSigningKeys) for a check that does.');
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (report.fault) say(`vigil: ${report.fault.kind} at seq ${report.fault.seq}: ${report.fault.message}`);
    return report.isIntact ? 0 : 1;
  } catch (error) {
    if (!(error instanceof AuditFileFormatError)) throw error;
    say(`vigil: ${error.message}`);
    return 2;
  }
}

/** `path` when it is a file this process may read; a format error (exit 2) naming it otherwise. */
export function readableFile(path: string, what: string): string {
  try {
    if (!fs.statSync(path).isFile()) throw new Error('not a regular file');
    fs.accessSync(path, fs.constants.R_OK);
    return path;
  } catch (error) {
    throw new (what === 'export' || what === 'public key' ? AuditFileFormatError : LogFileFormatError)(
      `cannot read the ${what} file ${path}: ${(error as Error).message}`,
    );
  }
}

/** The lines of a file, gunzipped when it starts as gzip does (the archive's objects). */
function readLines(file: string): AsyncIterable<string> {
  const isGzipped = isGzip(file);
  const raw = fs.createReadStream(file);
  const input = isGzipped ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => input.destroy(error));
  input.setEncoding('utf8');
  return readline.createInterface({ input, crlfDelay: Infinity });
}

async function* linesOfAll(files: readonly string[]): AsyncGenerator<string> {
  for (const file of files) {
    try {
      yield* readLines(file);
    } catch (error) {
      throw new LogFileFormatError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
}

function isGzip(file: string): boolean {
  const magic = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}
