/**
 * A directive no agent answers is itself a finding: a DIRECTIVE_OVERDUE alert rule fires once per
 * directive that waited longer than its window (a revocation nobody carried out), and the alert
 * resolves once the agent answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlertRules } from '../../server/alerts/evaluate-rules.js';
import { ManualClock } from '../../server/clock.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { addServer, ingest, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const clock = new ManualClock(new Date('2026-12-06T12:00:00Z'));
let t: TestVigil;
let web: TestServer;
let dev: TestServer;

beforeAll(async () => {
  t = await startTestVigil({ clock });
  web = await addServer(t, t.admin.tenantId, 'web-01', [{ key: 'env', value: 'prod' }]);
  dev = await addServer(t, t.admin.tenantId, 'dev-01', [{ key: 'env', value: 'dev' }]);
  const rule = await t.gql(
    `mutation { createAlertRule(input: { name: "revocations carried out", condition: DIRECTIVE_OVERDUE, windowMinutes: 1, serverLabels: [{ key: "env", value: "prod" }], severity: HIGH }) { id } }`,
    t.admin.token,
  );
  expect(rule.errors).toBeUndefined();
});
afterAll(() => t?.close());

/** An open shell on `server`, terminated by the admin: the directive's id. */
async function terminatedShell(server: TestServer, eventId: string): Promise<string> {
  const started = await ingest(t, server.agentToken, [
    { eventId, kind: 'TERMINAL_SESSION_STARTED', terminalSessionStarted: { username: 'ops', source: 'SHELL_CLI', startedAt: clock.now().toISOString() } },
  ]);
  expect(started.errors).toBeUndefined();
  const id = started.data!.ingestEvents.events[0].recordId as string;
  const terminated = await t.gql(`mutation($id: ID!) { terminateTerminalSession(id: $id, reason: "incident 9") { id } }`, t.admin.token, { id });
  expect(terminated.errors).toBeUndefined();
  return terminated.data!.terminateTerminalSession.id as string;
}

const alerts = async () =>
  (await t.gql(`{ alerts(first: 20) { nodes { state severity title details } } }`, t.admin.token)).data!.alerts.nodes as {
    state: string;
    title: string;
    details: Record<string, unknown>;
  }[];

describe('a DIRECTIVE_OVERDUE rule', () => {
  it('fires once for a directive left unanswered past its window, on the servers it watches, and resolves when the agent answers', async () => {
    const directive = await terminatedShell(web, 'late-1');
    await terminatedShell(dev, 'late-2');
    expect(await evaluateAlertRules(testDeliveryDeps(t))).toBe(0);

    clock.advance(90_000);
    expect(await evaluateAlertRules(testDeliveryDeps(t))).toBe(1);
    expect(await evaluateAlertRules(testDeliveryDeps(t))).toBe(0);
    expect(await alerts()).toEqual([
      expect.objectContaining({
        state: 'FIRED',
        severity: 'HIGH',
        title: 'Agent of web-01 has not answered a directive',
        details: expect.objectContaining({ directiveId: directive, kind: 'terminate_session', cause: 'terminal_session.terminated' }),
      }),
    ]);

    const answered = await t.gql(`mutation($id: ID!) { acknowledgeDirective(input: { id: $id, outcome: GONE }) { outcome } }`, web.agentToken, {
      id: directive,
    });
    expect(answered.errors).toBeUndefined();
    await evaluateAlertRules(testDeliveryDeps(t));
    expect((await alerts()).map((alert) => alert.state)).toEqual(['RESOLVED']);
  });
});
