/**
 * Webhook signatures, two ways over the same raw body:
 * - `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>` (the product documents' header);
 * - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` over
 *   `<id>.<timestamp>.<body>`), so stock verifiers work and receivers can refuse replays. A secret
 *   in Standard Webhooks form (`whsec_<base64>`) is used as its decoded bytes, any other secret as
 *   its UTF-8 bytes (for both headers, so one secret means one key).
 */
import { createHmac } from 'node:crypto';

export function secretKeyBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export interface SignedHeaders {
  readonly [name: string]: string;
}

export function webhookHeaders(options: { eventType: string; messageId: string; timestamp: Date; body: string; secret: string | null }): SignedHeaders {
  const seconds = Math.floor(options.timestamp.getTime() / 1000).toString();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-webhook-event': options.eventType,
    'webhook-id': options.messageId,
    'webhook-timestamp': seconds,
  };
  if (options.secret) {
    const key = secretKeyBytes(options.secret);
    headers['x-webhook-signature'] = `sha256=${createHmac('sha256', key).update(options.body).digest('hex')}`;
    headers['webhook-signature'] = `v1,${createHmac('sha256', key).update(`${options.messageId}.${seconds}.${options.body}`).digest('base64')}`;
  }
  return headers;
}
