/* What the benchmarks compute, shared by bench_native.c and bench_wasm.c so
 * the native anchor and our wasm flavours do the same work on the same bytes.
 * tests/bench/suite.mjs feeds libsodium.js and hash-wasm the same inputs
 * (its fill() mirrors bench_fill); run.sh compares the outputs, so a
 * mismatch in either place shows up as "outputs differ", not as a silently
 * unfair figure. */
#ifndef HUSH_BENCH_COMMON_H
#define HUSH_BENCH_COMMON_H

#include <stddef.h>

/* Argon2id "interactive": libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE. */
#define BENCH_PASSWORD "correct horse battery staple"
#define BENCH_ARGON2_OPSLIMIT 2ULL
#define BENCH_ARGON2_MEMLIMIT (64ULL << 20)
#define BENCH_ARGON2_OUTLEN 32

/* A 4 KiB encryption takes microseconds, below what a browser clock
 * resolves, so it is timed in batches; 1 MiB is timed one call at a time. */
#define BENCH_AEAD_4K_LEN 4096
#define BENCH_AEAD_4K_BATCH 256
#define BENCH_AEAD_1M_LEN (1 << 20)
#define BENCH_AEAD_1M_BATCH 1

/* Defaults for running bench_native alone; run.sh passes its own counts. */
#define BENCH_ARGON2_RUNS 7
#define BENCH_AEAD_4K_RUNS 30
#define BENCH_AEAD_1M_RUNS 30

#define BENCH_SALT_SEED 1
#define BENCH_KEY_SEED 2
#define BENCH_NONCE_SEED 3
#define BENCH_MSG_SEED 4

/* Deterministic, non-zero-ish bytes: byte i = (seed * 37 + i * 13) mod 256. */
static inline void bench_fill(unsigned char *buf, size_t len, unsigned seed) {
  for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)(seed * 37u + i * 13u);
}

#endif
