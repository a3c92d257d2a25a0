/**
 * The agent's sudo check through the API (authorizeSudo), and the grants it reads: sudo requests
 * approved in a session, a session's `*` grants, admin grants (grantSudo / revokeSudoAuthorization),
 * expiry, revocation, patterns, who may ask, and the record every check leaves (sudoChecks, audit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import type { TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import {
  advance,
  AUTHORIZE_SUDO,
  authorizeSudoAs,
  buildApprovalsFixture,
  decideAs,
  requestAccessAs,
  requestSudoAs,
  sweep,
  type ApprovalsFixture,
} from '../support/approvals-fixture.js';

let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
});
afterAll(() => t?.close());

const GRANT_FIELDS = `id command isPattern grantedVia approvalId expiresAt revokedAt isActive grantedBy { email } revokedBy { email }`;
const GRANT = `mutation($input: GrantSudoInput!) { grantSudo(input: $input) { ${GRANT_FIELDS} } }`;
const REVOKE_GRANT = `mutation($id: ID!, $reason: String!) { revokeSudoAuthorization(id: $id, reason: $reason) { ${GRANT_FIELDS} } }`;
const END = `mutation($id: ID!) { endAccessSession(id: $id) { status } }`;
const SESSION = `query($id: ID!) { accessSession(id: $id) { status } }`;
const CHECKS = `query($filter: SudoCheckFilterInput) { sudoChecks(filter: $filter, first: 500) { nodes { id outcome isAllowed command userRef } } }`;
const AUDIT = `query($filter: AuditLogFilterInput) { auditLog(filter: $filter, first: 500) { nodes { action actorType actorEmail resourceType resourceId resourceName after } } }`;

let users = 0;
/** A person of the tenant with nothing granted yet: tests do not share grants (the clock moves for all). */
function freshUser(): Promise<TestUser> {
  users += 1;
  return t.createUser(t.admin.tenantId, { email: `sudoer-${users}@example.test`, groups: ['dev'] });
}

/** Asks as the agent and expects an answer (no errors). */
async function check(server: TestServer, userRef: string, command: string) {
  const response = await authorizeSudoAs(t, server, userRef, command);
  expect(response.errors).toBeUndefined();
  return response.data!.authorizeSudo;
}

async function grant(input: Record<string, unknown>, token = t.admin.token) {
  return t.gql(GRANT, token, { input: { server: 'web-01', reason: 'on-call this week', ...input } });
}

async function adminGrant(input: Record<string, unknown>) {
  const response = await grant(input);
  expect(response.errors).toBeUndefined();
  return response.data!.grantSudo;
}

/** An access session of `who`'s, approved by the admin and in force now. */
async function activeSession(who: TestUser, input: Record<string, unknown>) {
  const requested = await requestAccessAs(t, who, input);
  expect(requested.errors).toBeUndefined();
  const approved = await decideAs(t, f.admin, requested.data!.requestAccess.id, 'APPROVE');
  expect(approved.data!.decideApproval.accessSession.status).toBe('ACTIVE');
  return { approvalId: requested.data!.requestAccess.id as string, sessionId: requested.data!.requestAccess.accessSession.id as string };
}

/** A sudo request of `who`'s for `command` on web-01, approved by bob: the resulting request. */
async function approvedSudo(who: TestUser, command: string) {
  const requested = await requestSudoAs(t, who, { server: 'web-01', command });
  expect(requested.errors).toBeUndefined();
  expect(requested.data!.requestSudo.status).toBe('PENDING');
  const decided = await decideAs(t, f.bob, requested.data!.requestSudo.id, 'APPROVE');
  expect(decided.errors).toBeUndefined();
  expect(decided.data!.decideApproval.status).toBe('APPROVED');
  return decided.data!.decideApproval;
}

const denied = { isAllowed: false, authorization: null };

