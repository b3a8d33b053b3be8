/* Known-answer generator: prints the outputs of every libsodium primitive the
 * core uses, at many lengths, one line each. Built natively against Debian's
 * libsodium and to wasm for every shipped flavour; tests/js/kat.test.mjs
 * runs them all and requires identical lines. That is how a miscompiled
 * SIMD path (which still round-trips) is caught.
 *
 * Inputs come from splitmix64, not from libsodium, so a broken primitive
 * cannot also break its own inputs. Where libsodium would draw random bytes
 * (secretstream headers, sealed-box ephemeral keys) the deterministic part of
 * the construction is driven with fixed values instead.
 *
 * Usage: kat [--corrupt]   (--corrupt flips one output bit, to prove the
 *                           comparison fails when an output is wrong)
 * Lines starting with '#' describe the build and are not compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static unsigned long long prng_state = 0x1234567890abcdefULL;
static int corrupt = 0;

static unsigned long long
splitmix64(void)
{
    unsigned long long z = (prng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
fill(unsigned char *buf, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) buf[i] = (unsigned char) splitmix64();
}

/* Long outputs are printed as their BLAKE2b-512 digest to keep the file
 * small; a wrong byte still changes the line. */
static void
emit(const char *what, size_t len, const unsigned char *out, size_t out_len)
{
    static int lines = 0;
    unsigned char digest[64];
    unsigned char *copy = NULL;
    size_t i;

    if (corrupt && ++lines == 100 && out_len > 0) {
        copy = malloc(out_len);
        memcpy(copy, out, out_len);
        copy[out_len / 2] ^= 0x01;
        out = copy;
    }
    printf("%s %zu ", what, len);
    if (out_len > 8192) {
        crypto_generichash(digest, sizeof digest, out, out_len, NULL, 0);
        printf("blake2b:");
        out = digest;
        out_len = sizeof digest;
    }
    for (i = 0; i < out_len; i++) printf("%02x", out[i]);
    printf("\n");
    free(copy);
}

static void
kat_aead(size_t len)
{
    unsigned char key[32], nonce[24], ad[37];
    unsigned char *m = malloc(len + 1), *c = malloc(len + 16), *back = malloc(len + 1);
    unsigned long long clen, blen;
    size_t adlen = len % sizeof ad;
    int ok;

    fill(key, sizeof key); fill(nonce, sizeof nonce); fill(ad, sizeof ad); fill(m, len);
    crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, m, len, ad, adlen, NULL, nonce, key);
    emit("xchacha20poly1305", len, c, (size_t) clen);
    ok = crypto_aead_xchacha20poly1305_ietf_decrypt(back, &blen, NULL, c, clen, ad, adlen, nonce, key) == 0 &&
         blen == len && memcmp(back, m, len) == 0;
    c[len / 2] ^= 0x80;
    ok = ok && crypto_aead_xchacha20poly1305_ietf_decrypt(back, &blen, NULL, c, clen, ad, adlen, nonce, key) == -1;
    emit("xchacha20poly1305-open", len, (const unsigned char *) (ok ? "ok" : "NO"), 2);
    free(m); free(c); free(back);
}

static void
kat_stream(size_t len)
{
    unsigned char key[32], nonce[24];
    unsigned char *out = malloc(len + 1);

    fill(key, sizeof key); fill(nonce, sizeof nonce);
    crypto_stream_xchacha20(out, len, nonce, key);
    emit("xchacha20-stream", len, out, len);
    free(out);
}

