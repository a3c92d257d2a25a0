/**
 * Verification: entries per second of verifyAuditIntegrity over a long chain, against reading the
 * same rows in the same pages with the raw client (the floor: verification cannot beat the read).
 */
import { randomUUID } from 'node:crypto';
import { chainHash, GENESIS_HASH, type ChainedFields } from '../server/audit/canonical-entry.js';
import { verifyAuditIntegrity } from '../server/audit/verify-integrity.js';
import { startBenchVigil } from './support/bench-vigil.js';
import { createBenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, printFigure, type BenchmarkResult } from './support/report.js';

const COLUMNS = [
  'tenant_id',
  'seq',
  'id',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_email',
  'action',
  'resource_type',
  'resource_id',
  'resource_name',
  'before',
  'after',
  'client_ip',
  'user_agent',
  'request_id',
  'prev_hash',
  'hash',
];

const csvCell = (value: unknown) =>
  value === null ? '' : `"${(typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : JSON.stringify(value)).replaceAll('"', '""')}"`;

/** Appends `count` valid entries to the tenant's chain with COPY, continuing from its head. */
async function generateChain(raw: Awaited<ReturnType<typeof startBenchVigil>>['raw'], tenantId: string, count: number): Promise<void> {
  const [head] = await raw.query<{ seq: string; hash: string }>('select seq, hash from audit_chain_heads where tenant_id = $1', [tenantId]);
  let seq = Number(head!.seq);
  let prevHash = head?.hash ?? GENESIS_HASH;
  const chunk = 50_000;
  for (let done = 0; done < count; done += chunk) {
    const lines: string[] = [];
    for (let index = 0; index < Math.min(chunk, count - done); index++) {
      seq++;
      const entry: ChainedFields = {
        tenantId,
        seq,
        id: randomUUID(),
        occurredAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000),
        actorType: 'user',
        actorId: randomUUID(),
        actorEmail: `user${seq % 200}@bench.test`,
        action: 'user.role_changed',
        resourceType: 'user',
        resourceId: randomUUID(),
        resourceName: `user${seq % 97}@bench.test`,
        before: { role: 'user' },
        after: { role: 'admin' },
        clientIp: '10.0.0.1',
        userAgent: 'bench/1.0',
        requestId: randomUUID(),
      };
      const hash = chainHash(prevHash, entry);
      lines.push(
        [
          tenantId,
          seq,
          entry.id,
          entry.occurredAt.toISOString(),
          entry.actorType,
          entry.actorId,
          entry.actorEmail,
          entry.action,
          entry.resourceType,
          entry.resourceId,
          entry.resourceName,
          JSON.stringify(entry.before),
          JSON.stringify(entry.after),
          entry.clientIp,
          entry.userAgent,
          entry.requestId,
          prevHash,
          hash,
        ]
          .map(csvCell)
          .join(','),
      );
      prevHash = hash;
    }
    await raw.copyIn('audit_entries', COLUMNS, `${lines.join('\n')}\n`);
    if (count > chunk) process.stdout.write(`    generated ${(done + lines.length).toLocaleString('en-US')} / ${count.toLocaleString('en-US')} entries\n`);
  }
  await raw.query('update audit_chain_heads set seq = $2, hash = $3 where tenant_id = $1', [tenantId, seq, prevHash]);
  await raw.query('analyze audit_entries');
}

export async function benchVerification(options: BenchOptions): Promise<BenchmarkResult> {
  const count = size(options, 20_000, 1_000_000);
  process.stdout.write(`\n5. Verification: a chain of ${count.toLocaleString('en-US')} entries\n`);
  const bench = await startBenchVigil(options);
  try {
    const tenant = await createBenchTenant(bench.vigil, 'verify', 1, 1);
    await generateChain(bench.raw, tenant.tenantId, count);

    let started = performance.now();
    const report = await verifyAuditIntegrity(bench.vigil.database.db, tenant.tenantId, new Map());
    const verifySeconds = (performance.now() - started) / 1000;
    if (!report.isIntact) throw new Error(`the generated chain does not verify: ${JSON.stringify(report.fault)}`);

    started = performance.now();
    let read = 0;
    for (let after = 0; ;) {
      const rows = await bench.raw.query<{ seq: string }>('select * from audit_entries where tenant_id = $1 and seq > $2 order by seq limit 5000', [
        tenant.tenantId,
        after,
      ]);
      if (rows.length === 0) break;
      read += rows.length;
      after = Number(rows.at(-1)!.seq);
    }
    const readSeconds = (performance.now() - started) / 1000;

    const vigil = printFigure({ label: 'verifyAuditIntegrity', value: report.checkedEntries / verifySeconds, unit: 'entries/s' });
    const baseline = printFigure({ label: 'raw paged read of the same rows', value: read / readSeconds, unit: 'entries/s' });
    return {
      benchmark: 'verification',
      figures: [vigil, baseline],
      comparisons: [compare('verification vs reading', vigil, baseline, { description: 'for reference (verification hashes every entry)' })],
      notes: [`${report.checkedEntries.toLocaleString('en-US')} entries verified in ${verifySeconds.toFixed(1)} s.`],
    };
  } finally {
    await bench.close();
  }
}
