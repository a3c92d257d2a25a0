/**
 * The agent's settings, read from its environment once at start and checked then: a bad value
 * stops the agent with a message naming the variable, never later in the middle of its work.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AgentConfig {
  /** Vigil's base URL, e.g. http://localhost:4000 (VIGIL_URL). */
  readonly vigilUrl: URL;
  /** The server's agent token (VIGIL_AGENT_TOKEN, or the first line of VIGIL_AGENT_TOKEN_FILE). Only the daemon and the sudo wrapper need it. */
  readonly token: string | undefined;
  /** Where shells and recorders leave what the daemon ships (VIGIL_AGENT_SPOOL). */
  readonly spool: string;
  /** Unix user → Vigil email (VIGIL_AGENT_USERS: `alice=alice@example.com,bob=…`); others get `<user>@<VIGIL_AGENT_EMAIL_DOMAIN>`. */
  readonly emails: ReadonlyMap<string, string>;
  readonly emailDomain: string | undefined;
  /** How often the daemon looks at the spool, in ms (VIGIL_AGENT_POLL_MS, default 200). */
  readonly pollMs: number;
  /** How often the daemon sends Vigil a heartbeat, in ms (VIGIL_AGENT_HEARTBEAT_SECONDS, default 30). */
  readonly heartbeatMs: number;
  /** How often the daemon asks Vigil for directives (end a shell), in ms (VIGIL_AGENT_DIRECTIVES_MS, default 1000). */
  readonly directivesMs: number;
  /** Where system logs come from (VIGIL_AGENT_SYSTEM_LOGS): `journald`, a file path to follow, or `off` (the default). */
  readonly systemLogs: 'journald' | 'off' | { readonly file: string };
  /** Where following system logs begins at first start, with no place saved (VIGIL_AGENT_SYSTEM_LOGS_FROM): `now` (the default) or `start`, the whole journal or file. */
  readonly systemLogsFrom: 'now' | 'start';
  /** This server's name as people know it, for the sudo wrapper's hints (VIGIL_AGENT_SERVER_NAME, default the host name). */
  readonly serverName: string;
  /** Where a person asks for sudo (VIGIL_AGENT_REQUEST_URL), `{server}`, `{command}` and `{user}` standing for those values. */
  readonly requestUrl: string | undefined;
  /** What `vigil-agent record` records with (VIGIL_AGENT_RECORDER: `asciinema`, `script`, or `auto`, the default: asciinema when installed, else util-linux script). */
  readonly recorder: RecorderChoice;
  /**
   * Where the daemon and check-login keep what only root may change (VIGIL_AGENT_STATE_DIR, default
   * /var/lib/vigil-agent for root, else ~/.vigil-agent/state): the authorization epoch and the
   * cached login answers. Unlike the spool, nobody else may write there.
   */
  readonly stateDir: string;
  /**
   * How long check-login may reuse an allowed answer without asking Vigil, in seconds
   * (VIGIL_AGENT_LOGIN_CACHE_SECONDS, default 300; 0 asks every time). Never past the access
   * session's end, and only while the daemon keeps the authorization epoch fresh.
   */
  readonly loginCacheSeconds: number;
  /** pino level (LOG_LEVEL, default info). */
  readonly logLevel: string;
}

export const RECORDERS = ['asciinema', 'script'] as const;
export type RecorderChoice = (typeof RECORDERS)[number] | 'auto';

export class AgentConfigError extends Error {}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new AgentConfigError(`${name} must be a positive whole number, not "${value}"`);
  return parsed;
}

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new AgentConfigError(`${name} must be a whole number, 0 or more, not "${value}"`);
  return parsed;
}

function parseEmails(value: string | undefined): Map<string, string> {
  const emails = new Map<string, string>();
  for (const pair of (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const [user, email] = pair.split('=').map((part) => part.trim());
    if (!user || !email?.includes('@')) throw new AgentConfigError(`VIGIL_AGENT_USERS: "${pair}" is not user=email`);
    emails.set(user, email.toLowerCase());
  }
  return emails;
}

function readToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.VIGIL_AGENT_TOKEN) return env.VIGIL_AGENT_TOKEN.trim();
  if (!env.VIGIL_AGENT_TOKEN_FILE) return undefined;
  try {
    return readFileSync(env.VIGIL_AGENT_TOKEN_FILE, 'utf8').split('\n')[0]!.trim();
  } catch (error) {
    throw new AgentConfigError(`VIGIL_AGENT_TOKEN_FILE: cannot read ${env.VIGIL_AGENT_TOKEN_FILE} (${(error as Error).message})`);
  }
}

export const SYSTEM_SPOOL = '/var/spool/vigil-agent';

