/**
 * The event stream at size (issue 23: throughput on PostgreSQL ≥ 0.50 of a raw keyset read of the
 * same rows): one tenant's log of 200,000 leaves (20,000 quick), made as bench/log-verification.ts
 * makes it, then read whole
 * 1. by an admin through GET /events, one follow-less request (it streams to the end of the log,
 *    reading a window of 5,000 positions at a time), against the baseline: a plain node:http handler
 *    that authenticates the same token (hash lookup) and serves the keyset read of the same
 *    log_leaves rows, 5,000 at a time, as NDJSON. Both are read by the same client code, which
 *    JSON.parses every line as a consumer would. This is the ratio held to the target;
 * 2. the same, page by page (`first=5000`, resuming from each page's endCursor), on both sides;
 * 3. through the GraphQL eventStream query page by page, in the largest page the default
 *    VIGIL_GRAPHQL_MAX_COST lets a query select every field of (1,000 events);
 * 4. by a regular user through GET /events: the same positions read, only their own rows returned.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeChunks } from '../server/export/stream-rows.js';
import { buildLog } from './log-verification.js';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, printFigure, type BenchmarkResult, type Figure } from './support/report.js';
import { baselineCaller } from './support/baseline-caller.js';

/** The stream's window and largest page (server/events/read-event-stream.ts), so the baseline reads in the same steps. */
const PAGE = 5000;
/** The largest eventStream page whose full selection stays within the default VIGIL_GRAPHQL_MAX_COST (25,000). */
const GRAPHQL_PAGE = 1000;
/** Alternated rounds of the main pair; the best of each side counts. */
const ROUNDS = 2;

const KEYSET_SQL = `select idx, kind, record_id, leaf, leaf_hash from log_leaves
  where tenant_id = $1 and idx > $2 and idx is not null order by idx limit $3`;

interface LeafRow {
  idx: string;
  kind: string;
  record_id: string;
  leaf: string | null;
  leaf_hash: Buffer;
}

/** What one whole read took and brought. */
interface Read {
  readonly events: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** One NDJSON response read to its end, every line parsed: events counted, and the closing cursor line. */
async function readNdjson(url: string, token: string): Promise<{ events: number; bytes: number; endCursor: string; hasMore: boolean }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  let events = 0;
  let bytes = 0;
  let rest = '';
  let end: { endCursor?: string; hasMore?: boolean } = {};
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const parsed = JSON.parse(line) as { endCursor?: string; hasMore?: boolean };
      if ('endCursor' in parsed) end = parsed;
      else events++;
    }
  }
  if (rest || end.endCursor === undefined) throw new Error(`${url}: the response did not end with a cursor line`);
  return { events, bytes, endCursor: end.endCursor, hasMore: end.hasMore === true };
}

/** The whole log from `url`: in one request, or in requests of `first` events, each resuming from the last endCursor. */
async function readWhole(url: string, token: string, first?: number): Promise<Read> {
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  for (let after: string | undefined; ;) {
    const query = new URLSearchParams({ ...(first ? { first: String(first) } : {}), ...(after ? { after } : {}) });
    const page = await readNdjson(`${url}?${query}`, token);
    events += page.events;
    bytes += page.bytes;
    if (!first || !page.hasMore) break;
    after = page.endCursor;
  }
  return { events, bytes, seconds: (performance.now() - started) / 1000 };
}

const EVENT_STREAM = `query($after: String, $first: Int) { eventStream(after: $after, first: $first) {
  nodes { position cursor leafHash kind recordId type category severity outcome time actor { type id email name } serverId record }
  endCursor hasMore } }`;

/** The whole log through the eventStream query, page by page. */
async function readGraphQL(bench: BenchVigil, token: string): Promise<Read> {
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  for (let after: string | null = null; ;) {
    const response = await fetch(bench.vigil.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: EVENT_STREAM, variables: { after, first: GRAPHQL_PAGE } }),
    });
    const text = await response.text();
    bytes += Buffer.byteLength(text);
    const body = JSON.parse(text) as { errors?: unknown; data?: { eventStream: { nodes: unknown[]; endCursor: string; hasMore: boolean } } };
    if (body.errors || !body.data) throw new Error(`eventStream failed: ${JSON.stringify(body.errors)}`);
    events += body.data.eventStream.nodes.length;
    if (!body.data.eventStream.hasMore) break;
    after = body.data.eventStream.endCursor;
  }
  return { events, bytes, seconds: (performance.now() - started) / 1000 };
}

