# Agent Policy: read the user's own .zshrc from where it was.
[[ -r ${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zshrc ]] && source "${AGENTPOLICY_USER_ZDOTDIR:-$HOME}/.zshrc"
