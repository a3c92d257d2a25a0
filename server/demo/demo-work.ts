/**
 * What people do on the demo's servers: tasks (a reason to ask for access, and the commands typed
 * for it, with what came back), by server role. `{host}`, `{user}`, `{date}`, `{time}` and `{version}`
 * are filled in by the planner. A command marked `sudo` runs as `sudo <line>` in a session granted
 * sudo and is left out of one without (the engineer had no rights for it).
 */
import type { ServerRole } from './demo-cast.js';

export interface DemoCommand {
  readonly line: string;
  readonly output: string;
  /** 0 when left out. */
  readonly exitCode?: number;
  /** How long it ran, in seconds (1 when left out). */
  readonly seconds?: number;
  readonly sudo?: boolean;
}

export interface DemoTransfer {
  readonly direction: 'upload' | 'download';
  readonly path: string;
  readonly sizeBytes: number;
  /** Why it failed, for a failed transfer. */
  readonly error?: string;
}

export interface DemoTask {
  /** The reason given when asking for access, after a ticket number. */
  readonly reason: string;
  readonly commands: readonly DemoCommand[];
  readonly transfer?: DemoTransfer;
}

const run = (line: string, output = '', options: Omit<DemoCommand, 'line' | 'output'> = {}): DemoCommand => ({ line, output, ...options });
const sudo = (line: string, output = '', options: Omit<DemoCommand, 'line' | 'output' | 'sudo'> = {}): DemoCommand => ({
  line,
  output,
  sudo: true,
  ...options,
});

const UPTIME = ' {time} up 23 days,  4:11,  2 users,  load average: 0.42, 0.51, 0.48';
const NGINX_OK = 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful';

