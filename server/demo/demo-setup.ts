/**
 * The morning the team set the tenant up: Vigil (as the `demo` system actor, the way the CLI
 * creates users) adds the people, in the transaction that first checks, under the tenant's lock,
 * that the tenant holds nothing else, so two demos started at once cannot both fill it; then
 * Maya, the first admin, registers the servers and their agents' tokens, the approval policies,
 * the notification channels and the alert rules, a few seconds apart, each through its service.
 */
import { and, count, eq, notInArray } from 'drizzle-orm';
import { createAlertRule } from '../alerts/alert-rules.js';
import { createApprovalPolicy } from '../approvals/approval-policies.js';
import { createChannel } from '../channels/channels.js';
import type { Executor } from '../db/database.js';
import { servers, users } from '../db/tables/index.js';
import { Conflict } from '../errors.js';
import { createAgentToken } from '../identity/api-tokens.js';
import { registerServer } from '../identity/servers.js';
import { lockTenant } from '../identity/tenants.js';
import { createUser } from '../identity/users.js';
import { inTransaction } from '../service-context.js';
import { alertRules, CHANNELS, PEOPLE, POLICIES, serverLabels, SERVERS } from './demo-cast.js';
import type { DemoWorld } from './demo-world.js';

/** What a tenant already holds, apart from `exceptUserIds`: any of it makes the demo refuse. */
export async function tenantHoldings(db: Executor, tenantId: string, exceptUserIds: readonly string[] = []): Promise<{ users: number; servers: number }> {
  const [userCount] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), exceptUserIds.length > 0 ? notInArray(users.id, [...exceptUserIds]) : undefined));
  const [serverCount] = await db.select({ n: count() }).from(servers).where(eq(servers.tenantId, tenantId));
  return { users: userCount?.n ?? 0, servers: serverCount?.n ?? 0 };
}

/** The refusal, naming what the tenant holds. */
export function refusalOf(tenant: string, held: { users: number; servers: number }): Conflict | null {
  if (held.users + held.servers === 0) return null;
  const what = [
    held.users ? `${held.users} ${held.users === 1 ? 'user' : 'users'}` : '',
    held.servers ? `${held.servers} ${held.servers === 1 ? 'server' : 'servers'}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return new Conflict(
    `Tenant ${tenant} already holds ${what}: demo data goes only into an empty tenant, so it never mixes with real records. Nothing was written; name a new tenant (--tenant ${tenant}-demo).`,
    {
      users: held.users,
      servers: held.servers,
    },
  );
}

const STEP_MS = 20_000;

export async function setUpTenant(world: DemoWorld, tenantSlug: string, existingUserIds: readonly string[]): Promise<void> {
  await inTransaction(world.system(), async (tx) => {
    await lockTenant(tx.db, world.tenantId);
    const refusal = refusalOf(tenantSlug, await tenantHoldings(tx.db, world.tenantId, existingUserIds));
    if (refusal) throw refusal;
    for (const person of PEOPLE) {
      const row = await createUser(tx, {
        email: person.email,
        name: person.name,
        role: person.role,
        groups: [...person.groups],
        permissions: [...person.permissions],
      });
      world.people.set(person.key, row);
    }
  });
  const tick = () => world.moveTo(new Date(world.clock.now().getTime() + STEP_MS));
  for (const demo of SERVERS) {
    tick();
    await inTransaction(world.as('maya'), async (tx) => {
      const row = await registerServer(tx, { name: demo.name, hostname: demo.hostname, os: demo.os, ipAddress: demo.ip, labels: serverLabels(demo) });
      const { row: token } = await createAgentToken(tx, { serverId: row.id, name: `agent ${demo.name}` });
      world.servers.set(demo.name, { row, agentTokenId: token.id });
    });
  }
  for (const policy of POLICIES) {
    tick();
    const row = await inTransaction(world.as('maya'), (tx) => createApprovalPolicy(tx, policy));
    world.policies.set(row.name, row.id);
  }
  const channelIds = new Map<string, string>();
  for (const channel of CHANNELS) {
    tick();
    const row = await inTransaction(world.as('maya'), (tx) => createChannel(tx, world.services, channel));
    channelIds.set(row.name, row.id);
  }
  for (const rule of alertRules(channelIds)) {
    tick();
    const row = await inTransaction(world.as('tom'), (tx) => createAlertRule(tx, rule));
    world.rules.set(row.name, row.id);
  }
}
