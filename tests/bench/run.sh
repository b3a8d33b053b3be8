#!/usr/bin/env bash
# Benchmarks: `bash tests/bench/run.sh`. Not part of tests/run.sh, and no
# timing assertions: it prints figures, ratios to anchors measured in the
# same run, and the project's goals as "meets"/"misses" (tests/bench/bench.mjs).
#
#   1. set-up (idempotent), then only the targets the benchmark needs:
#      native bench_native; wasm bench-plain, bench-simd, hush-core, hush-core-simd
#      (other work may be building in the same tree; building by name keeps
#      out of its way). Build output goes to build/bench-build.log.
#   2. native libsodium, then Node, then headless Chromium (tests/bench/bench.mjs).
#
# Takes about half a minute once built; the first build of the wasm core
# takes a few minutes more. Figures on a busy machine are noisy: the table
# prints the load average at the start.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash emsdk-config/setup.sh
source emsdk-config/env.sh

jobs=$(nproc)
log="$root/build/bench-build.log"
mkdir -p build
echo "bench: building bench_native, bench-plain, bench-simd, hush-core, hush-core-simd (log: build/bench-build.log)"
if ! { cmake -S . -B build &&
       cmake --build build -j"$jobs" --target bench_native &&
       emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release &&
       cmake --build build/wasm -j"$jobs" --target bench-plain bench-simd hush-core hush-core-simd
     } >"$log" 2>&1; then
  tail -30 "$log"
  echo "bench: build failed (see build/bench-build.log)" >&2
  exit 1
fi

echo "bench: measuring (progress on stderr, table at the end)"
exec node tests/bench/bench.mjs