const WEB: DemoTask[] = [
  {
    reason: 'deploy checkout {version} to {host}',
    commands: [
      run(
        'systemctl status checkout --no-pager',
        '● checkout.service - Acme checkout API\n     Loaded: loaded (/etc/systemd/system/checkout.service; enabled; preset: enabled)\n     Active: active (running) since {date} 06:12:44 UTC; 7h ago\n   Main PID: 48211 (node)\n     Memory: 182.4M',
      ),
      run('cd /srv/checkout && git fetch --tags && git checkout v{version}', 'HEAD is now at 8b7d4e0 Release {version}'),
      run('npm ci --omit=dev', 'added 412 packages, and audited 413 packages in 37s\n\nfound 0 vulnerabilities', { seconds: 38 }),
      sudo('systemctl restart checkout'),
      run('curl -fsS http://127.0.0.1:8080/healthz', '{"status":"ok","version":"{version}"}'),
    ],
    transfer: { direction: 'upload', path: '/srv/releases/checkout-{version}.tar.gz', sizeBytes: 18_734_112 },
  },
  {
    reason: 'raise client_max_body_size for invoice uploads on {host}',
    commands: [
      sudo('vim /etc/nginx/sites-available/shop.conf', '', { seconds: 95 }),
      sudo(
        'nginx -t',
        'nginx: [emerg] unexpected ";" in /etc/nginx/sites-available/shop.conf:41\nnginx: configuration file /etc/nginx/nginx.conf test failed',
        { exitCode: 1 },
      ),
      sudo('vim /etc/nginx/sites-available/shop.conf', '', { seconds: 30 }),
      sudo('nginx -t', NGINX_OK),
      sudo('systemctl reload nginx'),
      run('curl -sI https://shop.acme.example/ | head -n 1', 'HTTP/2 200'),
    ],
  },
  {
    reason: 'look into the 5xx spike on {host}',
    commands: [
      run(
        'tail -n 5 /var/log/nginx/error.log',
        '{date} 13:58:02 [error] 1123#1123: *88412 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 192.0.2.180, server: shop.acme.example, request: "GET /api/cart HTTP/2.0", upstream: "http://127.0.0.1:8080/api/cart"\n{date} 13:58:07 [error] 1123#1123: *88431 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 192.0.2.181, server: shop.acme.example, request: "POST /api/cart/items HTTP/2.0"',
      ),
      run(
        'journalctl -u checkout --since "30 min ago" --no-pager | tail -n 3',
        '{date}T13:57:58Z checkout[48211]: warn: pool exhausted, 20/20 connections busy, 37 waiting\n{date}T13:58:01Z checkout[48211]: error: query timeout after 5000 ms (select * from carts where id = $1)\n{date}T13:58:09Z checkout[48211]: warn: pool exhausted, 20/20 connections busy, 41 waiting',
      ),
      run('ss -tlnp | grep 8080', 'LISTEN 0      511        127.0.0.1:8080      0.0.0.0:*    users:(("node",pid=48211,fd=21))'),
      run('uptime', UPTIME),
    ],
    transfer: { direction: 'download', path: '/var/log/nginx/error.log', sizeBytes: 4_182_731 },
  },
  {
    reason: 'patch openssl (USN-7264-1) on {host}',
    commands: [
      sudo(
        'apt-get update',
        'Hit:1 http://archive.ubuntu.com/ubuntu noble InRelease\nGet:2 http://security.ubuntu.com/ubuntu noble-security InRelease [126 kB]\nFetched 1,412 kB in 2s (705 kB/s)\nReading package lists... Done',
        { seconds: 6 },
      ),
      run(
        'apt list --upgradable 2>/dev/null | grep -i ssl',
        'libssl3t64/noble-updates 3.0.13-0ubuntu3.5 amd64 [upgradable from: 3.0.13-0ubuntu3.4]\nopenssl/noble-updates 3.0.13-0ubuntu3.5 amd64 [upgradable from: 3.0.13-0ubuntu3.4]',
      ),
      sudo(
        'apt-get install --only-upgrade -y openssl libssl3t64',
        'Reading package lists... Done\nThe following packages will be upgraded:\n  libssl3t64 openssl\n2 upgraded, 0 newly installed, 0 to remove and 14 not upgraded.\nSetting up libssl3t64:amd64 (3.0.13-0ubuntu3.5) ...\nSetting up openssl (3.0.13-0ubuntu3.5) ...',
        { seconds: 14 },
      ),
      sudo('systemctl restart nginx'),
      run('openssl version', 'OpenSSL 3.0.13 30 Jan 2024 (Library: OpenSSL 3.0.13 30 Jan 2024)'),
    ],
  },
  {
    reason: 'free disk space on {host}',
    commands: [
      run('df -h /', 'Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1   48G   44G  4.1G  92% /'),
      run('du -sh /var/log/* 2>/dev/null | sort -h | tail -n 3', '412M\t/var/log/nginx\n1.1G\t/var/log/checkout\n6.4G\t/var/log/journal'),
      sudo('journalctl --vacuum-time=7d', 'Vacuuming done, freed 5.9G of archived journals from /var/log/journal/2c1e0d2f8a4b4f6c9d3e1a7b5c8d9e0f.', {
        seconds: 4,
      }),
      run('df -h /', 'Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1   48G   38G   10G  79% /'),
    ],
  },
];

const K8S: DemoTask[] = [
  {
    reason: 'roll out payments {version}',
    commands: [
      run(
        'kubectl -n shop get deploy payments -o wide',
        'NAME       READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES\npayments   4/4     4            4           212d  payments     registry.acme.example/shop/payments:1.18.2',
      ),
      run('kubectl -n shop set image deployment/payments payments=registry.acme.example/shop/payments:{version}', 'deployment.apps/payments image updated'),
      run(
        'kubectl -n shop rollout status deployment/payments --timeout=180s',
        'Waiting for deployment "payments" rollout to finish: 2 of 4 updated replicas are available...\ndeployment "payments" successfully rolled out',
        { seconds: 44 },
      ),
      run(
        'kubectl -n shop get pods -l app=payments',
        'NAME                        READY   STATUS    RESTARTS   AGE\npayments-7d4c9b8f6-2mzqk   1/1     Running   0          41s\npayments-7d4c9b8f6-8xw4j   1/1     Running   0          33s\npayments-7d4c9b8f6-kq9tn   1/1     Running   0          25s\npayments-7d4c9b8f6-v7r2p   1/1     Running   0          18s',
      ),
    ],
  },
  {
    reason: 'payments pods in CrashLoopBackOff',
    commands: [
      run(
        'kubectl -n shop get pods | grep -v Running',
        'NAME                        READY   STATUS             RESTARTS      AGE\npayments-6f9c7d8b5-x2k4q   0/1     CrashLoopBackOff   7 (2m ago)    14m',
      ),
      run(
        'kubectl -n shop logs payments-6f9c7d8b5-x2k4q --previous --tail=3',
        'Error: connect ECONNREFUSED 203.0.113.41:6380\n    at TCPConnectWrapper.afterConnect [as oncomplete] (node:net:1611:16)\nFATAL redis unavailable, exiting',
      ),
      run('kubectl -n shop get configmap payments -o jsonpath="{.data.REDIS_URL}"', 'redis://203.0.113.41:6380/2'),
      run('kubectl -n shop patch configmap payments --type merge -p \'{"data":{"REDIS_URL":"redis://203.0.113.41:6379/2"}}\'', 'configmap/payments patched'),
      run('kubectl -n shop rollout restart deployment/payments', 'deployment.apps/payments restarted'),
    ],
  },
  {
    reason: 'scale workers for the spring sale',
    commands: [
      run(
        'kubectl -n shop get hpa',
        'NAME     REFERENCE           TARGETS        MINPODS   MAXPODS   REPLICAS   AGE\nworker   Deployment/worker   cpu: 71%/60%   3         12        6          90d',
      ),
      run('kubectl -n shop patch hpa worker -p \'{"spec":{"minReplicas":8}}\'', 'horizontalpodautoscaler.autoscaling/worker patched'),
      run(
        'kubectl top nodes',
        'NAME                  CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)\nip-10-42-1-17   1822m        45%      9120Mi          58%\nip-10-42-2-33   2310m        57%      10544Mi         67%',
      ),
    ],
  },
];

