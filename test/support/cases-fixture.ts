/**
 * Incident cases' cast: an investigator (cases.manage, not an admin: sees only her own commands), a
 * regular user whose command she may not see, an admin, and another tenant with a command of its own.
 */
import { expect } from 'vitest';
import { addServer, ingest, minutesAgo, type TestServer } from './records-fixture.js';
import type { TestUser, TestVigil } from './test-vigil.js';

export interface CasesFixture {
  readonly admin: TestUser;
  readonly ivy: TestUser;
  readonly alice: TestUser;
  readonly web: TestServer;
  readonly aliceCommandId: string;
  readonly ivyCommandId: string;
  readonly other: { readonly admin: TestUser; readonly commandId: string };
}

let reported = 0;

/** Reports one finished command of `email` (null: the agent's own) through `server`; its id. */
export async function reportCommand(t: TestVigil, server: TestServer, line: string, email: string | null): Promise<string> {
  const response = await ingest(t, server.agentToken, [
    {
      eventId: `case-cmd-${(reported += 1)}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line, status: 'SUCCESS', ...(email ? { userEmail: email } : {}), submittedAt: minutesAgo(t, 5), exitCode: 0 },
    },
  ]);
  expect(response.errors).toBeUndefined();
  return response.data.ingestEvents.events[0].recordId as string;
}

export async function buildCasesFixture(t: TestVigil, slug: string): Promise<CasesFixture> {
  const { tenantId, admin } = await t.createTenant(slug);
  const ivy = await t.createUser(tenantId, { email: `ivy@${slug}.test`, permissions: ['cases.manage'] });
  const alice = await t.createUser(tenantId, { email: `alice@${slug}.test` });
  const web = await addServer(t, tenantId, `web-${slug}`);
  const aliceCommandId = await reportCommand(t, web, 'cat /etc/shadow', alice.email);
  const ivyCommandId = await reportCommand(t, web, 'journalctl -u sshd --since today', ivy.email);
  const other = await t.createTenant(`${slug}-other`);
  const otherServer = await addServer(t, other.tenantId, `other-${slug}`);
  const otherCommandId = await reportCommand(t, otherServer, 'id', null);
  return { admin, ivy, alice, web, aliceCommandId, ivyCommandId, other: { admin: other.admin, commandId: otherCommandId } };
}

export const CREATE_CASE = `mutation Create($input: CreateCaseInput!) { createCase(input: $input) { id title status severity createdBy { email } } }`;
export const ATTACH = `mutation Attach($caseId: ID!, $kind: CaseItemKind!, $id: ID!, $note: String) {
  attachToCase(caseId: $caseId, kind: $kind, id: $id, note: $note) { id kind itemId note addedBy { email } record { __typename ... on Command { id line } } }
}`;
