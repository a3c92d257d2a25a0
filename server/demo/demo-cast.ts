/**
 * Who and what the demo tenant holds before its week begins: a platform team of a web shop (admins,
 * approvers, an auditor, an SRE, engineers, a contractor and the sign-in bridge of their console),
 * its servers, the approval policies it works under, and where its alerts go.
 *
 * Every address is a documentation one: servers in 203.0.113.0/24 (prod) and 198.51.100.0/24
 * (staging), people in 192.0.2.0/24 and 2001:db8::/32, mail and hooks under `.example`, which never
 * resolves, so nothing the demo sets up can reach anyone.
 */
import type { Permission, Role } from '../auth/permissions.js';
import type { CreatePolicyInput } from '../approvals/approval-policies.js';
import type { ChannelInput } from '../channels/channels.js';
import type { AlertRuleInput } from '../alerts/alert-rules.js';

export const DEMO_DOMAIN = 'acme.example';

export type PersonKey = 'maya' | 'tom' | 'priya' | 'jonas' | 'elena' | 'sam' | 'lucas' | 'aisha' | 'hana' | 'noah' | 'diego' | 'bridge';

export interface DemoPerson {
  readonly key: PersonKey;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly groups: readonly string[];
  readonly permissions: readonly Permission[];
  /** Their login on the servers, and its group. */
  readonly unix: string;
  readonly unixGroup: string;
  /** Where they connect from, and with what. */
  readonly ip: string;
  readonly userAgent: string;
  readonly browser: string;
}

const person = (
  key: PersonKey,
  name: string,
  role: Role,
  groups: string[],
  permissions: Permission[],
  unixGroup: string,
  ip: string,
  browser: string,
  userAgent: string,
): DemoPerson => ({
  key,
  name,
  email: `${name.toLowerCase().replace(/ /g, '.')}@${DEMO_DOMAIN}`,
  role,
  groups,
  permissions,
  unix: name.split(' ')[0]!.toLowerCase(),
  unixGroup,
  ip,
  userAgent,
  browser,
});

const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36';
const EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 Edg/134.0.0.0';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15';

export const PEOPLE: readonly DemoPerson[] = [
  person('maya', 'Maya Okafor', 'admin', ['platform'], [], 'sre', '192.0.2.14', 'Firefox 136', FIREFOX),
  person('tom', 'Tom Lindqvist', 'admin', ['platform', 'security'], [], 'sre', '192.0.2.15', 'Chrome 134', CHROME_MAC),
  person('priya', 'Priya Raman', 'user', ['db', 'oncall'], ['approvals.decide'], 'dba', '192.0.2.21', 'Firefox 136', FIREFOX),
  person('jonas', 'Jonas Weber', 'user', ['web', 'oncall'], ['approvals.decide'], 'web', '192.0.2.22', 'Chrome 134', CHROME_MAC),
  person(
    'elena',
    'Elena Petrova',
    'user',
    ['security', 'audit'],
    ['audit_logs.view', 'audit_logs.export', 'session_recordings.view'],
    'audit',
    '192.0.2.31',
    'Edge 134',
    EDGE,
  ),
  person('sam', 'Sam Carter', 'user', ['sre'], ['monitoring.view', 'monitoring.manage', 'audit_logs.view'], 'sre', '192.0.2.32', 'Safari 18', SAFARI),
  person('lucas', 'Lucas Moreau', 'user', ['web'], [], 'web', '192.0.2.41', 'Firefox 136', FIREFOX),
  person('aisha', 'Aisha Khan', 'user', ['db'], [], 'dba', '192.0.2.42', 'Chrome 134', CHROME_MAC),
  person('hana', 'Hana Sato', 'user', ['db', 'oncall'], [], 'dba', '192.0.2.43', 'Safari 18', SAFARI),
  person('noah', 'Noah Fischer', 'user', ['web'], [], 'web', '2001:db8:4a::17', 'Chrome 134', CHROME_MAC),
  person('diego', 'Diego Santos', 'user', ['web', 'db', 'contractors'], [], 'contractors', '192.0.2.77', 'Edge 134', EDGE),
  // The console's sign-in bridge: an admin account that reports sign-ins (reportActivity), no person.
  {
    key: 'bridge',
    name: 'Console SSO bridge',
    email: `sso-bridge@${DEMO_DOMAIN}`,
    role: 'admin',
    groups: [],
    permissions: [],
    unix: 'nobody',
    unixGroup: 'nogroup',
    ip: '192.0.2.5',
    userAgent: 'acme-console-sso-bridge/2.3',
    browser: '',
  },
];