export function defaultSpool(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIGIL_AGENT_SPOOL) return env.VIGIL_AGENT_SPOOL;
  // Once root's daemon has made the system spool, every user's shell writes there; a person
  // trying the agent out without root keeps it in their home.
  if (process.getuid?.() === 0 || existsSync(SYSTEM_SPOOL)) return SYSTEM_SPOOL;
  return path.join(os.homedir(), '.vigil-agent', 'spool');
}

export const SYSTEM_STATE_DIR = '/var/lib/vigil-agent';

function defaultStateDir(env: NodeJS.ProcessEnv): string {
  if (env.VIGIL_AGENT_STATE_DIR) return env.VIGIL_AGENT_STATE_DIR;
  return process.getuid?.() === 0 ? SYSTEM_STATE_DIR : path.join(os.homedir(), '.vigil-agent', 'state');
}

function recorderChoice(value: string | undefined): RecorderChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (!(RECORDERS as readonly string[]).includes(value))
    throw new AgentConfigError(`VIGIL_AGENT_RECORDER must be ${RECORDERS.join(', ')} or auto, not "${value}"`);
  return value as RecorderChoice;
}

function systemLogsFrom(value: string | undefined): 'now' | 'start' {
  if (value === undefined || value === '' || value === 'now') return 'now';
  if (value === 'start') return value;
  throw new AgentConfigError(`VIGIL_AGENT_SYSTEM_LOGS_FROM must be now or start, not "${value}"`);
}

export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let vigilUrl: URL;
  try {
    vigilUrl = new URL(env.VIGIL_URL || 'http://localhost:4000');
  } catch {
    throw new AgentConfigError(`VIGIL_URL: "${env.VIGIL_URL}" is not a URL`);
  }
  const systemLogs = env.VIGIL_AGENT_SYSTEM_LOGS || 'off';
  const domain = env.VIGIL_AGENT_EMAIL_DOMAIN?.trim();
  if (domain !== undefined && domain !== '' && !/^[a-z0-9.-]+$/i.test(domain))
    throw new AgentConfigError(`VIGIL_AGENT_EMAIL_DOMAIN: "${domain}" is not a domain`);
  return {
    vigilUrl,
    token: readToken(env),
    spool: defaultSpool(env),
    emails: parseEmails(env.VIGIL_AGENT_USERS),
    emailDomain: domain || undefined,
    pollMs: positiveInteger('VIGIL_AGENT_POLL_MS', env.VIGIL_AGENT_POLL_MS, 200),
    heartbeatMs: positiveInteger('VIGIL_AGENT_HEARTBEAT_SECONDS', env.VIGIL_AGENT_HEARTBEAT_SECONDS, 30) * 1000,
    directivesMs: positiveInteger('VIGIL_AGENT_DIRECTIVES_MS', env.VIGIL_AGENT_DIRECTIVES_MS, 1000),
    systemLogs: systemLogs === 'journald' || systemLogs === 'off' ? systemLogs : { file: systemLogs },
    systemLogsFrom: systemLogsFrom(env.VIGIL_AGENT_SYSTEM_LOGS_FROM),
    serverName: env.VIGIL_AGENT_SERVER_NAME || os.hostname(),
    requestUrl: env.VIGIL_AGENT_REQUEST_URL || undefined,
    recorder: recorderChoice(env.VIGIL_AGENT_RECORDER),
    stateDir: defaultStateDir(env),
    loginCacheSeconds: wholeNumber('VIGIL_AGENT_LOGIN_CACHE_SECONDS', env.VIGIL_AGENT_LOGIN_CACHE_SECONDS, 300),
    logLevel: env.LOG_LEVEL || 'info',
  };
}

/** The settings file root keeps for the agent (KEY=VALUE lines, # comments). */
export const SYSTEM_ENV_FILE = '/etc/vigil-agent/agent.env';

export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1]!] = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/**
 * The environment the agent's settings come from. Run through sudo (root, SUDO_USER set), only
 * the root-owned settings file counts: the caller's environment could otherwise point the sudo
 * wrapper at a Vigil of their own that grants everything.
 */
export function agentEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (isUnderSudo(env)) return readEnvFile(SYSTEM_ENV_FILE);
  return { ...readEnvFile(agentEnvFile(env)), ...env };
}

/** The settings file: root's in /etc, anyone else's (trying the agent out) in their home. */
export function agentEnvFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIGIL_AGENT_ENV_FILE) return env.VIGIL_AGENT_ENV_FILE;
  return process.getuid?.() === 0 ? SYSTEM_ENV_FILE : path.join(os.homedir(), '.vigil-agent', 'agent.env');
}

export function isUnderSudo(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.getuid?.() === 0 && Boolean(env.SUDO_USER);
}

/** The token, or a clear stop for the commands that talk to Vigil. */
export function requireToken(config: AgentConfig): string {
  if (!config.token)
    throw new AgentConfigError(
      'VIGIL_AGENT_TOKEN (or VIGIL_AGENT_TOKEN_FILE) is needed: the agent token of this server, from createAgentToken or `vigil server register`',
    );
  return config.token;
}
