/**
 * Tenants, people, servers and agents for the benchmarks, made through Vigil's own services, and
 * bulk records made with generate_series (Vigil's ingestion is what bench/ingestion.ts measures;
 * the read, export and verification benchmarks only need rows to be there, fast).
 */
import { createAgentToken, createUserToken } from '../../server/identity/api-tokens.js';
import { registerServer } from '../../server/identity/servers.js';
import { createTenant } from '../../server/identity/tenants.js';
import { createUser } from '../../server/identity/users.js';
import { systemClock } from '../../server/clock.js';
import { inTransaction, type ServiceContext } from '../../server/service-context.js';
import type { RunningVigil } from '../../server/vigil.js';
import type { RawSql } from './raw-sql.js';

export interface BenchTenant {
  readonly tenantId: string;
  readonly adminToken: string;
  readonly userIds: string[];
  readonly userEmails: string[];
  /** A token of the first regular user (the admin's when there are none). */
  readonly userToken: string;
  readonly serverIds: string[];
  readonly agentTokens: string[];
}

export async function createBenchTenant(vigil: RunningVigil, slug: string, people: number, servers: number): Promise<BenchTenant> {
  const db = vigil.database.db;
  const tenant = await db.transaction((tx) => createTenant(tx, { slug, name: slug }));
  const ctx: ServiceContext = { db, clock: systemClock, actor: { type: 'system', tenantId: tenant.id, name: 'bench' } };
  const created = await inTransaction(ctx, async (tx) => {
    const admin = await createUser(tx, { email: `admin@${slug}.bench`, role: 'admin' });
    const adminToken = (await createUserToken(tx, { userId: admin.id, name: 'bench' })).token;
    const userIds: string[] = [];
    const userEmails: string[] = [];
    for (let index = 0; index < people; index++) {
      const user = await createUser(tx, { email: `user${index}@${slug}.bench` });
      userIds.push(user.id);
      userEmails.push(user.email);
    }
    const userToken = userIds[0] ? (await createUserToken(tx, { userId: userIds[0], name: 'bench' })).token : adminToken;
    const serverIds: string[] = [];
    const agentTokens: string[] = [];
    for (let index = 0; index < servers; index++) {
      const server = await registerServer(tx, { name: `srv-${index}`, hostname: `srv${index}.${slug}.bench` });
      serverIds.push(server.id);
      agentTokens.push((await createAgentToken(tx, { serverId: server.id, name: 'bench' })).token);
    }
    return { tenantId: tenant.id, adminToken, userIds, userEmails, userToken, serverIds, agentTokens };
  });
  // Writers are answered at commit: the fixture's own audit entries are numbered and in the log
  // before a benchmark reads the chain head or writes rows of its own around the sequencer.
  await vigil.log.whenIdle();
  return created;
}

/**
 * Adds `count` commands spread over the tenant's users and servers, one second apart going back
 * from `newestSecondsAgo`, in chunks so progress shows.
 */
export async function generateCommands(raw: RawSql, tenant: BenchTenant, count: number, firstIndex = 0): Promise<void> {
  const chunk = 100_000;
  for (let done = 0; done < count; done += chunk) {
    const rows = Math.min(chunk, count - done);
    await raw.query(
      `insert into commands (tenant_id, id, event_id, server_id, shell, line, result, operator_user_id, status, exit_code,
                             verification, submitted_at, started_at, finished_at, last_update_at)
       select $1::uuid, gen_random_uuid(), 'gen-' || (i + $5), ($2::uuid[])[1 + (i % array_length($2::uuid[], 1))], 'system',
              'tail -n 100 /var/log/app' || (i % 977) || '.log', 'ok', ($3::uuid[])[1 + (i % array_length($3::uuid[], 1))],
              case when i % 10 = 0 then 'failed' else 'success' end, case when i % 10 = 0 then 1 else 0 end, 'verified',
              now() - make_interval(secs => i + $5), now() - make_interval(secs => i + $5) + interval '1 second',
              now() - make_interval(secs => i + $5) + interval '3 seconds', now()
       from generate_series(1, $4::int) as i`,
      [tenant.tenantId, tenant.serverIds, tenant.userIds, rows, firstIndex + done],
    );
    if (count > chunk) process.stdout.write(`    generated ${(done + rows).toLocaleString('en-US')} / ${count.toLocaleString('en-US')} commands\n`);
  }
  await raw.query('analyze commands');
}