describe('granted', () => {
  it('allows the command an approved sudo request granted, by email or id, whitespace aside', async () => {
    await activeSession(f.alice, { servers: ['web-01'] });
    const request = await approvedSudo(f.alice, 'systemctl restart nginx');
    const grantId = request.sudoAuthorization.id;
    expect(request.sudoAuthorization).toMatchObject({ command: 'systemctl restart nginx', isPattern: false, grantedVia: 'APPROVAL', approvalId: request.id });

    const expected = {
      isAllowed: true,
      authorization: { id: grantId, command: 'systemctl restart nginx', grantedVia: 'APPROVAL', approvalId: request.id, policyId: null },
    };
    const byEmail = await check(f.web, f.alice.email, 'systemctl restart nginx');
    expect(byEmail).toMatchObject({ ...expected, check: { outcome: 'GRANTED', userRef: f.alice.email, command: 'systemctl restart nginx' } });
    const byId = await check(f.web, f.alice.id, 'systemctl restart nginx');
    expect(byId).toMatchObject({ ...expected, check: { outcome: 'GRANTED', userRef: f.alice.id } });
    expect(byId.check.id).not.toBe(byEmail.check.id);

    const spaced = await check(f.web, f.alice.email, '  systemctl   restart \t nginx ');
    expect(spaced).toMatchObject({ ...expected, check: { outcome: 'GRANTED', command: 'systemctl restart nginx' } });

    for (const other of ['systemctl stop nginx', 'systemctl restart nginx2', 'systemctl restart']) {
      expect(await check(f.web, f.alice.email, other)).toMatchObject({ ...denied, check: { outcome: 'NOT_GRANTED' } });
    }
  });
});

describe('expired', () => {
  it('ends an admin grant after its duration', async () => {
    const user = await freshUser();
    const given = await adminGrant({ user: user.email, command: 'systemctl reload nginx', durationMinutes: 10 });
    expect(given).toMatchObject({ grantedVia: 'ADMIN', approvalId: null, isActive: true, grantedBy: { email: t.admin.email } });
    expect(new Date(given.expiresAt).getTime() - t.clock.now().getTime()).toBe(10 * 60_000);
    expect(await check(f.web, user.email, 'systemctl reload nginx')).toMatchObject({ isAllowed: true, authorization: { id: given.id, grantedVia: 'ADMIN' } });

    advance(t, 9);
    expect((await check(f.web, user.email, 'systemctl reload nginx')).check.outcome).toBe('GRANTED');
    advance(t, 2);
    expect(await check(f.web, user.email, 'systemctl reload nginx')).toMatchObject({ ...denied, check: { outcome: 'EXPIRED' } });
    // An expired grant is not revoked afterwards.
    expect(errorCodes(await t.gql(REVOKE_GRANT, t.admin.token, { id: given.id, reason: 'too late' }))).toEqual(['CONFLICT']);
  });

  it('ends a grant made in a session at the session’s end, swept or not', async () => {
    const user = await freshUser();
    const { sessionId } = await activeSession(user, { servers: ['web-01'], durationMinutes: 30 });
    const request = await approvedSudo(user, 'journalctl -u nginx');
    expect((await check(f.web, user.id, 'journalctl -u nginx')).authorization.id).toBe(request.sudoAuthorization.id);

    advance(t, 31);
    expect(await check(f.web, user.id, 'journalctl -u nginx')).toMatchObject({ ...denied, check: { outcome: 'EXPIRED' } });
    await sweep(t);
    expect((await t.gql(SESSION, user.token, { id: sessionId })).data!.accessSession.status).toBe('EXPIRED');
    expect(await check(f.web, user.id, 'journalctl -u nginx')).toMatchObject({ ...denied, check: { outcome: 'EXPIRED' } });
  });
});

