#!/usr/bin/env bash
# Builds the tunnel agent as one executable file (a Node single executable application): the agent
# bundled into one script, injected into a copy of a Node binary. A customer or technician runs it
# without installing Node: `fixbazaar-agent customer --session <id> --api <url>` (README, "Remote
# repair tunnel").
#
# Usage: bash scripts/tunnel-agent-sea.sh [--out DIR] [--node PATH] [--macos]
#   --out   where to write it (default dist/sea)
#   --node  the Node binary to build on (default: the project's own, for this machine). For another
#           platform pass that platform's official binary (node.exe for Windows, `bin/node` of the
#           macOS tarball with --macos) of the SAME Node version as the project's: the script's
#           blob is made by the project's Node and must match it.
#   --macos the binary is a macOS one: the blob goes into the NODE_SEA segment; afterwards sign it
#           on a Mac (`codesign --sign - fixbazaar-agent`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

out=dist/sea
node_bin=$(node -p process.execPath)
macos=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --node) node_bin=$2; shift 2 ;;
    --macos) macos=(--macho-segment-name NODE_SEA); shift ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
esbuild tunnel/agent/main.ts --bundle --platform=node --format=cjs --target=node24 \
  --outfile="$work/agent.cjs" --log-level=warning
printf '{"main":"%s","output":"%s","disableExperimentalSEAWarning":true}\n' \
  "$work/agent.cjs" "$work/agent.blob" >"$work/sea.json"
# Quiet unless a step fails (postject warns about ELF notes it does not need).
quiet() { "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }; }
quiet node --experimental-sea-config "$work/sea.json"

name=fixbazaar-agent
[[ $node_bin == *.exe ]] && name+=.exe
mkdir -p "$out"
cp "$node_bin" "$out/$name"
chmod 755 "$out/$name"
quiet postject "$out/$name" NODE_SEA_BLOB "$work/agent.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 "${macos[@]}"
echo "$out/$name"
