/* Backups (core/BACKUP.md): the key's published test vector; round trips
 * of an empty, a small and a large store with attachments, into a wiped
 * vault from the phrase alone, with the same Session ID, the same untimed
 * messages and attachments, the protected persons, and no timed message;
 * every corruption an attacker or a bad disk makes (cut anywhere, a flipped
 * bit anywhere, chunks reordered, dropped or repeated, bytes appended, the
 * wrong phrase, an unknown version) gets its own error, and the vault's
 * files stay byte for byte as they were; an import holds the store
 * exclusively and a lock in the middle leaves nothing; import memory does
 * not grow with the backup's size.
 *
 * HUSH_BACKUP_BIG_MB sets the large store's size (default 200; 0 skips). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "../../core/src/backup_format.h"
#include "../../core/src/store_internal.h"
#include "check.h"
#include "hush.h"

#define T0 INT64_C(1700000000000)
#define CANARY "CANARY-backup-5e1d"

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;

static void
buf_put(buf *b, const uint8_t *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        if ((b->p = realloc(b->p, b->cap)) == NULL) abort();
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static char dirs[16][32];
static int ndirs;

static hush_vault *
new_vault(void)
{
    hush_vault *v = NULL;
    char *d;
    if (ndirs == 16) abort();
    d = dirs[ndirs++];
    strcpy(d, "/tmp/hush-backup-XXXXXX");
    if (mkdtemp(d) == NULL) abort();
    CHECK_EQ_INT(hush_vault_open(&v, d), HUSH_OK);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, T0), HUSH_OK);
    return v;
}

static const char *
dir_of(int i)
{
    return dirs[i];
}

static size_t
file_bytes(const char *dir, const char *name, uint8_t **out)
{
    char path[128];
    FILE *f;
    long n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "rb")) == NULL) { *out = NULL; return 0; }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t) n + 1);
    if (fread(*out, 1, (size_t) n, f) != (size_t) n) abort();
    fclose(f);
    return (size_t) n;
}

/* The vault's three files, concatenated with their sizes. */
static void
snapshot(const char *dir, buf *out)
{
    const char *names[] = { HUSH_FILE_LOCK, HUSH_FILE_PAGES, HUSH_FILE_JOURNAL };
    out->len = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t *p;
        size_t n = file_bytes(dir, names[i], &p);
        buf_put(out, (const uint8_t *) &n, sizeof n);
        if (n) buf_put(out, p, n);
        free(p);
    }
}

static int
export_all(hush_vault *v, int64_t identity, buf *out)
{
    hush_backup_export *x = NULL;
    const uint8_t *data;
    size_t len;
    int64_t estimate = 0;
    int rc = hush_backup_export_begin(v, identity, T0, &x, &estimate);

    out->len = 0;
    while (rc == HUSH_OK && (rc = hush_backup_export_next(x, &data, &len)) == HUSH_OK && len > 0) buf_put(out, data, len);
    hush_backup_export_end(x);
    if (rc == HUSH_OK && (out->len < (size_t) estimate - HUSH_BACKUP_CHUNK_BYTES ||
                          out->len > (size_t) estimate + HUSH_BACKUP_CHUNK_BYTES)) {
        fprintf(stderr, "estimate %lld for %zu bytes\n", (long long) estimate, out->len);
        return HUSH_ERR_INTERNAL;
    }
    return rc;
}

/* Feeds the bytes in pieces of `piece` (odd sizes cross every boundary). */
static int
import_bytes(hush_vault *v, const char *phrase, const uint8_t *p, size_t n, size_t piece, int64_t *identity)
{
    hush_backup_import *im = NULL;
    int rc = hush_backup_import_begin(v, phrase, T0, &im);
    size_t off;

    if (rc != HUSH_OK) return rc;
    for (off = 0; off < n && rc == HUSH_OK; off += piece) {
        rc = hush_backup_import_write(im, p + off, n - off < piece ? n - off : piece);
    }
    return hush_backup_import_finish(im, identity);
}

