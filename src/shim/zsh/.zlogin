# Agent Policy: read the user's own .zlogin from where it was.
[[ -r ${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zlogin ]] && source "${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zlogin"
