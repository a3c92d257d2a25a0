/**
 * Session authorization in the login path (issue 24: p99 under 20 ms on PostgreSQL, one agent asking): an agent asks
 * `authorizeSession` for people about to get a shell, one request at a time and 8 at once, over
 * HTTP with its agent token. The tenant has one policy that requires an access session on every
 * server; half its 50 people hold one in force. Each answer is a recorded check (a row, its leaf
 * and an audit entry). Baseline: a plain node:http handler that authenticates the same agent token
 * (hash lookup), reads the person and their access session in force, and inserts the check row.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApprovalPolicy } from '../server/approvals/approval-policies.js';
import { systemClock } from '../server/clock.js';
import { inTransaction } from '../server/service-context.js';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { latencies, latencyFigures } from './support/latency.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, compareToTarget, type BenchmarkResult } from './support/report.js';

const PEOPLE = 50;
const SERVERS = 4;

const AUTHORIZE = `mutation($input: AuthorizeSessionInput!) { authorizeSession(input: $input) { isAllowed decision reason accessSessionId allowedUntil } }`;

/** Half the people get an access session in force on every server (rows written directly: the bench measures the checks). */
async function grantAccess(bench: BenchVigil, tenant: BenchTenant): Promise<void> {
  await bench.raw.query(
    `insert into access_sessions (tenant_id, id, requester_id, server_ids, reason, status, requested_at, starts_at, expires_at)
     select $1, gen_random_uuid(), u, $2::uuid[], 'bench', 'active', now(), now() - interval '1 minute', now() + interval '1 day'
     from unnest($3::uuid[]) as u`,
    [tenant.tenantId, tenant.serverIds, tenant.userIds.slice(0, PEOPLE / 2)],
  );
}