const CACHE: DemoTask[] = [
  {
    reason: 'check redis memory before the sale',
    commands: [
      run(
        "redis-cli info memory | grep -E 'used_memory_human|maxmemory_human|mem_fragmentation_ratio'",
        'used_memory_human:11.82G\nmaxmemory_human:14.00G\nmem_fragmentation_ratio:1.07',
      ),
      run('redis-cli info stats | grep evicted_keys', 'evicted_keys:0'),
      run('redis-cli config get maxmemory-policy', 'maxmemory-policy\nallkeys-lru'),
      sudo(
        'systemctl status redis-server --no-pager',
        '● redis-server.service - Advanced key-value store\n     Active: active (running) since {date} 02:14:09 UTC; 11h ago',
      ),
    ],
  },
];

const DB: DemoTask[] = [
  {
    reason: 'vacuum the bloated orders table',
    commands: [
      run(
        'psql -d orders -c "select relname, n_dead_tup, last_autovacuum from pg_stat_user_tables order by n_dead_tup desc limit 3"',
        '   relname    | n_dead_tup |        last_autovacuum\n--------------+------------+-------------------------------\n orders       |   18422931 | {date} 01:12:44.118+00\n order_items  |    4120077 | {date} 03:40:02.512+00\n payments     |     210344 | {date} 05:01:17.930+00\n(3 rows)',
      ),
      run(
        'psql -d orders -c "vacuum (verbose, analyze) orders"',
        'INFO:  vacuuming "orders.public.orders"\nINFO:  finished vacuuming "orders.public.orders": index scans: 1\npages: 0 removed, 4821344 remain, 4821344 scanned (100.00% of total)\ntuples: 18422931 removed, 61044219 remain, 0 are dead but not yet removable\nVACUUM',
        { seconds: 96 },
      ),
      run('psql -d orders -c "select pg_size_pretty(pg_total_relation_size(\'orders\'))"', ' pg_size_pretty\n----------------\n 38 GB\n(1 row)'),
    ],
  },
  {
    reason: 'check replication lag on the replica',
    commands: [
      run(
        'psql -c "select client_addr, state, replay_lag from pg_stat_replication"',
        '  client_addr  |   state   |   replay_lag\n---------------+-----------+-----------------\n 203.0.113.32  | streaming | 00:00:00.014022\n(1 row)',
      ),
      run(
        'patronictl -c /etc/patroni/patroni.yml list',
        '+ Cluster: orders (7283124491123311422) ---+----+-----------+\n| Member     | Host         | Role    | State     | TL | Lag in MB |\n+------------+--------------+---------+-----------+----+-----------+\n| db-prod-01 | 203.0.113.31 | Leader  | running   | 14 |           |\n| db-prod-02 | 203.0.113.32 | Replica | streaming | 14 |         0 |\n+------------+--------------+---------+-----------+----+-----------+',
      ),
    ],
  },
  {
    reason: 'slow checkout queries: add an index',
    commands: [
      run(
        'psql -d orders -c "select calls, round(mean_exec_time) as ms, left(query, 48) as query from pg_stat_statements order by mean_exec_time desc limit 3"',
        ' calls |  ms  |                      query\n-------+------+-------------------------------------------------\n 48213 | 2211 | select * from orders where customer_id = $1 orde\n  9120 |  840 | update carts set updated_at = now() where id = $\n   311 |  402 | select count(*) from order_items where order_id\n(3 rows)',
      ),
      run(
        'psql -d orders -c "explain analyze select * from orders where customer_id = 48213 order by created_at desc limit 20"',
        'Limit  (cost=0.57..812.40 rows=20 width=212) (actual time=2204.112..2204.130 rows=20 loops=1)\n  ->  Index Scan Backward using orders_created_at_idx on orders  (actual time=2204.110..2204.125 rows=20 loops=1)\n        Filter: (customer_id = 48213)\n        Rows Removed by Filter: 6120044\nExecution Time: 2204.181 ms',
      ),
      run('psql -d orders -c "create index concurrently orders_customer_created_idx on orders (customer_id, created_at desc)"', 'CREATE INDEX', {
        seconds: 212,
      }),
    ],
  },
  {
    reason: 'restart pgbouncer after the pool size change',
    commands: [
      sudo('vim /etc/pgbouncer/pgbouncer.ini', '', { seconds: 40 }),
      sudo('systemctl restart pgbouncer'),
      run(
        'psql -p 6432 -U pgbouncer pgbouncer -c "show pools" | head -n 4',
        ' database |   user   | cl_active | cl_waiting | sv_active | sv_idle\n----------+----------+-----------+------------+-----------+---------\n orders   | checkout |        37 |          0 |        18 |       7',
      ),
    ],
  },
  {
    reason: 'schema-only dump before the migration',
    commands: [
      run('pg_dump --schema-only -d orders -f /tmp/orders-schema-{date}.sql', '', { seconds: 3 }),
      run('ls -lh /tmp/orders-schema-{date}.sql', '-rw-r--r-- 1 {user} dba 412K {date} 10:41 /tmp/orders-schema-{date}.sql'),
    ],
    transfer: { direction: 'download', path: '/tmp/orders-schema-{date}.sql', sizeBytes: 421_907 },
  },
  {
    reason: 'drop the legacy status index',
    commands: [
      run(
        'psql -d orders -c "drop index orders_legacy_status_idx"',
        'ERROR:  cannot drop index orders_legacy_status_idx because constraint orders_legacy_status_key on table orders requires it\nHINT:  You can drop constraint orders_legacy_status_key on table orders instead.',
        { exitCode: 1 },
      ),
      run('psql -d orders -c "alter table orders drop constraint orders_legacy_status_key"', 'ALTER TABLE', { seconds: 2 }),
    ],
  },
];

