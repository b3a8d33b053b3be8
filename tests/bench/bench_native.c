/* Native anchor for tests/bench/run.sh: Debian's libsodium on this machine,
 * doing exactly the work tests/bench/bench_wasm.c does in wasm, with the same
 * inputs (bench_common.h), so the wasm figures can be printed as ratios to it.
 *
 * Prints one JSON object on stdout: medians in milliseconds per batch, the
 * batch sizes, and the outputs (Argon2id hash, 1 MiB AEAD tag) so run.sh can
 * check every contender computed the same thing.
 *
 *   bench_native [argon2_runs aead_4k_runs aead_1m_runs]
 *
 * No timing assertions: this only measures. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void hex(char *out, const unsigned char *in, size_t len) {
  for (size_t i = 0; i < len; i++) sprintf(out + 2 * i, "%02x", in[i]);
}

static unsigned char argon2_out[BENCH_ARGON2_OUTLEN];

static double time_argon2id(void) {
  unsigned char salt[crypto_pwhash_SALTBYTES];
  bench_fill(salt, sizeof salt, BENCH_SALT_SEED);
  double t0 = now_ms();
  if (crypto_pwhash(argon2_out, sizeof argon2_out, BENCH_PASSWORD, strlen(BENCH_PASSWORD), salt,
                    BENCH_ARGON2_OPSLIMIT, BENCH_ARGON2_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    fprintf(stderr, "bench_native: crypto_pwhash failed (out of memory?)\n");
    exit(1);
  }
  return now_ms() - t0;
}

/* One batch of `count` encryptions of a `len`-byte message; the buffers are
 * made once per batch, outside the timed region. The last tag is kept. */
static unsigned char aead_tag[crypto_aead_xchacha20poly1305_ietf_ABYTES];

static double time_aead(size_t len, int count) {
  unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  unsigned char *msg = malloc(len), *ct = malloc(len + sizeof aead_tag);
  if (!msg || !ct) { fprintf(stderr, "bench_native: out of memory\n"); exit(1); }
  bench_fill(key, sizeof key, BENCH_KEY_SEED);
  bench_fill(nonce, sizeof nonce, BENCH_NONCE_SEED);
  bench_fill(msg, len, BENCH_MSG_SEED);
  double t0 = now_ms();
  for (int i = 0; i < count; i++) {
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, msg, len, NULL, 0, NULL, nonce, key);
  }
  double t = now_ms() - t0;
  memcpy(aead_tag, ct + len, sizeof aead_tag);
  free(msg);
  free(ct);
  return t;
}

int main(int argc, char **argv) {
  int runs_argon2 = argc > 3 ? atoi(argv[1]) : BENCH_ARGON2_RUNS;
  int runs_4k = argc > 3 ? atoi(argv[2]) : BENCH_AEAD_4K_RUNS;
  int runs_1m = argc > 3 ? atoi(argv[3]) : BENCH_AEAD_1M_RUNS;
  if (runs_argon2 < 1 || runs_4k < 1 || runs_1m < 1) {
    fprintf(stderr, "usage: bench_native [argon2_runs aead_4k_runs aead_1m_runs]\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  double *t = malloc(sizeof(double) * (size_t)(runs_argon2 + runs_4k + runs_1m));
  if (!t) return 1;

  /* Warm-up first: page in the 64 MiB and the buffers, let the clock settle. */
  time_argon2id();
  for (int i = 0; i < runs_argon2; i++) t[i] = time_argon2id();
  double argon2_ms = median(t, runs_argon2);

  time_aead(BENCH_AEAD_4K_LEN, BENCH_AEAD_4K_BATCH);
  for (int i = 0; i < runs_4k; i++) t[i] = time_aead(BENCH_AEAD_4K_LEN, BENCH_AEAD_4K_BATCH);
  double aead_4k_ms = median(t, runs_4k);

  time_aead(BENCH_AEAD_1M_LEN, BENCH_AEAD_1M_BATCH);
  for (int i = 0; i < runs_1m; i++) t[i] = time_aead(BENCH_AEAD_1M_LEN, BENCH_AEAD_1M_BATCH);
  double aead_1m_ms = median(t, runs_1m);
  free(t);

  char argon2_hex[2 * sizeof argon2_out + 1], tag_hex[2 * sizeof aead_tag + 1];
  hex(argon2_hex, argon2_out, sizeof argon2_out);
  hex(tag_hex, aead_tag, sizeof aead_tag);
  printf("{\"libsodium\":\"%s\",\"runs\":{\"argon2id\":%d,\"aead4k\":%d,\"aead1m\":%d},"
         "\"argon2id_ms\":%.3f,\"aead4k_batch\":%d,\"aead4k_ms\":%.4f,\"aead1m_batch\":%d,\"aead1m_ms\":%.4f,"
         "\"argon2id_hex\":\"%s\",\"aead1m_tag\":\"%s\"}\n",
         sodium_version_string(), runs_argon2, runs_4k, runs_1m, argon2_ms, BENCH_AEAD_4K_BATCH, aead_4k_ms,
         BENCH_AEAD_1M_BATCH, aead_1m_ms, argon2_hex, tag_hex);
  return 0;
}
