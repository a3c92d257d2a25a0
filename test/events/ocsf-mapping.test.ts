/**
 * The OCSF objects of leaves the envelope test's tenant does not make (a retention statement, a
 * sign-in from an address, a setting of a kind OCSF has no class for), held to the OCSF
 * validator written from the schema (test/support/ocsf-validator.ts).
 */
import { describe, expect, it } from 'vitest';
import { ocsfEventOf } from '../../server/events/ocsf.js';
import { streamEventOf, type PlacedLeaf } from '../../server/events/stream-event.js';
import { ocsfProblems } from '../support/ocsf-validator.js';

const TENANT = '7d1e4c2a-5b6f-4a8e-9c3d-1f2e3a4b5c6d';

const ocsfOf = (kind: string, leaf: string) => {
  const placed: PlacedLeaf = { position: 41, kind, recordId: 'r-1', leaf, leafHash: 'cd'.repeat(32), queuedAt: new Date('2026-12-06T10:00:00Z') };
  return ocsfEventOf(streamEventOf(placed)!, TENANT) as Record<string, any>;
};

describe('OCSF objects', () => {
  it('makes a retention cut an Event Log Activity deletion', () => {
    const object = ocsfOf(
      'log_statement',
      '{"kind":"log_statement","statement":{"action":"retention.pruned","days":30,"indexes":"1-4","leafKind":"command","leaves":4,"olderThan":"2026-11-06T10:00:00.000Z","policy":"commands"},"v":1}',
    );
    expect(ocsfProblems(object)).toEqual([]);
    expect(object).toMatchObject({ class_uid: 1008, activity_id: 2, type_uid: 100802, log_provider: 'Vigil', metadata: { uid: `${TENANT}:41`, sequence: 41 } });
  });

  it('makes a sign-in an Authentication logon from the client’s address', () => {
    const object = ocsfOf(
      'activity',
      '{"kind":"activity","row":{"action":"auth.signed_in","details":null,"id":"a-1","ip_address":"198.51.100.7","occurred_at":"2026-12-06T09:59:00.000Z","request_id":null,"result":200,"user_agent":"curl","user_email":"ann@example.test","user_id":"u-1"},"v":2,"xact":77}',
    );
    expect(ocsfProblems(object)).toEqual([]);
    expect(object).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      status_id: 1,
      src_endpoint: { ip: '198.51.100.7' },
      user: { uid: 'u-1', email_addr: 'ann@example.test' },
    });
    expect(object.time).toBe(Date.parse('2026-12-06T09:59:00.000Z'));
  });

  it('makes a setting OCSF has no class for an API Activity on its resource, done by Vigil', () => {
    const object = ocsfOf('alert_rule', '{"kind":"alert_rule","row":{"id":"r-1","name":"too many sudo"},"v":2,"xact":78}');
    expect(ocsfProblems(object)).toEqual([]);
    expect(object).toMatchObject({
      class_uid: 6003,
      activity_id: 3,
      api: { operation: 'alert_rule.changed' },
      actor: { app_name: 'Vigil' },
      resources: [{ type: 'alert_rule', uid: 'r-1' }],
    });
  });

  it('makes a session check an Authentication logon attempt to the server, refused or allowed', () => {
    const row = (decision: string) =>
      `{"kind":"session_check","row":{"access_session_id":null,"approval_id":null,"checked_at":"2026-12-06T09:58:00.000Z","created_at":"2026-12-06T09:58:00.000123Z","decision":"${decision}","id":"c-1","policy_id":"p-1","reason":"no_access_session","server_id":"s-1","source":"shell_cli","tenant_id":"${TENANT}","user_id":"u-1","user_ref":"ann@example.test"},"v":2,"xact":79}`;
    const refused = ocsfOf('session_check', row('denied'));
    expect(ocsfProblems(refused)).toEqual([]);
    expect(refused).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      status_id: 2,
      logon_type_id: 10,
      user: { uid: 'u-1' },
      dst_endpoint: { uid: 's-1' },
      service: { name: 'terminal (shell_cli)' },
      message: 'session_check.denied',
    });
    expect(ocsfOf('session_check', row('allowed'))).toMatchObject({ class_uid: 3002, status_id: 1 });
  });
});
