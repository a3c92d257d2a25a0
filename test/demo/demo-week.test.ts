/**
 * The demo week, written into a new tenant of a running Vigil by `vigil demo`'s own code (on the
 * test file's database, without a process), then read back through the API: what the command
 * prints, the counts the plan designs,
 * every command status and request outcome, the row scoping of a regular user of the demo, the
 * verifiable log and the audit chain intact, a recording that downloads as asciicast v2, and a
 * second demo into the same tenant refused without a write.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemo } from '../../server/cli/demo.js';
import { loadConfig, type Config } from '../../server/config.js';
import { queryRows } from '../../server/db/database.js';
import { planDemo } from '../../server/demo/plan-week.js';
import type { DemoSummary } from '../../server/demo/demo-summary.js';
import { Conflict } from '../../server/errors.js';
import { errorCodes } from '../support/graphql-client.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestVigil, TEST_SECRET_KEY, TEST_SIGNING_KEY, type TestVigil } from '../support/test-vigil.js';

const RECORDS = { unresponsiveAfterSeconds: 300, maxClockSkewSeconds: 300 };
const LUCAS = 'lucas.moreau@acme.example';

let t: TestVigil;
let config: Config;
let summary: DemoSummary;
let seedingMs: number;
const printed: string[] = [];
const said: string[] = [];

/** Every node of a list, page by page (500 a page). */
async function everything<T>(token: string, field: string, selection: string, filter = '{}'): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | null = null;
  do {
    const page: { data?: any; errors?: unknown } = await t.gql<any>(
      `query($after: String) { ${field}(first: 500, after: $after, filter: ${filter}) { nodes { ${selection} } pageInfo { hasNextPage endCursor } } }`,
      token,
      { after },
    );
    if (page.errors) throw new Error(JSON.stringify(page.errors));
    nodes.push(...page.data![field].nodes);
    after = page.data![field].pageInfo.hasNextPage ? page.data![field].pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

const tally = (values: string[]) => values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});
const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

