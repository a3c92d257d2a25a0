/**
 * What each channel type needs, from the product documents: SMTP (host, from, to; port 587, TLS on,
 * optional username and password), Webhook (URL; optional secret and headers), Slack (incoming
 * webhook URL; optional channel override), Teams (connector URL). Secrets are split off to be
 * sealed; everything else is shown through the API.
 */
import { z } from 'zod';
import { emailSchema } from '../validation.js';
import type { ChannelType } from '../db/tables/index.js';

const url = z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');

export const CHANNEL_SCHEMAS = {
  smtp: z.object({
    host: z.string().trim().min(1, 'must not be empty').max(253, 'is too long'),
    port: z.number().int().min(1).max(65535).default(587),
    from: emailSchema,
    to: z.array(emailSchema).min(1, 'must name at least one address').max(50, 'at most 50 addresses'),
    username: z.string().trim().max(320).nullish(),
    password: z.string().max(1000).nullish(),
    useTls: z.boolean().default(true),
  }),
  webhook: z.object({
    url,
    secret: z.string().min(8, 'must be at least 8 characters').max(256).nullish(),
    headers: z
      .array(
        z.object({
          name: z
            .string()
            .trim()
            .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be 1-64 letters, digits and -'),
          value: z
            .string()
            .max(2000)
            .regex(/^[^\r\n]*$/, 'must be one line'),
        }),
      )
      .max(20)
      .default([]),
  }),
  slack: z.object({ url, channel: z.string().trim().max(100).nullish() }),
  teams: z.object({ url }),
  // Through Vigil's own bots (the tenant's bound workspace): a Slack channel id, a Teams conversation id.
  slack_bot: z.object({
    channel: z
      .string()
      .trim()
      .regex(/^[A-Z0-9]{2,40}$/, 'must be a Slack channel id such as C0123ABCD'),
  }),
  teams_bot: z.object({ conversation: z.string().trim().min(1, 'must not be empty').max(400, 'is too long') }),
} as const;

/** The input field holding a type's settings: `smtp`, …, `slackBot` for slack_bot. */
export const settingsField = (type: string) => type.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

export type ChannelSettings<Type extends ChannelType = ChannelType> = z.output<(typeof CHANNEL_SCHEMAS)[Type]>;

/** The settings shown (config) and the ones sealed (secrets). */
export function splitSecrets(type: ChannelType, settings: Record<string, unknown>): { config: Record<string, unknown>; secrets: Record<string, unknown> } {
  const { password, secret, headers, ...config } = settings as Record<string, unknown> & {
    password?: unknown;
    secret?: unknown;
    headers?: { name: string; value: string }[];
  };
  const secrets: Record<string, unknown> = {};
  if (type === 'smtp' && password) secrets.password = password;
  if (type === 'webhook') {
    if (secret) secrets.secret = secret;
    if (headers?.length) secrets.headers = headers;
    config.headerNames = (headers ?? []).map((header) => header.name);
    config.hasSecret = Boolean(secret);
  }
  if (type === 'smtp') config.hasPassword = Boolean(password);
  return { config, secrets };
}
