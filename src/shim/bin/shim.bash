#!/bin/bash
# Agent Policy PATH shim: installed under the names of guarded programs (git, rm, curl…).
# Catches what shells without the trap run (sh -c, dash, xargs, find -exec, interpreters):
# asks the guard with the full argv, then runs the real program found beyond the shim folder.
__ap_name=${0##*/}
__ap_self=${0%/*}
# shellcheck source=../bash/ask.bash
. "$__ap_self/../bash/ask.bash" || { echo "agentpolicy: deny: $__ap_name: the guard's shim is broken" >&2; exit 126; }
__ap_args=("$__ap_name" "$@")
# An installed script run through its `#!/usr/bin/env <this>` line (npm, an agent CLI's
# launcher) is that program starting, not an interpreter running code: judge it by its name, as
# the line that started it was judged. A script anyone here can write stays an interpreter run.
if [[ $# -ge 1 && ${1:0:1} == / && -f $1 && ! -w $1 && ! -w ${1%/*} ]]; then
  IFS= read -r __ap_shebang < "$1" 2>/dev/null
  case $__ap_shebang in
    "#!"*"/$__ap_name"|"#!"*"/$__ap_name "*|"#!"*"/env $__ap_name"|"#!"*"/env $__ap_name "*|"#!"*"/env -S $__ap_name"*) __ap_args=("${1##*/}" "${@:2}") ;;
  esac
fi
__agentpolicy_ask shim "${__ap_args[*]@Q}" || exit 126
if [[ $__ap_name == git && -n ${AGENTPOLICY_SHIM_DIR-} ]]; then
  # The guard's pre-push hook must be git's last word on core.hooksPath: an agent's own
  # GIT_CONFIG_* entries (Gemini CLI sets eight, one an empty core.hooksPath) come before it.
  __ap_n=${GIT_CONFIG_COUNT:-0}
  [[ $__ap_n =~ ^[0-9]+$ ]] || __ap_n=0
  __ap_hooks=${AGENTPOLICY_SHIM_DIR%/bin}/hooks
  __ap_last_key=GIT_CONFIG_KEY_$((__ap_n - 1)) __ap_last_val=GIT_CONFIG_VALUE_$((__ap_n - 1))
  if ((__ap_n == 0)) || [[ ${!__ap_last_key-} != core.hooksPath || ${!__ap_last_val-} != "$__ap_hooks" ]]; then
    export "GIT_CONFIG_KEY_$__ap_n=core.hooksPath" "GIT_CONFIG_VALUE_$__ap_n=$__ap_hooks" "GIT_CONFIG_COUNT=$((__ap_n + 1))" "AGENTPOLICY_GIT_CONFIG_INDEX=$__ap_n"
  fi
fi
IFS=: read -r -a __ap_dirs <<< "$PATH"
for __ap_d in "${__ap_dirs[@]}"; do
  [[ -z $__ap_d || $__ap_d -ef $__ap_self ]] && continue
  if [[ -x $__ap_d/$__ap_name && ! -d $__ap_d/$__ap_name ]]; then
    exec -a "$__ap_name" "$__ap_d/$__ap_name" "$@"
  fi
done
# `agentpolicy` in a VS Code terminal: the extension's own CLI (it sets AGENTPOLICY_CLI_JS; agents cannot set AGENTPOLICY_*).
if [[ $__ap_name == agentpolicy && -n ${AGENTPOLICY_CLI_JS-} && -r $AGENTPOLICY_CLI_JS ]]; then
  ELECTRON_RUN_AS_NODE=1 exec "${AGENTPOLICY_CLI_NODE:-node}" "$AGENTPOLICY_CLI_JS" "$@"
fi
echo "agentpolicy: $__ap_name: command not found (beyond the guard's PATH shims)" >&2
exit 127
