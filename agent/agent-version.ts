/** The reference agent's version, sent with each heartbeat; released with Vigil, so Vigil's (test/agent/first-hour.test.ts holds the two equal). */
export const AGENT_VERSION = '0.1.0';
