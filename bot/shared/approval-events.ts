/**
 * The approval events a chat bot reacts to: a new request to announce, a change (a decision from
 * anywhere, an expiry, a cancellation) to show on every copy, in order per request (keyed-work.ts).
 * Events are heard only by instances running when they happen, and a post can fail: a sweep
 * announces again every pending request that no message of the bot shows a minute after it was
 * made (each claimed by one instance, at most once per five minutes), until one is posted.
 */
import type { Disposable } from '../../server/disposable.js';
import type { Logger } from '../../server/logger.js';
import type { ChatBotServices } from '../../server/chat/bot-services.js';
import { keyedWork } from './keyed-work.js';

export interface ApprovalReactions {
  /** `isClaimed`: the sweep already claimed this announcement for the caller. */
  announce(tenantId: string, approvalId: string, options?: { isClaimed?: boolean }): Promise<void>;
  refresh(tenantId: string, approvalId: string): Promise<void>;
}

export function onApprovalEvents(services: ChatBotServices, logger: Logger, what: string, reactions: ApprovalReactions): Disposable {
  const work = keyedWork(logger, `${what} approval message failed`, 'approvalId');
  const stop = services.onDomainEvent((event) => {
    if (event.type === 'approval.requested') work.run(event.approvalId, () => reactions.announce(event.tenantId, event.approvalId));
    else if (event.type === 'approval.decided') work.run(event.approvalId, () => reactions.refresh(event.tenantId, event.approvalId));
  });
  const sweep = services.sweepUnannouncedApprovals(
    (tenantId, approvalId) => work.run(approvalId, () => reactions.announce(tenantId, approvalId, { isClaimed: true })),
    logger,
  );
  return {
    async dispose() {
      stop();
      await sweep.dispose();
      await work.settled();
    },
  };
}
