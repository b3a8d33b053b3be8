/* The wasm side of the benchmarks: our libsodium flavours (sodium_plain,
 * sodium_simd) doing exactly what bench_native.c does natively, built as
 * build/wasm/bench-{plain,simd}.mjs (wasm/wasm.cmake, "Benchmarks" block).
 *
 * No clock in here: tests/bench/suite.mjs times each call with
 * performance.now(), the same clock and the same way it times libsodium.js
 * and hash-wasm, so the three are comparable. The buffers live in wasm
 * memory and are made outside the timed calls. The exported names are
 * listed in wasm/wasm.cmake. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

static unsigned char argon2_out[BENCH_ARGON2_OUTLEN];
static unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
static unsigned char *msg, *ct;
static size_t msg_len;
static char hex[2 * BENCH_ARGON2_OUTLEN + 1];

int bench_init(void) { return sodium_init(); }

/* One Argon2id hash (opslimit 2, 64 MiB). 0, or -1 if memory ran out. */
int bench_argon2id(void) {
  unsigned char salt[crypto_pwhash_SALTBYTES];
  bench_fill(salt, sizeof salt, BENCH_SALT_SEED);
  return crypto_pwhash(argon2_out, sizeof argon2_out, BENCH_PASSWORD, strlen(BENCH_PASSWORD), salt,
                       BENCH_ARGON2_OPSLIMIT, BENCH_ARGON2_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
}

/* Makes the message and ciphertext buffers for bench_aead. 0 or -1. */
int bench_aead_prepare(size_t len) {
  free(msg);
  free(ct);
  msg = malloc(len);
  ct = malloc(len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  if (!msg || !ct) return -1;
  msg_len = len;
  bench_fill(key, sizeof key, BENCH_KEY_SEED);
  bench_fill(nonce, sizeof nonce, BENCH_NONCE_SEED);
  bench_fill(msg, len, BENCH_MSG_SEED);
  return 0;
}

/* `count` encryptions of the prepared message (a batch, for short ones). */
void bench_aead(int count) {
  for (int i = 0; i < count; i++) {
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, msg, msg_len, NULL, 0, NULL, nonce, key);
  }
}

/* The outputs as hex, for run.sh's same-result check. */
const char *bench_argon2id_hex(void) {
  return sodium_bin2hex(hex, sizeof hex, argon2_out, sizeof argon2_out);
}

const char *bench_aead_tag_hex(void) {
  return sodium_bin2hex(hex, sizeof hex, ct + msg_len, crypto_aead_xchacha20poly1305_ietf_ABYTES);
}
