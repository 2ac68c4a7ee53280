#!/bin/bash
# Agent Policy PATH shim: installed under the names of guarded programs (git, rm, curl…).
# Catches what shells without the trap run (sh -c, dash, xargs, find -exec, interpreters):
# asks the guard with the full argv, then runs the real program found beyond the shim folder.
__ap_name=${0##*/}
__ap_self=${0%/*}
# shellcheck source=../bash/ask.bash
. "$__ap_self/../bash/ask.bash" || { echo "agentpolicy: deny: $__ap_name: the guard's shim is broken" >&2; exit 126; }
__ap_args=("$__ap_name" "$@")
__agentpolicy_ask shim "${__ap_args[*]@Q}" || exit 126
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
