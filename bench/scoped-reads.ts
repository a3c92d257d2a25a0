/**
 * Scoped reads: a regular user's and an admin's page of 100 commands with their server and
 * operator, over HTTP with 32 concurrent clients, against a plain node:http handler that
 * authenticates the same token and runs the equivalent hand-written SQL, returning JSON. Then the
 * same page on a table ten times larger, and a page 10,000 rows deep, to show neither costs more;
 * and the query plans of Vigil's statements, to show they are index scans.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeCursor } from '../server/pagination/keyset.js';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, generateCommands, type BenchTenant } from './support/fixtures.js';
import { load, type LoadResult } from './support/http-load.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, printFigure, type BenchmarkResult, type Comparison, type Figure } from './support/report.js';
import { baselineCaller } from './support/baseline-caller.js';

const PAGE = `query Page($after: String) { commands(first: 100, after: $after) { nodes { id line status submittedAt server { name } operator { email } } } }`;

const WARM_UP_SECONDS = 1;

const BASELINE_SQL = `
  select c.id, c.line, c.status, c.submitted_at, s.name as server_name, u.email as operator_email
  from commands c
  join servers s on s.tenant_id = c.tenant_id and s.id = c.server_id
  left join users u on u.tenant_id = c.tenant_id and u.id = c.operator_user_id
  where c.tenant_id = $1 and ($2::uuid is null or c.operator_user_id = $2)
    and ($3::timestamptz is null or (c.submitted_at, c.id) < ($3, $4::uuid))
  order by c.submitted_at desc, c.id desc
  limit 100`;

/** The baseline: authenticate the bearer token like Vigil does (hash lookup), then one SQL statement. */
async function startBaseline(bench: BenchVigil, tenant: BenchTenant): Promise<{ url: string; server: Server }> {
  const server = createServer(
    (request, response) =>
      void (async () => {
        try {
          const auth = await baselineCaller(bench.raw, tenant.tenantId, request.headers.authorization);
          if (!auth) {
            response.writeHead(401).end();
            return;
          }
          const url = new URL(request.url ?? '/', 'http://localhost');
          const rows = await bench.raw.query(BASELINE_SQL, [
            tenant.tenantId,
            auth.role === 'admin' ? null : auth.userId,
            url.searchParams.get('beforeTime'),
            url.searchParams.get('beforeId'),
          ]);
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nodes: rows }));
        } catch (error) {
          response.writeHead(500).end(String(error));
        }
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function deepCursor(bench: BenchVigil, tenant: BenchTenant, depth: number): Promise<{ submittedAt: string; id: string }> {
  const [row] = await bench.raw.query<{ submitted_at: string; id: string }>(
    `select to_char(submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as submitted_at, id from commands
     where tenant_id = $1 order by submitted_at desc, id desc offset $2 limit 1`,
    [tenant.tenantId, depth - 1],
  );
  return { submittedAt: row!.submitted_at, id: row!.id };
}

function figures(label: string, result: LoadResult): Figure[] {
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${label}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
  return [
    printFigure({ label: `${label} throughput`, value: result.requestsPerSecond, unit: 'req/s' }),
    printFigure({ label: `${label} p50`, value: result.p50, unit: 'ms' }),
    printFigure({ label: `${label} p99`, value: result.p99, unit: 'ms' }),
  ];
}

/** Writes EXPLAIN ANALYZE of every statement Vigil sends for one page, and says whether any scans a table whole. */
async function explainPlans(bench: BenchVigil, token: string, name: string): Promise<string> {
  const statements: { sql: string; params: readonly unknown[] }[] = [];
  const stop = bench.vigil.database.onQuery((sql, params) => statements.push({ sql, params }));
  await fetch(bench.vigil.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: PAGE }),
  });
  stop();
  const plans: string[] = [];
  for (const statement of statements.filter((entry) => /^select/i.test(entry.sql))) {
    const rows = await bench.raw.query<Record<string, string>>(`explain (analyze, buffers, costs off) ${statement.sql}`, [...statement.params]);
    plans.push(`-- ${statement.sql}\n${rows.map((row) => Object.values(row)[0]).join('\n')}\n`);
  }
  const text = plans.join('\n');
  await mkdir(new URL('./plans/', import.meta.url), { recursive: true });
  await writeFile(new URL(`./plans/${name}.txt`, import.meta.url), text);
  const sequential = /Seq Scan on (commands|users|servers|api_tokens)\b/.test(text);
  process.stdout.write(`  plans of ${name}: ${sequential ? 'SEQUENTIAL SCAN found' : 'index scans only'} (bench/plans/${name}.txt)\n`);
  return sequential ? `${name}: a sequential scan (see bench/plans/${name}.txt)` : `${name}: index scans only (bench/plans/${name}.txt)`;
}

