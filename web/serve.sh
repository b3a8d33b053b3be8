#!/usr/bin/env bash
# README command 1: set up what is missing, build the wasm core, serve the app
# at http://127.0.0.1:8080/ (HUSH_PORT, HUSH_HOST to change) and start the
# relay at http://127.0.0.1:8081/ (HUSH_RELAY_PORT; messages kept in
# build/relay-data/ until fetched and deleted, or their TTL).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/emsdk-config/setup.sh"
source "$root/emsdk-config/env.sh"
[[ -f $root/build/wasm/CMakeCache.txt ]] ||
  emcmake cmake -S "$root" -B "$root/build/wasm" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/wasm" -j"$(nproc)" --target hush-core hush-core-simd hush-core-debug
mkdir -p "$root/build/relay-data"
# The relay answers the app's origins, the Electron shell's (hush://app) and
# any in HUSH_RELAY_ORIGINS (comma-separated: the extension's
# chrome-extension://<id>, which web/extension/build.mjs prints).
origins=(--origin "http://${HUSH_HOST:-127.0.0.1}:${HUSH_PORT:-8080}" --origin "http://localhost:${HUSH_PORT:-8080}"
  --origin "hush://app")
# Served to the network (HUSH_HOST=0.0.0.0, say): each device reaches the app
# by its own address for this machine, so any host on the app's port.
[[ ${HUSH_HOST:-127.0.0.1} =~ ^(127\.0\.0\.1|localhost)$ ]] || origins+=(--origin "http://*:${HUSH_PORT:-8080}")
IFS=',' read -ra extra <<<"${HUSH_RELAY_ORIGINS:-}"
for origin in "${extra[@]}"; do [[ -n $origin ]] && origins+=(--origin "$origin"); done
node "$root/web/relay/server.mjs" --port "${HUSH_RELAY_PORT:-8081}" --host "${HUSH_HOST:-127.0.0.1}" \
  --data "$root/build/relay-data" "${origins[@]}" &
relay=$!
trap 'kill "$relay" 2>/dev/null || true' EXIT INT TERM
node "$root/web/serve.mjs"
