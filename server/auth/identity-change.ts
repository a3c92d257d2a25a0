import type { DomainEvent } from '../realtime/domain-events.js';
import type { Actor } from './actor.js';

/**
 * Whether an `identity.changed` event concerns who `actor` is: the same person or token, or every
 * person of the workspace. For an account admin acting in another workspace, a change of their
 * person or credential in their own workspace counts too (a revoked token ends what it opened
 * anywhere). Open WebSockets and event-stream responses then authenticate again.
 */
export function identityChangeConcerns(actor: Actor, event: DomainEvent): boolean {
  if (event.type !== 'identity.changed' || actor.type === 'system') return false;
  const matches = (tenantId: string, userId: string | undefined, tokenId: string | undefined) =>
    tenantId === event.tenantId &&
    ((userId !== undefined && userId === event.userId) ||
      (tokenId !== undefined && event.tokenIds?.includes(tokenId) === true) ||
      (userId !== undefined && event.everyone === true));
  if (actor.type === 'agent') return matches(actor.tenantId, undefined, actor.tokenId);
  return matches(actor.tenantId, actor.userId, actor.tokenId) || (actor.via !== undefined && matches(actor.via.tenantId, actor.via.userId, actor.via.tokenId));
}
