/**
 * The approval events a chat bot reacts to: a new request to announce, a change (a decision from
 * anywhere, an expiry, a cancellation) to show on every copy, in order per request (keyed-work.ts).
 */
import type { Disposable } from '../../server/disposable.js';
import type { Logger } from '../../server/logger.js';
import type { ChatBotServices } from '../../server/chat/bot-services.js';
import { keyedWork } from './keyed-work.js';

export interface ApprovalReactions {
  announce(tenantId: string, approvalId: string): Promise<void>;
  refresh(tenantId: string, approvalId: string): Promise<void>;
}

export function onApprovalEvents(services: ChatBotServices, logger: Logger, what: string, reactions: ApprovalReactions): Disposable {
  const work = keyedWork(logger, `${what} approval message failed`, 'approvalId');
  const stop = services.onDomainEvent((event) => {
    if (event.type === 'approval.requested') work.run(event.approvalId, () => reactions.announce(event.tenantId, event.approvalId));
    else if (event.type === 'approval.decided') work.run(event.approvalId, () => reactions.refresh(event.tenantId, event.approvalId));
  });
  return {
    async dispose() {
      stop();
      await work.settled();
    },
  };
}
