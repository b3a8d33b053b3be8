#!/usr/bin/env bash
# README command 1: set up what is missing, build the wasm core, serve the app
# at http://127.0.0.1:8080/ (HUSH_PORT, HUSH_HOST to change).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/emsdk-config/setup.sh"
source "$root/emsdk-config/env.sh"
[[ -f $root/build/wasm/CMakeCache.txt ]] ||
  emcmake cmake -S "$root" -B "$root/build/wasm" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/wasm" -j"$(nproc)" --target hush-core hush-core-simd hush-core-debug
exec node "$root/web/serve.mjs"
