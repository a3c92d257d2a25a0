import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

describe('me', () => {
  it('returns the first-run admin for the printed token', async () => {
    const response = await t.gql('{ me { email role permissions isDisabled } }', t.admin.token);
    expect(response.errors).toBeUndefined();
    expect(response.data?.me).toEqual({
      email: 'admin@localhost',
      role: 'ADMIN',
      permissions: [
        'AUDIT_LOGS_VIEW',
        'AUDIT_LOGS_EXPORT',
        'SESSION_RECORDINGS_VIEW',
        'MONITORING_VIEW',
        'MONITORING_MANAGE',
        'APPROVALS_DECIDE',
        'RECORDS_VIEW',
        'CASES_MANAGE',
      ],
      isDisabled: false,
    });
  });

  it('answers UNAUTHENTICATED without a token', async () => {
    const response = await t.gql('{ me { email } }');
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.data).toBeNull();
  });
});
