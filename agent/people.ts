/**
 * Who a shell ran as: the Unix owner of its spool file (set by the kernel, so a person cannot claim
 * to be someone else by changing $USER), named through NSS (`getent passwd`, so LDAP and SSSD
 * users count), and the Vigil email that user maps to.
 */
import { execFileSync } from 'node:child_process';
import type { AgentConfig } from './agent-config.js';

const names = new Map<number, string | undefined>();

/** The login name of `uid`, or undefined when the system does not know it. */
export function userNameOf(uid: number): string | undefined {
  if (!names.has(uid)) {
    let name: string | undefined;
    try {
      name =
        execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).split(':')[0] || undefined;
    } catch {
      name = undefined;
    }
    names.set(uid, name);
  }
  return names.get(uid);
}

/** The Vigil email of a Unix user, when the configuration says one. */
export function emailOf(config: Pick<AgentConfig, 'emails' | 'emailDomain'>, user: string): string | undefined {
  return config.emails.get(user) ?? (config.emailDomain ? `${user}@${config.emailDomain}`.toLowerCase() : undefined);
}
