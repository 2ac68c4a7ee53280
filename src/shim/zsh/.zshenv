# Agent Policy guard for zsh: ZDOTDIR points here, so every zsh (zsh -c included) reads this.
# The user's own startup files are read from where they were.
__agentpolicy_user_zdotdir=${AGENTPOLICY_USER_ZDOTDIR:-$HOME}
[[ -r $__agentpolicy_user_zdotdir/.zshenv ]] && source "$__agentpolicy_user_zdotdir/.zshenv"

zmodload zsh/net/tcp 2>/dev/null
zmodload zsh/system 2>/dev/null

# Ask the guard over its loopback port (as bash does), so it can check which process holds the
# connection. 0 allow; otherwise the reason goes to stderr. An allow must carry the guard's proof.
__agentpolicy_ask() {
  emulate -L zsh
  setopt no_multibyte
  local src=$1 cmd=$2 flags=${3:+ $3} tok=${AGENTPOLICY_TOKEN-} cwd=$PWD ans fd pid=${sysparams[pid]:-$$}
  if [[ -z ${AGENTPOLICY_PORT-} ]] || ! ztcp 127.0.0.1 "$AGENTPOLICY_PORT" 2>/dev/null; then
    print -ru2 -- "agentpolicy: deny: the guard is unreachable (nothing answers on port ${AGENTPOLICY_PORT-unset}). Start it with \`agentpolicy serve\`, run the agent through \`agentpolicy run\`, or reopen the VS Code terminal."
    return 1
  fi
  fd=$REPLY
  print -rn -u $fd -- "AP1 $src ${#tok} ${#cwd} ${#cmd} $pid$flags"$'\n'"$tok$cwd$cmd"
  if ! read -r -t ${AGENTPOLICY_WAIT:-130} -u $fd ans; then ans=; fi
  ztcp -c $fd 2>/dev/null
  case $ans in
    ("allow ${AGENTPOLICY_PROOF:-?} "*) return 0 ;;
    (allow\ *) print -ru2 -- "agentpolicy: deny: something other than this terminal's guard answered on port $AGENTPOLICY_PORT (its answer lacks the guard's proof); denied."; return 1 ;;
    (deny\ *) print -ru2 -- "${ans#deny }"; return 1 ;;
    (*) print -ru2 -- "agentpolicy: deny: the guard did not answer in time; denied to be safe."; return 1 ;;
  esac
}

# zsh hands TRAPDEBUG a whole list at a time ($ZSH_DEBUG_CMD). errexit set inside the trap
# skips the command about to run.
TRAPDEBUG() {
  [[ -n ${__agentpolicy_line_ok-} ]] && return 0
  if [[ -z ${__agentpolicy_started-} ]]; then
    __agentpolicy_started=1
    if [[ -n ${ZSH_EXECUTION_STRING-} ]]; then
      if __agentpolicy_ask zsh "$ZSH_EXECUTION_STRING"; then
        __agentpolicy_line_ok=1
        return 0
      fi
      exit 126
    fi
  fi
  if [[ -o interactive ]]; then __agentpolicy_ask zsh "$ZSH_DEBUG_CMD" i && return 0
  else __agentpolicy_ask zsh "$ZSH_DEBUG_CMD" && return 0; fi
  [[ -o interactive ]] || exit 126
  setopt errexit
  return 1
}
