/**
 * The organisation filter applies to every list: each Query list field of the schema (found by
 * introspection, so a list added later is covered), asked by an account admin with
 * `Vigil-Workspace: default`, answers exactly what `default`'s own admin gets, and asked without
 * the header (in the admin's own workspace) shares no row with it.
 */
import { getNamedType, isNonNullType, isObjectType, type GraphQLField, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVigilSchema } from '../../schema/build-schema.js';
import { grantAccountAdmin } from '../../server/accounts/account-admins.js';
import { joinAccount } from '../../server/accounts/account-workspaces.js';
import { createAccount, operatorIn } from '../../server/accounts/accounts.js';
import { graphql } from '../support/graphql-client.js';
import { buildRecordsFixture, reportOneOfEachRecord, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
let eve: TestUser; // a user of workspace `sibling`, an admin of the account holding `default` and `sibling`

/** Lists whose answer is the asking person's own, so two admins of one workspace differ by design. */
const PERSONAL_LISTS: Record<string, string> = {
  notifications: 'one’s own bell',
};

/** Logs that record their own reading (newest first): the second reader sees the first one's reading. */
const LOGS_OF_READING: Record<string, string> = {
  auditLog: 'every search of the audit log is itself an audit entry',
};

function listFields(schema: GraphQLSchema): GraphQLField<unknown, unknown>[] {
  return Object.values(schema.getQueryType()!.getFields()).filter((field) => {
    const type = getNamedType(field.type);
    const takesNothingRequired = field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined);
    return isObjectType(type) && (type.name.endsWith('Connection') || type.name === 'EventStreamPage') && takesNothingRequired;
  });
}

function queryOf(field: GraphQLField<unknown, unknown>): string {
  const connection = getNamedType(field.type);
  if (!isObjectType(connection)) throw new Error(field.name);
  const node = getNamedType(connection.getFields().nodes!.type);
  const fields = isObjectType(node) ? node.getFields() : {};
  const selection = fields.id ? 'id' : fields.leafHash ? 'leafHash' : '__typename';
  const first = field.args.some((arg) => arg.name === 'first') ? '(first: 100)' : '';
  return `{ ${field.name}${first} { nodes { ${selection} } } }`;
}

async function ask(query: string, token: string, workspace?: string): Promise<string[]> {
  const response = await graphql<Record<string, { nodes: Record<string, string>[] }>>(t.url, query, {
    token,
    headers: workspace ? { 'vigil-workspace': workspace } : {},
  });
  expect(response.errors, query).toBeUndefined();
  const [answer] = Object.values(response.data!);
  return answer!.nodes.map((node) => node.id ?? node.leafHash ?? node.__typename!);
}

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  await reportOneOfEachRecord(t, f);
  // Settings of the workspace too, so their lists have rows.
  const settings = [
    'mutation { createApprovalPolicy(input: { name: "prod", requestKinds: [ACCESS] }) { id } }',
    'mutation { createAlertRule(input: { name: "overdue", condition: DIRECTIVE_OVERDUE, windowMinutes: 1, serverLabels: [{ key: "env", value: "prod" }], severity: HIGH }) { id } }',
    'mutation { createNotificationChannel(input: { name: "Ops", type: SLACK_BOT, slackBot: { channel: "C0OPS" } }) { id } }',
    'mutation { createCase(input: { title: "Who ran this?" }) { id } }',
  ];
  for (const mutation of settings) expect((await t.gql(mutation, f.admin.token)).errors, mutation).toBeUndefined();
  const sibling = await t.createTenant('sibling');
  eve = await t.createUser(sibling.tenantId, { email: 'eve@holding.test' });
  const deps = { db: t.vigil.database.db, clock: t.clock };
  await createAccount(deps.db, { slug: 'holding', name: 'Holding' });
  for (const workspace of ['default', 'sibling']) await joinAccount(deps, 'holding', workspace, operatorIn('test'));
  await grantAccountAdmin(deps, 'holding', eve.email, operatorIn('test'));
});
afterAll(async () => t?.close());

describe('the organisation filter', () => {
  it('gives every list of the chosen workspace as its own admin sees it, and none of it without the choice', async () => {
    const fields = listFields(await buildVigilSchema());
    expect(fields.length).toBeGreaterThan(20);
    const exercised: string[] = [];
    for (const field of fields) {
      if (field.name in PERSONAL_LISTS) continue;
      const query = queryOf(field);
      const asOwnAdmin = await ask(query, f.admin.token);
      const asAccountAdmin = await ask(query, eve.token, 'default');
      if (field.name in LOGS_OF_READING) {
        // Newest first: the own admin's reading was recorded before the account admin read.
        expect(asAccountAdmin.slice(1), field.name).toEqual(asOwnAdmin.slice(0, asAccountAdmin.length - 1));
      } else expect(asAccountAdmin, field.name).toEqual(asOwnAdmin);
      const inOwnWorkspace = await ask(query, eve.token);
      if (asOwnAdmin.length > 0) {
        expect(
          inOwnWorkspace.filter((id) => asOwnAdmin.includes(id)),
          field.name,
        ).toEqual([]);
        exercised.push(field.name);
      }
    }
    // The fixture holds rows for most lists; an empty one proves little, so most must have rows.
    expect(exercised.length, exercised.join(', ')).toBeGreaterThanOrEqual(15);
  });
});
