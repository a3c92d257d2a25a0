/**
 * A demo week as data: timed steps, each one thing a person, an agent or Vigil itself does through
 * Vigil's services (ask for access, decide, report a batch, append a recording chunk, sweep…), and
 * the record they must leave (counts by kind and status). Planning is pure, from a seed and an end
 * time, so one seed always gives the same week; running the plan (run-demo.ts) is where ids, tokens
 * and the database come in.
 *
 * Steps name what they act on by the plan's own keys: an access or sudo request by its request
 * key, an agent event's access session by the access request behind it, a token by its key.
 */
import type { ReportedActivity } from '../activity/report-activity.js';
import type { UpdatePolicyInput } from '../approvals/approval-policies.js';
import type { Permission } from '../auth/permissions.js';
import { ACCESS_SESSION_STATUSES, type AccessSessionStatus } from '../db/tables/access-sessions.js';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../db/tables/approvals.js';
import { COMMAND_STATUSES, type CommandStatus } from '../db/tables/commands.js';
import type { NotificationInput } from '../notifications/notifications.js';
import type { AgentEventInput } from '../records/ingest/agent-event.js';
import type { PersonKey } from './demo-cast.js';
import type { DemoRandom } from './demo-random.js';

/** An agent event as planned: the access request whose session it happened in, and the token a command came through, resolved when it runs. */
export interface PlannedEvent {
  readonly event: AgentEventInput;
  readonly access?: string;
  readonly operatorToken?: string;
}

export interface PlannedChunk {
  readonly seq: number;
  readonly lines: string;
  readonly isFinal?: boolean;
  readonly isGapDeclared?: boolean;
}

export type DecisionChannel = 'web' | 'api' | 'slack';

/** What an admin changes in the tenant's settings. */
export type DemoChange =
  | { readonly kind: 'grant_permissions'; readonly user: PersonKey; readonly permissions: Permission[] }
  | { readonly kind: 'disable_user'; readonly user: PersonKey }
  | { readonly kind: 'create_token'; readonly token: string; readonly user: PersonKey; readonly name: string }
  | { readonly kind: 'revoke_token'; readonly token: string }
  | {
      readonly kind: 'grant_sudo';
      readonly grant: string;
      readonly server: string;
      readonly user: PersonKey;
      readonly command: string;
      readonly minutes: number;
      readonly reason: string;
    }
  | { readonly kind: 'revoke_sudo'; readonly grant: string; readonly reason: string }
  | { readonly kind: 'update_policy'; readonly policy: string; readonly input: UpdatePolicyInput }
  | { readonly kind: 'broadcast'; readonly notification: NotificationInput };

type Step =
  | { readonly kind: 'setup' }
  | {
      readonly kind: 'request_access';
      readonly request: string;
      readonly by: PersonKey;
      readonly servers: string[];
      readonly minutes: number;
      readonly reason: string;
      readonly withSudo: boolean;
      readonly startsAt?: Date;
    }
  | {
      readonly kind: 'request_sudo';
      readonly request: string;
      readonly access: string;
      readonly by: PersonKey;
      readonly server: string;
      readonly command: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'decide';
      readonly request: string;
      readonly by: PersonKey;
      readonly decision: 'approved' | 'denied';
      readonly justification?: string;
      readonly channel: DecisionChannel;
    }
  | { readonly kind: 'cancel'; readonly request: string; readonly by: PersonKey; readonly reason: string }
  | { readonly kind: 'end_access'; readonly access: string; readonly by: PersonKey; readonly reason?: string }
  | { readonly kind: 'revoke_access'; readonly access: string; readonly by: PersonKey; readonly reason: string }
  | { readonly kind: 'check_sudo'; readonly server: string; readonly user: PersonKey; readonly command: string }
  | { readonly kind: 'report'; readonly server: string; readonly events: PlannedEvent[] }
  | { readonly kind: 'record'; readonly server: string; readonly session: string; readonly chunks: PlannedChunk[] }
  | { readonly kind: 'report_activity'; readonly entries: ReportedActivity[] }
  | { readonly kind: 'sweep_approvals' }
  | { readonly kind: 'sweep_unresponsive' }
  | { readonly kind: 'evaluate_alerts' }
  | {
      readonly kind: 'move_alert';
      readonly rule: string;
      readonly from: 'fired' | 'acknowledged';
      readonly to: 'acknowledged' | 'resolved';
      readonly by: PersonKey;
    }
  | { readonly kind: 'admin'; readonly by: PersonKey; readonly change: DemoChange };

export type DemoStep = Step & { readonly at: Date };

/** What the week must leave in the tenant, as the plan makes it. */
export interface DemoExpectation {
  readonly approvals: Record<ApprovalStatus, number>;
  readonly accessSessions: Record<AccessSessionStatus, number>;
  readonly commands: Record<CommandStatus, number>;
  terminalSessions: number;
  fileTransfers: number;
  systemLogs: number;
  recordings: number;
  sudoAuthorizations: number;
}

const zeros = <Key extends string>(keys: readonly Key[]) => Object.fromEntries(keys.map((key) => [key, 0])) as Record<Key, number>;

export interface DemoPlan {
  readonly seed: number;
  /** The week: from the morning the team set the tenant up to now. */
  readonly from: Date;
  readonly until: Date;
  /** In the order they run: by time, then as planned. */
  readonly steps: readonly DemoStep[];
  readonly expected: DemoExpectation;
}

/** Collects a plan's steps and what they will leave; hands out the agents' event ids. */
export class PlanBuilder {
  private readonly steps: DemoStep[] = [];
  private lastId = 0;
  readonly expected: DemoExpectation = {
    approvals: zeros(APPROVAL_STATUSES),
    accessSessions: zeros(ACCESS_SESSION_STATUSES),
    commands: zeros(COMMAND_STATUSES),
    terminalSessions: 0,
    fileTransfers: 0,
    systemLogs: 0,
    recordings: 0,
    sudoAuthorizations: 0,
  };

  constructor(
    readonly random: DemoRandom,
    readonly from: Date,
    readonly until: Date,
    /** How long a Running command may stay silent before the sweeper calls it Unresponsive. */
    readonly unresponsiveAfterSeconds: number,
  ) {}

  add(step: DemoStep): void {
    if (step.at.getTime() > this.until.getTime())
      throw new Error(`The demo planned ${step.kind} at ${step.at.toISOString()}, after its end ${this.until.toISOString()}`);
    if (step.at.getTime() < this.from.getTime())
      throw new Error(`The demo planned ${step.kind} at ${step.at.toISOString()}, before its start ${this.from.toISOString()}`);
    if (step.kind === 'report' && step.events.length === 0) throw new Error(`The demo planned an empty batch for ${step.server} at ${step.at.toISOString()}`);
    this.steps.push(step);
  }

  /** The steps planned so far, in planning order. */
  planned(): readonly DemoStep[] {
    return this.steps;
  }

  /** A fresh id for an agent event or a request, `prefix-N`. */
  nextId(prefix: string): string {
    this.lastId += 1;
    return `${prefix}-${this.lastId}`;
  }

  build(seed: number): DemoPlan {
    const order = new Map(this.steps.map((step, index) => [step, index]));
    const steps = [...this.steps].sort((a, b) => a.at.getTime() - b.at.getTime() || order.get(a)! - order.get(b)!);
    return { seed, from: this.from, until: this.until, steps, expected: this.expected };
  }
}

export const MINUTE = 60_000;
export const after = (time: Date, milliseconds: number) => new Date(time.getTime() + milliseconds);
