# Agent Policy guard for bash. Loaded through BASH_ENV (non-interactive shells, which is how
# agents run commands) and through PROMPT_COMMAND for interactive ones. A DEBUG trap sends
# each command line to the guard before it runs and skips it unless the answer is allow.

# PATH shims and git hooks are bash scripts too: they ask the guard themselves.
__agentpolicy_root=${BASH_SOURCE[0]%/bash/*}
case ${0-} in "$__agentpolicy_root"/*) return 0 2>/dev/null || exit 0 ;; esac
[[ -n ${__agentpolicy_armed-} ]] && return 0
__agentpolicy_armed=1

__agentpolicy_lib=${BASH_SOURCE[0]%/*}/ask.bash
# shellcheck source=ask.bash
. "$__agentpolicy_lib" || { echo "agentpolicy: deny: cannot load $__agentpolicy_lib" >&2; exit 126; }

__agentpolicy_debug() {
  # `bash -c LINE`: judge the whole line once, as analysis sees it; an allowed line runs.
  if [[ -z ${__agentpolicy_started-} ]]; then
    readonly __agentpolicy_started=1
    if [[ -n ${BASH_EXECUTION_STRING-} ]]; then
      if __agentpolicy_ask bash "$BASH_EXECUTION_STRING"; then
        readonly __agentpolicy_line_ok=1
        return 0
      fi
      exit 126
    fi
    # Per-command mode from here on: nothing the script runs may claim the line was approved.
    readonly __agentpolicy_line_ok=
  fi
  [[ -n ${__agentpolicy_line_ok-} ]] && return 0
  # Scripts and interactive shells: each simple command as it is about to run.
  if __agentpolicy_ask bash "$BASH_COMMAND"; then return 0; fi
  [[ $- == *i* ]] && return 1   # interactive: skip this command, keep the shell
  exit 126                      # non-interactive: the blocked command fails, and so does the script
}

__agentpolicy_arm() {
  # extdebug set from a startup file makes bash look for a debugger; set it on first use instead.
  shopt -s extdebug
  trap '__agentpolicy_debug' DEBUG
  __agentpolicy_debug
}

# A script must not be able to redefine or unset the guard's functions (definitions do not
# pass through the DEBUG trap); trap, shopt and set changes are judged by the policy.
readonly -f __agentpolicy_ask __agentpolicy_debug __agentpolicy_arm
set -T
trap '__agentpolicy_arm' DEBUG
