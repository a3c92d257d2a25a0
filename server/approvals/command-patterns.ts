/**
 * Sudo commands and patterns. A pattern is a command in which `*` stands for any run of
 * characters (as in sudoers: `systemctl restart *`); everything else matches itself. Commands
 * compare after collapsing runs of whitespace, so `ls  -la` and `ls -la` are the same command.
 */

export function normalizeCommand(command: string): string {
  return command.trim().replace(/\s+/g, ' ');
}

const patternCache = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    const source = normalizeCommand(pattern)
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    compiled = new RegExp(`^${source}$`, 's');
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

/** Whether a grant (`command`, or a pattern when `isPattern`) covers the command to run. */
export function grantCovers(grant: { command: string; isPattern: boolean }, command: string): boolean {
  const wanted = normalizeCommand(command);
  return grant.isPattern ? patternRegExp(grant.command).test(wanted) : normalizeCommand(grant.command) === wanted;
}

/**
 * Whether an allowlist entry (always a pattern) covers a request. A requested pattern is covered
 * only by the same pattern: whether one pattern contains another is not worth guessing at.
 */
export function allowlistCovers(entry: string, request: { command: string; isPattern: boolean }): boolean {
  return request.isPattern ? normalizeCommand(entry) === normalizeCommand(request.command) : grantCovers({ command: entry, isPattern: true }, request.command);
}
