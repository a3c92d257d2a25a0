/**
 * The approval events a chat bot reacts to: a new request to announce, a change (a decision from
 * anywhere, an expiry, a cancellation) to show on every copy. Work on one request runs in order on
 * this instance, its announcement before its updates; a failure is logged, not retried.
 */
import type { Disposable } from '../../server/disposable.js';
import type { Logger } from '../../server/logger.js';
import { ALL_TENANTS, type EventBus } from '../../server/realtime/event-bus.js';

export interface ApprovalReactions {
  announce(tenantId: string, approvalId: string): Promise<void>;
  refresh(tenantId: string, approvalId: string): Promise<void>;
}

export function onApprovalEvents(bus: EventBus, logger: Logger, what: string, reactions: ApprovalReactions): Disposable {
  const queues = new Map<string, Promise<void>>();
  const enqueue = (approvalId: string, work: () => Promise<void>) => {
    const next = (queues.get(approvalId) ?? Promise.resolve()).then(work).catch((error: unknown) => logger.error({ err: error, approvalId }, `${what} approval message failed`));
    queues.set(approvalId, next);
    void next.finally(() => {
      if (queues.get(approvalId) === next) queues.delete(approvalId);
    });
  };
  const stop = bus.subscribe(ALL_TENANTS, (event) => {
    if (event.type === 'approval.requested') enqueue(event.approvalId, () => reactions.announce(event.tenantId, event.approvalId));
    else if (event.type === 'approval.decided') enqueue(event.approvalId, () => reactions.refresh(event.tenantId, event.approvalId));
  });
  return {
    async dispose() {
      stop();
      await Promise.allSettled([...queues.values()]);
    },
  };
}
