/**
 * The audit chain's cost: audited mutations per second with 16 concurrent writers, all on one
 * tenant and spread over 16 tenants, against the same mutations with the chain switched off, on
 * the same Vigil and database. Chained, a writer inserts its audit entry (no lock: the trigger
 * queues its leaf) and, after commit, asks for a sequencer run and is answered; the run (shared by
 * every writer that asked meanwhile, whichever tenant) integrates the leaves into the verifiable log
 * and numbers the entries into the linear chain. The clock stops when those runs are done, so the
 * figure includes sequencing.
 */
import { startBenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, printFigure, type BenchmarkResult, type Figure } from './support/report.js';

const WRITERS = 16;
const MUTATION = 'mutation($name: String!) { createUserToken(input: { name: $name }) { apiToken { id } } }';

export async function benchAuditChain(options: BenchOptions): Promise<BenchmarkResult> {
  const perWriter = size(options, 20, 200);
  process.stdout.write(`\n3. Audit chain: ${WRITERS} writers × ${perWriter} audited mutations\n`);
  const auditSwitch = { isOff: false };
  const bench = await startBenchVigil(options, { benchmarkAuditSwitch: auditSwitch });
  try {
    const shared = await createBenchTenant(bench.vigil, 'chain-one', 0, 0);
    const spread: BenchTenant[] = [];
    for (let index = 0; index < WRITERS; index++) spread.push(await createBenchTenant(bench.vigil, `chain-${index}`, 0, 0));
    const oneTenantTokens = Array.from({ length: WRITERS }, () => shared.adminToken);
    const manyTenantTokens = spread.map((tenant) => tenant.adminToken);

    let run = 0;
    const measure = async (label: string, tokens: string[]): Promise<Figure> => {
      run++;
      const started = performance.now();
      await Promise.all(
        tokens.map(async (token, writer) => {
          for (let index = 0; index < perWriter; index++) {
            const response = await fetch(bench.vigil.graphqlUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: MUTATION, variables: { name: `r${run}-w${writer}-${index}` } }),
            });
            const body = (await response.json()) as { errors?: unknown };
            if (body.errors) throw new Error(`mutation failed: ${JSON.stringify(body.errors)}`);
          }
        }),
      );
      // Writers are answered at commit: the runs they asked for are part of the work measured.
      await bench.vigil.log.whenIdle();
      return printFigure({ label, value: (tokens.length * perWriter) / ((performance.now() - started) / 1000), unit: 'mutations/s' });
    };

    // A warm-up round, untimed, so neither side pays for cold caches.
    await measure('warm-up', manyTenantTokens);
    const oneOn = await measure('chained, one tenant', oneTenantTokens);
    auditSwitch.isOff = true;
    const oneOff = await measure('chain off, one tenant', oneTenantTokens);
    const manyOff = await measure('chain off, 16 tenants', manyTenantTokens);
    auditSwitch.isOff = false;
    const manyOn = await measure('chained, 16 tenants', manyTenantTokens);
    return {
      benchmark: 'audit chain',
      figures: [oneOn, oneOff, manyOn, manyOff],
      comparisons: [
        compare('chained vs off, one tenant', oneOn, oneOff, { ratioAtLeast: 0.7, description: '>= 0.70 (costs < 30%)' }),
        compare('chained vs off, 16 tenants', manyOn, manyOff, { ratioAtLeast: 0.9, description: '>= 0.90' }),
        compare('chained: 16 tenants vs one', manyOn, oneOn, { ratioAtLeast: 1, description: '>= 1.00 (scales with tenants)' }),
      ],
      notes: [
        'Each mutation is createUserToken: one insert and an activity-log entry, and (chained) one audit entry, after whose commit a sequencer run is asked for (writers are answered without waiting for it unless their tenant is behind; every writer that asked meanwhile, of any tenant, shares the next run). The clock stops once the runs asked for are done, so chained figures include putting every leaf in the verifiable log and numbering the chain.',
        'Chain off: no audit entry and no wait; the activity entry’s leaf is still queued by its trigger and integrated by the periodic pass, outside the timed requests.',
      ],
    };
  } finally {
    await bench.close();
  }
}