describe('revoked', () => {
  it('lets an admin revoke a grant, with a reason, once', async () => {
    const user = await freshUser();
    const given = await adminGrant({ user: user.id, command: 'nginx -s reload' });
    expect(given.expiresAt).toBeNull();
    expect((await check(f.web, user.email, 'nginx -s reload')).check.outcome).toBe('GRANTED');

    const blank = await t.gql(REVOKE_GRANT, t.admin.token, { id: given.id, reason: '  ' });
    expect(errorCodes(blank)).toEqual(['BAD_USER_INPUT']);
    expect(blank.errors![0]!.extensions.field).toBe('reason');
    expect(errorCodes(await t.gql(REVOKE_GRANT, f.bob.token, { id: given.id, reason: 'not yours' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(REVOKE_GRANT, f.other.admin.token, { id: given.id, reason: 'not yours' }))).toEqual(['NOT_FOUND']);
    expect((await check(f.web, user.email, 'nginx -s reload')).check.outcome).toBe('GRANTED');

    const revoked = await t.gql(REVOKE_GRANT, t.admin.token, { id: given.id, reason: 'left the on-call rota' });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeSudoAuthorization).toMatchObject({ id: given.id, isActive: false, revokedBy: { email: t.admin.email } });
    expect(revoked.data!.revokeSudoAuthorization.revokedAt).not.toBeNull();
    expect(await check(f.web, user.email, 'nginx -s reload')).toMatchObject({ ...denied, check: { outcome: 'REVOKED' } });

    const again = await t.gql(REVOKE_GRANT, t.admin.token, { id: given.id, reason: 'again' });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });

  it('revokes the grants of a session its requester ends, and only those', async () => {
    const user = await freshUser();
    const standing = await adminGrant({ user: user.email, command: 'systemctl restart php-fpm' });
    const { sessionId } = await activeSession(user, { servers: ['web-01', 'db-01'], isSudoRequested: true });
    // The literal grant is the one that answers, though the session's `*` covers the command too.
    expect((await check(f.web, user.email, 'systemctl restart php-fpm')).authorization).toMatchObject({
      id: standing.id,
      command: 'systemctl restart php-fpm',
    });
    expect((await check(f.db, user.email, 'whoami')).check.outcome).toBe('GRANTED');
    // Asking for what the session's `*` already covers files nothing: the grant answers (issue 29).
    const covered = await requestSudoAs(t, user, { server: 'db-01', command: 'systemctl restart postgresql' });
    expect(covered.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.command' });

    const ended = await t.gql(END, user.token, { id: sessionId });
    expect(ended.data!.endAccessSession.status).toBe('ENDED');
    expect(await check(f.web, user.email, 'whoami')).toMatchObject({ ...denied, check: { outcome: 'REVOKED' } });
    expect(await check(f.db, user.email, 'whoami')).toMatchObject({ ...denied, check: { outcome: 'REVOKED' } });
    // The standing grant was not the session's: it still answers.
    expect((await check(f.web, user.email, 'systemctl restart php-fpm')).authorization).toMatchObject({ id: standing.id });
  });
});

describe('never granted', () => {
  it('tells an unknown user from one without grants, and keeps grants to their server', async () => {
    const user = await freshUser();
    expect(await check(f.web, user.email, 'systemctl restart nginx')).toMatchObject({ ...denied, check: { outcome: 'NOT_GRANTED', userRef: user.email } });
    expect(await check(f.web, 'nobody@example.test', 'systemctl restart nginx')).toMatchObject({
      ...denied,
      check: { outcome: 'UNKNOWN_USER', userRef: 'nobody@example.test' },
    });
    expect((await check(f.web, '0190a0b0-0000-7000-8000-000000000999', 'ls')).check.outcome).toBe('UNKNOWN_USER');

    const given = await adminGrant({ user: user.email, command: 'uptime' });
    expect((await check(f.web, user.email, 'uptime')).authorization.id).toBe(given.id);
    expect(await check(f.db, user.email, 'uptime')).toMatchObject({ ...denied, check: { outcome: 'NOT_GRANTED' } });
    expect((await check(f.dev, user.email, 'uptime')).check.outcome).toBe('NOT_GRANTED');
  });
});

describe('patterns', () => {
  it('gives a session with sudo requested `*` on its servers, and only those', async () => {
    const user = await freshUser();
    const { approvalId } = await activeSession(user, { servers: ['web-01', 'db-01'], isSudoRequested: true });
    const onWeb = await check(f.web, user.email, 'rm -rf /var/cache/nginx/*');
    expect(onWeb).toMatchObject({ isAllowed: true, check: { outcome: 'GRANTED' }, authorization: { command: '*', grantedVia: 'APPROVAL', approvalId } });
    const onDb = await check(f.db, user.id, 'pg_ctl restart');
    expect(onDb).toMatchObject({ isAllowed: true, authorization: { command: '*', approvalId } });
    expect(onDb.authorization.id).not.toBe(onWeb.authorization.id);
    expect(await check(f.dev, user.email, 'ls')).toMatchObject({ ...denied, check: { outcome: 'NOT_GRANTED' } });
  });

  it('matches an admin pattern grant, and a literal `*` only literally', async () => {
    const user = await freshUser();
    const pattern = await adminGrant({ user: user.email, command: 'apt-get  install *', isPattern: true });
    expect(pattern).toMatchObject({ command: 'apt-get install *', isPattern: true });
    expect((await check(f.web, user.email, 'apt-get install curl')).authorization).toMatchObject({ id: pattern.id });
    expect((await check(f.web, user.email, 'apt-get   install curl wget')).check.outcome).toBe('GRANTED');
    expect(await check(f.web, user.email, 'apt-get remove curl')).toMatchObject({ ...denied, check: { outcome: 'NOT_GRANTED' } });
    expect((await check(f.web, user.email, 'sudo apt-get install curl')).check.outcome).toBe('NOT_GRANTED');

    const literal = await adminGrant({ user: user.email, command: 'cat /var/log/*' });
    expect(literal.isPattern).toBe(false);
    expect((await check(f.web, user.email, 'cat /var/log/*')).authorization.id).toBe(literal.id);
    expect((await check(f.web, user.email, 'cat /var/log/syslog')).check.outcome).toBe('NOT_GRANTED');
  });

  it('reads a wildcard as argument text only: operators, substitutions, redirections and line breaks never match unless the grant spells them', async () => {
    const user = await freshUser();
    const logs = await adminGrant({ user: user.email, command: 'journalctl -u *', isPattern: true });
    for (const command of ['journalctl -u nginx', "journalctl -u 'nginx; sh'", 'journalctl -u nginx -f']) {
      expect((await check(f.web, user.email, command)).authorization, command).toMatchObject({ id: logs.id });
    }
    const hostile = [
      'journalctl -u nginx; sh',
      'journalctl -u nginx && sh',
      'journalctl -u nginx | sh',
      'journalctl -u nginx > /etc/sudoers',
      'journalctl -u nginx\nsh',
      'journalctl -u "$(sh)"',
      'journalctl -u `sh`',
      'journalctl -u $(id)',
      'journalctl -u $SHELL',
      'journalctl -u nginx #',
    ];
    for (const command of hostile) expect((await check(f.web, user.email, command)).check.outcome, command).toBe('NOT_GRANTED');

    const piped = await adminGrant({ user: user.email, command: 'journalctl -u * | tail -n *', isPattern: true });
    expect((await check(f.web, user.email, 'journalctl -u nginx | tail -n 50')).authorization).toMatchObject({ id: piped.id });
    expect((await check(f.web, user.email, 'journalctl -u nginx | sh')).check.outcome).toBe('NOT_GRANTED');
  });

  it('answers with the literal grant when a newer pattern covers the command too', async () => {
    const user = await freshUser();
    const literal = await adminGrant({ user: user.email, command: 'systemctl restart redis' });
    advance(t, 1);
    const pattern = await adminGrant({ user: user.email, command: 'systemctl restart *', isPattern: true });
    expect((await check(f.web, user.email, 'systemctl restart redis')).authorization).toMatchObject({ id: literal.id, command: 'systemctl restart redis' });
    expect((await check(f.web, user.email, 'systemctl restart memcached')).authorization).toMatchObject({ id: pattern.id, command: 'systemctl restart *' });
  });
});

describe('who may ask and grant', () => {
  it('takes sudo checks from agent tokens only, each for its own server', async () => {
    const asUser = await t.gql(AUTHORIZE_SUDO, f.alice.token, { input: { user: f.alice.email, command: 'ls' } });
    expect(errorCodes(asUser)).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(AUTHORIZE_SUDO, undefined, { input: { user: f.alice.email, command: 'ls' } }))).not.toEqual([]);

    for (const server of ['db-01', f.db.id, 'other-01', f.other.server.id, 'nope-99']) {
      const response = await t.gql(AUTHORIZE_SUDO, f.web.agentToken, { input: { server, user: f.alice.email, command: 'ls' } });
      expect(errorCodes(response), server).toEqual(['FORBIDDEN']);
    }
    for (const server of ['web-01', f.web.id]) {
      const response = await t.gql(AUTHORIZE_SUDO, f.web.agentToken, { input: { server, user: f.alice.email, command: 'ls' } });
      expect(response.errors, server).toBeUndefined();
    }
  });

  it('lets only admins grant, naming the field when the server or user is unknown', async () => {
    const user = await freshUser();
    expect(errorCodes(await grant({ user: user.email, command: 'ls' }, f.bob.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await grant({ user: user.email, command: 'ls' }, f.web.agentToken))).toEqual(['FORBIDDEN']);
    for (const [input, field] of [
      [{ server: 'nope-99', user: user.email }, 'input.server'],
      [{ server: 'other-01', user: user.email }, 'input.server'],
      [{ user: 'nobody@example.test' }, 'input.user'],
      [{ user: f.other.admin.email }, 'input.user'],
      [{ user: f.other.admin.id }, 'input.user'],
    ] as const) {
      const response = await grant({ command: 'ls', ...input });
      expect(errorCodes(response), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions.field).toBe(field);
    }
    expect((await check(f.web, user.email, 'ls')).check.outcome).toBe('NOT_GRANTED');
  });

  it('does not let another tenant’s agent see this tenant’s people', async () => {
    const user = await freshUser();
    await adminGrant({ user: user.email, command: '*', isPattern: true });
    expect((await check(f.web, user.id, 'id')).check.outcome).toBe('GRANTED');
    for (const ref of [user.id, user.email]) {
      expect(await check(f.other.server, ref, 'id')).toMatchObject({ ...denied, check: { outcome: 'UNKNOWN_USER', userRef: ref } });
    }
  });
});

describe('every check is recorded', () => {
  it('lists checks to admins, filtered, and audits each as sudo.checked by the agent', async () => {
    const user = await freshUser();
    await adminGrant({ user: user.email, command: 'df -h' });
    const allowed = await check(f.web, user.email, 'df  -h');
    advance(t, 1);
    const refused = await check(f.web, user.id, 'du -sh /');
    advance(t, 1);
    const ghost = await check(f.web, 'ghost@example.test', 'df -h');
    const foreign = await check(f.other.server, user.id, 'df -h');

    const list = async (filter: Record<string, unknown>, token = t.admin.token) => {
      const response = await t.gql(CHECKS, token, { filter });
      expect(response.errors).toBeUndefined();
      return response.data!.sudoChecks.nodes;
    };
    expect(await list({ userId: user.id })).toEqual([
      { id: refused.check.id, outcome: 'NOT_GRANTED', isAllowed: false, command: 'du -sh /', userRef: user.id },
      { id: allowed.check.id, outcome: 'GRANTED', isAllowed: true, command: 'df -h', userRef: user.email },
    ]);
    expect((await list({ userId: user.id, isAllowed: true })).map((node: { id: string }) => node.id)).toEqual([allowed.check.id]);
    expect((await list({ userId: user.id, isAllowed: false })).map((node: { id: string }) => node.id)).toEqual([refused.check.id]);
    expect((await list({ userId: user.id, outcome: ['NOT_GRANTED'] })).map((node: { id: string }) => node.id)).toEqual([refused.check.id]);
    expect(await list({ userId: user.id, outcome: ['EXPIRED', 'REVOKED'] })).toEqual([]);
    expect(await list({ userId: user.id, serverId: f.db.id })).toEqual([]);
    const unknown = await list({ outcome: ['UNKNOWN_USER'] });
    expect(unknown).toContainEqual({ id: ghost.check.id, outcome: 'UNKNOWN_USER', isAllowed: false, command: 'df -h', userRef: 'ghost@example.test' });
    // The other tenant's check stays in the other tenant.
    expect(unknown.map((node: { id: string }) => node.id)).not.toContain(foreign.check.id);
    expect((await list({}, f.other.admin.token)).map((node: { id: string }) => node.id)).toContain(foreign.check.id);

    expect(errorCodes(await t.gql(CHECKS, f.alice.token, {}))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(CHECKS, f.bob.token, {}))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(CHECKS, f.web.agentToken, {}))).toEqual(['FORBIDDEN']);

    for (const [result, command, outcome] of [
      [allowed, 'df -h', 'granted'],
      [refused, 'du -sh /', 'not_granted'],
    ] as const) {
      const audit = await t.gql(AUDIT, t.admin.token, { filter: { action: ['sudo.checked'], resourceId: result.check.id } });
      expect(audit.errors).toBeUndefined();
      expect(audit.data!.auditLog.nodes).toHaveLength(1);
      expect(audit.data!.auditLog.nodes[0]).toMatchObject({
        action: 'sudo.checked',
        actorType: 'AGENT',
        actorEmail: null,
        resourceType: 'sudo_check',
        resourceName: command,
        after: { userId: user.id, command, isAllowed: outcome === 'granted', outcome, serverId: f.web.id },
      });
    }
    const byAgents = await t.gql(AUDIT, t.admin.token, { filter: { action: ['sudo.checked'], actorType: 'AGENT' } });
    const audited = byAgents.data!.auditLog.nodes.map((node: { resourceId: string }) => node.resourceId);
    expect(audited).toEqual(expect.arrayContaining([allowed.check.id, refused.check.id, ghost.check.id]));
    expect(audited).not.toContain(foreign.check.id);
  });
});
