/**
 * Sending events to Vigil's ingestEvents, for every part of the agent that ships something.
 *
 * Vigil refuses a batch as a whole, naming the event (`events.3.command.line`): an email Vigil does
 * not know is dropped (the record is kept under its Unix user name alone, and that email is not
 * sent again for a while), any other refused event is set aside in the spool's `rejected/rejected.jsonl`
 * with Vigil's reason, and the rest is sent again, so one bad record never holds back the others.
 * Anything else (Vigil away, the request refused whole) is thrown for the daemon to back off.
 */
import type { Logger } from 'pino';
import { setAside } from './spool-state.js';
import { VigilRefused, type VigilClient } from './vigil-client.js';

export type AgentEvent = { eventId: string; kind: string } & Record<string, unknown>;

/** Vigil's limit on one ingestEvents batch. */
export const MAX_EVENTS_PER_BATCH = 1000;

const INGEST = `mutation Ingest($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted duplicates } }`;

/** An email Vigil did not know is asked about again after this long (the user may be created meanwhile). */
const UNKNOWN_EMAIL_RETRY_MS = 10 * 60_000;

export class EventDelivery {
  private readonly unknownEmails = new Map<string, number>();

  constructor(
    private readonly client: VigilClient,
    private readonly spool: string,
    private readonly log: Logger,
  ) {}

  /** The email to send for a person: theirs, unless Vigil said lately that it knows no such user. */
  emailToSend(email: string | undefined): string | undefined {
    const unknownSince = email ? this.unknownEmails.get(email) : undefined;
    return unknownSince !== undefined && Date.now() - unknownSince < UNKNOWN_EMAIL_RETRY_MS ? undefined : email;
  }

  /** Sends `events` (at most MAX_EVENTS_PER_BATCH), setting aside what Vigil refuses one event at a time. */
  async deliver(events: AgentEvent[]): Promise<void> {
    let pending = events;
    while (pending.length > 0) {
      try {
        await this.client.graphql(INGEST, { events: pending });
        return;
      } catch (error) {
        const index = refusedEventIndex(error);
        if (index === undefined || !(error instanceof VigilRefused)) throw error;
        const event = pending[index]!;
        if (error.field?.endsWith('.userEmail')) {
          const payload = Object.values(event).find((value) => typeof value === 'object' && value !== null && 'userEmail' in value) as {
            userEmail?: string | null;
          };
          this.log.warn({ email: payload.userEmail }, 'Vigil knows no user with this email: the record is kept under its Unix user name alone');
          if (payload.userEmail) this.unknownEmails.set(payload.userEmail, Date.now());
          payload.userEmail = null;
          continue;
        }
        this.log.error({ eventId: event.eventId, reason: error.message }, 'Vigil refused an event: set aside in rejected/rejected.jsonl');
        await setAside(this.spool, { reason: error.message, field: error.field, event });
        pending = pending.filter((_, position) => position !== index);
      }
    }
  }
}

/** The index of the event Vigil named in a BAD_USER_INPUT refusal (`events.12.…`), if it named one. */
function refusedEventIndex(error: unknown): number | undefined {
  if (!(error instanceof VigilRefused) || error.code !== 'BAD_USER_INPUT') return undefined;
  const match = /^events\.(\d+)(?:\.|$)/.exec(error.field ?? '');
  return match ? Number(match[1]) : undefined;
}