static uint8_t attachment_bytes[100000];
static int fixed_seed; /* --sample DIR fuzz */

/* An identity with every kind of row; returns its id. */
static int64_t
fill_small(hush_vault *v, uint8_t seed[16])
{
    int64_t id, m, a;
    sqlite3 *db;
    sqlite3_stmt *st;
    char person[HUSH_SESSION_ID_CHARS + 1];
    uint8_t other[16] = { 9 }, secret[32];

    if (fixed_seed) {
        memset(seed, 0, 16);
        seed[0] = 7; /* tests/fuzz/fuzz_backup.c's key */
    } else {
        randombytes_buf(seed, 16);
    }
    CHECK_EQ_INT(hush_identity_create(v, "Bob at the border", seed, &id), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, id, "05aa", "05aa", (const uint8_t *) CANARY " plain", 18 + 6, T0, 0, 0, 0, T0, &m), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, id, m, "photo.jpg", "image/jpeg", attachment_bytes, sizeof attachment_bytes, &a), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, id, m, "empty.txt", "text/plain", NULL, 0, &a), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, id, "05aa", "me", (const uint8_t *) "reply", 5, T0 + 1, 1, 0, 0, T0, &m), HUSH_OK);
    CHECK_EQ_INT(hush_messages_mark_read(v, id, "[1]", T0 + 5), HUSH_OK);
    /* timed: never in a backup, whatever the duration */
    CHECK_EQ_INT(hush_message_add(v, id, "05aa", "05aa", (const uint8_t *) "TIMED-4w", 8, T0, 0, 1, 2419200, T0, &m), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, id, m, "timed.bin", "application/octet-stream", attachment_bytes, 5000, &a), HUSH_OK);
    CHECK_EQ_INT(hush_disappearing_set(v, id, "05bb", HUSH_DISAPPEAR_AFTER_READ, 300, T0), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, id, "05bb", "05bb", (const uint8_t *) "TIMED-conv", 10, T0, 0, -1, 0, T0, &m), HUSH_OK);
    CHECK_EQ_INT(hush_conversation_add(v, id, "05cc"), HUSH_OK);
    /* a person this identity protects (trust.c's friend side) */
    CHECK_EQ_INT(hush_session_id(person, other), HUSH_OK);
    memset(secret, 0x77, sizeof secret);
    CHECK_EQ_INT(hush_store_db(v, &db, T0), HUSH_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "INSERT INTO protected(identity, person, secret, paired_at) VALUES (?,?,?,?)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, secret, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, T0 + 7);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    return id;
}

static void
test_key_vector(void)
{
    uint8_t seed[16], key[32];
    char hex[65];
    for (int i = 0; i < 16; i++) seed[i] = (uint8_t) i;
    bk_key(key, seed);
    sodium_bin2hex(hex, sizeof hex, key, 32);
    /* Published in core/BACKUP.md, "Key"; tests/js/backup.test.mjs
     * recomputes it with libsodium.js. */
    CHECK(strcmp(hex, "4970546d162bf15f14e1b094c328d6ccda4a3cea26897fbb053ccb3d2af8b740") == 0 || (printf("key vector %s\n", hex), 0));
}

