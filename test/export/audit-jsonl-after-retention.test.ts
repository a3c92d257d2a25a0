/**
 * An export of a chain that retention has cut starts at a checkpoint: the file carries that signed
 * checkpoint, so it proves where it starts as well as where it ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointNow } from '../../server/audit/checkpoints.js';
import { applyRetention } from '../../server/audit/retention.js';
import { signingKeyFromPem } from '../../server/audit/signing-key.js';
import type { ManualClock } from '../../server/clock.js';
import { fetchExport } from '../support/export-client.js';
import { startTestVigil, TEST_SIGNING_KEY, type TestVigil } from '../support/test-vigil.js';
import { processEnv, runCli } from '../support/vigil-process.js';

let t: TestVigil;
let dir: string;
let cutSeq: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-export-cut-'));
  t = await startTestVigil();
  for (let index = 0; index < 4; index++) await t.gql(`mutation { createUserToken(input: { name: "old-${index}" }) { token } }`, t.admin.token);
  // Writers do not wait for the sequencer: the checkpoint and the pruning act on a chain that has numbered them.
  await t.vigil.log.whenIdle();
  cutSeq = (await checkpointNow(t.vigil.database.db, t.clock, signingKeyFromPem(TEST_SIGNING_KEY), t.admin.tenantId)).seq;
  (t.clock as ManualClock).advance(40 * 86_400_000);
  await t.gql('mutation { setRetentionPolicy(kind: AUDIT_LOG, days: 30) { kind } }', t.admin.token);
  await t.vigil.log.whenIdle();
  await applyRetention(t.vigil.database.db, t.clock);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function exported(): Promise<{ file: string; lines: Record<string, any>[] }> {
  const response = await fetchExport(t, '/export/audit.jsonl', t.admin.token);
  expect(response.status).toBe(200);
  const file = path.join(dir, `export-${Date.now()}.jsonl`);
  fs.writeFileSync(file, response.text);
  return {
    file,
    lines: response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line)),
  };
}

describe('an export of a chain cut by retention', () => {
  it('starts after the cut and carries the signed checkpoint that vouches for its start', async () => {
    const { file, lines } = await exported();
    const header = lines[0]!;
    expect(header.fromSeq).toBe(cutSeq + 1);
    expect(header.startCheckpoint).toMatchObject({ seq: cutSeq, headHash: header.startHash });
    const result = await runCli(['audit', 'verify', file], processEnv({}));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ isIntact: true, fromSeq: cutSeq + 1 });
  });

  it('is caught when its first entries are dropped, though the rest still links to the closing checkpoint', async () => {
    const { file, lines } = await exported();
    const [header, , , ...rest] = lines;
    const dropped = [{ ...header, fromSeq: rest[0]!.seq, startHash: rest[0]!.prevHash }, ...rest];
    fs.writeFileSync(file, `${dropped.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const result = await runCli(['audit', 'verify', file], processEnv({}));
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ isIntact: false, fault: { kind: 'missing', seq: rest[0]!.seq - 1 } });
  });

  it('is caught the same way when a whole chain loses its first entries', async () => {
    const { file, lines } = await exported();
    const { startCheckpoint: _dropped, ...header } = lines[0]!;
    const rest = lines.slice(2);
    const withoutAnchor = [{ ...header, fromSeq: rest[0]!.seq, startHash: rest[0]!.prevHash }, ...rest];
    fs.writeFileSync(file, `${withoutAnchor.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const result = await runCli(['audit', 'verify', file], processEnv({}));
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).fault.kind).toBe('missing');
  });
});
