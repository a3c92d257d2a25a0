/**
 * `vigil-agent`: the reference agent a server runs to feed Vigil. See the README's "Reference agent".
 *   vigil-agent register --admin-token <token>   enrol this machine (once)
 *   vigil-agent shell-hook bash|zsh   the code to eval in a shell's rc file
 *   vigil-agent run                   the daemon: ships the spool (and system logs, if set)
 *   vigil-agent send                  one delivery pass, then exit (0: all delivered)
 *   vigil-agent sudo <command…>       run a command through sudo only when Vigil grants it
 *   vigil-agent check-login [user]    may this person log in now? (for pam_exec)
 *   vigil-agent record [-- <command…>]  a terminal session under a recorder, streamed to Vigil
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { AgentConfigError, agentEnvironment, loadAgentConfig, requireToken, type AgentConfig } from './agent-config.js';
import { startDaemon, type Shipper } from './daemon.js';
import { SHELLS, shellHook, type Shell } from './shell-hook.js';
import { runRecorder } from './recorder.js';
import { RecordingShipper } from './recording-shipper.js';
import { register } from './register.js';
import { lockSpool } from './spool-lock.js';
import { ShellShipper } from './shell-shipper.js';
import { systemLogFollower } from './system-log-follower.js';
import { checkLogin } from './login-check.js';
import { runSudo } from './sudo-wrapper.js';
import { VigilClient, VigilRefused, VigilUnavailable } from './vigil-client.js';
import { AGENT_VERSION } from './agent-version.js';
import { DirectiveRunner } from './directive-runner.js';
import { heartbeatShipper } from './heartbeat.js';

const USAGE = `usage: vigil-agent <command>
  register --admin-token <token> [--name <server name>]
                        enrol this machine: register the server, keep its agent token and settings
  shell-hook bash|zsh   print the shell integration: eval "$(vigil-agent shell-hook bash)"
  run                   ship the spool to Vigil until stopped (SIGTERM, Ctrl-C)
  send                  one delivery pass, then exit
  sudo <command…>       ask Vigil, then run the command with sudo when granted
  check-login [user]    ask Vigil whether the user (or PAM_USER) may log in now: exit 0 lets them in (pam_exec)
  record [-- <command…>]
                        record a terminal session: the login shell (or the command) under
                        asciinema or script, its commands and recording streamed to Vigil
Settings (environment): VIGIL_URL, VIGIL_AGENT_TOKEN or VIGIL_AGENT_TOKEN_FILE, VIGIL_AGENT_SPOOL,
VIGIL_AGENT_USERS, VIGIL_AGENT_EMAIL_DOMAIN, VIGIL_AGENT_POLL_MS, VIGIL_AGENT_HEARTBEAT_SECONDS, VIGIL_AGENT_SYSTEM_LOGS,
VIGIL_AGENT_RECORDER.`;

let log: Logger = pino({ base: { name: 'vigil-agent' } }, pino.destination(2));

/** The spool: writable by every shell (like /tmp: sticky, so no one removes another's file). */
function ensureSpool(config: AgentConfig): void {
  mkdirSync(config.spool, { recursive: true });
  if (process.getuid?.() === 0) chmodSync(config.spool, 0o1733);
}

function shippers(config: AgentConfig): Shipper[] {
  const client = new VigilClient(config.vigilUrl, requireToken(config));
  const shells = new ShellShipper(config, client, log);
  const recordings = new RecordingShipper(config, client, log, (session) => shells.isSessionDelivered(session));
  return [
    { name: 'shells', pass: () => shells.pass() },
    { name: 'recordings', pass: () => recordings.pass() },
  ];
}

/** The system log follower when VIGIL_AGENT_SYSTEM_LOGS is set: following for the daemon, one pass for `send`. */
function systemLogShippers(config: AgentConfig, follow: boolean): Shipper[] {
  const follower = systemLogFollower(config, new VigilClient(config.vigilUrl, requireToken(config)), log, { follow });
  return follower ? [follower] : [];
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadAgentConfig(agentEnvironment());
  log = pino({ base: { name: 'vigil-agent' }, timestamp: pino.stdTimeFunctions.isoTime, level: config.logLevel }, pino.destination(2));
  switch (command) {
    case 'shell-hook': {
      const shell = rest[0] as Shell;
      if (!SHELLS.includes(shell)) throw new AgentConfigError(`shell-hook needs one of: ${SHELLS.join(', ')}`);
      process.stdout.write(shellHook(shell, config.spool));
      return 0;
    }
    case 'register': {
      const { values } = parseArgs({ args: rest, options: { 'admin-token': { type: 'string' }, name: { type: 'string' } } });
      if (!values['admin-token']) throw new AgentConfigError('register needs --admin-token <token>: an admin user token of the tenant (used once, not kept)');
      const done = await register(config, { adminToken: values['admin-token'], name: values.name });
      // Made now, not at the daemon's first start: shells started before it already write there.
      ensureSpool(config);
      process.stderr.write(
        `Registered as ${values.name ?? config.serverName} (server ${done.serverId}); settings in ${done.envFile}.\nNext: vigil-agent run (the daemon), and in each shell: eval "$(vigil-agent shell-hook bash)"\n`,
      );
      return 0;
    }
    case 'run': {
      ensureSpool(config);
      const lock = await lockSpool(config.spool);
      const client = new VigilClient(config.vigilUrl, requireToken(config));
      const heartbeat = heartbeatShipper(client, AGENT_VERSION, config.heartbeatMs);
      const directives = new DirectiveRunner(client, config.spool, config.directivesMs, config.loginCacheSeconds > 0 ? config.stateDir : undefined);
      const daemon = startDaemon([...shippers(config), ...systemLogShippers(config, true), heartbeat, directives], { pollMs: config.pollMs, log });
      log.info({ vigil: config.vigilUrl.origin, spool: config.spool }, 'vigil-agent running');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await daemon.stop();
      await lock.release();
      log.info('vigil-agent stopped');
      return 0;
    }
    case 'send': {
      ensureSpool(config);
      const lock = await lockSpool(config.spool);
      let failed = false;
      const once = [...shippers(config), ...systemLogShippers(config, false)];
      for (const shipper of once) {
        try {
          const count = await shipper.pass();
          log.info({ shipper: shipper.name, count }, 'delivered');
        } catch (error) {
          failed = true;
          log.error({ shipper: shipper.name, reason: (error as Error).message }, 'delivery failed');
        }
      }
      await Promise.all(once.map(async (shipper) => shipper.dispose?.()));
      await lock.release();
      return failed ? 1 : 0;
    }
    case 'sudo':
      return runSudo(config, rest);
    case 'check-login':
      return checkLogin(config, rest);
    case 'record':
      return runRecorder(config, rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`vigil-agent: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AgentConfigError) process.stderr.write(`vigil-agent: ${error.message}\n`);
    else if (error instanceof VigilRefused || error instanceof VigilUnavailable) process.stderr.write(`vigil-agent: ${error.message}\n`);
    else log.fatal({ err: error }, 'vigil-agent failed');
    process.exit(error instanceof AgentConfigError ? 2 : 1);
  },
);
