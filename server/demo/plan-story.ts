/**
 * The week's story: the moments that show every way Vigil's record can go, placed on fixed days
 * (their minutes vary with the seed). A request denied, one left to expire, one cancelled; sudo
 * asked for and granted by a person, by the allowlist, denied, expired, cancelled with its
 * session; a hung command; an incident whose failures fire alerts; an emergency under the
 * two-person rule; a brute-force attempt; a contractor's session revoked and the contractor
 * disabled; an admin's own sudo grant revoked; a policy edited; a broadcast. Everything routine
 * is planned around these (plan-week.ts), and the requests still open at the end too.
 */
import { RULE, serverOf } from './demo-cast.js';
import { after, MINUTE, type PlanBuilder } from './demo-plan.js';
import { HANGING_BACKUP, INCIDENT, LOOK_AROUND, TASKS, type DemoTask } from './demo-work.js';
import { approvedBy, planAccess, planSudo, type InForce } from './plan-access.js';
import { planDeploy, planSignInBurst, type DemoCalendar } from './plan-background.js';
import { planTerminalSession } from './plan-terminal.js';
import { planWork } from './plan-work.js';

/** Who may not have sudo from another session while a story's sudo request is planned. */
export interface SudoReservation {
  readonly person: string;
  readonly server: string;
  readonly from: Date;
  readonly to: Date;
}

const restartCheckout: DemoTask = {
  reason: 'restart checkout',
  commands: [
    { line: 'systemctl restart checkout', output: '', sudo: true },
    { line: 'curl -fsS http://127.0.0.1:8080/healthz', output: '{"status":"ok","version":"1.42.1"}' },
  ],
};

const postgresJournal: DemoTask = {
  reason: 'read the postgres journal',
  commands: [
    {
      line: 'journalctl -u postgresql@16-main --since today',
      output:
        '{date}T06:14:02Z postgres[811]: LOG:  replication terminated by primary server\n{date}T06:14:07Z postgres[811]: LOG:  started streaming WAL from primary at 3A/5E000000 on timeline 14',
      sudo: true,
    },
  ],
};