/** The baseline: the agent token looked up, the person and their session in force read, the check row written. */
async function startBaseline(bench: BenchVigil, tenant: BenchTenant): Promise<{ url: string; server: Server }> {
  const server = createServer(
    (request, response) =>
      void (async () => {
        try {
          const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
          const [agent] = await bench.raw.query<{ server_id: string }>(
            'select server_id from api_tokens where tenant_id = $1 and token_hash = $2 and revoked_at is null',
            [tenant.tenantId, createHash('sha256').update(token).digest('hex')],
          );
          if (!agent) {
            response.writeHead(401).end();
            return;
          }
          const email = new URL(request.url ?? '/', 'http://localhost').searchParams.get('user') ?? '';
          const [user] = await bench.raw.query<{ id: string }>('select id from users where tenant_id = $1 and lower(email) = lower($2)', [
            tenant.tenantId,
            email,
          ]);
          const [session] = await bench.raw.query<{ id: string; expires_at: Date }>(
            `select id, expires_at from access_sessions where tenant_id = $1 and requester_id = $2 and status in ('approved', 'active')
             and starts_at <= now() and expires_at > now() and $3::uuid = any(server_ids) order by expires_at desc limit 1`,
            [tenant.tenantId, user?.id, agent.server_id],
          );
          await bench.raw.query(
            `insert into session_checks (tenant_id, id, server_id, user_id, user_ref, source, decision, reason, access_session_id, checked_at)
             values ($1, gen_random_uuid(), $2, $3, $4, 'shell_cli', $5, $6, $7, now())`,
            [
              tenant.tenantId,
              agent.server_id,
              user?.id ?? null,
              email,
              session ? 'allowed' : 'denied',
              session ? 'access_session' : 'no_access_session',
              session?.id ?? null,
            ],
          );
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ isAllowed: Boolean(session), accessSessionId: session?.id ?? null }));
        } catch (error) {
          response.writeHead(500).end(String(error));
        }
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

export async function benchSessionAuthorization(options: BenchOptions): Promise<BenchmarkResult> {
  const checks = size(options, 500, 2000);
  process.stdout.write(`\n11. Session authorization: ${checks.toLocaleString('en-US')} checks, one at a time and 8 at once\n`);
  const bench = await startBenchVigil(options);
  let baselineServer: Server | undefined;
  try {
    const tenant = await createBenchTenant(bench.vigil, 'sessions', PEOPLE, SERVERS);
    await inTransaction({ db: bench.vigil.database.db, clock: systemClock, actor: { type: 'system', tenantId: tenant.tenantId, name: 'bench' } }, (tx) =>
      createApprovalPolicy(tx, { name: 'Every shell needs access', requestKinds: ['access'], isAccessSessionRequired: true }),
    );
    await grantAccess(bench, tenant);
    const baseline = await startBaseline(bench, tenant);
    baselineServer = baseline.server;
    const person = (index: number) => tenant.userEmails[index % PEOPLE]!;
    const agentToken = (index: number) => tenant.agentTokens[index % SERVERS]!;
    let allowed = 0;
    const viaVigil = async (index: number) => {
      const response = await fetch(bench.vigil.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${agentToken(index)}` },
        body: JSON.stringify({ query: AUTHORIZE, variables: { input: { user: person(index), source: 'SHELL_CLI' } } }),
      });
      const body = (await response.json()) as { errors?: unknown; data?: { authorizeSession: { isAllowed: boolean } } };
      if (body.errors || !body.data) throw new Error(`authorizeSession failed: ${JSON.stringify(body.errors)}`);
      if (body.data.authorizeSession.isAllowed) allowed++;
    };
    const viaBaseline = async (index: number) => {
      const response = await fetch(`${baseline.url}?user=${encodeURIComponent(person(index))}`, { headers: { authorization: `Bearer ${agentToken(index)}` } });
      if (response.status !== 200) throw new Error(`baseline answered ${response.status}`);
      await response.json();
    };
    const one = await latencies(checks, 1, 100, viaVigil);
    const oneBaseline = await latencies(checks, 1, 100, viaBaseline);
    const eight = await latencies(checks, 8, 0, viaVigil);
    const eightBaseline = await latencies(checks, 8, 0, viaBaseline);
    if (allowed === 0 || allowed === 2 * checks + 100) throw new Error(`expected some checks allowed and some refused, got ${allowed} allowed`);

    const [oneP50, oneP99] = latencyFigures('Vigil authorizeSession over HTTP, one agent', one);
    const [baseP50, baseP99] = latencyFigures('baseline check over HTTP, one agent', oneBaseline);
    const [eightP50, eightP99] = latencyFigures('Vigil authorizeSession over HTTP, 8 at once', eight);
    const [eightBaseP50, eightBaseP99] = latencyFigures('baseline check over HTTP, 8 at once', eightBaseline);
    return {
      benchmark: 'session authorization',
      figures: [oneP50, oneP99, baseP50, baseP99, eightP50, eightP99, eightBaseP50, eightBaseP99],
      comparisons: [
        compareToTarget('authorizeSession over HTTP, p99', oneP99, { atMost: 20, description: '< 20 ms' }),
        compare('authorizeSession vs a raw check, over HTTP p99', oneP99, baseP99, { description: 'for reference' }),
        compare('authorizeSession vs a raw check, 8 at once, p99', eightP99, eightBaseP99, {
          description: 'for reference (one tenant: checks take turns on its audit chain)',
        }),
      ],
      notes: [
        `${PEOPLE} people and ${SERVERS} servers; one enabled policy requires an access session on every server; half the people hold one in force (rows written directly). Checks alternate people and servers: about half are allowed, half refused. Each answer writes a session_check row (its leaf queued by the table's trigger) and a session.checked audit entry in one transaction.`,
        'The baseline authenticates the agent token by hash lookup, reads the person and their access session in force with the raw postgres.js client and inserts the check row (no leaf: its connection is not one of Vigil’s), answering JSON.',
        `${checks.toLocaleString('en-US')} timed checks each way after 100 untimed; "8 at once" runs 8 clients until the same number is done.`,
      ],
    };
  } finally {
    baselineServer?.close();
    await bench.close();
  }
}
