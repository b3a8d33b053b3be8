/* libsodium's CPU feature report for WebAssembly.
 *
 * libsodium picks its SSE code paths at run time from cpuid, which wasm does
 * not have, so its own sodium/runtime.c reports no features and the SIMD code
 * would never run. This file replaces it in the wasm builds and reports
 * exactly what the flavour was compiled with: SSE2..SSE4.1 for the SIMD
 * flavour (Emscripten maps those intrinsics to SIMD128), nothing otherwise.
 * Wasm SIMD is validated at instantiation, so if the module loads, these
 * features are there. */
#include "sodium/runtime.h"

#ifdef HUSH_SODIUM_SIMD
# define HUSH_SSE 1
#else
# define HUSH_SSE 0
#endif

int _sodium_runtime_get_cpu_features(void) { return 0; }

int sodium_runtime_has_neon(void)    { return 0; }
int sodium_runtime_has_sse2(void)    { return HUSH_SSE; }
int sodium_runtime_has_sse3(void)    { return HUSH_SSE; }
int sodium_runtime_has_ssse3(void)   { return HUSH_SSE; }
int sodium_runtime_has_sse41(void)   { return HUSH_SSE; }
int sodium_runtime_has_avx(void)     { return 0; }
int sodium_runtime_has_avx2(void)    { return 0; }
int sodium_runtime_has_avx512f(void) { return 0; }
int sodium_runtime_has_pclmul(void)  { return 0; }
int sodium_runtime_has_aesni(void)   { return 0; }
int sodium_runtime_has_rdrand(void)  { return 0; }