static void
test_round_trip_small(void)
{
    hush_vault *a = new_vault(), *b;
    int ia = ndirs - 1, ib;
    uint8_t seed[16], *got;
    char phrase[HUSH_PHRASE_MAX], *json;
    int64_t id, restored;
    size_t got_len;
    buf backup = { 0 }, again = { 0 };

    for (size_t i = 0; i < sizeof attachment_bytes; i++) attachment_bytes[i] = (uint8_t) (i * 7 + 3);
    id = fill_small(a, seed);
    CHECK_EQ_INT(hush_phrase_encode(phrase, seed), HUSH_OK);
    CHECK_EQ_INT(export_all(a, id, &backup), HUSH_OK);
    CHECK_EQ_INT((backup.len - HUSH_BACKUP_HEADER_BYTES) % HUSH_BACKUP_CHUNK_BYTES, 0);
    CHECK(memmem(backup.p, backup.len, CANARY, strlen(CANARY)) == NULL);
    /* Two backups of one identity share nothing but the magic and version. */
    CHECK_EQ_INT(export_all(a, id, &again), HUSH_OK);
    CHECK(memcmp(backup.p + 16, again.p + 16, 48) != 0);
    CHECK_EQ_INT(hush_backup_check(phrase, backup.p, backup.len), HUSH_OK);

    /* The border: the device is wiped; a new vault restores from the phrase. */
    CHECK_EQ_INT(hush_vault_destroy_keys(a), HUSH_OK);
    hush_vault_close(a);
    b = new_vault();
    ib = ndirs - 1;
    (void) ia;
    (void) ib;
    CHECK_EQ_INT(import_bytes(b, phrase, backup.p, backup.len, 4093, &restored), HUSH_OK);
    CHECK_EQ_INT(hush_identity_list(b, &json), HUSH_OK);
    {
        char sid[HUSH_SESSION_ID_CHARS + 1];
        hush_session_id(sid, seed);
        CHECK(strstr(json, sid) != NULL);
        CHECK(strstr(json, "Bob at the border") != NULL);
    }
    hush_free(json);
    CHECK_EQ_INT(hush_messages(b, restored, "05aa", 0, 100, T0 + 10, &json), HUSH_OK);
    CHECK(strstr(json, CANARY " plain") != NULL);
    CHECK(strstr(json, "\"body\":\"reply\"") != NULL);
    CHECK(strstr(json, "photo.jpg") != NULL && strstr(json, "empty.txt") != NULL);
    CHECK(strstr(json, "TIMED") == NULL && strstr(json, "timed.bin") == NULL);
    CHECK(strstr(json, "\"readAt\":1700000000005") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_messages(b, restored, "05bb", 0, 100, T0 + 10, &json), HUSH_OK);
    CHECK_EQ_INT(strcmp(json, "[]"), 0);
    hush_free(json);
    CHECK_EQ_INT(hush_disappearing_get(b, restored, "05bb", &json), HUSH_OK);
    CHECK(strstr(json, "\"mode\":2") != NULL && strstr(json, "\"seconds\":300") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_conversations(b, restored, T0 + 10, &json), HUSH_OK);
    CHECK(strstr(json, "05cc") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_trust_protected(b, &json), HUSH_OK);
    CHECK(strstr(json, "\"pairedAt\":1700000000007") != NULL);
    hush_free(json);
    {
        /* attachment bytes: the first message's first attachment */
        sqlite3 *db;
        sqlite3_stmt *st;
        int64_t aid = 0;
        CHECK_EQ_INT(hush_store_db(b, &db, T0), HUSH_OK);
        sqlite3_prepare_v2(db, "SELECT id FROM attachments WHERE name = 'photo.jpg'", -1, &st, NULL);
        if (sqlite3_step(st) == SQLITE_ROW) aid = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        CHECK_EQ_INT(hush_attachment_get(b, restored, aid, &got, &got_len), HUSH_OK);
        CHECK(got_len == sizeof attachment_bytes && memcmp(got, attachment_bytes, got_len) == 0);
        hush_free(got);
    }
    CHECK_EQ_INT(hush_store_check(b, restored), HUSH_OK);

    /* Restoring it again: refused, nothing changes. */
    {
        buf before = { 0 }, after = { 0 };
        snapshot(dir_of(ndirs - 1), &before);
        CHECK_EQ_INT(import_bytes(b, phrase, backup.p, backup.len, 65536, &restored), HUSH_ERR_IDENTITY_EXISTS);
        snapshot(dir_of(ndirs - 1), &after);
        CHECK(before.len == after.len && memcmp(before.p, after.p, before.len) == 0);
        free(before.p);
        free(after.p);
    }
    hush_vault_close(b);
    free(backup.p);
    free(again.p);
}

