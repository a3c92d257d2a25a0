/**
 * The daemon's heartbeat: every VIGIL_AGENT_HEARTBEAT_SECONDS (30 s; Vigil takes a server offline
 * after VIGIL_AGENT_OFFLINE_AFTER, two beats by default), "I am alive" to Vigil with the agent's version, the
 * host's name and OS and its clock, so Vigil knows which servers' agents run (host.online /
 * host.offline) and whose clock drifts. A Shipper like the others: a pass between beats sends
 * nothing, and a failed beat is retried with the daemon's backoff.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Shipper } from './daemon.js';
import type { VigilClient } from './vigil-client.js';

const HEARTBEAT = `mutation Heartbeat($input: HeartbeatInput!) { reportHeartbeat(input: $input) { status } }`;

/** PRETTY_NAME of /etc/os-release (Debian GNU/Linux 12 (bookworm)), else the kernel's name and release. */
function operatingSystem(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return pretty;
  } catch {
    // Not every system has the file.
  }
  return `${os.type()} ${os.release()}`;
}

export function heartbeatShipper(client: VigilClient, agentVersion: string, everyMs: number, now: () => number = Date.now): Shipper {
  let lastBeat = -Infinity;
  return {
    name: 'heartbeat',
    async pass() {
      if (now() - lastBeat < everyMs) return 0;
      await client.graphql(HEARTBEAT, {
        input: { agentVersion, hostname: os.hostname(), os: operatingSystem(), time: new Date(now()).toISOString() },
      });
      lastBeat = now();
      return 1;
    },
  };
}
