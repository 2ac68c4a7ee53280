#!/usr/bin/env bash
# Renders media/icon.svg to media/icon.png (128×128, transparent corners) with headless Chromium
# (apt-get install chromium; scripts/vscode-setup.sh installs it). The PNG is committed: packaging
# does not need Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '<html><body style="margin:0;background:transparent"><img src="file://%s/media/icon.svg" width="128" height="128" style="display:block"></body></html>' "$PWD" > "$tmp/icon.html"
/usr/bin/chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --default-background-color=00000000 \
  --user-data-dir="$tmp/profile" --window-size=128,128 --screenshot="$tmp/icon.png" "file://$tmp/icon.html" >/dev/null 2>&1
mv "$tmp/icon.png" media/icon.png
file media/icon.png