/** A baseline row as one NDJSON line: its columns, with the leaf text (JSON already) as the value it holds. */
function leafLine(row: LeafRow): string {
  const head = JSON.stringify({ position: Number(row.idx), kind: row.kind, recordId: row.record_id, leafHash: row.leaf_hash.toString('hex') });
  return `${head.slice(0, -1)},"leaf":${row.leaf ?? 'null'}}\n`;
}

/**
 * The baseline over HTTP: authenticate the bearer token as Vigil does (hash lookup; admins only),
 * then the keyset read of the tenant's placed leaves after `after` (a position), PAGE rows at a
 * time (up to `first` in all), as NDJSON, writing as the client reads; then an endCursor line.
 */
async function startBaseline(bench: BenchVigil, tenant: BenchTenant): Promise<{ url: string; server: Server }> {
  const server = createServer(
    (request, response) =>
      void (async () => {
        try {
          const auth = await baselineCaller(bench.raw, tenant.tenantId, request.headers.authorization);
          if (auth?.role !== 'admin') {
            response.writeHead(403).end();
            return;
          }
          const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
          let after = Number(params.get('after') ?? -1);
          let remaining = Number(params.get('first') ?? Infinity);
          response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
          await writeChunks(
            response,
            (async function* () {
              for (;;) {
                const limit = Math.min(PAGE, remaining);
                const rows = await bench.raw.query<LeafRow>(KEYSET_SQL, [tenant.tenantId, after, limit]);
                remaining -= rows.length;
                if (rows.length > 0) {
                  after = Number(rows.at(-1)!.idx);
                  yield rows.map(leafLine).join('');
                }
                if (rows.length < limit || remaining === 0) {
                  yield `${JSON.stringify({ endCursor: String(after), hasMore: rows.length === limit })}\n`;
                  return;
                }
              }
            })(),
          );
        } catch (error) {
          if (response.headersSent) response.destroy();
          else response.writeHead(500).end(String(error));
        }
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, server };
}

/** events/s, MB/s and seconds of a read, printed. */
function readFigures(label: string, read: Read): { rate: Figure; megabytes: Figure; seconds: Figure } {
  return {
    rate: printFigure({ label, value: read.events / read.seconds, unit: 'events/s' }),
    megabytes: printFigure({ label: `${label}, bytes`, value: read.bytes / 1e6 / read.seconds, unit: 'MB/s' }),
    seconds: printFigure({ label: `${label}, ${read.events.toLocaleString('en-US')} events`, value: read.seconds, unit: 's' }),
  };
}

/** The placed leaves that still hold their text: the events an admin reads. */
async function countEvents(bench: BenchVigil, tenantId: string): Promise<number> {
  const [row] = await bench.raw.query<{ placed: string }>(
    'select count(*) as placed from log_leaves where tenant_id = $1 and idx is not null and leaf is not null',
    [tenantId],
  );
  return Number(row!.placed);
}

const fastest = (reads: readonly Read[]) => reads.reduce((best, read) => (read.seconds < best.seconds ? read : best));

export async function benchEventStream(options: BenchOptions): Promise<BenchmarkResult> {
  const leaves = size(options, 20_000, 200_000);
  process.stdout.write(`\n10. Event stream: a log of ${leaves.toLocaleString('en-US')} leaves read whole\n`);
  const bench = await startBenchVigil(options);
  let baselineServer: Server | undefined;
  try {
    const tenant = await createBenchTenant(bench.vigil, 'events', 20, 8);
    const built = await buildLog(bench, tenant, leaves);
    process.stdout.write(
      `    written in ${built.writeSeconds.toFixed(1)} s; sequenced and signed ${built.sequenceSeconds.toFixed(1)} s after the last write\n`,
    );
    const expected = await countEvents(bench, tenant.tenantId);
    const baseline = await startBaseline(bench, tenant);
    baselineServer = baseline.server;
    const events = `${bench.vigil.baseUrl}/events`;
    const checked = (name: string, read: Read): Read => {
      if (read.events !== expected) throw new Error(`${name} read ${read.events} events, expected ${expected}`);
      return read;
    };

    // 1. One request each, alternated, after an untimed read of each so neither pays for a cold cache alone.
    await readWhole(baseline.url, tenant.adminToken);
    await readWhole(events, tenant.adminToken);
    const vigilReads: Read[] = [];
    const baselineReads: Read[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      vigilReads.push(checked('GET /events', await readWhole(events, tenant.adminToken)));
      baselineReads.push(checked('the baseline', await readWhole(baseline.url, tenant.adminToken)));
    }
    const vigil = readFigures('Vigil GET /events, admin, one request', fastest(vigilReads));
    const raw = readFigures('baseline keyset read as NDJSON, one request', fastest(baselineReads));

    // 2. Page by page.
    const vigilPaged = readFigures(
      `Vigil GET /events, admin, pages of first=${PAGE}`,
      checked('GET /events paged', await readWhole(events, tenant.adminToken, PAGE)),
    );
    const rawPaged = readFigures(
      `baseline keyset read as NDJSON, pages of ${PAGE}`,
      checked('the baseline paged', await readWhole(baseline.url, tenant.adminToken, PAGE)),
    );

    // 3. GraphQL, page by page.
    const graphql = readFigures(
      `Vigil eventStream query, admin, pages of ${GRAPHQL_PAGE}`,
      checked('eventStream', await readGraphQL(bench, tenant.adminToken)),
    );

    // 4. A regular user: every position is read, their own rows come back.
    const userRead = await readWhole(events, tenant.userToken);
    const user = readFigures('Vigil GET /events, regular user (own rows), one request', userRead);
    const userPositions = printFigure({
      label: 'Vigil GET /events, regular user, log positions read',
      value: expected / userRead.seconds,
      unit: 'positions/s',
    });

    return {
      benchmark: 'event stream',
      figures: [
        ...Object.values(vigil),
        ...Object.values(raw),
        ...Object.values(vigilPaged),
        ...Object.values(rawPaged),
        ...Object.values(graphql),
        ...Object.values(user),
        userPositions,
      ],
      comparisons: [
        compare('event stream vs raw keyset read', vigil.rate, raw.rate, { ratioAtLeast: 0.5, description: '>= 0.50' }),
        compare(`event stream vs raw keyset read, pages of ${PAGE}`, vigilPaged.rate, rawPaged.rate, { description: 'for reference' }),
        compare(`eventStream query (pages of ${GRAPHQL_PAGE}) vs raw keyset read`, graphql.rate, raw.rate, { description: 'for reference' }),
        compare('event stream, regular user vs admin, whole log', user.seconds, vigil.seconds, {
          description: 'for reference (time; the user gets their own rows)',
        }),
      ],
      notes: [
        `A tenant of ${expected.toLocaleString('en-US')} placed leaves made as in the verifiable log benchmark (600 commands, 200 system log lines, 199 file transfers and one audit entry per transaction, on Vigil's connections, ${built.writeSeconds.toFixed(1)} s; sequenced ${built.sequenceSeconds.toFixed(1)} s after the last write), then VACUUM ANALYZE; 20 regular users, each operating 1/20 of the commands and transfers.`,
        `Every read is over HTTP from the same process, by one client that reads the body as it comes and JSON.parses every line (the GraphQL pages whole). The baseline authenticates the same admin token by hash lookup and serves \`${KEYSET_SQL.replace(/\s+/g, ' ')}\` (${PAGE.toLocaleString('en-US')} rows a time, raw postgres.js client) as one NDJSON line per row, its leaf text inlined as JSON, writing as the socket drains as Vigil does. The one-request pair: the faster of ${ROUNDS} alternated runs each, after an untimed read of each.`,
        `The regular user's read passes every position of the log (a window of ${PAGE.toLocaleString('en-US')} per read) and gets ${userRead.events.toLocaleString('en-US')} events.`,
      ],
    };
  } finally {
    baselineServer?.close();
    await bench.close();
  }
}
