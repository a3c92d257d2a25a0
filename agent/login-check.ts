/**
 * `vigil-agent check-login [user]`: asks Vigil whether a person may open a session on this server
 * now (authorizeSession), for the login path. Exit 0 lets them in; any other refuses, with the
 * reason and where to ask on standard output (which pam_exec's `stdout` option shows them):
 *
 *   # /etc/pam.d/sshd
 *   account required pam_exec.so stdout /usr/local/bin/vigil-agent check-login
 *
 * The person is `user`, else PAM_USER (set by PAM), else the user running it, mapped to a Vigil
 * email as everywhere in the agent. Without Vigil's answer nobody gets in (fail closed, as sudo):
 * keep a way in that PAM does not send here (the console, a break-glass account). An allowed
 * answer is reused for later logins while the daemon's authorization epoch is fresh and unchanged
 * (login-cache.ts): a reused answer is not asked of Vigil, so it is not a session check there.
 */
import os from 'node:os';
import { requireToken, type AgentConfig } from './agent-config.js';
import { cachedAllowance, freshAuthorizationEpoch, rememberAllowance } from './login-cache.js';
import { emailOf } from './people.js';
import { VigilClient, VigilRefused, VigilUnavailable } from './vigil-client.js';

const AUTHORIZE = `mutation Authorize($input: AuthorizeSessionInput!) {
  authorizeSession(input: $input) { isAllowed decision reason allowedUntil url }
}`;

interface SessionAnswer {
  authorizeSession: { isAllowed: boolean; decision: string; reason: string; allowedUntil: string | null; url: string | null };
}

/** Exit statuses when the session is refused, or Vigil could not be asked. */
export const LOGIN_REFUSED = 1;
export const LOGIN_UNAVAILABLE = 2;

const REASONS: Record<string, string> = {
  NO_ACCESS_SESSION: 'this server needs an approved access session, and you have none in force',
  REQUEST_PENDING: 'your access request for this server is waiting for approval',
  UNKNOWN_USER: 'Vigil does not know you (no user with your email)',
  USER_DISABLED: 'your Vigil account is disabled',
};

export async function checkLogin(config: AgentConfig, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const user = argv[0] ?? env.PAM_USER ?? os.userInfo().username;
  const email = emailOf(config, user);
  if (!email) {
    process.stdout.write(`Vigil: no Vigil email for the user ${user} (set VIGIL_AGENT_USERS or VIGIL_AGENT_EMAIL_DOMAIN); not letting you in\n`);
    return LOGIN_REFUSED;
  }
  const now = Date.now();
  // The epoch as it stood before asking: a change after it makes whatever is kept under it stale.
  const epoch = config.loginCacheSeconds > 0 ? await freshAuthorizationEpoch(config.stateDir, now, 3 * config.directivesMs + 2000) : undefined;
  const cachedUntil = epoch === undefined ? undefined : await cachedAllowance(config.stateDir, email, epoch, now);
  if (cachedUntil !== undefined) {
    process.stdout.write(`Vigil: allowed (answer kept until ${new Date(cachedUntil).toISOString()})\n`);
    return 0;
  }
  let answer: SessionAnswer['authorizeSession'];
  try {
    const client = new VigilClient(config.vigilUrl, requireToken(config));
    answer = (await client.graphql<SessionAnswer>(AUTHORIZE, { input: { user: email, source: 'SHELL_CLI' } })).authorizeSession;
  } catch (error) {
    const reason = error instanceof VigilUnavailable || error instanceof VigilRefused ? error.message : String(error);
    process.stdout.write(`Vigil: cannot ask whether ${user} may log in (${reason}); not letting you in\n`);
    return LOGIN_UNAVAILABLE;
  }
  if (answer.isAllowed) {
    if (answer.allowedUntil) process.stdout.write(`Vigil: access session in force until ${answer.allowedUntil}\n`);
    if (epoch !== undefined) {
      const until = Math.min(now + config.loginCacheSeconds * 1000, answer.allowedUntil ? Date.parse(answer.allowedUntil) : Infinity);
      // Keeping it is a saving, not a duty: the login goes ahead either way.
      await rememberAllowance(config.stateDir, email, epoch, until, now).catch(() => undefined);
    }
    return 0;
  }
  const lines = [`Vigil: login refused: ${REASONS[answer.reason] ?? answer.reason.toLowerCase()}`];
  if (answer.url) lines.push(answer.decision === 'PENDING' ? `  the request: ${answer.url}` : `  ask for access: ${answer.url}`);
  else if (answer.reason === 'NO_ACCESS_SESSION') lines.push(`  ask for access in chat: /access ${config.serverName} 1h --reason "…"`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return LOGIN_REFUSED;
}
