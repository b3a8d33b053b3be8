#!/usr/bin/env bash
# Benchmarks: `bash tests/bench/run.sh [--only crypto,vault,store,expiry,trust,backup,relay]`.
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
#      vault   unlock outcomes (right, duress, wrong code) against Argon2id
#              alone and the 10% spread goal: through the facade (hush.unlock
#              and the first identities() call) on OPFS and on the IndexedDB
#              fallback, and through the demo app (web/app on web/serve.mjs:
#              Enter on the lock screen to the first frame of the outcome);
#              the wipe of a 50 MB vault on OPFS
#      store   our store in a dedicated Worker on OPFS (web/src/opfs-fs.js)
#              and on the IndexedDB fallback (persist.js): one durable
#              message at 1,000 and 100,000 stored, loading 100,000 to the
#              last 50, wasm memory with 10,000 to 1,000,000 messages open,
#              a durable sweep of 10,000 scattered among 1,000,000; against
#              @sqlite.org/sqlite-wasm (opfs-sahpool) and a naive SQLite file
#              on IDBFS; page-encryption overhead against the same SQLite
#              unencrypted (MEMFS both), with the I/O (writes, bytes,
#              flushes) and random draws per message
#      expiry  the sweep of 10,000 due messages among 1,000,000 and nextDue
#              (MEMFS), against plain SQLite on the same rows
#      trust   a friend's remote wipe, locked and unlocked, to the keys
#              destroyed and persisted, against the user's own wipe and
#              GrapheneOS's 1 s
#      backup  export and import of a 200 MB store (OPFS) against raw
#              secretstream (libsodium.js), and the importing Worker's wasm
#              memory after a 16 MB and a 200 MB import
#      relay   the relay (web/relay) on loopback: store + retrieve per
#              second and long-poll delivery p50/p99, against a plain echo
#              server on the same Node http stack
#
# The whole run takes about 10 minutes on 2 quiet CPUs once built; most of
# it is filling 1,000,000 messages three times (OPFS, MEMFS, plain), 1000 per
# transaction. The first build of the wasm core takes a few minutes more.
# Figures on a busy machine are noisy: the table prints the load average at
# the start and at the end.
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
