#!/bin/bash
# Agent Policy git hook, installed under every hook name through core.hooksPath (set in the
# environment of guarded processes). pre-push asks the guard with the refs git is really
# about to update; every hook then chains to the repository's own hook, so Husky and
# friends keep working.
__ap_hook=${0##*/}
__ap_self=$(cd "${0%/*}" && pwd -P)
# Our own git calls go straight to git, not through the PATH shims.
if [[ -n ${AGENTPOLICY_SHIM_DIR-} ]]; then
  PATH=$(printf '%s' ":$PATH:" | sed "s#:${AGENTPOLICY_SHIM_DIR//#/\\#}:#:#g; s#^:##; s#:\$##")
fi
__ap_input=
if [[ $__ap_hook == pre-push ]]; then
  __ap_input=$(cat; echo x)
  __ap_input=${__ap_input%x}
  printf '%s' "$__ap_input" | node "$__ap_self/../../prepush-main.js" "$@" || exit 1
fi
# The repository's own hooks: git's answer without our core.hooksPath entry.
__ap_count=${AGENTPOLICY_GIT_CONFIG_INDEX-}
if [[ -n $__ap_count ]]; then
  __ap_repo_hooks=$(GIT_CONFIG_COUNT=$__ap_count git rev-parse --path-format=absolute --git-path hooks 2>/dev/null)
else
  __ap_repo_hooks=$(env -u GIT_CONFIG_COUNT git rev-parse --path-format=absolute --git-path hooks 2>/dev/null)
fi
__ap_target=$__ap_repo_hooks/$__ap_hook
if [[ -n $__ap_repo_hooks && -x $__ap_target && ! $__ap_target -ef $0 ]]; then
  if [[ $__ap_hook == pre-push ]]; then
    printf '%s' "$__ap_input" | "$__ap_target" "$@"
    exit $?
  fi
  exec "$__ap_target" "$@"
fi
exit 0
