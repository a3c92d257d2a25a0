/**
 * A notification channel as everything above the queries sees it: its settings without the sealed
 * secrets. Written out rather than inferred from the table, so a column renamed or retyped fails
 * to compile where a service hands its rows out.
 */
import type { ChannelType } from '../db/tables/index.js';

export interface NotificationChannelRecord {
  readonly id: string;
  readonly name: string;
  readonly type: ChannelType;
  /** The settings shown through the API (host, port, from, to, URL, Slack channel …). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
