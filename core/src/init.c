/* Start-up and self-test of the core. */
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"
#include "memory.h"

const char *
hush_version(void)
{
    return HUSH_VERSION_STRING;
}

int
hush_init(void)
{
    /* sodium_init returns 1 when already initialised. */
    if (sodium_init() < 0) return HUSH_ERR_CRYPTO;
    return hush_memory_init();
}

/* BLAKE2b-256 digests computed with Debian's native libsodium 1.0.18:
 * the XChaCha20 keystream (1024 bytes, key 00..1f, nonce 40..57), and the
 * XChaCha20-Poly1305 ciphertext of bytes 00..ff,00..2b (300 bytes, ad "ad")
 * under the same key and nonce. 1024 bytes cross the 4-block (256-byte)
 * SIMD path that clang 14 once miscompiled. */
static const unsigned char keystream_digest[32] = {
    0x45, 0x96, 0xce, 0x4f, 0x5a, 0xf2, 0x43, 0x59,
    0x2f, 0x29, 0x32, 0xfe, 0x95, 0x14, 0x8a, 0x6f,
    0x76, 0xdf, 0x9e, 0xec, 0x93, 0xab, 0x6c, 0xa6,
    0xc3, 0x00, 0x78, 0xc5, 0x77, 0x56, 0xd5, 0xd9,
};
static const unsigned char aead_digest[32] = {
    0x5e, 0xbb, 0xc9, 0x97, 0x16, 0x67, 0x9b, 0x6d,
    0xd2, 0xa7, 0xcd, 0x9b, 0x6c, 0xdc, 0x6e, 0x9a,
    0xeb, 0xdb, 0x7a, 0xd4, 0x80, 0xcd, 0xc3, 0xae,
    0xe0, 0xcd, 0xfd, 0xdb, 0x9b, 0x94, 0xee, 0x77,
};

static int
selftest_crypto(void)
{
    unsigned char key[32], nonce[24], digest[32];
    unsigned char stream[1024];
    unsigned char msg[300], ct[300 + crypto_aead_xchacha20poly1305_ietf_ABYTES], back[300];
    unsigned long long ct_len, back_len;
    int ok = 1;
    size_t i;

    for (i = 0; i < sizeof key; i++) key[i] = (unsigned char) i;
    for (i = 0; i < sizeof nonce; i++) nonce[i] = (unsigned char) (0x40 + i);
    for (i = 0; i < sizeof msg; i++) msg[i] = (unsigned char) i;

    crypto_stream_xchacha20(stream, sizeof stream, nonce, key);
    crypto_generichash(digest, sizeof digest, stream, sizeof stream, NULL, 0);
    ok &= sodium_memcmp(digest, keystream_digest, sizeof digest) == 0;

    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ct_len, msg, sizeof msg,
                                               (const unsigned char *) "ad", 2, NULL, nonce, key);
    crypto_generichash(digest, sizeof digest, ct, ct_len, NULL, 0);
    ok &= sodium_memcmp(digest, aead_digest, sizeof digest) == 0;

    ok &= crypto_aead_xchacha20poly1305_ietf_decrypt(back, &back_len, NULL, ct, ct_len,
                                                     (const unsigned char *) "ad", 2, nonce, key) == 0
          && back_len == sizeof msg && memcmp(back, msg, sizeof msg) == 0;
    ct[0] ^= 1; /* a flipped bit must be refused */
    ok &= crypto_aead_xchacha20poly1305_ietf_decrypt(back, &back_len, NULL, ct, ct_len,
                                                     (const unsigned char *) "ad", 2, nonce, key) == -1;
    return ok;
}

static int
selftest_sqlite(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int ok = 0;

    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK &&
        sqlite3_exec(db, "CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT);"
                         "INSERT INTO t(y) VALUES ('hush'),('hush');", NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*), sum(length(y)) FROM t", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        ok = sqlite3_column_int(st, 0) == 2 && sqlite3_column_int(st, 1) == 8;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

int
hush_selftest(void)
{
    int rc = hush_init();

    if (rc != HUSH_OK) {
        return rc;
    }
    return selftest_crypto() && selftest_sqlite() ? HUSH_OK : HUSH_ERR_SELFTEST;
}
