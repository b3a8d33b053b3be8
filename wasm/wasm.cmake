# The WebAssembly build, included by CMakeLists.txt under emcmake.
#
# Outputs (web/dist/, ignored by git):
#   hush-core.{mjs,wasm}        dist, portable libsodium         (-Os, no assertions)
#   hush-core-simd.{mjs,wasm}   dist, libsodium SSE paths as SIMD128
#   hush-core-debug.{mjs,wasm}  plain, assertions on, for tests
# and build/wasm/kat-{plain,simd}.js, bench-{plain,simd}.mjs for tests/.
include("${CMAKE_SOURCE_DIR}/emsdk-config/libsodium.cmake")

# Every emcc call needs the pinned environment, also from a bare cmake --build.
set(_em_env env NODE_PATH=/usr/share/nodejs "EM_CONFIG=${CMAKE_SOURCE_DIR}/emsdk-config/emscripten.config")
set(CMAKE_C_COMPILER_LAUNCHER ${_em_env})
set(CMAKE_C_LINKER_LAUNCHER ${_em_env})

set(HUSH_DIST "${CMAKE_SOURCE_DIR}/web/dist")

# wasm/exports.txt is the one list of exported C functions.
file(STRINGS "${CMAKE_SOURCE_DIR}/wasm/exports.txt" _exports REGEX "^[a-z_0-9]+$")
list(TRANSFORM _exports PREPEND "'_")
list(TRANSFORM _exports APPEND "'")
list(JOIN _exports "," _exports)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/wasm/exports.txt")

hush_add_libsodium_wasm(sodium_plain PLAIN)
hush_add_libsodium_wasm(sodium_simd SIMD)
hush_add_sqlite(hush_sqlite)

# Module loader settings shared by every core flavour: one ES module for
# browsers, workers and Node. wasm/pre.js and web/src/core.js work around
# Emscripten 3.1.6's two Node 20 traps (require/__dirname in an ES module,
# fetch() of a local path).
set(HUSH_MODULE_FLAGS
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createHushCore
  -sENVIRONMENT=web,worker,node
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=1GB
  -sTOTAL_STACK=256KB
  "-sEXPORTED_FUNCTIONS=[${_exports}]"
  "-sEXPORTED_RUNTIME_METHODS=['UTF8ToString','stringToUTF8','lengthBytesUTF8','FS']"
  # 64-bit times (ms since the epoch) cross as BigInt instead of split halves.
  -sWASM_BIGINT=1
  # IndexedDB persistence of the vault's files (web/src/persist.js).
  -lidbfs.js
  -sINCOMING_MODULE_JS_API=['instantiateWasm','print','printErr']
  --pre-js "${CMAKE_SOURCE_DIR}/wasm/pre.js")

# hush_add_core_wasm(<name> <sodium lib> <opt level> [extra link flags...])
function(hush_add_core_wasm name sodium opt)
  add_executable(${name} ${HUSH_CORE_SOURCES})
  set_target_properties(${name} PROPERTIES SUFFIX ".mjs" RUNTIME_OUTPUT_DIRECTORY "${HUSH_DIST}")
  target_include_directories(${name} PRIVATE core/include)
  target_compile_options(${name} PRIVATE ${HUSH_WARNINGS} -Werror ${opt})
  target_link_libraries(${name} PRIVATE ${sodium} hush_sqlite)
  target_link_options(${name} PRIVATE ${HUSH_MODULE_FLAGS} ${opt} ${ARGN})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${CMAKE_SOURCE_DIR}/wasm/pre.js")
endfunction()

# -Os, not -Oz: at -Oz Emscripten links its size-optimised libc, whose
# memcpy/memset copy a byte at a time; portable Argon2 copies 1 KiB blocks
# with memcpy and ran 2.4x slower (215 vs 88 ms, tests/bench/run.sh).
hush_add_core_wasm(hush-core sodium_plain -Os)
hush_add_core_wasm(hush-core-simd sodium_simd -Os)
hush_add_core_wasm(hush-core-debug sodium_plain -O1 -g -sASSERTIONS=2)