/** The story; returns the sudo reservations routine work must keep clear of. */
export function planStory(plan: PlanBuilder, calendar: DemoCalendar): SudoReservation[] {
  const { random } = plan;
  const reservations: SudoReservation[] = [];
  const reserve = (session: InForce, server: string) => reservations.push({ person: session.person.key, server, from: session.start, to: session.expiresAt });
  const ticket = (prefix: string) => `${prefix}-${random.int(1000, 5999)}`;
  const at = calendar.at.bind(calendar);

  plan.add({
    at: after(calendar.from, 20 * MINUTE),
    kind: 'admin',
    by: 'maya',
    change: { kind: 'create_token', token: 'ci', user: 'jonas', name: 'ci-deploy (GitHub Actions)' },
  });
  plan.add({
    at: after(calendar.from, 22 * MINUTE),
    kind: 'admin',
    by: 'maya',
    change: { kind: 'create_token', token: 'diego-cli', user: 'diego', name: 'diego laptop CLI' },
  });

  // Day 1: Hana joins the approvers; a request for the primary is denied; sudo granted by a person.
  plan.add({ at: at(1, '09:02'), kind: 'admin', by: 'tom', change: { kind: 'grant_permissions', user: 'hana', permissions: ['approvals.decide'] } });
  planAccess(plan, {
    by: 'diego',
    servers: ['db-prod-01'],
    at: at(1, '11:20', 20),
    minutes: 120,
    reason: `${ticket('OPS')}: look at slow queries on orders`,
    outcome: {
      kind: 'denied',
      decider: {
        by: 'priya',
        afterMinutes: 6,
        channel: 'web',
        justification: 'Use the replica db-prod-02 for read-only analysis; the primary is for changes.',
      },
    },
  });
  planAccess(plan, {
    by: 'lucas',
    servers: ['web-prod-01'],
    at: at(1, '14:00', 30),
    minutes: 90,
    reason: `${ticket('CHG')}: raise the checkout pool size`,
    outcome: approvedBy(['jonas', 4, 'slack']),
    work: (session) => {
      reserve(session, 'web-prod-01');
      const looked = planWork(plan, session, [{ server: 'web-prod-01', task: TASKS.web[2]! }]);
      const granted = planSudo(plan, session, {
        server: 'web-prod-01',
        command: 'systemctl restart checkout',
        reason: 'restart checkout to pick up the new pool size',
        at: after(looked, 2 * MINUTE),
        outcome: { kind: 'approved', decider: { by: 'jonas', afterMinutes: 3, channel: 'web' } },
      });
      return planWork(plan, session, [{ server: 'web-prod-01', task: restartCheckout, withSudo: true, startAt: after(granted!, 30_000) }]);
    },
  });

  // Day 2: vacuum under the two-person rule (recorded); sudo by the allowlist; a backup that hangs;
  // the staging policy edited; a request nobody decides in time.
  planAccess(plan, {
    by: 'priya',
    servers: ['db-prod-01'],
    at: at(2, '07:30', 10),
    minutes: 180,
    reason: `${ticket('CHG')}: vacuum orders in the low-traffic window`,
    withSudo: true,
    outcome: approvedBy(['maya', 5, 'web', 'Low-traffic window, go ahead.'], ['hana', 11, 'web', 'Checked the bloat report: agreed.']),
    work: (session) => planWork(plan, session, [{ server: 'db-prod-01', task: TASKS.db[0]!, recording: 'complete' }]),
  });
  planAccess(plan, {
    by: 'aisha',
    servers: ['db-prod-02'],
    at: at(2, '10:30', 20),
    minutes: 120,
    reason: `${ticket('OPS')}: replica restarted overnight, find out why`,
    outcome: approvedBy(['priya', 4, 'web', 'Read-only look at the replica.'], ['tom', 9, 'api', 'OK.']),
    work: (session) => {
      reserve(session, 'db-prod-02');
      const looked = planWork(plan, session, [{ server: 'db-prod-02', task: TASKS.db[1]! }]);
      const command = 'journalctl -u postgresql@16-main --since today';
      const granted = planSudo(plan, session, {
        server: 'db-prod-02',
        command,
        reason: 'read why postgres restarted',
        at: after(looked, MINUTE),
        outcome: { kind: 'auto' },
      });
      return planWork(plan, session, [{ server: 'db-prod-02', task: postgresJournal, withSudo: true, startAt: after(granted!, 20_000) }]);
    },
  });
  planAccess(plan, {
    by: 'hana',
    servers: ['db-staging-01'],
    at: at(2, '15:10', 15),
    minutes: 240,
    reason: `${ticket('OPS')}: ${HANGING_BACKUP.reason}`,
    withSudo: true,
    outcome: { kind: 'auto' },
    work: (session) => planWork(plan, session, [{ server: 'db-staging-01', task: HANGING_BACKUP, ending: 'hang' }]),
  });
  plan.add({
    at: at(2, '16:00', 20),
    kind: 'admin',
    by: 'maya',
    change: {
      kind: 'update_policy',
      policy: 'Staging self-service',
      input: { maxDurationMinutes: 600, description: 'Staging is self-service: approved on the spot, up to 10 hours (load tests run long).' },
    },
  });
  planAccess(plan, {
    by: 'noah',
    servers: ['web-prod-02'],
    at: at(2, '18:40', 10),
    minutes: 60,
    reason: `${ticket('OPS')}: check the cart cache TTL`,
    outcome: { kind: 'expired' },
  });

  // Day 3: a sudo request denied; the incident; an emergency on the databases at night.
  planAccess(plan, {
    by: 'diego',
    servers: ['web-prod-02'],
    at: at(3, '10:15', 15),
    minutes: 60,
    reason: `${ticket('OPS')}: free disk space on web-prod-02`,
    outcome: approvedBy(['jonas', 3, 'web']),
    work: (session) => {
      reserve(session, 'web-prod-02');
      const looked = planWork(plan, session, [{ server: 'web-prod-02', task: TASKS.web[4]! }]);
      planSudo(plan, session, {
        server: 'web-prod-02',
        command: 'rm -rf /var/log/nginx/*.gz',
        reason: 'the disk is at 92%',
        at: after(looked, MINUTE),
        outcome: {
          kind: 'denied',
          decider: {
            by: 'jonas',
            afterMinutes: 4,
            channel: 'web',
            justification: 'Rotated logs are kept 14 days for the audit trail; vacuum the journal instead.',
          },
        },
      });
      return after(looked, 8 * MINUTE);
    },
  });
  planIncident(plan, calendar, ticket);

  // Day 4: brute force at night; alerts handled; a request cancelled; an admin's sudo grant; a contractor's session revoked.
  planSignInBurst(plan, at(4, '02:13', 10));
  plan.add({ at: at(4, '09:10'), kind: 'move_alert', rule: RULE.dbSudo, from: 'acknowledged', to: 'resolved', by: 'sam' });
  plan.add({ at: at(4, '09:12'), kind: 'move_alert', rule: RULE.dbSudo, from: 'fired', to: 'acknowledged', by: 'sam' });
  plan.add({ at: at(4, '09:20'), kind: 'move_alert', rule: RULE.kubectl, from: 'fired', to: 'resolved', by: 'sam' });
  planAccess(plan, {
    by: 'lucas',
    servers: ['web-prod-01'],
    at: at(4, '09:40', 10),
    minutes: 60,
    reason: `${ticket('OPS')}: reproduce the coupon bug`,
    outcome: { kind: 'cancelled', afterMinutes: 7, reason: 'Reproduced it on staging instead.' },
  });
  const grantedAt = at(4, '11:00');
  plan.add({
    at: grantedAt,
    kind: 'admin',
    by: 'tom',
    change: {
      kind: 'grant_sudo',
      grant: 'agent-rollout',
      server: 'bastion-01',
      user: 'sam',
      command: 'systemctl restart vigil-agent',
      minutes: 480,
      reason: 'vigil-agent 1.4.3 rollout',
    },
  });
  plan.expected.sudoAuthorizations += 1;
  plan.add({ at: after(grantedAt, 25 * MINUTE), kind: 'check_sudo', server: 'bastion-01', user: 'sam', command: 'systemctl restart vigil-agent' });
  planAccess(plan, {
    by: 'diego',
    servers: ['web-prod-01'],
    at: at(4, '13:00', 10),
    minutes: 120,
    reason: `${ticket('OPS')}: hand over the nginx changes`,
    outcome: approvedBy(['priya', 5, 'web']),
    work: (session) => planWork(plan, session, [{ server: 'web-prod-01', task: LOOK_AROUND }]),
    end: { kind: 'revoked', by: 'tom', afterMinutes: 8, reason: 'Contract ends this week: production access moves to Lucas.' },
  });
  plan.add({
    at: after(grantedAt, 210 * MINUTE),
    kind: 'admin',
    by: 'tom',
    change: { kind: 'revoke_sudo', grant: 'agent-rollout', reason: 'Rollout finished early.' },
  });

  // Day 5: the contractor leaves; a sudo request cancelled with its session; one left to expire.
  plan.add({ at: at(5, '10:00'), kind: 'admin', by: 'maya', change: { kind: 'disable_user', user: 'diego' } });
  plan.add({ at: at(5, '10:01'), kind: 'admin', by: 'maya', change: { kind: 'revoke_token', token: 'diego-cli' } });
  planAccess(plan, {
    by: 'noah',
    servers: ['web-staging-01'],
    at: at(5, '15:20', 10),
    minutes: 120,
    reason: `${ticket('OPS')}: profile the cart service on staging`,
    outcome: { kind: 'auto' },
    work: (session) => {
      const looked = planWork(plan, session, [{ server: 'web-staging-01', task: LOOK_AROUND }]);
      planSudo(plan, session, {
        server: 'web-staging-01',
        command: 'apt-get install -y htop',
        reason: 'need htop to watch the workers',
        at: after(looked, MINUTE),
        outcome: { kind: 'pending', endsAs: 'cancelled' },
      });
      return after(looked, 2 * MINUTE);
    },
  });
  planAccess(plan, {
    by: 'aisha',
    servers: ['db-prod-02'],
    at: at(5, '20:10', 5),
    minutes: 60,
    reason: `${ticket('INC')}: pgbouncer refuses connections on the replica`,
    outcome: approvedBy(['priya', 3, 'web', 'On call, approved.'], ['maya', 8, 'api', 'Approved for the incident.']),
    work: (session) => {
      reserve(session, 'db-prod-02');
      const looked = planWork(plan, session, [{ server: 'db-prod-02', task: TASKS.db[1]! }]);
      const requested = after(looked, MINUTE);
      planSudo(plan, session, {
        server: 'db-prod-02',
        command: 'systemctl restart pgbouncer',
        reason: 'pgbouncer is stuck',
        at: requested,
        outcome: { kind: 'expired' },
      });
      return after(requested, 17 * MINUTE);
    },
  });

  // Day 6: a broadcast; two recorded sessions on staging, one of them with a chunk lost.
  plan.add({
    at: at(6, '09:00'),
    kind: 'admin',
    by: 'maya',
    change: {
      kind: 'broadcast',
      notification: {
        category: 'system',
        severity: 'medium',
        title: 'Maintenance window on Saturday, 06:00–08:00 UTC',
        body: 'db-prod-01 and db-prod-02 get PostgreSQL 16.8; expect a failover of a few seconds.',
      },
    },
  });
  planAccess(plan, {
    by: 'noah',
    servers: ['web-staging-01'],
    at: at(6, '10:05', 20),
    minutes: 120,
    reason: `${ticket('OPS')}: load-test checkout on staging`,
    withSudo: true,
    outcome: { kind: 'auto' },
    work: (session) => planWork(plan, session, [{ server: 'web-staging-01', task: TASKS.web[0]!, version: '1.43.1-rc.1', recording: 'gap' }]),
  });
  planAccess(plan, {
    by: 'aisha',
    servers: ['db-staging-01'],
    at: at(6, '13:30', 20),
    minutes: 120,
    reason: `${ticket('CHG')}: try the new orders index on staging`,
    outcome: { kind: 'auto' },
    work: (session) => planWork(plan, session, [{ server: 'db-staging-01', task: TASKS.db[2]!, recording: 'complete' }]),
  });
  return reservations;
}