const BASTION: DemoTask[] = [
  {
    reason: 'quarterly SSH key review',
    commands: [
      run(
        'last -n 5',
        'jonas    pts/1        192.0.2.22       {date} 09:12   still logged in\nmaya     pts/0        192.0.2.14       {date} 08:47 - 09:30  (00:42)',
      ),
      sudo(
        'grep -c ssh-ed25519 /home/*/.ssh/authorized_keys',
        '/home/aisha/.ssh/authorized_keys:1\n/home/diego/.ssh/authorized_keys:2\n/home/jonas/.ssh/authorized_keys:1\n/home/priya/.ssh/authorized_keys:1',
      ),
    ],
    transfer: { direction: 'upload', path: '/etc/ssh/sshd_config.d/10-acme.conf', sizeBytes: 1_204, error: 'Permission denied' },
  },
];

export const TASKS: Record<ServerRole, readonly DemoTask[]> = { web: WEB, k8s: K8S, cache: CACHE, db: DB, bastion: BASTION };

/** A short look around, for a second terminal session in the same access. */
export const LOOK_AROUND: DemoTask = {
  reason: 'check on {host}',
  commands: [
    run('uptime', UPTIME),
    run('df -h /', 'Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1   48G   31G   17G  65% /'),
    run(
      'free -m',
      '               total        used        free      shared  buff/cache   available\nMem:           15988        9120         812         164        6056        6542\nSwap:              0           0           0',
    ),
  ],
};