# Node programs for tests/: the known-answer generator per flavour, run
# synchronously (no fetch, no ES module).
foreach(flavour plain simd)
  add_executable(kat-${flavour} tests/kat/kat.c)
  target_link_libraries(kat-${flavour} PRIVATE sodium_${flavour})
  target_link_options(kat-${flavour} PRIVATE -O2 -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0
    -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 --pre-js "${CMAKE_SOURCE_DIR}/wasm/pre.js")
endforeach()

# ---- Benchmarks (tests/bench/run.sh) ---------------------------------------
# build/wasm/bench-{plain,simd}.mjs: tests/bench/bench_wasm.c on each of our
# libsodium flavours, so the benchmark times the libsodium we ship, not a
# copy. Same loader settings as the core (one ES module for Node and
# Chromium, wasm/pre.js, handed its compiled wasm by the caller), its own
# exports. Linked with -Os like hush-core so the figures are what ships.
# Not built by default: run.sh builds them by name.
set(HUSH_BENCH_EXPORTS "'_bench_init','_bench_argon2id','_bench_aead_prepare','_bench_aead',\
'_bench_argon2id_hex','_bench_aead_tag_hex'")
foreach(flavour plain simd)
  add_executable(bench-${flavour} EXCLUDE_FROM_ALL tests/bench/bench_wasm.c)
  set_target_properties(bench-${flavour} PROPERTIES SUFFIX ".mjs")
  target_compile_options(bench-${flavour} PRIVATE -O2)
  target_link_libraries(bench-${flavour} PRIVATE sodium_${flavour})
  target_link_options(bench-${flavour} PRIVATE -Os
    -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createHushBench
    -sENVIRONMENT=web,worker,node
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=1GB
    "-sEXPORTED_FUNCTIONS=[${HUSH_BENCH_EXPORTS}]"
    "-sEXPORTED_RUNTIME_METHODS=['UTF8ToString']"
    -sINCOMING_MODULE_JS_API=['instantiateWasm','print','printErr']
    --pre-js "${CMAKE_SOURCE_DIR}/wasm/pre.js")
  set_property(TARGET bench-${flavour} APPEND PROPERTY LINK_DEPENDS "${CMAKE_SOURCE_DIR}/wasm/pre.js")
endforeach()

# build/wasm/bench-store.mjs: the whole core (same sources, -Os, SIMD
# libsodium, the loader flags and exports of hush-core-simd) plus
# tests/bench/bench_store.c: SQLite without the encrypting VFS (MEMFS, and a
# naive single file on IDBFS), the same statements through the core's VFS,
# and a bulk insert. web/src/core.js's Core class wraps it like the shipped
# core. Not built by default: run.sh builds it by name. Guarded so that a
# checkout without the benchmark's source still configures the product.
if(EXISTS "${CMAKE_SOURCE_DIR}/tests/bench/bench_store.c")
  set(HUSH_BENCH_STORE_EXPORTS "'_bench_init','_bench_open_plain','_bench_open_crypt','_bench_insert',\
'_bench_last50','_bench_close','_bench_bulk_fill','_bench_sql',\
'_bench_message_mode','_bench_fill','_bench_sweep','_bench_next_due'")
  set(_bench_store_flags ${HUSH_MODULE_FLAGS})
  list(FILTER _bench_store_flags EXCLUDE REGEX "^-sEXPORTED_FUNCTIONS=")
  add_executable(bench-store EXCLUDE_FROM_ALL ${HUSH_CORE_SOURCES} tests/bench/bench_store.c)
  set_target_properties(bench-store PROPERTIES SUFFIX ".mjs")
  target_include_directories(bench-store PRIVATE core/include core/src)
  target_compile_options(bench-store PRIVATE ${HUSH_WARNINGS} -Os)
  target_link_libraries(bench-store PRIVATE sodium_simd hush_sqlite)
  target_link_options(bench-store PRIVATE ${_bench_store_flags} -Os
    "-sEXPORTED_FUNCTIONS=[${_exports},${HUSH_BENCH_STORE_EXPORTS}]")
  set_property(TARGET bench-store APPEND PROPERTY LINK_DEPENDS "${CMAKE_SOURCE_DIR}/wasm/pre.js")
endif()
