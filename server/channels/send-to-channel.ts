/**
 * Sending one alert message to one channel, in its format: an email with text and HTML parts
 * (nodemailer), a signed JSON POST, a Slack incoming-webhook message with a colour-coded
 * attachment, or a Teams MessageCard with the same colour. Every destination goes through the
 * outbound policy; failures come back as results.
 */
import dns from 'node:dns/promises';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { Severity, ChannelType } from '../db/tables/index.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { postJson } from '../outbound/post-json.js';
import { webhookHeaders } from '../webhooks/signatures.js';
import { newId } from '../ids.js';
import type { ChannelSettings } from './channel-config.js';

export interface AlertMessage {
  readonly subject: string;
  readonly message: string;
  readonly severity: Severity;
  readonly source: string;
  readonly link?: string | null;
  readonly details?: Record<string, unknown>;
  /** The alert, when the message is one (chat bots put an Acknowledge button on it). */
  readonly alertId?: string;
  /** A message that brings its own layout (a review digest), used in place of the alert's. */
  readonly rendered?: RenderedMessage;
}

/** Each channel format's body of a message laid out by its sender. */
export interface RenderedMessage {
  readonly text: string;
  readonly html: string;
  readonly slackBlocks: readonly unknown[];
  readonly teamsSections: readonly unknown[];
}

export interface ChannelResult {
  readonly isSuccess: boolean;
  readonly error: string | null;
}

/** The product documents' colours: red critical, orange high, yellow medium, green low, blue info. */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: '#D32F2F',
  high: '#F57C00',
  medium: '#FBC02D',
  low: '#388E3C',
  info: '#1976D2',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export function slackPayload(alert: AlertMessage, channel?: string | null) {
  if (alert.rendered) return { ...(channel ? { channel } : {}), text: alert.subject, blocks: alert.rendered.slackBlocks };
  return {
    ...(channel ? { channel } : {}),
    text: alert.subject,
    attachments: [
      {
        color: SEVERITY_COLOURS[alert.severity],
        title: alert.subject,
        text: alert.message,
        fields: [
          { title: 'Severity', value: alert.severity, short: true },
          { title: 'Source', value: alert.source, short: true },
        ],
        ...(alert.link ? { title_link: alert.link } : {}),
      },
    ],
  };
}

export function teamsPayload(alert: AlertMessage) {
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: SEVERITY_COLOURS[alert.severity].slice(1),
    summary: alert.subject,
    title: alert.subject,
    text: alert.message,
    sections: alert.rendered?.teamsSections ?? [
      {
        facts: [
          { name: 'Severity', value: alert.severity },
          { name: 'Source', value: alert.source },
        ],
      },
    ],
    ...(alert.link ? { potentialAction: [{ '@type': 'OpenUri', name: 'Open in Vigil', targets: [{ os: 'default', uri: alert.link }] }] } : {}),
  };
}

export function webhookPayload(alert: AlertMessage) {
  return {
    subject: alert.subject,
    message: alert.message,
    severity: alert.severity,
    source: alert.source,
    link: alert.link ?? null,
    details: alert.details ?? {},
  };
}

/** The SMTP host's address, checked against the outbound policy (the connection goes to it). */
async function checkedSmtpAddress(policy: OutboundPolicy, host: string): Promise<string> {
  if (isIP(host)) {
    policy.checkAddress(host);
    return host;
  }
  const addresses = await dns.lookup(host, { all: true });
  for (const { address } of addresses) policy.checkAddress(address);
  return addresses[0]!.address;
}

export async function sendToChannel(
  policy: OutboundPolicy,
  timeoutMs: number,
  type: ChannelType,
  settings: ChannelSettings,
  alert: AlertMessage,
): Promise<ChannelResult> {
  try {
    if (type === 'smtp') {
      const smtp = settings as ChannelSettings<'smtp'>;
      const address = await checkedSmtpAddress(policy, smtp.host);
      const transport = nodemailer.createTransport({
        host: address,
        port: smtp.port,
        secure: smtp.port === 465,
        requireTLS: smtp.useTls && smtp.port !== 465,
        ignoreTLS: !smtp.useTls,
        tls: { servername: isIP(smtp.host) ? undefined : smtp.host },
        auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      const text = alert.rendered?.text ?? `${alert.message}\n\nSeverity: ${alert.severity}\nSource: ${alert.source}${alert.link ? `\n${alert.link}` : ''}`;
      const html =
        alert.rendered?.html ??
        `<h2 style="color:${SEVERITY_COLOURS[alert.severity]}">${escapeHtml(alert.subject)}</h2><p>${escapeHtml(alert.message)}</p><p>Severity: <b>${alert.severity}</b><br>Source: ${escapeHtml(alert.source)}</p>${alert.link ? `<p><a href="${escapeHtml(alert.link)}">Open in Vigil</a></p>` : ''}`;
      await transport.sendMail({ from: smtp.from, to: smtp.to, subject: `[${alert.severity.toUpperCase()}] ${alert.subject}`, text, html });
      transport.close();
      return { isSuccess: true, error: null };
    }
    let url: string;
    let body: string;
    let headers: Record<string, string> = {};
    if (type === 'webhook') {
      const webhook = settings as ChannelSettings<'webhook'>;
      url = webhook.url;
      body = JSON.stringify(webhookPayload(alert));
      headers = {
        ...Object.fromEntries(webhook.headers.map((header) => [header.name, header.value])),
        ...webhookHeaders({ eventType: 'alert', messageId: newId(), timestamp: new Date(), body, secret: webhook.secret ?? null }),
      };
    } else if (type === 'slack') {
      const slack = settings as ChannelSettings<'slack'>;
      url = slack.url;
      body = JSON.stringify(slackPayload(alert, slack.channel));
    } else {
      url = (settings as ChannelSettings<'teams'>).url;
      body = JSON.stringify(teamsPayload(alert));
    }
    const result = await postJson(policy, url, body, headers, timeoutMs);
    const isSuccess = result.status !== null && result.status >= 200 && result.status < 300;
    return { isSuccess, error: isSuccess ? null : (result.error ?? `HTTP ${result.status}: ${result.body.slice(0, 200)}`) };
  } catch (error) {
    return { isSuccess: false, error: (error as Error).message };
  }
}
