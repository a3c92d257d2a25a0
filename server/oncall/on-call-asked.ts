/**
 * Keeping providers out of transactions. Inside inTransaction (server/service-context.ts) the
 * operation's lookup answers only what it was told already; a schedule not yet asked ends the
 * attempt with OnCallNotAsked, inTransaction asks the provider outside any transaction and runs
 * the work again. So a slow PagerDuty holds no connection, row lock or (on PGlite, one connection)
 * the whole database while it answers.
 */
import type { Executor } from '../db/database.js';
import type { OnCallLookup, ScheduleState } from './on-call-directory.js';

export class OnCallNotAsked extends Error {
  constructor(
    readonly tenantId: string,
    readonly keys: readonly string[],
  ) {
    super('On-call schedules to ask before the transaction');
    this.name = 'OnCallNotAsked';
  }
}

/** `lookup` as a transaction sees it: what was asked already, else OnCallNotAsked. */
export function answeredOnly(lookup: OnCallLookup): OnCallLookup {
  return {
    async schedules(_db: Executor, tenantId: string, keys: readonly string[]): Promise<ScheduleState[]> {
      const known = lookup.answered(tenantId, keys);
      if (!known) throw new OnCallNotAsked(tenantId, keys);
      return known;
    },
    answered: (tenantId, keys) => lookup.answered(tenantId, keys),
  };
}
