import type { DirectiveCause, DirectiveKind, DirectiveOutcome } from '../db/tables/index.js';

/** A directive as Vigil shows it: its row, and the agent's own id of the session it names. */
export interface AgentDirectiveRecord {
  readonly id: string;
  readonly serverId: string;
  readonly kind: DirectiveKind;
  readonly cause: DirectiveCause;
  readonly reason: string | null;
  readonly terminalSessionId: string | null;
  /** The event id the agent reported the session under (its own name for it), when the session is still stored. */
  readonly terminalSessionEventId: string | null;
  readonly sudoAuthorizationId: string | null;
  readonly accessSessionId: string | null;
  readonly issuedById: string | null;
  readonly issuedAt: Date;
  readonly acknowledgedAt: Date | null;
  readonly outcome: DirectiveOutcome | null;
  readonly outcomeDetail: string | null;
}
