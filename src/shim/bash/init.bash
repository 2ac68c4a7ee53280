# Agent Policy guard for bash. Loaded through BASH_ENV (non-interactive shells, which is how
# agents run commands) and through PROMPT_COMMAND for interactive ones (bash ignores BASH_ENV
# there). A DEBUG trap sends each command line to the guard before it runs and skips it
# unless the answer is allow.

# PATH shims and git hooks are bash scripts too: they ask the guard themselves.
__agentpolicy_root=${BASH_SOURCE[0]%/bash/*}
case ${0-} in "$__agentpolicy_root"/*) return 0 2>/dev/null || exit 0 ;; esac
[[ -n ${__agentpolicy_armed-} ]] && return 0
# An installed script (nobody here can change it or its folder) runs as the one launch that was
# judged when it started; the trap judges what agents give, not every line of, say, pyenv. The
# PATH shims still judge the guarded programs it runs.
if [[ -z ${BASH_EXECUTION_STRING-} && ${0-} == /* && -f ${0-} && ! -w $0 && ! -w ${0%/*} ]]; then
  return 0 2>/dev/null || exit 0
fi
__agentpolicy_armed=1

__agentpolicy_lib=${BASH_SOURCE[0]%/*}/ask.bash
# shellcheck source=ask.bash
. "$__agentpolicy_lib" || { echo "agentpolicy: deny: cannot load $__agentpolicy_lib" >&2; exit 126; }

# A DEBUG trap already there (VS Code's shell integration has one) keeps running after ours.
# Inside a sourced file bash hides the DEBUG trap, so PROMPT_COMMAND captures it before sourcing.
__agentpolicy_prev=${__agentpolicy_prev_trap-$(trap -p DEBUG)}
unset __agentpolicy_prev_trap
__agentpolicy_prev=${__agentpolicy_prev#trap -- \'}
__agentpolicy_prev=${__agentpolicy_prev%\' DEBUG}
__agentpolicy_prev=${__agentpolicy_prev//\'\\\'\'/\'}
readonly __agentpolicy_prev

# Interactive state: `prompt` until the next typed line is judged, then `ok` or `blocked`
# until the next prompt (the policy denies assigning __agentpolicy* names).
__agentpolicy_mode=prompt
__agentpolicy_histno=

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
  if [[ $- == *i* ]]; then
    __agentpolicy_interactive || return 1
    [[ -n $__agentpolicy_prev ]] && eval "$__agentpolicy_prev"
    return 0
  fi
  # Scripts: each simple command as it is about to run.
  if __agentpolicy_ask bash "$BASH_COMMAND"; then return 0; fi
  exit 126 # the blocked command fails, and so does the script
}

# Interactive shells: the line typed at the prompt is judged whole (from history), once;
# the prompt machinery itself (PROMPT_COMMAND, functions it calls) is not a typed line.
__agentpolicy_interactive() {
  case $BASH_COMMAND in __agentpolicy_prompt*) return 0 ;; esac
  [[ -n ${FUNCNAME[2]-} ]] && return 0 # inside a function: the call itself was judged
  [[ -n $BASH_COMMAND && "${PROMPT_COMMAND[*]}" == *"$BASH_COMMAND"* ]] && return 0
  case $__agentpolicy_mode in
    ok) return 0 ;;
    blocked) return 1 ;;
  esac
  local entry number line
  entry=$(HISTTIMEFORMAT= builtin history 1)
  number=${entry#"${entry%%[0-9]*}"}
  number=${number%%[!0-9]*}
  line=${entry#*[0-9]  }
  if [[ -n $number && $number != "$__agentpolicy_histno" && -n $line ]]; then
    __agentpolicy_histno=$number
    if __agentpolicy_ask bash "$line" i; then
      __agentpolicy_mode=ok
      return 0
    fi
    __agentpolicy_mode=blocked
    return 1
  fi
  # Not in history (HISTCONTROL=ignorespace, history off): judge each command as it comes.
  __agentpolicy_ask bash "$BASH_COMMAND" i
}

__agentpolicy_prompt() {
  __agentpolicy_mode=prompt
  local entry
  entry=$(HISTTIMEFORMAT= builtin history 1)
  entry=${entry#"${entry%%[0-9]*}"}
  __agentpolicy_histno=${entry%%[!0-9]*}
}

__agentpolicy_arm() {
  # extdebug set from a startup file makes bash look for a debugger; set it on first use instead.
  shopt -s extdebug
  trap '__agentpolicy_debug' DEBUG
  __agentpolicy_debug
}

# A script must not be able to redefine or unset the guard's functions (definitions do not
# pass through the DEBUG trap); trap, shopt and set changes are judged by the policy.
readonly -f __agentpolicy_ask __agentpolicy_debug __agentpolicy_arm __agentpolicy_interactive __agentpolicy_prompt
set -T
if [[ $- == *i* ]]; then
  shopt -s extdebug
  trap '__agentpolicy_debug' DEBUG
  __agentpolicy_prompt
else
  trap '__agentpolicy_arm' DEBUG
fi
