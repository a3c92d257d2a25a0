/**
 * The demo tenant while its week is written: the clock every service reads (moved step by step
 * through the week, never back, never past the real now), the rows the plan's names stand for,
 * and the service contexts of its people, agents and Vigil itself.
 */
import type { AgentActor, RequestChannel } from '../auth/actor.js';
import { userActorOf } from '../auth/actor.js';
import { ManualClock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { ServerRow, UserRow } from '../db/tables/index.js';
import type { Logger } from '../logger.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ServiceContext } from '../service-context.js';
import { personOf, serverOf, type PersonKey } from './demo-cast.js';

/** What the demo needs of the running installation. */
export interface DemoServices {
  readonly db: Database;
  readonly logger: Logger;
  /** Seals the demo channels' secrets, as the API would. */
  readonly secretBox: SecretBox;
  readonly outbound: OutboundPolicy;
  readonly records: Config['records'];
}

export class DemoWorld {
  readonly clock: ManualClock;
  readonly people = new Map<PersonKey, UserRow>();
  readonly servers = new Map<string, { row: ServerRow; agentTokenId: string }>();
  /** Names in the plan → ids: requests (approvals), access sessions, tokens, sudo grants, policies, alert rules. */
  readonly approvals = new Map<string, string>();
  readonly accessSessions = new Map<string, string>();
  readonly tokens = new Map<string, string>();
  readonly grants = new Map<string, string>();
  readonly policies = new Map<string, string>();
  readonly rules = new Map<string, string>();
  private requests = 0;

  constructor(
    readonly services: DemoServices,
    readonly tenantId: string,
    start: Date,
  ) {
    this.clock = new ManualClock(start);
  }

  get db(): Database {
    return this.services.db;
  }

  /** Moves the clock to `at`: forward only, as the plan is ordered. */
  moveTo(at: Date): void {
    if (at < this.clock.now()) throw new Error(`The demo's clock would go back from ${this.clock.now().toISOString()} to ${at.toISOString()}`);
    this.clock.set(at);
  }

  private nextRequestId(): string {
    this.requests += 1;
    return `demo-${this.requests}`;
  }

  /** Vigil itself, as the CLI acts (`demo`). */
  system(): ServiceContext {
    return { db: this.db, clock: this.clock, actor: { type: 'system', tenantId: this.tenantId, name: 'demo' }, request: { requestId: this.nextRequestId() } };
  }

  /** A person acting from the web app, the API, or a chat (Slack). */
  as(key: PersonKey, channel: RequestChannel = 'web'): ServiceContext {
    const row = this.people.get(key);
    if (!row) throw new Error(`The demo has no user ${key} yet`);
    const person = personOf(key);
    const request =
      channel === 'slack'
        ? { requestId: this.nextRequestId(), channel, chatUserId: `U0${key.toUpperCase().padEnd(8, 'X')}` }
        : { requestId: this.nextRequestId(), channel, clientIp: person.ip, userAgent: person.userAgent };
    return { db: this.db, clock: this.clock, actor: userActorOf(row), request };
  }

  /** The agent of `server`, with its token. */
  agent(server: string): ServiceContext & { actor: AgentActor } {
    const found = this.servers.get(server);
    if (!found) throw new Error(`The demo has no server ${server} yet`);
    const actor: AgentActor = { type: 'agent', tenantId: this.tenantId, tokenId: found.agentTokenId, serverId: found.row.id };
    return {
      db: this.db,
      clock: this.clock,
      actor,
      request: { requestId: this.nextRequestId(), clientIp: serverOf(server).ip, userAgent: 'vigil-agent/1.4.2' },
    };
  }

  idOf(map: Map<string, string>, key: string, what: string): string {
    const id = map.get(key);
    if (!id) throw new Error(`The demo has no ${what} ${key} yet`);
    return id;
  }
}