static void
test_empty(void)
{
    hush_vault *a = new_vault(), *b = new_vault();
    uint8_t seed[16] = { 1, 2, 3 };
    char phrase[HUSH_PHRASE_MAX], *json;
    int64_t id, restored;
    buf backup = { 0 };

    CHECK_EQ_INT(hush_identity_create(a, "empty", seed, &id), HUSH_OK);
    CHECK_EQ_INT(export_all(a, id, &backup), HUSH_OK);
    CHECK_EQ_INT(backup.len, HUSH_BACKUP_HEADER_BYTES + HUSH_BACKUP_CHUNK_BYTES);
    hush_phrase_encode(phrase, seed);
    CHECK_EQ_INT(import_bytes(b, phrase, backup.p, backup.len, 1, &restored), HUSH_OK);
    CHECK_EQ_INT(hush_conversations(b, restored, T0, &json), HUSH_OK);
    CHECK_EQ_INT(strcmp(json, "[]"), 0);
    hush_free(json);
    hush_vault_close(a);
    hush_vault_close(b);
    free(backup.p);
}

/* Every way a backup goes wrong: its own error, and no byte of the
 * vault changes. */
static void
test_corruption(void)
{
    hush_vault *a = new_vault(), *b = new_vault();
    const char *bdir = dir_of(ndirs - 1);
    uint8_t seed[16], wrong[16] = { 42 };
    char phrase[HUSH_PHRASE_MAX], wrong_phrase[HUSH_PHRASE_MAX], *json;
    int64_t id, restored, keep;
    buf backup = { 0 }, bad = { 0 }, before = { 0 }, after = { 0 };
    const size_t C = HUSH_BACKUP_CHUNK_BYTES, H = HUSH_BACKUP_HEADER_BYTES;
    size_t i, n;
    int rc, unchanged = 1, cases = 0;

    memset(attachment_bytes, 0xab, sizeof attachment_bytes);
    id = fill_small(a, seed);
    /* three more chunks of attachment so reorderings exist */
    {
        static uint8_t big[200000];
        int64_t m, at;
        randombytes_buf(big, sizeof big);
        CHECK_EQ_INT(hush_message_add(a, id, "05aa", "05aa", (const uint8_t *) "x", 1, T0, 0, 0, 0, T0, &m), HUSH_OK);
        CHECK_EQ_INT(hush_attachment_add(a, id, m, "big", "application/octet-stream", big, sizeof big, &at), HUSH_OK);
    }
    hush_phrase_encode(phrase, seed);
    hush_phrase_encode(wrong_phrase, wrong);
    CHECK_EQ_INT(export_all(a, id, &backup), HUSH_OK);
    n = (backup.len - H) / C;
    CHECK(n >= 4);
    /* b already holds another identity, which must stay as it is */
    CHECK_EQ_INT(hush_identity_create(b, "keep me", wrong, &keep), HUSH_OK);
    snapshot(bdir, &before);

#define EXPECT(expr_rc, expected)                                                     \
    do {                                                                              \
        rc = (expr_rc);                                                               \
        cases++;                                                                      \
        if (rc != (expected)) {                                                       \
            fprintf(stderr, "%s:%d: case %d: %d (%s), expected %s\n", __FILE__, __LINE__, cases, rc, \
                    hush_strerror(rc), #expected);                                    \
            CHECK(0);                                                                 \
        }                                                                             \
        snapshot(bdir, &after);                                                       \
        if (after.len != before.len || memcmp(after.p, before.p, before.len) != 0) unchanged = 0; \
    } while (0)
#define WITH(copy_len) (bad.len = 0, buf_put(&bad, backup.p, (copy_len)))

    /* cut: inside the header, at each chunk boundary, inside each chunk */
    EXPECT(import_bytes(b, phrase, backup.p, 0, 1, &restored), HUSH_ERR_BACKUP_FORMAT);
    EXPECT(import_bytes(b, phrase, backup.p, 5, 1, &restored), HUSH_ERR_BACKUP_FORMAT);
    EXPECT(import_bytes(b, phrase, backup.p, 30, 7, &restored), HUSH_ERR_BACKUP_TRUNCATED);
    for (i = 0; i < n; i++) {
        EXPECT(import_bytes(b, phrase, backup.p, H + i * C, 8192, &restored), HUSH_ERR_BACKUP_TRUNCATED);
        EXPECT(import_bytes(b, phrase, backup.p, H + i * C + 1 + (i * 7919) % (C - 1), 8192, &restored),
               HUSH_ERR_BACKUP_TRUNCATED);
    }
    /* a flipped bit: in every header byte, then through every chunk */
    for (i = 0; i < H; i++) {
        WITH(backup.len);
        bad.p[i] ^= (uint8_t) (1u << (i % 8));
        EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_FORMAT);
    }
    for (i = H; i < backup.len; i += 997) {
        WITH(backup.len);
        bad.p[i] ^= 0x10;
        EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_DAMAGED);
    }
    /* chunks swapped, dropped, repeated */
    WITH(backup.len);
    memcpy(bad.p + H + C, backup.p + H + 2 * C, C);
    memcpy(bad.p + H + 2 * C, backup.p + H + C, C);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_DAMAGED);
    WITH(H + C);
    buf_put(&bad, backup.p + H + 2 * C, backup.len - H - 2 * C);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_DAMAGED);
    WITH(H + 2 * C);
    buf_put(&bad, backup.p + H + C, backup.len - H - C);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_DAMAGED);
    /* the first chunk of another backup of the same identity behind this header */
    {
        buf other = { 0 };
        CHECK_EQ_INT(export_all(a, id, &other), HUSH_OK);
        WITH(H);
        buf_put(&bad, other.p + H, other.len - H);
        EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_DAMAGED);
        free(other.p);
    }
    /* appended: one byte, a whole repeated last chunk */
    WITH(backup.len);
    buf_put(&bad, (const uint8_t *) "", 1);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_TRAILING);
    WITH(backup.len);
    buf_put(&bad, backup.p + backup.len - C, C);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_TRAILING);
    /* the wrong phrase; a phrase that is not one */
    EXPECT(import_bytes(b, wrong_phrase, backup.p, backup.len, 65536, &restored), HUSH_ERR_BACKUP_KEY);
    EXPECT(hush_backup_check(wrong_phrase, backup.p, backup.len), HUSH_ERR_BACKUP_KEY);
    EXPECT(import_bytes(b, "not a phrase", backup.p, backup.len, 65536, &restored), HUSH_ERR_PHRASE_WORD);
    /* an unknown version (a consistent header from a future Hush) */
    WITH(backup.len);
    bad.p[8] = 2;
    crypto_generichash(bad.p + 56, 8, bad.p, 56, NULL, 0);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_VERSION);
    EXPECT(hush_backup_check(phrase, bad.p, bad.len), HUSH_ERR_BACKUP_VERSION);
    /* not a backup at all */
    WITH(backup.len);
    memcpy(bad.p, "SQLite format 3\0", 16);
    EXPECT(import_bytes(b, phrase, bad.p, bad.len, 65536, &restored), HUSH_ERR_BACKUP_FORMAT);

    CHECK(unchanged);
    printf("%d corrupt backups refused with their own error; vault files unchanged: %s\n", cases,
           unchanged ? "yes" : "NO");
    CHECK_EQ_INT(hush_identity_list(b, &json), HUSH_OK);
    CHECK(strstr(json, "keep me") != NULL && strstr(json, "Bob") == NULL);
    hush_free(json);
    /* and the good one still restores */
    CHECK_EQ_INT(import_bytes(b, phrase, backup.p, backup.len, 65536, &restored), HUSH_OK);
    hush_vault_close(a);
    hush_vault_close(b);
    free(backup.p);
    free(bad.p);
    free(before.p);
    free(after.p);
}

