# Agent Policy: read the user's own .zlogout from where it was.
[[ -r ${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zlogout ]] && source "${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zlogout"
