import { recordChanges, type Change } from '../audit/record-change.js';
import { publishEvents, type DomainEvent } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';

/**
 * What one step of the approval workflow changed, gathered while it runs and written at its end:
 * the domain events (published at commit) and the audit changes, last, as recordChange asks.
 */
export class WorkflowRecord {
  readonly changes: Change[] = [];
  readonly events: DomainEvent[] = [];

  add(change: Change, ...events: DomainEvent[]): void {
    this.changes.push(change);
    this.events.push(...events);
  }

  async write(ctx: TransactionContext): Promise<void> {
    await publishEvents(ctx.db, this.events, ctx.clock.now());
    await recordChanges(ctx, this.changes);
  }
}