/* While an import runs nobody sees or writes into it; a lock in the middle
 * rolls it back; an abort leaves nothing. */
static void
test_exclusive_and_abort(void)
{
    hush_vault *a = new_vault(), *b = new_vault();
    const char *bdir = dir_of(ndirs - 1);
    uint8_t seed[16];
    char phrase[HUSH_PHRASE_MAX], *json = NULL;
    int64_t id, restored, other;
    buf backup = { 0 }, before = { 0 }, after = { 0 };
    hush_backup_import *im = NULL;
    uint64_t retry;

    id = fill_small(a, seed);
    hush_phrase_encode(phrase, seed);
    CHECK_EQ_INT(export_all(a, id, &backup), HUSH_OK);
    CHECK_EQ_INT(hush_identity_list(b, &json), HUSH_OK);
    hush_free(json);
    snapshot(bdir, &before);

    CHECK_EQ_INT(hush_backup_import_begin(b, phrase, T0, &im), HUSH_OK);
    CHECK_EQ_INT(hush_backup_import_write(im, backup.p, backup.len), HUSH_OK);
    CHECK_EQ_INT(hush_identity_list(b, &json), HUSH_ERR_BUSY);
    CHECK_EQ_INT(hush_identity_create(b, "x", NULL, &other), HUSH_ERR_BUSY);
    {
        hush_backup_import *second = NULL;
        CHECK_EQ_INT(hush_backup_import_begin(b, phrase, T0, &second), HUSH_ERR_BUSY);
        CHECK(second == NULL);
    }
    hush_backup_import_abort(im);
    snapshot(bdir, &after);
    CHECK(after.len == before.len && memcmp(after.p, before.p, before.len) == 0);
    CHECK_EQ_INT(hush_identity_list(b, &json), HUSH_OK);
    CHECK_EQ_INT(strcmp(json, "[]"), 0);
    hush_free(json);

    /* a lock mid-import */
    CHECK_EQ_INT(hush_backup_import_begin(b, phrase, T0, &im), HUSH_OK);
    CHECK_EQ_INT(hush_backup_import_write(im, backup.p, backup.len - 1), HUSH_OK);
    CHECK_EQ_INT(hush_vault_lock(b), HUSH_OK);
    CHECK_EQ_INT(hush_backup_import_write(im, backup.p + backup.len - 1, 1), HUSH_ERR_STATE);
    CHECK_EQ_INT(hush_backup_import_finish(im, &restored), HUSH_ERR_STATE);
    CHECK_EQ_INT(hush_vault_begin_attempt(b, T0, &retry), HUSH_OK);
    CHECK_EQ_INT(hush_vault_unlock(b, (const uint8_t *) "1234", 4, T0), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_identity_list(b, &json), HUSH_OK);
    CHECK_EQ_INT(strcmp(json, "[]"), 0);
    hush_free(json);

    /* an export survives a lock as an error, not a crash */
    {
        hush_backup_export *x = NULL;
        const uint8_t *data;
        size_t len;
        CHECK_EQ_INT(hush_backup_export_begin(a, id, T0, &x, NULL), HUSH_OK);
        CHECK_EQ_INT(hush_backup_export_next(x, &data, &len), HUSH_OK);
        CHECK_EQ_INT(hush_vault_lock(a), HUSH_OK);
        CHECK_EQ_INT(hush_backup_export_next(x, &data, &len), HUSH_ERR_STATE);
        hush_backup_export_end(x);
    }
    hush_vault_close(a);
    hush_vault_close(b);
    free(backup.p);
    free(before.p);
    free(after.p);
}

