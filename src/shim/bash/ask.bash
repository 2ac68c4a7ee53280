# Agent Policy: ask the guard about one command line. Sourced by the bash init and the PATH shims.
# Usage: __agentpolicy_ask SOURCE COMMAND-TEXT [FLAGS]   (FLAGS: i = typed at an interactive prompt)
# Returns 0 when the guard allows it; otherwise prints the guard's one-line reason to stderr
# and returns 1. Any failure (no guard, no answer, a malformed answer, an answer without the
# guard's proof) is a deny.
__agentpolicy_ask() {
  local LC_ALL=C
  local src=$1 cmd=$2 flags=${3:+ $3} tok=${AGENTPOLICY_TOKEN-} cwd=$PWD ans fd
  __agentpolicy_last=
  if [[ -z ${AGENTPOLICY_PORT-} ]]; then
    printf '%s\n' "agentpolicy: deny: the guard is unreachable (AGENTPOLICY_PORT is not set). Start the agent through \`agentpolicy run\` or a guarded VS Code terminal." >&2
    return 1
  fi
  # bash's /dev/tcp reaches the broker without starting a process; a credential authenticates the request.
  if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$AGENTPOLICY_PORT"; } 2>/dev/null; then
    printf '%s\n' "agentpolicy: deny: the guard is unreachable (nothing answers on port $AGENTPOLICY_PORT). Start it with \`agentpolicy serve\`, run the agent through \`agentpolicy run\`, or reopen the VS Code terminal." >&2
    return 1
  fi
  # BASHPID (not $$): the process that holds this connection, which the guard can check.
  printf 'AP1 %s %d %d %d %d%s\n%s%s%s' "$src" "${#tok}" "${#cwd}" "${#cmd}" "$BASHPID" "$flags" "$tok" "$cwd" "$cmd" >&"$fd"
  if ! IFS= read -r -t "${AGENTPOLICY_WAIT:-130}" ans <&"$fd"; then ans=; fi
  exec {fd}>&-
  case $ans in
    "allow ${AGENTPOLICY_PROOF:-?} "*) __agentpolicy_last=${ans#allow * }; return 0 ;;
    allow\ *) printf '%s\n' "agentpolicy: deny: something other than this terminal's guard answered on port $AGENTPOLICY_PORT (its answer lacks the guard's proof); denied. Reopen the terminal, or restart the guard." >&2; return 1 ;;
    deny\ *) printf '%s\n' "${ans#deny }" >&2; return 1 ;;
    *) printf '%s\n' "agentpolicy: deny: the guard did not answer in time; denied to be safe." >&2; return 1 ;;
  esac
}