/** The incident of the week: checkout 1.43 broke in production (failures on purpose: alert rules fire). */
export const INCIDENT: { k8s: DemoTask; web: DemoTask } = {
  k8s: {
    reason: 'INC-5012: checkout returns 502 after release 1.43.0',
    commands: [
      run('curl -fsS https://shop.acme.example/api/checkout/health', 'curl: (22) The requested URL returned error: 502', { exitCode: 22 }),
      run(
        'kubectl -n shop get pods -l app=checkout',
        'NAME                        READY   STATUS             RESTARTS     AGE\ncheckout-5b8d7c9f4-4kq2m   0/1     CrashLoopBackOff   4 (31s ago)   3m\ncheckout-5b8d7c9f4-9zt7x   0/1     CrashLoopBackOff   4 (28s ago)   3m',
      ),
      run(
        'kubectl -n shop logs deploy/checkout --tail=2',
        "Error: Cannot find module '/srv/app/dist/server.js'\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)",
      ),
      run('kubectl -n shop rollout undo deployment/checkout --to-revision=41', 'error: unable to find specified revision 41 in history', { exitCode: 1 }),
      run(
        'kubectl -n shop rollout history deployment/checkout',
        'deployment.apps/checkout\nREVISION  CHANGE-CAUSE\n46        release 1.42.0\n47        release 1.42.1\n48        release 1.43.0',
      ),
      run('kubectl -n shop rollout undo deployment/checkout --to-revision=47', 'deployment.apps/checkout rolled back'),
      run('kubectl -n shop rollout status deployment/checkout --timeout=120s', 'deployment "checkout" successfully rolled out', { seconds: 38 }),
      run('curl -fsS https://shop.acme.example/api/checkout/health', '{"status":"ok","version":"1.42.1"}'),
    ],
  },
  web: {
    reason: 'INC-5012: nginx still routes to the canary',
    commands: [
      sudo(
        'systemctl restart nginx',
        'Job for nginx.service failed because the control process exited with error code.\nSee "systemctl status nginx.service" and "journalctl -xeu nginx.service" for details.',
        { exitCode: 1 },
      ),
      sudo(
        'nginx -t',
        'nginx: [emerg] host not found in upstream "checkout-canary.shop.svc" in /etc/nginx/sites-enabled/shop.conf:18\nnginx: configuration file /etc/nginx/nginx.conf test failed',
        { exitCode: 1 },
      ),
      sudo('vim /etc/nginx/sites-enabled/shop.conf', '', { seconds: 45 }),
      sudo('nginx -t', NGINX_OK),
      sudo('systemctl restart nginx'),
      run('curl -sI https://shop.acme.example/ | head -n 1', 'HTTP/2 200'),
    ],
  },
};

/** A command that never reports back (the agent loses it): UNRESPONSIVE once the sweeper sees it. */
export const HANGING_BACKUP: DemoTask = {
  reason: 'rebuild the staging replica',
  commands: [
    sudo('pg_ctlcluster 16 main stop'),
    run('pg_basebackup -h 203.0.113.31 -U replicator -D /var/lib/postgresql/16/main -X stream -P', '', { seconds: 3600 }),
  ],
};

/** Agent housekeeping, reported as INTERNAL commands with no operator. */
export const INTERNAL: readonly DemoCommand[] = [
  run('apt-get update -qq', ''),
  run('/usr/sbin/logrotate /etc/logrotate.conf', ''),
  run('vigil-agent collect-facts --quiet', 'facts: 48 collected, 0 changed'),
];

export const INTERNAL_FAILURE: DemoCommand = run(
  'apt-get update -qq',
  "W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/noble/InRelease  Temporary failure resolving 'archive.ubuntu.com'\nE: Some index files failed to download. They have been ignored, or old ones used instead.",
  { exitCode: 100, seconds: 31 },
);

/** What the deploy pipeline sends through the platform's API with Jonas's CI token. */
export function pipelineDeploy(service: string, version: string): DemoCommand[] {
  return [
    run(
      `kubectl -n shop set image deployment/${service} ${service}=registry.acme.example/shop/${service}:${version}`,
      `deployment.apps/${service} image updated`,
    ),
    run(`kubectl -n shop rollout status deployment/${service} --timeout=300s`, `deployment "${service}" successfully rolled out`, { seconds: 52 }),
  ];
}