export function personOf(key: PersonKey): DemoPerson {
  return PEOPLE.find((candidate) => candidate.key === key)!;
}

/** Who works on the servers, by the team whose servers they use. */
export const ENGINEERS = { web: ['lucas', 'noah', 'jonas', 'diego'], db: ['aisha', 'hana', 'priya', 'diego'] } as const satisfies Record<
  string,
  readonly PersonKey[]
>;

export type ServerRole = 'web' | 'k8s' | 'cache' | 'db' | 'bastion';

export interface DemoServer {
  readonly name: string;
  readonly hostname: string;
  readonly os: string;
  readonly ip: string;
  readonly env: 'prod' | 'staging';
  readonly team: 'web' | 'db' | 'platform';
  readonly region: string;
  readonly role: ServerRole;
}

const server = (name: string, ip: string, team: DemoServer['team'], role: ServerRole, region: string, os: string): DemoServer => ({
  name,
  hostname: `${name}.${region}.${DEMO_DOMAIN}`,
  os,
  ip,
  env: name.includes('staging') ? 'staging' : 'prod',
  team,
  region,
  role,
});

const UBUNTU = 'Ubuntu 24.04.2 LTS';
const DEBIAN = 'Debian GNU/Linux 12 (bookworm)';

export const SERVERS: readonly DemoServer[] = [
  server('web-prod-01', '203.0.113.11', 'web', 'web', 'eu-west-1', UBUNTU),
  server('web-prod-02', '203.0.113.12', 'web', 'web', 'eu-west-1', UBUNTU),
  server('api-prod-01', '203.0.113.21', 'web', 'web', 'us-east-1', UBUNTU),
  server('k8s-prod-ctl-01', '203.0.113.51', 'web', 'k8s', 'us-east-1', UBUNTU),
  server('cache-prod-01', '203.0.113.41', 'web', 'cache', 'eu-west-1', DEBIAN),
  server('web-staging-01', '198.51.100.11', 'web', 'web', 'eu-west-1', UBUNTU),
  server('db-prod-01', '203.0.113.31', 'db', 'db', 'eu-west-1', DEBIAN),
  server('db-prod-02', '203.0.113.32', 'db', 'db', 'eu-west-1', DEBIAN),
  server('db-staging-01', '198.51.100.31', 'db', 'db', 'eu-west-1', DEBIAN),
  server('bastion-01', '203.0.113.5', 'platform', 'bastion', 'eu-west-1', DEBIAN),
];

export function serverOf(name: string): DemoServer {
  const found = SERVERS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`The demo has no server ${name}`);
  return found;
}

export const serverLabels = (demo: DemoServer) => [
  { key: 'env', value: demo.env },
  { key: 'team', value: demo.team },
  { key: 'region', value: demo.region },
  { key: 'role', value: demo.role },
];

export const POLICY = {
  prod: 'Production access',
  db: 'Production databases: two-person rule',
  staging: 'Staging self-service',
  sudo: 'Production sudo',
} as const;