export async function benchScopedReads(options: BenchOptions): Promise<BenchmarkResult> {
  const [small, large] = size(options, [20_000, 100_000], [100_000, 1_000_000]);
  const seconds = size(options, 3, 10);
  const connections = 32;
  process.stdout.write(
    `\n2. Scoped reads: page of 100 commands, ${connections} clients, ${seconds} s each, ${small.toLocaleString('en-US')} then ${large.toLocaleString('en-US')} commands\n`,
  );
  const bench = await startBenchVigil(options);
  const baseline = { server: undefined as Server | undefined };
  try {
    const tenant = await createBenchTenant(bench.vigil, 'reads', 200, 20);
    await generateCommands(bench.raw, tenant, small);
    const base = await startBaseline(bench, tenant);
    baseline.server = base.server;
    // Each load is timed after an untimed second of the same requests: steady state on both sides
    // (V8's compilation, the operation's compiled execution, prepared statements on each connection).
    const warmedLoad = async (options: Parameters<typeof load>[0]) => {
      await load({ ...options, seconds: WARM_UP_SECONDS });
      return load(options);
    };
    const vigilLoad = (token: string, after?: string) =>
      warmedLoad({
        url: bench.vigil.graphqlUrl,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: PAGE, variables: { after: after ?? null } }),
        connections,
        seconds,
      });
    const baselineLoad = (token: string, query = '') =>
      warmedLoad({ url: `${base.url}${query}`, headers: { authorization: `Bearer ${token}` }, connections, seconds });

    const all: Figure[] = [];
    const comparisons: Comparison[] = [];
    for (const [who, token] of [
      ['user', tenant.userToken],
      ['admin', tenant.adminToken],
    ] as const) {
      const [vigilRps, , vigilP99] = figures(`Vigil ${who} page`, await vigilLoad(token));
      const [baseRps, , baseP99] = figures(`baseline ${who} page`, await baselineLoad(token));
      all.push(vigilRps!, vigilP99!, baseRps!, baseP99!);
      comparisons.push(compare(`${who} page throughput`, vigilRps!, baseRps!, { ratioAtLeast: 0.6, description: '>= 0.60' }));
      comparisons.push(compare(`${who} page p99`, vigilP99!, baseP99!, { ratioAtMost: 2, description: '<= 2.00' }));
    }

    const notes = [await explainPlans(bench, tenant.userToken, 'user-first-page'), await explainPlans(bench, tenant.adminToken, 'admin-first-page')];
    const [smallAdmin] = figures(`Vigil admin page, ${small.toLocaleString('en-US')} rows`, await vigilLoad(tenant.adminToken));
    await generateCommands(bench.raw, tenant, large - small, small);
    const [largeAdmin] = figures(`Vigil admin page, ${large.toLocaleString('en-US')} rows`, await vigilLoad(tenant.adminToken));
    const deep = await deepCursor(bench, tenant, 10_000);
    const [deepAdmin] = figures('Vigil admin page 10,000 rows deep', await vigilLoad(tenant.adminToken, encodeCursor([deep.submittedAt, deep.id])));
    const [deepBaseline] = figures(
      'baseline admin page 10,000 rows deep',
      await baselineLoad(tenant.adminToken, `?beforeTime=${encodeURIComponent(deep.submittedAt)}&beforeId=${deep.id}`),
    );
    notes.push(await explainPlans(bench, tenant.userToken, 'user-first-page-large'));
    all.push(smallAdmin!, largeAdmin!, deepAdmin!, deepBaseline!);
    comparisons.push(compare('admin page, large table vs small', largeAdmin!, smallAdmin!, { ratioAtLeast: 0.8, description: '>= 0.80 (flat)' }));
    comparisons.push(compare('admin page, 10,000 deep vs first', deepAdmin!, largeAdmin!, { ratioAtLeast: 0.8, description: '>= 0.80 (flat)' }));
    notes.push(
      `Each load (${connections} clients, ${seconds} s) is timed after ${WARM_UP_SECONDS} s of the same requests untimed, on Vigil and on the baseline alike.`,
    );
    return { benchmark: 'scoped reads', figures: all, comparisons, notes };
  } finally {
    baseline.server?.close();
    await bench.close();
  }
}
