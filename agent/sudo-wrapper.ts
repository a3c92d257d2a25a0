/**
 * `vigil-agent sudo <command…>`: runs a command as root only when Vigil grants it to the person
 * asking, so that every root command on the server passes through Vigil's sudo grants (and is
 * recorded as a sudo check). Installed as the one sudo rule people have:
 *
 *   ALL ALL=(root) NOPASSWD: /usr/local/bin/vigil-agent sudo *
 *
 * Under sudo the person is SUDO_USER (set by sudo, not by them) and the settings come from the
 * root-owned file only (agent-config.ts). Run without sudo, it asks for the current user and runs
 * the command through `sudo` itself when granted.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { quote } from 'shell-quote';
import { isUnderSudo, requireToken, type AgentConfig } from './agent-config.js';
import { emailOf } from './people.js';
import { VigilClient, VigilRefused, VigilUnavailable } from './vigil-client.js';

const AUTHORIZE = `mutation Authorize($input: AuthorizeSudoInput!) {
  authorizeSudo(input: $input) { isAllowed check { outcome } authorization { grantedVia expiresAt } }
}`;

interface SudoCheckAnswer {
  authorizeSudo: { isAllowed: boolean; check: { outcome: string }; authorization: { grantedVia: string; expiresAt: string | null } | null };
}

/** Exit statuses: the command's own when it ran; these when it did not. */
export const SUDO_REFUSED = 77;
export const SUDO_UNAVAILABLE = 69;

const REASONS: Record<string, string> = {
  NOT_GRANTED: 'you have no sudo grant for this command on this server',
  EXPIRED: 'your sudo grant for this command has expired',
  REVOKED: 'your sudo grant for this command was revoked',
  UNKNOWN_USER: 'Vigil does not know you (no user with your email)',
};

function personOf(env: NodeJS.ProcessEnv): string {
  return isUnderSudo(env) ? env.SUDO_USER! : os.userInfo().username;
}

function requestHint(config: AgentConfig, user: string, command: string): string {
  const lines = [`Ask for it in chat: /sudo ${config.serverName} ${command} --reason "…"`];
  if (config.requestUrl) {
    const url = config.requestUrl
      .replaceAll('{server}', encodeURIComponent(config.serverName))
      .replaceAll('{command}', encodeURIComponent(command))
      .replaceAll('{user}', encodeURIComponent(user));
    lines.push(`or here: ${url}`);
  }
  return lines.join('\n');
}

export async function runSudo(config: AgentConfig, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  if (args.length === 0) {
    process.stderr.write('usage: vigil-agent sudo <command> [arguments…]\n');
    return 2;
  }
  const client = new VigilClient(config.vigilUrl, requireToken(config));
  const command = quote([...args]);
  const user = personOf(env);
  const email = emailOf(config, user);
  if (!email) {
    process.stderr.write(`vigil-agent: no Vigil email for the user ${user} (set VIGIL_AGENT_USERS or VIGIL_AGENT_EMAIL_DOMAIN)\n`);
    return SUDO_REFUSED;
  }
  let answer: SudoCheckAnswer['authorizeSudo'];
  try {
    answer = (await client.graphql<SudoCheckAnswer>(AUTHORIZE, { input: { user: email, command } })).authorizeSudo;
  } catch (error) {
    // Fail closed: without Vigil's answer nothing runs as root.
    const reason = error instanceof VigilUnavailable || error instanceof VigilRefused ? error.message : String(error);
    process.stderr.write(`vigil-agent: cannot ask Vigil whether ${user} may run this (${reason}); not running it\n`);
    return SUDO_UNAVAILABLE;
  }
  if (!answer.isAllowed) {
    process.stderr.write(
      `vigil-agent: sudo refused: ${REASONS[answer.check.outcome] ?? answer.check.outcome}\n  ${command}\n${requestHint(config, user, command)}\n`,
    );
    return SUDO_REFUSED;
  }
  const [program, ...rest] = process.getuid?.() === 0 ? args : ['sudo', ...args];
  return new Promise<number>((resolve) => {
    const child = spawn(program!, rest, { stdio: 'inherit' });
    child.on('error', (error) => {
      process.stderr.write(`vigil-agent: cannot run ${program}: ${error.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}
