/**
 * The shell integration: code for `eval "$(vigil-agent shell-hook bash)"` (or zsh) that records
 * each command line typed in an interactive shell into the agent's spool, with builtins only on the
 * prompt's path (bash forks once per command, to read the line from history). The agent's daemon
 * (`vigil-agent run`) ships the spool to Vigil; the shell never waits on the network.
 *
 * Spool file: one per shell, `<spool>/shell-<session>.tsv`, one record per line, fields separated
 * by tabs, with backslash, tab, newline and carriage return in values escaped as \\ \t \n \r:
 *   S <time> <user> <tty> <ssh client> <shell>   the shell started (written unless a recorder did)
 *   B <seq> <time> <working directory> <line>     a command line began
 *   C <seq> <time> <exit status>                  it finished
 *   E <time>                                      the shell exited
 * Times are the shell's EPOCHREALTIME (seconds with a fraction). The file's owner, not the record,
 * says which Unix user the shell ran as.
 */

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

const quoted = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** Shared by both shells: escaping, writing, session start. Needs __vigil_file set. */
function common(spool: string): string {
  return `__vigil_spool=${quoted(spool)}
__vigil_esc() {
  local s=\${1//\\\\/\\\\\\\\}
  s=\${s//$'\\n'/\\\\n}
  s=\${s//$'\\t'/\\\\t}
  __vigil_out=\${s//$'\\r'/\\\\r}
}
# A variable, not a literal tab: pasted into a terminal, a tab would be taken for completion.
__vigil_t=$'\\t'
__vigil_write() { builtin printf '%s\\n' "$1" >>"$__vigil_file" 2>/dev/null; }
__vigil_seq=0
__vigil_running=
__vigil_recorded=
if [[ -n \${VIGIL_TERMINAL_SESSION-} ]]; then
  # A recorder started this shell and writes the start and end of the session itself. A shell
  # started from this one is a session of its own (numbering its commands from 1): not passed on.
  __vigil_file="$__vigil_spool/shell-$VIGIL_TERMINAL_SESSION.tsv"
  __vigil_recorded=1
  unset VIGIL_TERMINAL_SESSION
else
  __vigil_file="$__vigil_spool/shell-$$-\${EPOCHREALTIME//[.,]/}.tsv"
  __vigil_esc "\${USER-}"; __vigil_u=$__vigil_out
  __vigil_esc "\${SSH_CONNECTION%% *}"; __vigil_w=$__vigil_out
  __vigil_out=
  [[ -t 0 ]] && __vigil_esc "$(tty 2>/dev/null)"
  __vigil_write "S\${__vigil_t}$EPOCHREALTIME\${__vigil_t}$__vigil_u\${__vigil_t}$__vigil_out\${__vigil_t}$__vigil_w\${__vigil_t}$__vigil_shell"
  unset __vigil_u __vigil_w
fi
__vigil_begin() {
  __vigil_seq=$((__vigil_seq + 1))
  __vigil_running=$__vigil_seq
  local at=$EPOCHREALTIME
  __vigil_esc "$PWD"; local cwd=$__vigil_out
  __vigil_esc "$1"
  __vigil_write "B\${__vigil_t}$__vigil_seq\${__vigil_t}$at\${__vigil_t}$cwd\${__vigil_t}$__vigil_out"
}
__vigil_end() {
  [[ -n $__vigil_running ]] || return 0
  __vigil_write "C\${__vigil_t}$__vigil_running\${__vigil_t}$EPOCHREALTIME\${__vigil_t}$1"
  __vigil_running=
}
__vigil_exit() {
  __vigil_end $?
  [[ -n $__vigil_recorded ]] || __vigil_write "E\${__vigil_t}$EPOCHREALTIME"
}`;
}

function bash(spool: string): string {
  return `# Vigil agent shell hook for bash (https://github.com/…/vigil: agent/shell-hook.ts)
if [[ $- == *i* && -z \${__vigil_file-} && -n \${EPOCHREALTIME-} ]]; then
__vigil_shell=bash
${common(spool)}
__vigil_armed=
__vigil_histno=
__vigil_debug() {
  [[ -n $__vigil_armed ]] || return 0
  __vigil_armed=
  # An empty line: the prompt's own commands run with nothing typed.
  [[ $BASH_COMMAND == __vigil_precmd* ]] && return 0
  local entry line
  entry=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
  local number=\${entry%%[^0-9 ]*}
  number=\${number// /}
  if [[ -n $number && $number != "$__vigil_histno" ]]; then
    __vigil_histno=$number
    line=\${entry#"\${entry%%[^0-9 ]*}"}
    line=\${line#\\*}
  else
    # Not in history (ignorespace, HISTIGNORE, history off): the first simple command.
    line=$BASH_COMMAND
  fi
  __vigil_begin "$line"
}
__vigil_precmd() { __vigil_end "$1"; }
__vigil_arm() { __vigil_armed=1; }
__vigil_histno=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null); __vigil_histno=\${__vigil_histno%%[^0-9 ]*}; __vigil_histno=\${__vigil_histno// /}
if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
  PROMPT_COMMAND=('__vigil_precmd $?' "\${PROMPT_COMMAND[@]}" __vigil_arm)
else
  PROMPT_COMMAND="__vigil_precmd \\$?\${PROMPT_COMMAND:+; $PROMPT_COMMAND}; __vigil_arm"
fi
__vigil_prev_debug=$(trap -p DEBUG)
__vigil_prev_debug=\${__vigil_prev_debug#trap -- \\'}; __vigil_prev_debug=\${__vigil_prev_debug%\\' DEBUG}
trap '__vigil_debug; '"\${__vigil_prev_debug:-:}" DEBUG
__vigil_prev_exit=$(trap -p EXIT)
__vigil_prev_exit=\${__vigil_prev_exit#trap -- \\'}; __vigil_prev_exit=\${__vigil_prev_exit%\\' EXIT}
trap '__vigil_exit; '"\${__vigil_prev_exit:-:}" EXIT
fi
`;
}

function zsh(spool: string): string {
  return `# Vigil agent shell hook for zsh (agent/shell-hook.ts)
zmodload zsh/datetime 2>/dev/null
if [[ -o interactive && -z \${__vigil_file-} && -n \${EPOCHREALTIME-} ]]; then
__vigil_shell=zsh
${common(spool)}
__vigil_preexec() { __vigil_begin "\${1:-$3}"; }
# First of the precmd functions, so that $? is still the command's status.
__vigil_precmd() { __vigil_end $?; }
precmd_functions=(__vigil_precmd "\${precmd_functions[@]}")
autoload -Uz add-zsh-hook
add-zsh-hook preexec __vigil_preexec
add-zsh-hook zshexit __vigil_exit
fi
`;
}

/** The shell code to eval, writing into `spool`. */
export function shellHook(shell: Shell, spool: string): string {
  if (shell === 'bash') return bash(spool);
  // Interactive zsh reads `#` as a command, not a comment (unless interactive_comments is set),
  // and an apostrophe in one would open a quote: its code carries none.
  return zsh(spool)
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
}
