/**
 * The system logs the demo's agents forward: what sshd, systemd, cron, the kernel and each role's
 * services write in a day, with their levels. `{peer}`, `{user}` and `{n}` are filled in by the planner.
 */
import type { LogLevelName } from '../db/tables/system-logs.js';
import type { ServerRole } from './demo-cast.js';

export interface DemoLogLine {
  readonly program: string;
  readonly level: LogLevelName;
  readonly message: string;
  /** How often it shows up, relative to the others of its list. */
  readonly weight: number;
}

const line = (program: string, level: LogLevelName, message: string, weight = 1): DemoLogLine => ({ program, level, message, weight });

const EVERY_SERVER: readonly DemoLogLine[] = [
  line('sshd', 'info', 'Accepted publickey for {user} from {peer} port 52144 ssh2: ED25519 SHA256:Xk3pR8nq1mVb0yLr6tTz4QfWc9sJ2hUa7eKd5oPiN0g', 4),
  line('sshd', 'info', 'pam_unix(sshd:session): session closed for user {user}', 3),
  line('sshd', 'warning', 'Invalid user admin from 198.51.100.77 port 40112', 2),
  line('sshd', 'notice', 'Disconnected from authenticating user root 198.51.100.77 port 40130 [preauth]', 1),
  line('systemd', 'info', 'Started apt-daily.service - Daily apt download activities.', 2),
  line('systemd', 'info', 'logrotate.service: Deactivated successfully.', 2),
  line('CRON', 'info', '(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)', 3),
  line('vigil-agent', 'info', 'reported {n} events in 1 batch', 4),
  line('vigil-agent', 'debug', 'heartbeat ok (rtt {n} ms)', 2),
  line('kernel', 'warning', 'TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.', 1),
];

const BY_ROLE: Record<ServerRole, readonly DemoLogLine[]> = {
  web: [
    line(
      'nginx',
      'error',
      'upstream timed out (110: Connection timed out) while reading response header from upstream, client: {peer}, server: shop.acme.example, request: "GET /api/cart HTTP/2.0"',
      3,
    ),
    line('nginx', 'warning', 'an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/4/07/0000041074 while reading upstream', 2),
    line('checkout', 'notice', 'pool resized: 20 -> 24 connections', 1),
    line('checkout', 'info', 'served {n} requests in the last minute, p99 212 ms', 4),
    line(
      'kernel',
      'critical',
      'Out of memory: Killed process 48211 (node) total-vm:4218844kB, anon-rss:1912736kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:4412kB oom_score_adj:0',
      0.2,
    ),
  ],
  k8s: [
    line('kubelet', 'warning', 'Readiness probe failed: HTTP probe failed with statuscode: 503 pod="shop/checkout-5b8d7c9f4-4kq2m"', 2),
    line('containerd', 'info', 'PullImage "registry.acme.example/shop/payments:1.19.0" returns image reference "sha256:5d1c7e0a9b"', 2),
    line('kube-apiserver', 'info', 'audit: user "ci-deploy" patched deployments/payments in namespace shop', 2),
  ],
  cache: [
    line('redis-server', 'notice', 'Background saving started by pid {n}', 3),
    line('redis-server', 'notice', 'Background saving terminated with success', 3),
    line(
      'redis-server',
      'warning',
      'WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition.',
      1,
    ),
  ],
  db: [
    line(
      'postgres',
      'info',
      'LOG:  checkpoint complete: wrote 1842 buffers (1.4%); 0 WAL file(s) added, 0 removed, 3 recycled; write=179.944 s, sync=0.012 s, total=180.011 s',
      4,
    ),
    line('postgres', 'warning', 'WARNING:  could not send signal to process {n}: No such process', 0.5),
    line(
      'postgres',
      'error',
      'ERROR:  canceling statement due to statement timeout\nSTATEMENT:  select * from orders where customer_id = $1 order by created_at desc limit 20',
      2,
    ),
    line('postgres', 'info', 'LOG:  automatic vacuum of table "orders.public.order_items": index scans: 1', 2),
    line('patroni', 'info', 'no action. I am (db-prod-01), the leader with the lock', 3),
    line('mdadm', 'alert', 'DegradedArray event detected on md device /dev/md0', 0.1),
  ],
  bastion: [
    line('sshd', 'info', 'Accepted publickey for {user} from {peer} port 50322 ssh2: ED25519 SHA256:4cJq0aZ7sVw1Lr9mUe2Tn5bXk8PyHd3Gf6oRi0tQs1E', 4),
    line('auditd', 'notice', 'USER_CMD pid={n} uid=1004 auid=1004 ses=41 msg=\'cwd="/home/jonas" cmd="ssh db-prod-01" exe="/usr/bin/sudo" res=success\'', 2),
  ],
};

export function logLinesFor(role: ServerRole): readonly DemoLogLine[] {
  return [...EVERY_SERVER, ...BY_ROLE[role]];
}
