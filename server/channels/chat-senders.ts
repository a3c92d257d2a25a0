/**
 * Alerts delivered through Vigil's own chat bots (channel types slack_bot and teams_bot) rather
 * than incoming webhooks: a bot registers its sender at start, and channels of its type go through
 * it, with an Acknowledge button on the message.
 */
import type { AlertMessage, ChannelResult } from './send-to-channel.js';

export interface ChatAlertSender {
  sendAlert(tenantId: string, conversation: string, alert: AlertMessage): Promise<ChannelResult>;
}

/** Filled in by the bots that are configured; empty when none is. */
export interface ChatSenders {
  slack?: ChatAlertSender;
  teams?: ChatAlertSender;
}