/* Heap in use (glibc), sampled during an import. */
static size_t
heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void
flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    int c;
    fseek(f, at, SEEK_SET);
    c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

static void
expect_no_identity(hush_vault *v)
{
    char *json = NULL;
    CHECK_EQ_INT(hush_identity_list(v, &json), HUSH_OK);
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    hush_free(json);
    /* and no row of it: every message and attachment byte dropped */
    {
        sqlite3 *db;
        sqlite3_stmt *st;
        CHECK_EQ_INT(hush_store_db(v, &db, T0), HUSH_OK);
        CHECK_EQ_INT(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM"
                                            " attachment_chunks) + (SELECT count(*) FROM partial)", -1, &st, NULL), SQLITE_OK);
        CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
        CHECK_EQ_INT(sqlite3_column_int64(st, 0), 0);
        sqlite3_finalize(st);
    }
}

/* Imports the file in 64 KiB reads; stops after `stop_at` bytes (and
 * locks the vault there if lock). *heap_growth: the most the heap grew. */
static int
import_file(hush_vault *v, const char *phrase, const char *path, size_t stop_at, int lock, int64_t *identity,
            size_t *heap_growth)
{
    static uint8_t piece[65536];
    hush_backup_import *im = NULL;
    size_t got, fed = 0, before = heap_in_use(), peak = before;
    FILE *f = fopen(path, "rb");
    int rc = hush_backup_import_begin(v, phrase, T0, &im);

    while (rc == HUSH_OK && fed < stop_at && (got = fread(piece, 1, sizeof piece, f)) > 0) {
        rc = hush_backup_import_write(im, piece, got);
        fed += got;
        if (heap_in_use() > peak) peak = heap_in_use();
    }
    fclose(f);
    if (lock) CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    if (im) rc = hush_backup_import_finish(im, identity);
    if (heap_growth) *heap_growth = peak - before;
    return rc;
}

