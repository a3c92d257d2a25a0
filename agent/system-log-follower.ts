/**
 * The daemon's system log shipper, by VIGIL_AGENT_SYSTEM_LOGS: the journal through journalctl
 * (journald-follower.ts) or a syslog file followed like `tail -F` (syslog-file-follower.ts). Both
 * ship each entry once as a SYSTEM_LOG, and sftp-server's file closes as FILE_TRANSFER events
 * (sftp-transfers.ts), keeping their place in the spool across restarts (log-shipping.ts).
 */
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config.js';
import type { Shipper } from './daemon.js';
import { EventDelivery } from './event-delivery.js';
import { JournaldFollower } from './journald-follower.js';
import { SyslogFileFollower } from './syslog-file-follower.js';
import type { VigilClient } from './vigil-client.js';

/**
 * The follower of the configured source, or undefined when system logs are off. `follow`: keep
 * following (the daemon); otherwise each pass ships what there is and is done (`vigil-agent send`).
 */
export function systemLogFollower(config: AgentConfig, client: VigilClient, log: Logger, options: { follow: boolean }): Shipper | undefined {
  if (config.systemLogs === 'off') return undefined;
  const delivery = new EventDelivery(client, config.spool, log);
  if (config.systemLogs === 'journald') return new JournaldFollower(config, delivery, log, options.follow);
  return new SyslogFileFollower(config, delivery, log, config.systemLogs.file);
}
