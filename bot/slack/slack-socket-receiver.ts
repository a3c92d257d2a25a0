/**
 * Slack's requests over Socket Mode: Vigil opens a WebSocket to Slack with the app-level token
 * (`apps.connections.open`, then the URL it answers), so a Vigil behind a firewall needs no public
 * /slack/events endpoint. The same handlers serve both transports; this receiver holds the rules
 * slack-receiver.ts holds for HTTP where they apply: a retried event is acknowledged and dropped
 * (a retry never acts twice), and an envelope no handler acknowledged is acknowledged empty, at
 * once when nothing served it and after 3 s when a handler is too slow (Slack retries an envelope
 * left unacknowledged, and shows users a warning after 3 s either way). There is no signature or
 * timestamp to check: the socket itself is authenticated by the app token, and every envelope
 * arrives on it.
 */
import { SocketModeClient } from '@slack/socket-mode';
import type { App, Logger as BoltLogger, Receiver } from '@slack/bolt';
import type { Logger } from '../../server/logger.js';
import { requestShape } from './slack-receiver.js';

/** Slack's limit for acknowledging an envelope. */
const ACKNOWLEDGE_WITHIN_MS = 3000;

export interface SlackSocketReceiverOptions {
  readonly appToken: string;
  /** The Web API's base URL, where `apps.connections.open` is asked (tests point it at a fake). */
  readonly apiUrl: string;
  readonly logger: BoltLogger;
  readonly vigilLogger: Logger;
}

/** What the Socket Mode client hands over for every envelope. */
interface Envelope {
  readonly ack: (response?: Record<string, unknown>) => Promise<void>;
  readonly type: string;
  readonly body: Record<string, unknown>;
  readonly envelope_id: string;
  readonly retry_num?: number;
  readonly retry_reason?: string;
}

export class SlackSocketReceiver implements Receiver {
  private readonly client: SocketModeClient;
  private readonly logger: Logger;
  private app: App | undefined;
  private connected = false;

  constructor(options: SlackSocketReceiverOptions) {
    this.logger = options.vigilLogger;
    this.client = new SocketModeClient({
      appToken: options.appToken,
      // The client logs whole envelopes at debug level (modal inputs carry TOTP codes): never let it.
      logger: { ...options.logger, debug: () => {} },
      clientOptions: { slackApiUrl: options.apiUrl },
    });
    this.client.on('slack_event', (envelope: Envelope) => void this.deliver(envelope));
    this.client.on('connected', () => {
      this.connected = true;
      this.logger.info('slack socket mode connected');
    });
    this.client.on('disconnected', () => {
      if (this.connected) this.logger.warn('slack socket mode disconnected');
      this.connected = false;
    });
  }

  init(app: App): void {
    this.app = app;
  }

  /** Resolves once Slack said hello; the client retries `apps.connections.open` and reconnects on its own. */
  start(): Promise<unknown> {
    return this.client.start();
  }

  async stop(): Promise<unknown> {
    await this.client.disconnect();
    return undefined;
  }

  /** Whether the socket is open now (for readiness and tests). */
  get isConnected(): boolean {
    return this.connected;
  }

  private async deliver(envelope: Envelope): Promise<void> {
    const shape = { envelopeId: envelope.envelope_id, ...requestShape(envelope.body) };
    if ((envelope.retry_num ?? 0) > 0) {
      this.logger.info({ retry: envelope.retry_num, reason: envelope.retry_reason, ...shape }, 'slack retry dropped');
      await this.acknowledge(envelope.ack);
      return;
    }
    let acknowledged = false;
    const ack = async (response?: Record<string, unknown>) => {
      if (acknowledged) return;
      acknowledged = true;
      await this.acknowledge(envelope.ack, response);
    };
    const late = setTimeout(() => {
      if (acknowledged) return;
      this.logger.warn(shape, 'slack request not answered within 3 s');
      void ack();
    }, ACKNOWLEDGE_WITHIN_MS);
    late.unref();
    try {
      if (!this.app) throw new Error('the Slack app is not initialised');
      await this.app.processEvent({ body: envelope.body, ack, retryNum: envelope.retry_num, retryReason: envelope.retry_reason, customProperties: {} });
    } catch (error) {
      this.logger.error({ err: error, ...shape }, 'slack handler failed');
    } finally {
      clearTimeout(late);
    }
    if (acknowledged) return;
    this.logger.warn(shape, 'slack request with no handler: answered empty');
    await ack();
  }

  /** An acknowledgement that cannot be sent (the socket closed meanwhile) is logged, never thrown. */
  private async acknowledge(send: Envelope['ack'], response?: Record<string, unknown>): Promise<void> {
    try {
      await send(response);
    } catch (error) {
      this.logger.warn({ err: error }, 'slack acknowledgement not sent');
    }
  }
}
