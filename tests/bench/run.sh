#!/usr/bin/env bash
# Benchmarks: `bash tests/bench/run.sh [--only crypto,vault,store,expiry]`.
# Not part of tests/run.sh, and no timing assertions: it prints figures,
# ratios to anchors measured in the same run, and the project's goals as
# "meets"/"misses" (tests/bench/bench.mjs).
#
#   1. set-up (idempotent), then only the targets the benchmark needs:
#      native bench_native; wasm bench-plain, bench-simd, bench-store,
#      hush-core, hush-core-simd (other work may be building in the same
#      tree; building by name keeps out of its way). Build output goes to
#      build/bench-build.log.
#   2. the sections, in this order (all by default):
#      crypto  native libsodium, Node and headless Chromium (suite.mjs)
#      vault   unlock (right, duress, wrong code) and wipe through the facade
#      store   one durable message, loading 100,000 messages, encryption
#              overhead; against @sqlite.org/sqlite-wasm (opfs-sahpool) and
#              a naive SQLite file on IDBFS
#      expiry  the sweep of disappearing messages and nextDue, up to 1,000,000
#
# The whole run takes about 3 minutes on 2 CPUs once built (crypto ~15 s,
# vault ~25 s, store ~30 s, expiry ~95 s: most of it filling 1,000,000
# messages one transaction each); the first build of the wasm core takes a
# few minutes more. Figures on a busy machine are noisy: the table prints
# the load average at the start.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash emsdk-config/setup.sh
source emsdk-config/env.sh

jobs=$(nproc)
log="$root/build/bench-build.log"
mkdir -p build
echo "bench: building bench_native, bench-plain, bench-simd, bench-store, hush-core, hush-core-simd (log: build/bench-build.log)"
if ! { cmake -S . -B build &&
       cmake --build build -j"$jobs" --target bench_native &&
       emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release &&
       cmake --build build/wasm -j"$jobs" --target bench-plain bench-simd bench-store hush-core hush-core-simd
     } >"$log" 2>&1; then
  tail -30 "$log"
  echo "bench: build failed (see build/bench-build.log)" >&2
  exit 1
fi

echo "bench: measuring (progress on stderr, table at the end)"
exec node tests/bench/bench.mjs "$@"
