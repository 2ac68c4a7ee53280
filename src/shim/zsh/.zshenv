# Agent Policy guard for zsh: ZDOTDIR points here, so every zsh (zsh -c included) reads this.
# The user's own startup files are read from where they were.
__agentpolicy_user_zdotdir=${AGENTPOLICY_USER_ZDOTDIR:-$HOME}
[[ -r $__agentpolicy_user_zdotdir/.zshenv ]] && source "$__agentpolicy_user_zdotdir/.zshenv"

zmodload zsh/net/socket 2>/dev/null

# Ask the guard over its Unix socket. 0 allow; otherwise the reason goes to stderr.
__agentpolicy_ask() {
  emulate -L zsh
  setopt no_multibyte
  local src=$1 cmd=$2 tok=${AGENTPOLICY_TOKEN-} cwd=$PWD ans fd
  # The socket must sit in a folder of ours only: nobody else can have put it there.
  if [[ -z ${AGENTPOLICY_SOCKET-} ]] || [[ ! -O ${AGENTPOLICY_SOCKET:h} || ! -O $AGENTPOLICY_SOCKET ]] || ! zsocket "$AGENTPOLICY_SOCKET" 2>/dev/null; then
    print -ru2 -- "agentpolicy: deny: the guard is unreachable (AGENTPOLICY_SOCKET=${AGENTPOLICY_SOCKET-unset}). Start it with \`agentpolicy serve\`, run the agent through \`agentpolicy run\`, or reopen the VS Code terminal."
    return 1
  fi
  fd=$REPLY
  print -rn -u $fd -- "AP1 $src ${#tok} ${#cwd} ${#cmd} $$"$'\n'"$tok$cwd$cmd"
  if ! read -r -t ${AGENTPOLICY_WAIT:-130} -u $fd ans; then ans=; fi
  exec {fd}>&-
  case $ans in
    ("allow ${AGENTPOLICY_PROOF:-?} "*) return 0 ;;
    (allow\ *) print -ru2 -- "agentpolicy: deny: the guard's answer lacks its proof; denied."; return 1 ;;
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
  __agentpolicy_ask zsh "$ZSH_DEBUG_CMD" && return 0
  [[ -o interactive ]] || exit 126
  setopt errexit
  return 1
}
