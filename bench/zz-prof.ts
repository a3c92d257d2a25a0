import { Session } from 'node:inspector/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { startBenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, generateCommands } from './support/fixtures.js';
import { load } from './support/http-load.js';
const PAGE = process.env.QUERY ?? `query Page($after: String) { commands(first: 100, after: $after) { nodes { id line status submittedAt server { name } operator { email } } } }`;
const bench = await startBenchVigil({ postgresUrl: process.env.BENCH_DATABASE_URL, quick: true } as never);
const tenant = await createBenchTenant(bench.vigil, 'reads', 200, 20);
await generateCommands(bench.raw, tenant, 20000);
const who = process.env.WHO === 'admin' ? tenant.adminToken : tenant.userToken;
const run = (seconds: number) => load({ url: bench.vigil.graphqlUrl, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${who}` }, body: JSON.stringify({ query: PAGE, variables: { after: null } }), connections: 32, seconds });
await run(3);
const cpuTicks = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
const t0 = cpuTicks(); const c0 = process.cpuUsage(); const w0 = performance.now();
let stmts = 0; const stop = bench.vigil.database.onQuery(() => stmts++);
const session = new Session(); session.connect();
if (process.env.HEAP) { await session.post('HeapProfiler.enable'); await session.post('HeapProfiler.startSampling', { samplingInterval: 4096 }); }
if (process.env.PROF) { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 }); await session.post('Profiler.start'); }
const r = await run(5);
if (process.env.HEAP) { const { profile } = await session.post('HeapProfiler.stopSampling'); writeFileSync('/tmp/page.heapprofile', JSON.stringify(profile)); }
if (process.env.PROF) { const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/page.cpuprofile', JSON.stringify(profile)); }
stop();
const wall = (performance.now() - w0) / 1000; const c = process.cpuUsage(c0); const t1 = cpuTicks();
const d = t1.map((v, i) => v - t0[i]!); const total = d.reduce((a, b) => a + b, 0); const idle = d[3]! + d[4]!;
console.log(JSON.stringify({ rps: r.requestsPerSecond, p99: r.p99, nodeCpuPct: ((c.user + c.system) / 1e6 / wall) * 100, machineBusyPct: ((total - idle) / total) * 200, stmtsPerReq: stmts / (r.requestsPerSecond * 5) }));
await bench.close();
