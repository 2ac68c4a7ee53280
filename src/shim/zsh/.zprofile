# Agent Policy: read the user's own .zprofile from where it was.
[[ -r ${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zprofile ]] && source "${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zprofile"