/* A store of `mb` MiB (attachments of 8 MiB and messages) through a file:
 * export, then import in 64 KiB reads, with the peak memory measured. */
static void
test_large(int mb)
{
    hush_vault *a = new_vault(), *b = new_vault();
    uint8_t seed[16], *blob = malloc(8u << 20);
    char phrase[HUSH_PHRASE_MAX], path[160];
    int64_t id, m, at, restored;
    hush_backup_export *x = NULL;
    const uint8_t *data;
    size_t len;
    size_t heap_growth = 0;
    uint64_t retry;
    FILE *f;
    int i, rc;
    uint64_t total = 0;

    randombytes_buf(seed, sizeof seed);
    CHECK_EQ_INT(hush_identity_create(a, "large", seed, &id), HUSH_OK);
    for (i = 0; i < mb / 8; i++) {
        char body[64];
        snprintf(body, sizeof body, "message %d with an attachment", i);
        randombytes_buf(blob, 8u << 20);
        CHECK_EQ_INT(hush_message_add(a, id, "05aa", "05aa", (const uint8_t *) body, strlen(body), T0 + i, 0, 0, 0, T0, &m), HUSH_OK);
        CHECK_EQ_INT(hush_attachment_add(a, id, m, "video.mp4", "video/mp4", blob, 8u << 20, &at), HUSH_OK);
    }
    hush_phrase_encode(phrase, seed);
    snprintf(path, sizeof path, "%s/backup", dir_of(ndirs - 1));
    f = fopen(path, "wb");
    CHECK_EQ_INT(hush_backup_export_begin(a, id, T0, &x, NULL), HUSH_OK);
    while ((rc = hush_backup_export_next(x, &data, &len)) == HUSH_OK && len > 0) {
        total += len;
        if (fwrite(data, 1, len, f) != len) abort();
    }
    CHECK_EQ_INT(rc, HUSH_OK);
    hush_backup_export_end(x);
    fclose(f);
    free(blob);
    hush_vault_close(a);

    /* A bit flipped in the last chunk: refused after every batch but the
     * last was committed, and nothing of it stays. */
    flip_byte(path, (long) total - 100);
    CHECK_EQ_INT(import_file(b, phrase, path, (size_t) -1, 0, &restored, NULL), HUSH_ERR_BACKUP_DAMAGED);
    expect_no_identity(b);
    flip_byte(path, (long) total - 100);
    /* The app locked (or killed) halfway: the next unlock drops it. */
    CHECK_EQ_INT(import_file(b, phrase, path, (size_t) total / 2, 1, &restored, NULL), HUSH_ERR_STATE);
    CHECK_EQ_INT(hush_vault_begin_attempt(b, T0, &retry), HUSH_OK);
    CHECK_EQ_INT(hush_vault_unlock(b, (const uint8_t *) "1234", 4, T0), HUSH_UNLOCK_OK);
    expect_no_identity(b);
    CHECK_EQ_INT(import_file(b, phrase, path, (size_t) -1, 0, &restored, &heap_growth), HUSH_OK);
    {
        char *json;
        CHECK_EQ_INT(hush_messages(b, restored, "05aa", 0, 500, T0, &json), HUSH_OK);
        CHECK(strstr(json, "message 0 with") != NULL);
        hush_free(json);
    }
    CHECK_EQ_INT(hush_store_check(b, restored), HUSH_OK);
    printf("large: %d MiB store, backup %llu bytes; heap during the import: at most %zu KiB above the start\n", mb,
           (unsigned long long) total, heap_growth / 1024);
    /* SQLite's page cache, the decoder's buffers and one batch's pages:
     * flat, whatever the backup's size. */
    CHECK(heap_growth < 8u * 1024 * 1024);
    hush_vault_close(b);
    unlink(path);
}