/**
 * INC-5012: the pipeline rolls out checkout 1.43.0, it breaks, Jonas (on call) gets access at once
 * and rolls it back; the failures fire the failed-command and kubectl rules, Sam acknowledges the
 * burst, it clears by itself. At night, replication lag on the databases needs both admins.
 */
function planIncident(plan: PlanBuilder, calendar: DemoCalendar, ticket: (prefix: string) => string): void {
  const deployed = planDeploy(plan, 'checkout', '1.43.0', calendar.at(3, '13:50', 5));
  planAccess(plan, {
    by: 'jonas',
    servers: ['k8s-prod-ctl-01', 'web-prod-01'],
    at: after(deployed, 9 * MINUTE),
    minutes: 120,
    reason: INCIDENT.k8s.reason,
    withSudo: true,
    outcome: approvedBy(['maya', 2, 'slack', 'Go ahead, the incident bridge is open.']),
    work: (session) => {
      const rolledBack = planWork(plan, session, [
        { server: 'k8s-prod-ctl-01', task: INCIDENT.k8s, recording: 'complete', marker: { atCommand: 3, label: 'rollback' } },
      ]);
      // Straight on to nginx, so the failures of both sessions fall in one alert window.
      const fixed = planTerminalSession(plan, {
        access: session.access,
        person: session.person,
        server: serverOf('web-prod-01'),
        start: after(rolledBack, MINUTE),
        task: INCIDENT.web,
        withSudo: true,
        notAfter: after(session.expiresAt, -MINUTE),
      });
      plan.add({ at: after(fixed, 4 * MINUTE), kind: 'move_alert', rule: RULE.failedCommands, from: 'fired', to: 'acknowledged', by: 'sam' });
      return fixed;
    },
    end: { kind: 'ended', reason: 'INC-5012 resolved: rolled back to 1.42.1' },
  });
  planAccess(plan, {
    by: 'priya',
    servers: ['db-prod-01', 'db-prod-02'],
    at: calendar.at(3, '21:45', 10),
    minutes: 60,
    reason: `${ticket('INC')}: replication lag alarm on db-prod-02`,
    withSudo: true,
    outcome: approvedBy(['maya', 3, 'web', 'Incident: approved.'], ['tom', 6, 'api', 'Second approval for the incident.']),
    work: (session) => planWork(plan, session, [{ server: 'db-prod-02', task: TASKS.db[1]! }]),
  });
  plan.add({ at: calendar.at(3, '22:40'), kind: 'move_alert', rule: RULE.dbSudo, from: 'fired', to: 'acknowledged', by: 'sam' });
}
