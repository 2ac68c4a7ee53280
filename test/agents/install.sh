#!/usr/bin/env bash
# Installs the real agent CLIs that npm run test:agents drives (pinned in tools/agents/package.json)
# into tools/agents/node_modules (gitignored). Needs only the npm registry. Idempotent: when the
# pinned versions are already there it only checks. Exit 0 = all three CLIs runnable; otherwise one
# line on stderr saying which is missing and exit 1 (the suite then skips loudly).
#
# npm 11 skips dependency install scripts unless approved: tools/agents/package.json allows
# @anthropic-ai/claude-code's postinstall (it links the platform's native binary into bin/claude.exe).
# Gemini CLI's optional native addons (node-pty, keytar) stay unbuilt: it falls back to
# @lydell/node-pty's prebuilt binary and to file-based credentials, which is what we want offline.
set -euo pipefail
cd "$(dirname "$0")/../../tools/agents"

installed() { node -p "try { require('./node_modules/$1/package.json').version } catch { '' }" 2>/dev/null; }
wanted() { node -p "require('./package.json').dependencies['$1']"; }

ok=1
for p in @anthropic-ai/claude-code @google/gemini-cli @openai/codex; do
  [ "$(installed "$p")" = "$(wanted "$p")" ] || ok=0
done
[ -x node_modules/.bin/claude ] && [ -e node_modules/.bin/gemini ] && [ -e node_modules/.bin/codex ] || ok=0

if [ $ok = 0 ]; then
  s=$SECONDS
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >&2
  else
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
  echo "agents install: $(( SECONDS - s )) s" >&2
fi

# Each CLI must answer --version with a throwaway HOME (nothing of the real home is read).
h=$(mktemp -d)
trap 'rm -rf "$h"' EXIT
for c in claude gemini codex; do
  if ! v=$(HOME=$h CODEX_HOME=$h/.codex timeout 60 node_modules/.bin/$c --version 2>/dev/null | tail -1) || [ -z "$v" ]; then
    echo "agents install: $c --version failed" >&2
    exit 1
  fi
  echo "$c: $v"
done
