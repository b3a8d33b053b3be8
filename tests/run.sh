#!/usr/bin/env bash
# README command 2: set up what is missing, build everything, run every test,
# end with one line "N passed, N failed".
#
#   1. C units natively (ctest, build/)          also builds build/hush
#   2. C units under ASan + UBSan (build/san/)
#   2b. fuzz: clang libFuzzer build (build/fuzz/), units + a smoke run of every fuzzer
#   3. the wasm builds (build/wasm/, web/dist/)
#   4. node:test against the wasm build (tests/js/)
#   5. end-to-end in headless Chromium and Firefox ESR (tests/e2e/)
#
# HUSH_TESTS=c,san,fuzz,js,e2e picks a subset.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash emsdk-config/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
source emsdk-config/env.sh

parts=",${HUSH_TESTS:-c,san,fuzz,js,e2e},"
jobs=$(nproc)
passed=0
failed=0
log_dir="$root/build/test-logs"
mkdir -p "$log_dir"

section() { printf '\n== %s\n' "$*"; }
fail_step() { echo "FAILED: $*"; failed=$((failed + 1)); }

# ctest's summary: "100% tests passed, 0 tests failed out of 3"
run_ctest() { # build-dir label
  local out="$log_dir/ctest-$2.log"
  ctest --test-dir "$1" --output-on-failure -j"$jobs" >"$out" 2>&1
  cat "$out" | grep -E "tests passed|Failed|\*\*\*" || true
  local line total bad
  line=$(grep -E "tests failed out of" "$out" | tail -1)
  if [[ -z $line ]]; then fail_step "ctest $2 printed no summary"; return; fi
  bad=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + total - bad)); failed=$((failed + bad))
}

# node --test's TAP summary: "# pass N" / "# fail N"
run_node_tests() { # label args...
  local label=$1; shift
  local out="$log_dir/node-$label.log"
  node --test --test-reporter=tap "$@" >"$out" 2>&1
  grep -E "^not ok|^# (pass|fail) " "$out" || true
  local p f
  p=$(grep -E "^# pass " "$out" | tail -1 | awk '{print $3}')
  f=$(grep -E "^# fail " "$out" | tail -1 | awk '{print $3}')
  if [[ -z $p ]]; then fail_step "node tests $label printed no summary (see $out)"; return; fi
  passed=$((passed + p)); failed=$((failed + f))
  (( f == 0 )) || echo "   details: $out"
}

if [[ $parts == *,c,* ]]; then
  section "C units, native"
  if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log_dir/cmake-native.log" 2>&1 &&
     cmake --build build -j"$jobs" >>"$log_dir/cmake-native.log" 2>&1; then
    run_ctest build native
  else
    tail -20 "$log_dir/cmake-native.log"; fail_step "native build"
  fi
fi

if [[ $parts == *,san,* ]]; then
  section "C units, AddressSanitizer + UndefinedBehaviorSanitizer"
  if cmake -S . -B build/san -DCMAKE_BUILD_TYPE=Debug -DHUSH_SANITIZE=ON >"$log_dir/cmake-san.log" 2>&1 &&
     cmake --build build/san -j"$jobs" >>"$log_dir/cmake-san.log" 2>&1; then
    run_ctest build/san sanitizers
  else
    tail -20 "$log_dir/cmake-san.log"; fail_step "sanitizer build"
  fi
fi

if [[ $parts == *,fuzz,* ]]; then
  section "fuzzers (clang, libFuzzer + ASan + UBSan): smoke runs"
  if CC=clang cmake -S . -B build/fuzz -DHUSH_FUZZ=ON >"$log_dir/cmake-fuzz.log" 2>&1 &&
     cmake --build build/fuzz -j"$jobs" >>"$log_dir/cmake-fuzz.log" 2>&1; then
    run_ctest build/fuzz fuzz
  else
    tail -20 "$log_dir/cmake-fuzz.log"; fail_step "fuzz build"
  fi
fi

if [[ $parts == *,js,* || $parts == *,e2e,* ]]; then
  section "wasm build"
  if emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >"$log_dir/cmake-wasm.log" 2>&1 &&
     cmake --build build/wasm -j"$jobs" >>"$log_dir/cmake-wasm.log" 2>&1; then
    ls -l web/dist/*.wasm | awk '{print "   " $5 " bytes  " $9}'
  else
    tail -20 "$log_dir/cmake-wasm.log"; fail_step "wasm build"
    parts=${parts//,js,/,}; parts=${parts//,e2e,/,}
  fi
fi

if [[ $parts == *,js,* ]]; then
  section "node:test against the wasm build"
  [[ -x build/kat ]] || cmake --build build --target kat >/dev/null 2>&1
  run_node_tests js tests/js/
fi

if [[ $parts == *,e2e,* ]]; then
  section "end to end, headless Chromium and Firefox ESR"
  run_node_tests e2e --test-concurrency=1 tests/e2e/
fi

echo
echo "$passed passed, $failed failed"
(( failed == 0 && passed > 0 ))