export const POLICIES: readonly CreatePolicyInput[] = [
  {
    name: POLICY.prod,
    description: 'Any production server: one approval by the on-call rotation or an admin, within 30 minutes; at most 4 hours.',
    requestKinds: ['access'],
    serverLabels: [{ key: 'env', value: 'prod' }],
    approverGroups: ['oncall'],
    requiredApprovals: 1,
    decisionTimeoutMinutes: 30,
    maxDurationMinutes: 240,
    priority: 10,
  },
  {
    name: POLICY.db,
    description:
      'Production databases hold customer data: two approvals from the database team or admins, with a justification; chat decisions need an authenticator code.',
    requestKinds: ['access'],
    serverLabels: [
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'db' },
    ],
    approverGroups: ['db'],
    requiredApprovals: 2,
    decisionTimeoutMinutes: 60,
    isApprovalJustificationRequired: true,
    maxDurationMinutes: 180,
    chatApproval: 'step_up',
    priority: 20,
  },
  {
    name: POLICY.staging,
    description: 'Staging is self-service: approved on the spot, up to 8 hours.',
    requestKinds: ['access'],
    serverLabels: [{ key: 'env', value: 'staging' }],
    requiredApprovals: 0,
    maxDurationMinutes: 480,
    priority: 5,
  },
  {
    name: POLICY.sudo,
    description: 'Sudo on production: read-only and reload commands need no review; anything else one on-call approval within 15 minutes.',
    requestKinds: ['sudo'],
    serverLabels: [{ key: 'env', value: 'prod' }],
    approverGroups: ['oncall'],
    requiredApprovals: 1,
    decisionTimeoutMinutes: 15,
    autoApproveCommands: ['systemctl status *', 'journalctl -u *', 'systemctl reload nginx'],
    priority: 10,
  },
];

export const CHANNEL = { email: 'On-call email', slack: '#ops-alerts', siem: 'Security SIEM' } as const;

export const CHANNELS: readonly ChannelInput[] = [
  {
    name: CHANNEL.email,
    type: 'smtp',
    settings: { host: `smtp.${DEMO_DOMAIN}`, port: 587, from: `vigil@${DEMO_DOMAIN}`, to: [`oncall@${DEMO_DOMAIN}`], useTls: true },
  },
  {
    name: CHANNEL.slack,
    type: 'slack',
    settings: { url: 'https://hooks.slack.example/services/T0DEMO000/B0DEMO000/demo-not-connected', channel: '#ops-alerts' },
  },
  {
    name: CHANNEL.siem,
    type: 'webhook',
    settings: {
      url: `https://siem.${DEMO_DOMAIN}/ingest/vigil`,
      secret: 'whsec_ZGVtby1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0',
      headers: [{ name: 'X-Team', value: 'security' }],
    },
  },
];

/** The failed-command rule's window: the planner evaluates rules again once a burst has left it. */
export const FAILED_COMMANDS_WINDOW_MINUTES = 15;

export const RULE = {
  failedCommands: 'Failed command burst',
  kubectl: 'kubectl failed in production',
  signIns: 'Brute-force sign-ins',
  dbSudo: 'Sudo on production databases',
} as const;

/** The alert rules, given the ids of the channels they send to. */
export function alertRules(channelIds: ReadonlyMap<string, string>): AlertRuleInput[] {
  const ids = (...names: string[]) => names.map((name) => channelIds.get(name)!);
  return [
    {
      name: RULE.failedCommands,
      condition: 'failed_commands',
      threshold: 4,
      windowMinutes: FAILED_COMMANDS_WINDOW_MINUTES,
      severity: 'high',
      channelIds: ids(CHANNEL.slack, CHANNEL.email),
    },
    { name: RULE.kubectl, condition: 'command_failed', commandPattern: 'kubectl *', severity: 'medium', channelIds: ids(CHANNEL.slack) },
    { name: RULE.signIns, condition: 'failed_sign_ins', threshold: 5, windowMinutes: 10, severity: 'critical', channelIds: ids(CHANNEL.siem, CHANNEL.email) },
    {
      name: RULE.dbSudo,
      condition: 'sudo_granted',
      serverLabels: [
        { key: 'env', value: 'prod' },
        { key: 'team', value: 'db' },
      ],
      severity: 'high',
      channelIds: ids(CHANNEL.siem),
    },
  ];
}
