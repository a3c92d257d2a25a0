/**
 * An inclusion proof is read in one statement: the leaf, the checkpoint, the log's size when a
 * size is asked, and the proof's nodes, whose positions the statement computes itself. Those
 * positions must be exactly merkle.ts's, for any leaf and size; the proof must verify against the
 * checkpoint's signed root; and a node missing from the store still fails the proof, by name.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { inclusionProofRanges, largestPowerOfTwoBelow, perfectSubtrees, verifyInclusion } from '../../server/log/merkle.js';
import { proveInclusion } from '../../server/log/proofs.js';
import { addServer, ingest, minutesAgo } from '../support/records-fixture.js';
import { asIntruder } from '../support/log-tamper.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const db = () => t.vigil.database.db;
const keysOf = (ids: { level: number; index: number }[]) => [...new Set(ids.map((id) => `${id.level}:${id.index}`))].sort();

/** Counts the statements `work` sends. */
async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  let statements = 0;
  const stop = t.vigil.database.onQuery(() => statements++);
  try {
    return { result: await work(), statements };
  } finally {
    stop();
  }
}

async function tenantWithCommands(slug: string, count: number): Promise<{ tenantId: string; agentToken: string; recordIds: string[] }> {
  const { tenantId } = await t.createTenant(slug);
  const server = await addServer(t, tenantId, `web-${slug}`);
  const response = await ingest(
    t,
    server.agentToken,
    Array.from({ length: count }, (_, index) => ({
      eventId: `c${index}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: `echo ${index}`, status: 'SUCCESS', submittedAt: minutesAgo(t, 60 - index) },
    })),
  );
  expect(response.errors).toBeUndefined();
  await t.vigil.log.settle(tenantId, { force: true });
  return { tenantId, agentToken: server.agentToken, recordIds: response.data.ingestEvents.events.map((event: { recordId: string }) => event.recordId) };
}

describe('the proof statement', () => {
  it('reads the nodes merkle.ts asks for, for every leaf of small trees and for large sizes', async () => {
    const cases: [number, number][] = [];
    for (let size = 1; size <= 40; size++) for (let index = 0; index < size; index++) cases.push([index, size]);
    for (const size of [1_000_079, 2 ** 20, 2 ** 20 + 1, 2 ** 31 - 1, 2 ** 40 + 3]) cases.push([0, size], [size - 1, size], [Math.floor(size / 3), size]);
    for (const [index, size] of cases) {
      const [row] = await queryRows<{ node_keys: string[] | null }>(
        db(),
        sql`select array_agg(distinct w.level || ':' || w.idx) as node_keys from vigil_inclusion_node_ids(${index}, ${size}, false) as w`,
      );
      const expected = keysOf(inclusionProofRanges(index, size).flatMap((range) => perfectSubtrees(range.start, range.end)));
      expect([...(row!.node_keys ?? [])].sort(), `leaf ${index} of ${size}`).toEqual(expected);
    }
    for (const [index, size] of [
      [0, 1],
      [4, 7],
      [999, 1_000_079],
    ] as const) {
      const [row] = await queryRows<{ node_keys: string[] | null }>(
        db(),
        sql`select array_agg(distinct w.level || ':' || w.idx) as node_keys from vigil_inclusion_node_ids(${index}, ${size}, true) as w`,
      );
      const expected = keysOf([...inclusionProofRanges(index, size).flatMap((range) => perfectSubtrees(range.start, range.end)), ...perfectSubtrees(0, size)]);
      expect([...(row!.node_keys ?? [])].sort(), `leaf ${index} of ${size} with the root`).toEqual(expected);
    }
  });

  it('proves every leaf against the latest checkpoint and against sizes asked, each in one statement', async () => {
    const { tenantId, agentToken, recordIds } = await tenantWithCommands('one-statement', 21);
    const first = await proveInclusion(db(), tenantId, { recordId: recordIds[0] });
    const signedSize = first.treeSize;
    // More leaves after the checkpoint: the latest checkpoint stays the proofs' default size.
    expect(
      (
        await ingest(t, agentToken, [
          { eventId: 'late', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'late', status: 'SUCCESS', submittedAt: minutesAgo(t, 1) } },
        ])
      ).errors,
    ).toBeUndefined();
    await t.vigil.log.settle(tenantId);
    const [head] = await queryRows<{ size: string }>(db(), sql`select size from log_heads where tenant_id = ${tenantId}`);
    const logSize = Number(head!.size);
    expect(logSize).toBeGreaterThan(signedSize);

    for (let index = 0; index < signedSize; index++) {
      const { result: proof, statements } = await statementsOf(() => proveInclusion(db(), tenantId, { leafIndex: index }));
      expect(statements).toBe(1);
      expect(proof.treeSize).toBe(signedSize);
      expect(proof.checkpoint?.size).toBe(signedSize);
      expect(proof.rootHash.equals(proof.checkpoint!.rootHash)).toBe(true);
      expect(verifyInclusion(proof.leaf.leafHash, index, signedSize, proof.hashes, proof.rootHash), `leaf ${index}`).toBe(true);
    }
    for (const recordId of recordIds) {
      const { result: proof, statements } = await statementsOf(() => proveInclusion(db(), tenantId, { recordId }));
      expect(statements).toBe(1);
      expect(proof.leaf.recordId).toBe(recordId);
      expect(verifyInclusion(proof.leaf.leafHash, proof.leaf.index, proof.treeSize, proof.hashes, proof.rootHash)).toBe(true);
    }
    // A size no checkpoint signed: the root comes from the stored nodes, read in the same statement.
    for (const size of [1, 2, 7, signedSize - 1, logSize]) {
      const { result: proof, statements } = await statementsOf(() => proveInclusion(db(), tenantId, { leafIndex: 0 }, size));
      expect(statements).toBe(1);
      expect(proof.treeSize).toBe(size);
      expect(verifyInclusion(proof.leaf.leafHash, 0, size, proof.hashes, proof.rootHash), `size ${size}`).toBe(true);
    }
    const atSigned = await proveInclusion(db(), tenantId, { leafIndex: 3 }, signedSize);
    expect(atSigned.checkpoint?.size).toBe(signedSize);
    expect(atSigned.rootHash.equals(first.rootHash)).toBe(true);

    await expect(proveInclusion(db(), tenantId, { leafIndex: 0 }, logSize + 1)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'treeSize' });
    await expect(proveInclusion(db(), tenantId, { leafIndex: 0 }, 0)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'treeSize' });
    await expect(proveInclusion(db(), tenantId, { leafIndex: logSize - 1 })).rejects.toMatchObject({ code: 'CONFLICT', details: { field: 'treeSize' } });
    await expect(proveInclusion(db(), tenantId, { leafIndex: logSize })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(proveInclusion(db(), tenantId, { recordId: '01a2b3c4-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('catches the log up only when its statement finds leaves queued, then proves the latest version', async () => {
    const { tenantId, recordIds } = await tenantWithCommands('queued', 3);
    let catchUps = 0;
    const catchUp = async () => {
      catchUps++;
      await t.vigil.log.catchUp(tenantId);
    };
    let proofReads = 0;
    const stop = t.vigil.database.onQuery((statement) => void (statement.includes('vigil_inclusion_proof(') && proofReads++));
    await proveInclusion(db(), tenantId, { recordId: recordIds[0] }, undefined, { catchUp });
    expect([proofReads, catchUps]).toEqual([1, 0]);

    // A new version of the record, written on Vigil's own connection: its leaf is queued, and no
    // sequencer run was asked for.
    await db().execute(sql`update commands set result = 'changed' where tenant_id = ${tenantId} and id = ${recordIds[0]}`);
    const [queued] = await queryRows<{ count: number }>(db(), sql`select count(*)::int as count from log_leaves where tenant_id = ${tenantId} and idx is null`);
    expect(queued!.count).toBe(1);
    const [head] = await queryRows<{ size: string }>(db(), sql`select size from log_heads where tenant_id = ${tenantId}`);
    const latest = await proveInclusion(db(), tenantId, { recordId: recordIds[0] }, Number(head!.size) + 1, { catchUp });
    stop();
    expect([proofReads, catchUps]).toEqual([3, 1]);
    expect(latest.leaf.index).toBe(Number(head!.size));
    expect(JSON.parse(latest.leaf.leaf!).row.result).toBe('changed');
    expect(verifyInclusion(latest.leaf.leafHash, latest.leaf.index, latest.treeSize, latest.hashes, latest.rootHash)).toBe(true);

    // Without a way to catch up, the record's latest version has no position yet.
    await db().execute(sql`update commands set result = 'changed again' where tenant_id = ${tenantId} and id = ${recordIds[0]}`);
    await expect(proveInclusion(db(), tenantId, { recordId: recordIds[0] })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('answers CONFLICT before any checkpoint, and names a node missing from the store', async () => {
    const { tenantId } = await t.createTenant('unsigned');
    const server = await addServer(t, tenantId, 'web-unsigned');
    const response = await ingest(t, server.agentToken, [
      { eventId: 'c0', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'echo', status: 'SUCCESS', submittedAt: minutesAgo(t, 1) } },
    ]);
    const recordId = response.data.ingestEvents.events[0].recordId as string;
    await asIntruder(db(), async (tx) => void (await tx.execute(sql`delete from log_checkpoints where tenant_id = ${tenantId}`)));
    await expect(proveInclusion(db(), tenantId, { recordId })).rejects.toMatchObject({ code: 'CONFLICT' });

    const signed = await tenantWithCommands('damaged', 9);
    const proof = await proveInclusion(db(), signed.tenantId, { leafIndex: 0 });
    expect(proof.treeSize).toBeGreaterThan(8);
    // The last leaf's proof holds the left subtree of the root's split, [0, k): delete its node.
    const [left] = perfectSubtrees(0, largestPowerOfTwoBelow(proof.treeSize));
    await asIntruder(
      db(),
      async (tx) => void (await tx.execute(sql`delete from log_nodes where tenant_id = ${signed.tenantId} and level = ${left!.level} and idx = 0`)),
    );
    await expect(proveInclusion(db(), signed.tenantId, { leafIndex: proof.treeSize - 1 })).rejects.toThrow(`The log's node ${left!.level}/0 is missing`);
  });
});
