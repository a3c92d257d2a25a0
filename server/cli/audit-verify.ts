/**
 * `vigil audit verify FILE [--public-key PEM_FILE]`: checks a JSONL audit export offline. It opens
 * no database, so it runs beside a live server or on an auditor's laptop. The report is the API's
 * (`auditIntegrity`) shape, as JSON on stdout; the exit code is 0 intact, 1 a fault, 2 a file or
 * key that cannot be read as one.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { AuditFileFormatError, verifyAuditFile } from '../export/verify-audit-jsonl.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

export function addAuditCommands(program: Command, setExitCode: (code: number) => void): void {
  const audit = program.command('audit').description('Work with the audit log.');
  audit
    .command('verify')
    .description('Verify a JSONL audit export without a database; prints a JSON report. Exit 0: intact, 1: a fault, 2: not a readable export.')
    .argument('<file>', 'a file from GET /export/audit.jsonl')
    .option('--public-key <pem-file>', 'a trusted public key (the auditSigningKeys query); repeat for rotated keys. Default: the keys in the file', collect)
    .action(async (file: string, options: { publicKey?: string[] }) => {
      setExitCode(await verifyExportFile(file, options.publicKey ?? []));
    });
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
function readableFile(path: string, what: string): string {
  try {
    if (!fs.statSync(path).isFile()) throw new Error('not a regular file');
    fs.accessSync(path, fs.constants.R_OK);
    return path;
  } catch (error) {
    throw new AuditFileFormatError(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
}

function readLines(file: string): AsyncIterable<string> {
  return readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
}
