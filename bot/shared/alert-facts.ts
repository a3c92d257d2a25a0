/**
 * What an alert's chat message shows, read through the schema (as Vigil itself, for the messages
 * it posts), and the events that change it: every copy follows an acknowledgement or resolution
 * made anywhere (Slack, Teams, the API, the alert's condition clearing).
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import type { AlertMessage } from '../../server/channels/send-to-channel.js';
import type { ChatBotServices, ChatProvider, Severity } from '../../server/chat/bot-services.js';
import type { Disposable } from '../../server/disposable.js';
import type { Logger } from '../../server/logger.js';
import { keyedWork } from './keyed-work.js';
import { DEFAULT_LOCALE, say } from './messages/catalogue.js';
import { botCaller, runOperation } from './run-operation.js';

export type AlertState = 'fired' | 'acknowledged' | 'resolved';

/** An alert as a message shows it. */
export interface AlertView {
  /** The alert, when the message is one (a channel test is not): its buttons act on it. */
  readonly alertId?: string;
  readonly subject: string;
  readonly message: string;
  readonly severity: Severity;
  readonly source: string;
  readonly state: AlertState;
  /** Who moved it on, in words; null while it is fired. */
  readonly outcome: string | null;
}

interface AlertFacts {
  id: string;
  title: string;
  message: string;
  severity: string;
  state: 'FIRED' | 'ACKNOWLEDGED' | 'RESOLVED';
  acknowledgedBy: { email: string } | null;
  resolvedBy: { email: string } | null;
}

const ALERT_FACTS = 'query($id: ID!) { alert(id: $id) { id title message severity state acknowledgedBy { email } resolvedBy { email } } }';

/** An alert as it is first posted, before anyone moved it on. */
export const firedAlertView = (alert: AlertMessage): AlertView => ({ ...alert, state: 'fired', outcome: null });

/** Who moved it on: on messages posted to channels, so in English. */
function outcomeOf(facts: AlertFacts): string | null {
  if (facts.state === 'RESOLVED') {
    return facts.resolvedBy ? say(DEFAULT_LOCALE, 'alert.resolvedBy', { email: facts.resolvedBy.email }) : say(DEFAULT_LOCALE, 'alert.resolvedCleared');
  }
  if (facts.state === 'ACKNOWLEDGED') return say(DEFAULT_LOCALE, 'alert.acknowledgedBy', { who: facts.acknowledgedBy?.email ?? 'Vigil' });
  return null;
}

export async function loadAlertView(
  schema: GraphQLSchema,
  deps: SchemaDependencies,
  tenantId: string,
  provider: ChatProvider,
  alertId: string,
): Promise<AlertView | undefined> {
  const result = await runOperation<{ alert: AlertFacts }>(schema, deps, botCaller(tenantId, provider), ALERT_FACTS, { id: alertId });
  const facts = result.data?.alert;
  if (!facts) return undefined;
  return {
    alertId: facts.id,
    subject: facts.title,
    message: facts.message,
    severity: facts.severity.toLowerCase() as Severity,
    source: 'Vigil',
    state: facts.state.toLowerCase() as AlertState,
    outcome: outcomeOf(facts),
  };
}

/** Calls `refresh` for every alert acknowledged or resolved, anywhere, in order per alert. */
export function onAlertChanges(
  services: ChatBotServices,
  logger: Logger,
  what: string,
  refresh: (tenantId: string, alertId: string) => Promise<void>,
): Disposable {
  const work = keyedWork(logger, `${what} alert message failed`, 'alertId');
  const stop = services.onDomainEvent((event) => {
    if (event.type === 'alert.changed' && event.state !== 'fired') work.run(event.alertId, () => refresh(event.tenantId, event.alertId));
  });
  return {
    async dispose() {
      stop();
      await work.settled();
    },
  };
}