static void
kat_secretstream(size_t len)
{
    crypto_secretstream_xchacha20poly1305_state st, pull;
    unsigned char key[32], header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    unsigned char *m = malloc(len + 1), *c = malloc(len + 17), *back = malloc(len + 1);
    unsigned long long clen, blen;
    unsigned char tag;
    size_t half = len / 2;
    int ok;

    fill(key, sizeof key); fill(header, sizeof header); fill(m, len);
    /* init_push would draw the header at random; init_pull with a fixed
     * header yields the same state, so the pushed bytes are reproducible. */
    crypto_secretstream_xchacha20poly1305_init_pull(&st, header, key);
    crypto_secretstream_xchacha20poly1305_push(&st, c, &clen, m, half, NULL, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    emit("secretstream-push", half, c, (size_t) clen);
    crypto_secretstream_xchacha20poly1305_init_pull(&pull, header, key);
    ok = crypto_secretstream_xchacha20poly1305_pull(&pull, back, &blen, &tag, c, clen, NULL, 0) == 0 &&
         blen == half && memcmp(back, m, half) == 0;
    crypto_secretstream_xchacha20poly1305_push(&st, c, &clen, m + half, len - half, header, 5,
                                               crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    emit("secretstream-push-final", len - half, c, (size_t) clen);
    ok = ok && crypto_secretstream_xchacha20poly1305_pull(&pull, back, &blen, &tag, c, clen, header, 5) == 0 &&
         tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL && blen == len - half &&
         memcmp(back, m + half, len - half) == 0;
    emit("secretstream-pull", len, (const unsigned char *) (ok ? "ok" : "NO"), 2);
    free(m); free(c); free(back);
}

static void
kat_blake2b(size_t len)
{
    unsigned char key[64], out[64], salt[16], personal[16];
    unsigned char *m = malloc(len + 1);
    size_t outlen = 16 + len % 49, keylen = len % 65;

    fill(key, sizeof key); fill(salt, sizeof salt); fill(personal, sizeof personal); fill(m, len);
    crypto_generichash(out, outlen, m, len, keylen ? key : NULL, keylen);
    emit("blake2b", len, out, outlen);
    crypto_generichash_blake2b_salt_personal(out, 32, m, len, key, 32, salt, personal);
    emit("blake2b-salt-personal", len, out, 32);
    free(m);
}

static void
kat_kdf(unsigned long long id)
{
    unsigned char key[crypto_kdf_KEYBYTES], sub[crypto_kdf_BYTES_MAX];
    char ctx[crypto_kdf_CONTEXTBYTES] = { 'h', 'u', 's', 'h', 'k', 'a', 't', (char) ('0' + id % 10) };
    size_t len = crypto_kdf_BYTES_MIN + id % (crypto_kdf_BYTES_MAX - crypto_kdf_BYTES_MIN + 1);

    fill(key, sizeof key);
    crypto_kdf_derive_from_key(sub, len, id * 0x0101010101ULL, ctx, key);
    emit("kdf", len, sub, len);
}

static void
kat_ed25519(size_t len)
{
    unsigned char seed[32], pk[32], sk[64], sig[64], xpk[32], xsk[32];
    unsigned char *m = malloc(len + 1);

    fill(seed, sizeof seed); fill(m, len);
    crypto_sign_seed_keypair(pk, sk, seed);
    emit("ed25519-pk", len, pk, sizeof pk);
    crypto_sign_detached(sig, NULL, m, len, sk);
    emit("ed25519-sig", len, sig, sizeof sig);
    emit("ed25519-verify", len, (const unsigned char *) (crypto_sign_verify_detached(sig, m, len, pk) == 0 ? "ok" : "NO"), 2);
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk) != 0) {
        memset(xpk, 0, sizeof xpk);
    }
    crypto_sign_ed25519_sk_to_curve25519(xsk, sk);
    emit("ed25519-to-x25519-pk", len, xpk, sizeof xpk);
    emit("ed25519-to-x25519-sk", len, xsk, sizeof xsk);
    free(m);
}

static void
kat_x25519(size_t i)
{
    unsigned char a[32], b[32], pa[32], shared[32];

    fill(a, sizeof a); fill(b, sizeof b);
    crypto_scalarmult_base(pa, a);
    emit("x25519-base", i, pa, sizeof pa);
    if (crypto_scalarmult(shared, b, pa) == 0) {
        emit("x25519", i, shared, sizeof shared);
    }
}