beforeAll(async () => {
  const database = await createTestDatabase();
  // The background jobs run on a clock of their own, standing still at the start (test-vigil.ts).
  t = await startTestVigil({ database });
  config = loadConfig({
    LOG_LEVEL: 'silent',
    VIGIL_SECRET_KEY: TEST_SECRET_KEY,
    VIGIL_AUDIT_SIGNING_KEY: TEST_SIGNING_KEY,
    VIGIL_UNRESPONSIVE_AFTER: String(RECORDS.unresponsiveAfterSeconds),
    ...database.env,
  });
  const started = Date.now();
  summary = await writeDemo(t.vigil.database, config, { tenant: 'acme', seed: 1 }, { print: (line) => printed.push(line), say: (line) => said.push(line) });
  seedingMs = Date.now() - started;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('the demo week', () => {
  it('prints the summary and two tokens as the result, and the days as they are written as progress', () => {
    expect(printed).toHaveLength(10);
    expect(printed[0]).toBe(
      `Demo tenant "acme" (Acme platform team (demo), ${summary.tenant.id}): a week of history from ${summary.from.toISOString().slice(0, 16).replace('T', ' ')} UTC to ${summary.until.toISOString().slice(0, 16).replace('T', ' ')} UTC, seed 1.`,
    );
    expect(printed.slice(-2)).toEqual([
      `Admin token for maya.okafor@acme.example (shown once): ${summary.admin.token}`,
      `User token for ${LUCAS} (shown once): ${summary.user.token}`,
    ]);
    expect(said[0]).toMatch(/^Writing a demo week into tenant "acme" \(seed 1\): \d+ steps from /);
    // A line per day: the seven full days and today.
    expect(
      said.filter((line) => /^ {2}\w{3}, \d\d \w{3}: \d+ requests?, \d+ commands?, \d+ agent events?, \d recordings? \(\d+\.\d s\)$/.test(line)),
    ).toHaveLength(8);
    expect(said.at(-1)).toMatch(/^Demo written in \d+\.\d s\./);
  });

  it('holds the cast and exactly the records its plan designs, kind by kind and status by status', () => {
    const plan = planDemo({ seed: 1, until: summary.until, unresponsiveAfterSeconds: RECORDS.unresponsiveAfterSeconds });
    const { counts } = summary;
    expect({
      users: counts.users,
      servers: counts.servers,
      policies: counts.approval_policies,
      channels: counts.notification_channels,
      rules: counts.alert_rules,
    }).toEqual({
      users: 12,
      servers: 10,
      policies: 4,
      channels: 3,
      rules: 4,
    });
    expect(counts.approvals).toEqual(nonZero(plan.expected.approvals));
    expect(counts.access_sessions).toEqual(nonZero(plan.expected.accessSessions));
    expect(counts.commands).toEqual(nonZero(plan.expected.commands));
    expect({
      terminalSessions: counts.terminal_sessions,
      recordings: counts.terminal_recordings,
      fileTransfers: counts.file_transfers,
      systemLogs: counts.system_logs,
      sudo: counts.sudo_authorizations,
    }).toEqual({
      terminalSessions: plan.expected.terminalSessions,
      recordings: plan.expected.recordings,
      fileTransfers: plan.expected.fileTransfers,
      systemLogs: plan.expected.systemLogs,
      sudo: plan.expected.sudoAuthorizations,
    });
    // A week, ending now: from 06:00 UTC seven days before today, so at least 6 days and 18 hours
    // (just after midnight) whatever the time of day; thousands of events, not millions.
    expect(summary.until.getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);
    expect(summary.until.getTime() - summary.from.getTime()).toBeGreaterThanOrEqual(6.75 * 86_400_000);
    expect(counts.system_logs + Object.values(counts.commands).reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    console.info(`demo week written in ${seedingMs} ms`);
  });

  it('shows every command status, every way a request is decided, and alerts in every state', async () => {
    const admin = summary.admin.token;
    const commands = await everything<{ status: string }>(admin, 'commands', 'status');
    expect(Object.keys(tally(commands.map((command) => command.status))).sort()).toEqual(['FAILED', 'RUNNING', 'SCHEDULED', 'SUCCESS', 'UNRESPONSIVE']);

    const approvals = await everything<{ kind: string; status: string; isAutoApproved: boolean; decisions: { decision: string; channel: string }[] }>(
      admin,
      'approvals',
      'kind status isAutoApproved decisions { decision channel }',
    );
    const outcomes = new Set(
      approvals.map((approval) => {
        if (approval.isAutoApproved) return `${approval.kind} AUTO_APPROVED`;
        const approvedBy = approval.decisions.filter((decision) => decision.decision === 'APPROVE').length;
        return approval.status === 'APPROVED' && approvedBy === 2 ? `${approval.kind} APPROVED_BY_TWO` : `${approval.kind} ${approval.status}`;
      }),
    );
    for (const outcome of ['APPROVED', 'AUTO_APPROVED', 'APPROVED_BY_TWO', 'DENIED', 'EXPIRED', 'CANCELLED', 'PENDING'])
      expect(outcomes).toContain(`ACCESS ${outcome}`);
    for (const outcome of ['APPROVED', 'AUTO_APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED', 'PENDING']) expect(outcomes).toContain(`SUDO ${outcome}`);
    // Waiting for a second approval at the end.
    expect(approvals.some((approval) => approval.status === 'PENDING' && approval.decisions.length === 1)).toBe(true);
    expect(new Set(approvals.flatMap((approval) => approval.decisions.map((decision) => decision.channel)))).toEqual(new Set(['WEB', 'API', 'SLACK']));

    const alerts = await everything<{ state: string }>(admin, 'alerts', 'state');
    expect(Object.keys(tally(alerts.map((alert) => alert.state))).sort()).toEqual(['ACKNOWLEDGED', 'FIRED', 'RESOLVED']);
    const levels = await everything<{ level: string }>(admin, 'systemLogs', 'level');
    expect(Object.keys(tally(levels.map((log) => log.level))).length).toBeGreaterThanOrEqual(6);
    const sessions = await everything<{ status: string }>(admin, 'accessSessions', 'status');
    expect(Object.keys(tally(sessions.map((session) => session.status))).sort()).toEqual([
      'ACTIVE',
      'APPROVED',
      'CANCELLED',
      'DENIED',
      'ENDED',
      'EXPIRED',
      'PENDING',
      'REVOKED',
    ]);
  });

  it('shows a regular user of the demo their own rows only', async () => {
    const user = summary.user.token;
    expect(summary.user.email).toBe(LUCAS);
    const me = await t.gql<any>('{ me { email role } }', user);
    expect(me.data!.me).toEqual({ email: LUCAS, role: 'USER' });

    const commands = await everything<{ operator: { email: string } | null }>(user, 'commands', 'operator { email }');
    const sessions = await everything<{ requester: { email: string } }>(user, 'accessSessions', 'requester { email }');
    const approvals = await everything<{ requester: { email: string } }>(user, 'approvals', 'requester { email }');
    const terminals = await everything<{ user: { email: string } | null }>(user, 'terminalSessions', 'user { email }');
    const transfers = await everything<{ user: { email: string } | null }>(user, 'fileTransfers', 'user { email }');
    for (const rows of [
      commands.map((row) => row.operator?.email),
      sessions.map((row) => row.requester.email),
      approvals.map((row) => row.requester.email),
      terminals.map((row) => row.user?.email),
    ]) {
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows)).toEqual(new Set([LUCAS]));
    }
    expect(transfers.every((row) => row.user?.email === LUCAS)).toBe(true);

    // Exactly the rows that are theirs, as the admin sees them.
    const everyCommand = await everything<{ operator: { email: string } | null }>(summary.admin.token, 'commands', 'operator { email }');
    expect(commands).toHaveLength(everyCommand.filter((row) => row.operator?.email === LUCAS).length);
    expect(everyCommand.length).toBeGreaterThan(commands.length);

    expect(errorCodes(await t.gql('{ systemLogs(first: 1) { nodes { id } } }', user))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ activityLog(first: 1) { nodes { id } } }', user))).toEqual(['FORBIDDEN']);
    const recordings = await t.gql<any>('{ terminalRecordings(first: 50) { nodes { id user { email } } } }', summary.admin.token);
    const others = recordings.data!.terminalRecordings.nodes.filter((recording: any) => recording.user.email !== LUCAS);
    const own = await t.gql<any>('{ terminalRecordings(first: 50) { nodes { id user { email } } } }', user);
    expect(own.data!.terminalRecordings.nodes.map((recording: any) => recording.user.email)).toEqual([LUCAS]);
    expect(errorCodes(await t.gql('query($id: ID!) { terminalRecording(id: $id) { id } }', user, { id: others[0].id }))).toEqual(['FORBIDDEN']);
  });

  it('verifies whole: the verifiable log and the audit chain, with no fault', async () => {
    const report = await t.gql<any>(
      '{ logIntegrity { isIntact faultCount faults { kind message } checkedRecords } auditIntegrity { isIntact checkedEntries fault { kind message } } }',
      summary.admin.token,
    );
    expect(report.errors).toBeUndefined();
    expect(report.data!.logIntegrity).toMatchObject({ isIntact: true, faultCount: 0, faults: [] });
    expect(report.data!.logIntegrity.checkedRecords).toBeGreaterThan(2000);
    expect(report.data!.auditIntegrity).toMatchObject({ isIntact: true, fault: null });
  });

  it('has recordings that download as asciicast v2 files', async () => {
    const list = await t.gql<any>(
      '{ terminalRecordings(first: 50) { nodes { id status durationSeconds eventCount gaps { fromSeq toSeq } downloadPath } } }',
      summary.admin.token,
    );
    const recordings = list.data!.terminalRecordings.nodes;
    expect(recordings.map((recording: any) => recording.status).sort()).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE', 'RECORDING']);
    expect(recordings.filter((recording: any) => recording.gaps.length > 0)).toHaveLength(1);

    for (const recording of recordings.filter((candidate: any) => candidate.status === 'COMPLETE')) {
      const response = await fetch(`${t.url.replace(/\/graphql$/, '')}${recording.downloadPath}`, {
        headers: { authorization: `Bearer ${summary.admin.token}` },
      });
      expect(response.status).toBe(200);
      const [first, ...lines] = (await response.text()).trimEnd().split('\n');
      const header = JSON.parse(first!);
      expect(header).toMatchObject({ version: 2, width: 120, height: 34, env: { SHELL: '/bin/bash', TERM: 'xterm-256color' } });
      expect(header.duration).toBe(recording.durationSeconds);
      const events = lines.map((line) => JSON.parse(line) as [number, string, string]);
      expect(events).toHaveLength(recording.eventCount);
      let last = 0;
      for (const [seconds, code, data] of events) {
        expect(['o', 'i', 'r', 'm']).toContain(code);
        expect(typeof data).toBe('string');
        expect(seconds).toBeGreaterThanOrEqual(last);
        last = seconds;
      }
      expect(events.some(([, code]) => code === 'o')).toBe(true);
    }
  });

  it('refuses a second demo into the same tenant, and writes nothing', async () => {
    const written = () =>
      queryRows<{ audit: number; leaves: number; users: number; commands: number }>(
        t.vigil.database.db,
        sql`select (select count(*)::int from audit_entries where tenant_id = ${summary.tenant.id}) as audit,
                   (select count(*)::int from log_leaves where tenant_id = ${summary.tenant.id}) as leaves,
                   (select count(*)::int from users where tenant_id = ${summary.tenant.id}) as users,
                   (select count(*)::int from commands where tenant_id = ${summary.tenant.id}) as commands`,
      );
    const before = await written();
    const refusal = await writeDemo(t.vigil.database, config, { tenant: 'acme', seed: 2 }, { print: () => {}, say: () => {} }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(Conflict);
    expect((refusal as Conflict).message).toBe(
      'Tenant acme already holds 12 users and 10 servers: demo data goes only into an empty tenant, so it never mixes with real records. Nothing was written; name a new tenant (--tenant acme-demo).',
    );
    expect(await written()).toEqual(before);
  });

  it('plans the same week from the same seed, and another from another seed', () => {
    const until = new Date('2026-03-11T15:42:07Z');
    const plan = (seed: number) => planDemo({ seed, until, unresponsiveAfterSeconds: 300 });
    expect(JSON.stringify(plan(7))).toBe(JSON.stringify(plan(7)));
    expect(JSON.stringify(plan(8).steps)).not.toBe(JSON.stringify(plan(7).steps));
    expect(plan(7).steps.at(-1)!.at.getTime()).toBeLessThanOrEqual(until.getTime());
  });
});