/* For tests/c/test_cli_backup.sh: dir/sample.hush (fill_small's identity)
 * and dir/phrase. With "fuzz", under the fuzz target's seed (its corpus). */
static int
write_sample(const char *out)
{
    hush_vault *v = new_vault();
    uint8_t seed[16];
    char phrase[HUSH_PHRASE_MAX], path[256];
    buf backup = { 0 };
    FILE *f;
    int64_t id;

    for (size_t i = 0; i < sizeof attachment_bytes; i++) attachment_bytes[i] = (uint8_t) (i * 7 + 3);
    id = fill_small(v, seed);
    CHECK_EQ_INT(export_all(v, id, &backup), HUSH_OK);
    hush_phrase_encode(phrase, seed);
    snprintf(path, sizeof path, "%s/sample.hush", out);
    if ((f = fopen(path, "wb")) == NULL || fwrite(backup.p, 1, backup.len, f) != backup.len || fclose(f) != 0) return 1;
    snprintf(path, sizeof path, "%s/phrase", out);
    if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s\n", phrase) < 0 || fclose(f) != 0) return 1;
    hush_vault_close(v);
    free(backup.p);
    return check_done();
}

int
main(int argc, char **argv)
{
    const char *big = getenv("HUSH_BACKUP_BIG_MB");
    int mb = big ? atoi(big) : 200;

    CHECK_EQ_INT(hush_init(), HUSH_OK);
    if (argc >= 3 && strcmp(argv[1], "--sample") == 0) {
        fixed_seed = argc == 4 && strcmp(argv[3], "fuzz") == 0;
        return write_sample(argv[2]);
    }
    test_key_vector();
    test_empty();
    test_round_trip_small();
    test_corruption();
    test_exclusive_and_abort();
    if (mb > 0) test_large(mb);
    for (int i = 0; i < ndirs; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "rm -rf %.40s", dirs[i]);
        if (system(cmd) != 0) CHECK(0);
    }
    return check_done();
}