/* crypto_box_seal draws its ephemeral key pair at random. Build the same
 * construction from a seeded ephemeral key (epk || box(m, blake2b(epk||pk)))
 * and check crypto_box_seal_open accepts it and returns the message. */
static void
kat_sealed_box(size_t len)
{
    unsigned char seed[32], eseed[32], pk[32], sk[32], epk[32], esk[32], nonce[24];
    unsigned char *m = malloc(len + 1), *c = malloc(len + crypto_box_SEALBYTES), *back = malloc(len + 1);
    crypto_generichash_state h;
    int ok;

    fill(seed, sizeof seed); fill(eseed, sizeof eseed); fill(m, len);
    crypto_box_seed_keypair(pk, sk, seed);
    crypto_box_seed_keypair(epk, esk, eseed);
    crypto_generichash_init(&h, NULL, 0, sizeof nonce);
    crypto_generichash_update(&h, epk, sizeof epk);
    crypto_generichash_update(&h, pk, sizeof pk);
    crypto_generichash_final(&h, nonce, sizeof nonce);
    memcpy(c, epk, sizeof epk);
    if (crypto_box_easy(c + sizeof epk, m, len, nonce, pk, esk) != 0) {
        memset(c, 0, len + crypto_box_SEALBYTES);
    }
    emit("sealed-box", len, c, len + crypto_box_SEALBYTES);
    ok = crypto_box_seal_open(back, c, len + crypto_box_SEALBYTES, pk, sk) == 0 && memcmp(back, m, len) == 0;
    emit("sealed-box-open", len, (const unsigned char *) (ok ? "ok" : "NO"), 2);
    free(m); free(c); free(back);
}

static void
kat_argon2id(size_t pwlen, unsigned long long ops, size_t mem, size_t outlen)
{
    unsigned char pw[128], salt[crypto_pwhash_SALTBYTES], out[64];
    char what[64];

    fill(pw, sizeof pw); fill(salt, sizeof salt);
    if (crypto_pwhash(out, outlen, (const char *) pw, pwlen, salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        memset(out, 0, sizeof out);
    }
    snprintf(what, sizeof what, "argon2id-ops%llu-mem%zu", ops, mem);
    emit(what, pwlen, out, outlen);
}

int
main(int argc, char **argv)
{
    static const size_t edges[] = { 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257,
                                    319, 320, 511, 512, 513, 1023, 1024, 1025, 4095, 4096 };
    size_t len, i;

    corrupt = argc > 1 && strcmp(argv[1], "--corrupt") == 0;
    if (sodium_init() < 0) {
        return 1;
    }
    printf("# libsodium %s, ssse3 %d, sse41 %d\n", sodium_version_string(),
           sodium_runtime_has_ssse3(), sodium_runtime_has_sse41());

    for (len = 0; len <= 4096; len += (len < 32 ? 1 : 61)) {
        kat_aead(len); kat_stream(len); kat_secretstream(len); kat_blake2b(len);
        kat_ed25519(len); kat_sealed_box(len);
    }
    for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        kat_aead(edges[i]); kat_stream(edges[i]); kat_secretstream(edges[i]); kat_blake2b(edges[i]);
        kat_sealed_box(edges[i]);
    }
    len = 1 << 20;
    kat_aead(len); kat_stream(len); kat_secretstream(len); kat_blake2b(len); kat_sealed_box(len);
    kat_ed25519(len);

    for (i = 0; i < 40; i++) kat_kdf(i);
    for (i = 0; i < 24; i++) kat_x25519(i);

    kat_argon2id(0, 1, 8192, 16);
    kat_argon2id(1, 2, 65536, 32);
    kat_argon2id(16, 3, 1 << 20, 64);
    kat_argon2id(128, 1, 1 << 22, 32);
    kat_argon2id(6, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE, 32);
    return 0;
}
