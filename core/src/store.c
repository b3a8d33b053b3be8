/* The store: identities, conversations, messages and attachments, in
 * SQLite databases encrypted page by page (store_vfs.c).
 *
 * OVERVIEW
 * The vault database (key derived from the data key) lists the identities:
 * name, seed and the random key of each identity's own database. Every
 * identity database holds conversations, messages and attachment records;
 * attachment bytes are chunk files of their own, encrypted under a random
 * per-attachment key kept in its record. All files sit in the vault's data
 * folder with names derived from keys, all 16 KiB: an image shows no
 * grouping.
 *
 * TIME AND EXPIRY (disappearing messages)
 * Each message keeps the mode and duration it was stored with, and its
 * expires_at: sent_at + duration for the sender's copy and for after-send;
 * for a received after-read message, the unread hard limit (arrival + the
 * longer of 14 days and its duration) until it is read, then read + duration.
 * Every read filters on expires_at > now, so an expired message is never
 * returned, sweep or no sweep. "now" is the largest time seen (the lock
 * file's clock, the stored clock, every caller's time): turning the clock
 * back changes nothing; the sweep stores it.
 *
 * SCHEMA
 * PRAGMA user_version is the schema version; MIGRATIONS lists the steps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"
#include "store_internal.h"
#include "store_vfs.h"
#include "vault_internal.h"

typedef struct identity_db {
    int64_t             id;
    sqlite3            *db;
    struct identity_db *next;
} identity_db;

struct hush_store {
    sqlite3     *vdb;      /* the vault database */
    identity_db *open;     /* identity databases opened so far */
    const char  *dir;      /* the vault's data folder */
    int64_t      clock;    /* largest time seen, ms */
};

static const char *const VAULT_MIGRATIONS[] = {
    "CREATE TABLE identities("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
    "  seed BLOB NOT NULL CHECK (length(seed) = 16),"
    "  db_key BLOB NOT NULL CHECK (length(db_key) = 32),"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE clock(id INTEGER PRIMARY KEY CHECK (id = 1), ms INTEGER NOT NULL);"
    "INSERT INTO clock VALUES (1, 0);",
};

const char *const HUSH_IDENTITY_MIGRATIONS[] = {
    "CREATE TABLE conversations("
    "  id TEXT PRIMARY KEY,"
    "  mode INTEGER NOT NULL DEFAULT 0,"
    "  seconds INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE messages("
    "  id INTEGER PRIMARY KEY,"
    "  conversation TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  sent_at INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  outgoing INTEGER NOT NULL,"
    "  read_at INTEGER,"
    "  mode INTEGER NOT NULL DEFAULT 0,"
    "  seconds INTEGER NOT NULL DEFAULT 0,"
    "  expires_at INTEGER);"
    "CREATE INDEX messages_by_conversation ON messages(conversation, id);"
    "CREATE INDEX messages_by_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;"
    "CREATE TABLE attachments("
    "  id INTEGER PRIMARY KEY,"
    "  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  mime TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  file_key BLOB NOT NULL);"
    "CREATE INDEX attachments_by_message ON attachments(message);",
};

#define COUNT(a) ((int) (sizeof(a) / sizeof((a)[0])))

const int HUSH_IDENTITY_MIGRATION_COUNT = COUNT(HUSH_IDENTITY_MIGRATIONS);

/* ---- helpers ----------------------------------------------------------- */

void
hush_free(void *p)
{
    free(p);
}

static int
sqlite_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: case SQLITE_DONE: case SQLITE_ROW: return HUSH_OK;
    case SQLITE_NOMEM: return HUSH_ERR_NOMEM;
    case SQLITE_IOERR: case SQLITE_CORRUPT: case SQLITE_NOTADB: return HUSH_ERR_STORE_DAMAGED;
    default: return HUSH_ERR_STORE;
    }
}

static int
migrate(sqlite3 *db, const char *const *steps, int count)
{
    sqlite3_stmt *st = NULL;
    char pragma[40];
    int version = 0, rc, i;

    rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) return sqlite_status(rc);
    if (version > count) return HUSH_ERR_STORE; /* written by a newer Hush */
    for (i = version; i < count; i++) {
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", i + 1);
        if ((rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(db, steps[i], NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(db, pragma, NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return sqlite_status(rc);
        }
    }
    return HUSH_OK;
}

/* Runs sql with the bound int64 arguments (count of them given) and, if
 * out is not NULL, copies the first column of the first row as text. */
static int
query_text(sqlite3 *db, const char *sql, char **out, const char *text1, const char *text2, int n, ...)
{
    sqlite3_stmt *st = NULL;
    va_list ap;
    int rc, i, p = 1;

    if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) return sqlite_status(rc);
    if (text1) sqlite3_bind_text(st, p++, text1, -1, SQLITE_STATIC);
    if (text2) sqlite3_bind_text(st, p++, text2, -1, SQLITE_STATIC);
    va_start(ap, n);
    for (i = 0; i < n; i++) sqlite3_bind_int64(st, p++, va_arg(ap, int64_t));
    va_end(ap);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out != NULL) {
        const char *text = (const char *) sqlite3_column_text(st, 0);
        size_t len = text ? strlen(text) : 0;
        if ((*out = malloc(len + 1)) == NULL) rc = SQLITE_NOMEM;
        else { memcpy(*out, text ? text : "", len); (*out)[len] = 0; rc = SQLITE_OK; }
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return sqlite_status(rc);
}


/* ---- opening ----------------------------------------------------------- */

void
hush_store_close(hush_store *s)
{
    identity_db *d, *next;

    if (s == NULL) return;
    for (d = s->open; d != NULL; d = next) {
        next = d->next;
        sqlite3_close(d->db);
        free(d);
    }
    sqlite3_close(s->vdb);
    sodium_memzero(s, sizeof *s);
    free(s);
}

static int64_t
store_now(hush_store *s, int64_t now_ms)
{
    if (now_ms > s->clock) s->clock = now_ms;
    return s->clock;
}

/* The vault's store, opened on first use. */
static int
store_get(hush_vault *v, hush_store **out)
{
    hush_store **slot;
    hush_store *s;
    const uint8_t *dek;
    uint8_t key[32];
    sqlite3_stmt *st = NULL;
    int rc;

    if (v == NULL || out == NULL) return HUSH_ERR_ARGUMENT;
    if ((dek = hush_vault_dek(v)) == NULL) return HUSH_ERR_STATE;
    slot = hush_vault_store_slot(v);
    if (*slot != NULL) {
        *out = *slot;
        return HUSH_OK;
    }
    if ((s = calloc(1, sizeof *s)) == NULL) return HUSH_ERR_NOMEM;
    s->dir = hush_vault_data_dir(v);
    crypto_kdf_derive_from_key(key, sizeof key, 1, "hushvdb_", dek);
    rc = hush_vfs_open_db(&s->vdb, s->dir, key);
    sodium_memzero(key, sizeof key);
    if (rc == HUSH_OK) rc = migrate(s->vdb, VAULT_MIGRATIONS, COUNT(VAULT_MIGRATIONS));
    if (rc == HUSH_OK) {
        s->clock = (int64_t) hush_vault_clock(v);
        if (sqlite3_prepare_v2(s->vdb, "SELECT ms FROM clock", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            store_now(s, sqlite3_column_int64(st, 0));
        }
        sqlite3_finalize(st);
    }
    if (rc != HUSH_OK) {
        hush_store_close(s);
        return rc;
    }
    *slot = *out = s;
    return HUSH_OK;
}

static int
identity_key(hush_store *s, int64_t id, uint8_t key[32], uint8_t seed[16])
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->vdb, "SELECT db_key, seed FROM identities WHERE id = ?", -1, &st, NULL);

    if (rc != SQLITE_OK) return sqlite_status(rc);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (key) memcpy(key, sqlite3_column_blob(st, 0), 32);
        if (seed) memcpy(seed, sqlite3_column_blob(st, 1), 16);
        rc = HUSH_OK;
    } else {
        rc = rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : sqlite_status(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The identity's database, opened on first use. */
static int
identity_get(hush_vault *v, int64_t id, hush_store **ps, sqlite3 **db)
{
    hush_store *s;
    identity_db *d;
    uint8_t key[32];
    int rc;

    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    *ps = s;
    for (d = s->open; d != NULL; d = d->next) {
        if (d->id == id) { *db = d->db; return HUSH_OK; }
    }
    if ((rc = identity_key(s, id, key, NULL)) != HUSH_OK) return rc;
    if ((d = calloc(1, sizeof *d)) == NULL) { sodium_memzero(key, sizeof key); return HUSH_ERR_NOMEM; }
    rc = hush_vfs_open_db(&d->db, s->dir, key);
    sodium_memzero(key, sizeof key);
    if (rc == HUSH_OK) rc = migrate(d->db, HUSH_IDENTITY_MIGRATIONS, HUSH_IDENTITY_MIGRATION_COUNT);
    if (rc != HUSH_OK) {
        sqlite3_close(d->db);
        free(d);
        return rc;
    }
    d->id = id;
    d->next = s->open;
    s->open = d;
    *db = d->db;
    return HUSH_OK;
}

static void
identity_forget(hush_store *s, int64_t id)
{
    identity_db **p, *d;

    for (p = &s->open; (d = *p) != NULL; p = &d->next) {
        if (d->id == id) {
            *p = d->next;
            sqlite3_close(d->db);
            free(d);
            return;
        }
    }
}

/* ---- identities -------------------------------------------------------- */

static int
valid_text(const char *s, size_t max)
{
    size_t n;
    if (s == NULL) return 0;
    n = strlen(s);
    return n >= 1 && n <= max;
}

int
hush_identity_create(hush_vault *v, const char *name, const uint8_t *seed, int64_t *id)
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    uint8_t own_seed[16], key[32];
    sqlite3 *db;
    int rc;

    if (id == NULL) return HUSH_ERR_ARGUMENT;
    if (!valid_text(name, 64 * 4)) return HUSH_ERR_NAME;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    if (seed == NULL) randombytes_buf(own_seed, sizeof own_seed);
    else memcpy(own_seed, seed, sizeof own_seed);
    randombytes_buf(key, sizeof key);
    if (seed != NULL) {
        rc = sqlite3_prepare_v2(s->vdb, "SELECT 1 FROM identities WHERE seed = ?", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_blob(st, 1, own_seed, 16, SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_CONSTRAINT_UNIQUE : SQLITE_OK;
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_OK) {
            sodium_memzero(own_seed, sizeof own_seed);
            sodium_memzero(key, sizeof key);
            return rc == SQLITE_CONSTRAINT_UNIQUE ? HUSH_ERR_IDENTITY_EXISTS : sqlite_status(rc);
        }
    }
    rc = sqlite3_prepare_v2(s->vdb, "INSERT INTO identities(name, seed, db_key, created_at) VALUES (?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, own_seed, 16, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, key, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, store_now(s, 0));
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    sodium_memzero(own_seed, sizeof own_seed);
    sodium_memzero(key, sizeof key);
    if (rc != SQLITE_OK) return (rc & 0xff) == SQLITE_CONSTRAINT ? HUSH_ERR_NAME : sqlite_status(rc);
    *id = sqlite3_last_insert_rowid(s->vdb);
    return identity_get(v, *id, &s, &db); /* creates its database now */
}

/* session_id(seed) for SQL: the Session ID of a 16-byte seed. */
static void
sql_session_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char id[HUSH_SESSION_ID_CHARS + 1];
    (void) argc;
    if (sqlite3_value_bytes(argv[0]) != 16 || hush_session_id(id, sqlite3_value_blob(argv[0])) != HUSH_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_text(ctx, id, -1, SQLITE_TRANSIENT);
}

int
hush_identity_list(hush_vault *v, char **json)
{
    hush_store *s;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    sqlite3_create_function(s->vdb, "session_id", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_session_id, NULL, NULL);
    return query_text(s->vdb,
                      "SELECT json_group_array(json_object('id', id, 'name', name, 'sessionId', session_id(seed),"
                      " 'createdAt', created_at)) FROM (SELECT * FROM identities ORDER BY id)",
                      json, NULL, NULL, 0);
}

int
hush_identity_phrase(hush_vault *v, int64_t id, char phrase[HUSH_PHRASE_MAX])
{
    hush_store *s;
    uint8_t seed[16];
    int rc;

    if (phrase == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    if ((rc = identity_key(s, id, NULL, seed)) == HUSH_OK) rc = hush_phrase_encode(phrase, seed);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

static void
unlink_path(const char *path, void *ctx)
{
    (void) ctx;
    unlink(path);
}

/* ---- attachments: chunk files of their own ------------------------------
 * Chunk i (16 KiB, like every file here) = nonce (24) ‖ XChaCha20-Poly1305
 * (attachment key, up to 16344 bytes, ad = "hushatt" ‖ le32 i ‖ last?) ‖
 * tag (16), random padding after a short last piece. Names: BLAKE2b of the
 * index under a key derived from the attachment key. */

#define ATT_PIECE (HUSH_CHUNK_BYTES - 40)

static uint32_t
att_chunks(size_t size)
{
    return size == 0 ? 1 : (uint32_t) ((size + ATT_PIECE - 1) / ATT_PIECE);
}

static char *
att_path(const char *dir, const uint8_t file_key[32], uint32_t i)
{
    uint8_t name_key[32], le[4] = { (uint8_t) i, (uint8_t) (i >> 8), (uint8_t) (i >> 16), (uint8_t) (i >> 24) }, h[16];
    size_t n = strlen(dir);
    char *path = malloc(n + 34);

    crypto_kdf_derive_from_key(name_key, 32, 1, "hushatt_", file_key);
    crypto_generichash(h, sizeof h, le, sizeof le, name_key, sizeof name_key);
    sodium_memzero(name_key, sizeof name_key);
    if (path == NULL) return NULL;
    memcpy(path, dir, n);
    path[n] = '/';
    sodium_bin2hex(path + n + 1, 33, h, sizeof h);
    return path;
}

static void
att_ad(uint8_t ad[12], uint32_t i, int last)
{
    memcpy(ad, "hushatt", 7);
    ad[7] = (uint8_t) i; ad[8] = (uint8_t) (i >> 8); ad[9] = (uint8_t) (i >> 16); ad[10] = (uint8_t) (i >> 24);
    ad[11] = (uint8_t) last;
}

static void
att_unlink(const char *dir, const uint8_t file_key[32], size_t size)
{
    uint32_t i;
    for (i = 0; i < att_chunks(size); i++) {
        char *path = att_path(dir, file_key, i);
        if (path) unlink(path);
        free(path);
    }
}

static int
att_write(const char *dir, const uint8_t file_key[32], const uint8_t *data, size_t size)
{
    uint8_t chunk[HUSH_CHUNK_BYTES], ad[12];
    uint32_t i, n = att_chunks(size);
    int rc = HUSH_OK;

    for (i = 0; i < n && rc == HUSH_OK; i++) {
        size_t off = (size_t) i * ATT_PIECE, len = size - off < ATT_PIECE ? size - off : ATT_PIECE;
        char *path = att_path(dir, file_key, i);
        FILE *f;
        if (size == 0) len = 0;
        randombytes_buf(chunk, sizeof chunk);
        att_ad(ad, i, i == n - 1);
        crypto_aead_xchacha20poly1305_ietf_encrypt_detached(chunk + 24, chunk + 24 + len, NULL, data + off, len,
                                                            ad, sizeof ad, NULL, chunk, file_key);
        f = path ? fopen(path, "wb") : NULL;
        if (f == NULL || fwrite(chunk, 1, sizeof chunk, f) != sizeof chunk) rc = HUSH_ERR_IO;
        if (f != NULL && fclose(f) != 0) rc = HUSH_ERR_IO;
        free(path);
    }
    if (rc != HUSH_OK) att_unlink(dir, file_key, size);
    return rc;
}

static int
att_read(const char *dir, const uint8_t file_key[32], size_t size, uint8_t *out)
{
    uint8_t chunk[HUSH_CHUNK_BYTES], ad[12];
    uint32_t i, n = att_chunks(size);

    for (i = 0; i < n; i++) {
        size_t off = (size_t) i * ATT_PIECE, len = size - off < ATT_PIECE ? size - off : ATT_PIECE;
        char *path = att_path(dir, file_key, i);
        FILE *f = path ? fopen(path, "rb") : NULL;
        size_t got = f ? fread(chunk, 1, sizeof chunk, f) : 0;
        if (f) fclose(f);
        free(path);
        if (size == 0) len = 0;
        att_ad(ad, i, i == n - 1);
        if (got != sizeof chunk ||
            crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out + off, NULL, chunk + 24, len, chunk + 24 + len,
                                                                ad, sizeof ad, chunk, file_key) != 0) {
            sodium_memzero(out, size);
            return HUSH_ERR_STORE_DAMAGED;
        }
    }
    return HUSH_OK;
}

/* Calls att_unlink for every attachment row the query selects
 * (columns: file_key, size; one int64 argument). */
static int
att_unlink_selected(sqlite3 *db, const char *dir, const char *sql, int64_t arg)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK) return sqlite_status(rc);
    sqlite3_bind_int64(st, 1, arg);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) == 32) {
            att_unlink(dir, sqlite3_column_blob(st, 0), (size_t) sqlite3_column_int64(st, 1));
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HUSH_OK : sqlite_status(rc);
}

int
hush_identity_remove(hush_vault *v, int64_t id)
{
    hush_store *s;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    uint8_t key[32];
    uint32_t pages;
    int rc;

    if ((rc = identity_get(v, id, &s, &db)) != HUSH_OK) return rc;
    if ((rc = identity_key(s, id, key, NULL)) != HUSH_OK) return rc;
    /* The attachment keys live in the identity's database, which dies with
     * its key below: their files go first. */
    rc = att_unlink_selected(db, s->dir, "SELECT file_key, size FROM attachments WHERE ?1 = ?1", 0);
    pages = hush_vfs_page_count(db);
    identity_forget(s, id);
    /* Then the key (secure_delete overwrites the row), then its pages. */
    if (rc == HUSH_OK) {
        rc = sqlite3_prepare_v2(s->vdb, "DELETE FROM identities WHERE id = ?", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, id);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(st);
        rc = sqlite_status(rc);
    }
    if (rc == HUSH_OK) rc = hush_vfs_chunk_paths(s->dir, key, pages, unlink_path, NULL);
    sodium_memzero(key, sizeof key);
    return rc;
}

int
hush_attachment_add(hush_vault *v, int64_t identity, int64_t message, const char *name,
                    const char *mime, const uint8_t *data, size_t len, int64_t *id)
{
    hush_store *s;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    uint8_t file_key[32];
    int rc;

    if (id == NULL || (data == NULL && len != 0) || len > HUSH_ATTACHMENT_MAX) return HUSH_ERR_ARGUMENT;
    if (!valid_text(name, 255) || !valid_text(mime, 127)) return HUSH_ERR_NAME;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    randombytes_buf(file_key, sizeof file_key);
    rc = sqlite3_prepare_v2(db, "INSERT INTO attachments(message, name, mime, size, file_key)"
                                " SELECT id, ?2, ?3, ?4, ?5 FROM messages WHERE id = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, message);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, mime, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (int64_t) len);
        sqlite3_bind_blob(st, 5, file_key, 32, SQLITE_STATIC);
        rc = att_write(s->dir, file_key, data, len);
        if (rc == HUSH_OK) {
            int step = sqlite3_step(st);
            rc = step != SQLITE_DONE ? sqlite_status(step) : sqlite3_changes(db) == 1 ? HUSH_OK : HUSH_ERR_NOT_FOUND;
            if (rc != HUSH_OK) att_unlink(s->dir, file_key, len);
        }
    } else {
        rc = sqlite_status(rc);
    }
    sqlite3_finalize(st);
    sodium_memzero(file_key, sizeof file_key);
    if (rc == HUSH_OK) *id = sqlite3_last_insert_rowid(db);
    return rc;
}

int
hush_attachment_get(hush_vault *v, int64_t identity, int64_t id, uint8_t **data, size_t *len)
{
    hush_store *s;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc;

    if (data == NULL || len == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    /* An attachment of an expired message is as gone as the message. */
    rc = sqlite3_prepare_v2(db, "SELECT a.file_key, a.size FROM attachments a JOIN messages m ON m.id = a.message"
                                " WHERE a.id = ?1 AND (m.expires_at IS NULL OR m.expires_at > ?2)", -1, &st, NULL);
    if (rc != SQLITE_OK) return sqlite_status(rc);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, store_now(s, 0));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        size_t size = (size_t) sqlite3_column_int64(st, 1);
        *data = malloc(size ? size : 1);
        *len = size;
        rc = *data == NULL ? HUSH_ERR_NOMEM : att_read(s->dir, sqlite3_column_blob(st, 0), size, *data);
        if (rc != HUSH_OK) { free(*data); *data = NULL; }
    } else {
        rc = HUSH_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- messages ------------------------------------------------------------ */

static int
valid_disappearing(int mode, int64_t seconds)
{
    if (mode == HUSH_DISAPPEAR_OFF) return seconds == 0;
    return (mode == HUSH_DISAPPEAR_AFTER_SEND || mode == HUSH_DISAPPEAR_AFTER_READ) &&
           seconds >= HUSH_DISAPPEAR_MIN_SECONDS && seconds <= HUSH_DISAPPEAR_MAX_SECONDS;
}

/* When a message stored now expires (NULL: never), see the top comment. */
static int64_t
expiry(int mode, int64_t seconds, int outgoing, int64_t sent_at, int64_t now)
{
    int64_t unread_limit;

    if (mode == HUSH_DISAPPEAR_OFF) return 0;
    if (outgoing || mode == HUSH_DISAPPEAR_AFTER_SEND) return sent_at + seconds * 1000;
    unread_limit = seconds > HUSH_UNREAD_LIMIT_SECONDS ? seconds : HUSH_UNREAD_LIMIT_SECONDS;
    return now + unread_limit * 1000;
}

int
hush_message_add(hush_vault *v, int64_t identity, const char *conversation, const char *sender,
                 const uint8_t *body, size_t body_len, int64_t sent_at, int outgoing,
                 int mode, int64_t seconds, int64_t now_ms, int64_t *id)
{
    hush_store *s;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int64_t now, expires;
    int rc;

    if (id == NULL) return HUSH_ERR_ARGUMENT;
    if (!valid_text(conversation, 256) || !valid_text(sender, 256) || (body == NULL && body_len != 0) ||
        body_len > HUSH_BODY_MAX || sent_at <= 0 || sent_at > INT64_C(253402300799999) ||
        (outgoing != 0 && outgoing != 1) || (mode >= 0 && !valid_disappearing(mode, seconds))) {
        return HUSH_ERR_MESSAGE;
    }
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    now = store_now(s, now_ms);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return HUSH_ERR_STORE;
    rc = sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO conversations(id) VALUES (?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK && mode < 0) {
        rc = sqlite3_prepare_v2(db, "SELECT mode, seconds FROM conversations WHERE id = ?", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW) {
                mode = sqlite3_column_int(st, 0);
                seconds = sqlite3_column_int64(st, 1);
            } else {
                rc = SQLITE_ERROR;
            }
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == SQLITE_OK) {
        expires = expiry(mode, seconds, outgoing, sent_at, now);
        rc = sqlite3_prepare_v2(db, "INSERT INTO messages(conversation, sender, body, sent_at, received_at, outgoing,"
                                    " read_at, mode, seconds, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, body_len ? (const char *) body : "", (int) body_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, sent_at);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_int(st, 6, outgoing);
        if (outgoing) sqlite3_bind_int64(st, 7, sent_at); else sqlite3_bind_null(st, 7);
        sqlite3_bind_int(st, 8, mode);
        sqlite3_bind_int64(st, 9, seconds);
        if (expires) sqlite3_bind_int64(st, 10, expires); else sqlite3_bind_null(st, 10);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK) {
        *id = sqlite3_last_insert_rowid(db);
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        rc = sqlite_status(sqlite3_extended_errcode(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc == HUSH_OK ? HUSH_ERR_STORE : rc;
    }
    return HUSH_OK;
}

#define MESSAGE_JSON                                                                              \
    "json_object('id', id, 'conversation', conversation, 'sender', sender, 'body', body,"         \
    " 'sentAt', sent_at, 'receivedAt', received_at, 'outgoing', json(iif(outgoing, 'true', 'false')),"\
    " 'readAt', read_at, 'expiresAt', expires_at,"                                                  \
    " 'disappearing', json_object('mode', mode, 'seconds', seconds),"                             \
    " 'attachments', (SELECT json_group_array(json_object('id', a.id, 'name', a.name, 'type', a.mime," \
    " 'size', a.size)) FROM attachments a WHERE a.message = m.id))"

int
hush_messages(hush_vault *v, int64_t identity, const char *conversation, int64_t before_id,
              int limit, int64_t now_ms, char **json)
{
    hush_store *s;
    sqlite3 *db;
    int rc;

    if (json == NULL || limit < 1 || limit > 500 || before_id < 0) return HUSH_ERR_ARGUMENT;
    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    return query_text(db,
                      "SELECT json_group_array(" MESSAGE_JSON ") FROM (SELECT * FROM messages"
                      " WHERE conversation = ?1 AND (?2 = 0 OR id < ?2)"
                      " AND (expires_at IS NULL OR expires_at > ?3) ORDER BY id DESC LIMIT ?4) m",
                      json, conversation, NULL, 3, before_id, (int64_t) store_now(s, now_ms), (int64_t) limit);
}

int
hush_messages_mark_read(hush_vault *v, int64_t identity, const char *ids_json, int64_t now_ms)
{
    hush_store *s;
    sqlite3 *db;
    int64_t now;
    int rc;

    if (ids_json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    now = store_now(s, now_ms);
    /* Only unread, received, visible messages. An after-read timer starts
     * now and replaces the unread limit: read + duration, as in Session. */
    rc = query_text(db,
                    "UPDATE messages SET read_at = ?2,"
                    " expires_at = CASE WHEN mode = 2 THEN ?2 + seconds * 1000 ELSE expires_at END"
                    " WHERE id IN (SELECT value FROM json_each(?1) WHERE type = 'integer')"
                    " AND read_at IS NULL AND outgoing = 0 AND (expires_at IS NULL OR expires_at > ?2)",
                    NULL, ids_json, NULL, 1, now);
    return rc;
}

int
hush_conversations(hush_vault *v, int64_t identity, int64_t now_ms, char **json)
{
    hush_store *s;
    sqlite3 *db;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    return query_text(db,
                      "SELECT json_group_array(json_object('id', c.id, 'messages', coalesce(n, 0),"
                      " 'unread', coalesce(unread, 0), 'lastMessageAt', last,"
                      " 'disappearing', json_object('mode', c.mode, 'seconds', c.seconds)))"
                      " FROM conversations c LEFT JOIN (SELECT conversation, count(*) AS n,"
                      " sum(read_at IS NULL AND outgoing = 0) AS unread, max(sent_at) AS last FROM messages"
                      " WHERE expires_at IS NULL OR expires_at > ?1 GROUP BY conversation) m"
                      " ON m.conversation = c.id ORDER BY last DESC NULLS LAST, c.id",
                      json, NULL, NULL, 1, store_now(s, now_ms));
}

int
hush_conversation_add(hush_vault *v, int64_t identity, const char *conversation)
{
    hush_store *s;
    sqlite3 *db;
    int rc;

    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    return query_text(db, "INSERT OR IGNORE INTO conversations(id) VALUES (?1)", NULL, conversation, NULL, 0);
}

int
hush_disappearing_set(hush_vault *v, int64_t identity, const char *conversation, int mode,
                      int64_t seconds, int64_t now_ms)
{
    hush_store *s;
    sqlite3 *db;
    int rc;

    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if (!valid_disappearing(mode, seconds)) return HUSH_ERR_DISAPPEARING;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    store_now(s, now_ms);
    return query_text(db,
                      "INSERT INTO conversations(id, mode, seconds) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(id) DO UPDATE SET mode = excluded.mode, seconds = excluded.seconds",
                      NULL, conversation, NULL, 2, (int64_t) mode, seconds);
}

int
hush_disappearing_get(hush_vault *v, int64_t identity, const char *conversation, char **json)
{
    hush_store *s;
    sqlite3 *db;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    return query_text(db,
                      "SELECT json_object('mode', coalesce(max(mode), 0), 'seconds', coalesce(max(seconds), 0))"
                      " FROM conversations WHERE id = ?1",
                      json, conversation, NULL, 0);
}

/* ---- the sweep --------------------------------------------------------- */

/* Deletes up to *budget expired messages of one identity database. */
static int
sweep_one(hush_store *s, sqlite3 *db, int64_t now, int *budget, int *deleted)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (*budget <= 0) return HUSH_OK;
    if (sqlite3_exec(db, "BEGIN; CREATE TEMP TABLE IF NOT EXISTS due(id INTEGER PRIMARY KEY); DELETE FROM due;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        return HUSH_ERR_STORE;
    }
    rc = sqlite3_prepare_v2(db, "INSERT INTO due SELECT id FROM messages WHERE expires_at <= ?1"
                                " ORDER BY expires_at LIMIT ?2", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int(st, 2, *budget);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    /* Attachment files first (their keys are in the rows about to go). */
    if (rc == SQLITE_OK) {
        rc = att_unlink_selected(db, s->dir, "SELECT file_key, size FROM attachments"
                                             " WHERE message IN (SELECT id FROM due) AND ?1 = ?1", 0) == HUSH_OK
                 ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "DELETE FROM messages WHERE id IN (SELECT id FROM due)", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        int n = sqlite3_changes(db);
        *deleted += n;
        *budget -= n;
        rc = sqlite3_exec(db, "DELETE FROM due; COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return HUSH_ERR_STORE;
    }
    return HUSH_OK;
}

/* O(log n): min() over the partial index messages_by_expiry. */
const char *const HUSH_NEXT_DUE_SQL = "SELECT min(expires_at) FROM messages WHERE expires_at > ?1";

static int64_t
next_due(sqlite3 *db, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int64_t at = 0;

    if (sqlite3_prepare_v2(db, HUSH_NEXT_DUE_SQL, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) at = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return at;
}

int
hush_sweep(hush_vault *v, int64_t now_ms, int batch, int64_t *next_due_ms)
{
    hush_store *s;
    sqlite3_stmt *ids = NULL;
    int64_t now, soonest = 0, at;
    int rc, budget = batch, deleted = 0;

    if (next_due_ms == NULL || batch < 1 || batch > 100000) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    now = store_now(s, now_ms);
    rc = query_text(s->vdb, "UPDATE clock SET ms = max(ms, ?1)", NULL, NULL, NULL, 1, now);
    if (rc == HUSH_OK && (rc = sqlite3_prepare_v2(s->vdb, "SELECT id FROM identities", -1, &ids, NULL)) != SQLITE_OK) {
        rc = sqlite_status(rc);
    }
    while (rc == HUSH_OK && sqlite3_step(ids) == SQLITE_ROW) {
        sqlite3 *db;
        hush_store *same;
        if ((rc = identity_get(v, sqlite3_column_int64(ids, 0), &same, &db)) != HUSH_OK) break;
        if ((rc = sweep_one(s, db, now, &budget, &deleted)) != HUSH_OK) break;
        at = budget <= 0 ? now : next_due(db, now);
        if (at && (!soonest || at < soonest)) soonest = at;
    }
    sqlite3_finalize(ids);
    if (rc != HUSH_OK) return rc;
    *next_due_ms = soonest;
    return deleted;
}

int
hush_next_due(hush_vault *v, int64_t now_ms, int64_t *next_due_ms)
{
    hush_store *s;
    sqlite3_stmt *ids = NULL;
    int64_t now, soonest = 0, at;
    int rc;

    if (next_due_ms == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    now = store_now(s, now_ms);
    if ((rc = sqlite3_prepare_v2(s->vdb, "SELECT id FROM identities", -1, &ids, NULL)) != SQLITE_OK) return sqlite_status(rc);
    while (sqlite3_step(ids) == SQLITE_ROW) {
        sqlite3 *db;
        hush_store *same;
        if ((rc = identity_get(v, sqlite3_column_int64(ids, 0), &same, &db)) != HUSH_OK) break;
        at = next_due(db, now);
        if (at && (!soonest || at < soonest)) soonest = at;
    }
    sqlite3_finalize(ids);
    if (rc != HUSH_OK) return rc;
    *next_due_ms = soonest;
    return HUSH_OK;
}

static int
integrity_ok(sqlite3 *db)
{
    char *result = NULL;
    int rc = query_text(db, "SELECT group_concat(integrity_check) FROM pragma_integrity_check", &result, NULL, NULL, 0);
    if (rc == HUSH_OK && strcmp(result, "ok") != 0) rc = HUSH_ERR_STORE_DAMAGED;
    free(result);
    return rc == HUSH_ERR_STORE ? HUSH_ERR_STORE_DAMAGED : rc;
}

int
hush_store_check(hush_vault *v, int64_t identity)
{
    hush_store *s;
    sqlite3 *db;
    int rc;

    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    if ((rc = integrity_ok(s->vdb)) != HUSH_OK) return rc;
    return integrity_ok(db);
}

int
hush_store_query_plan(hush_vault *v, int64_t identity, const char *sql, char **plan)
{
    hush_store *s;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    sqlite3_str *out;
    char *query;
    int rc;

    if ((rc = identity_get(v, identity, &s, &db)) != HUSH_OK) return rc;
    if ((query = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql)) == NULL) return HUSH_ERR_NOMEM;
    rc = sqlite3_prepare_v2(db, query, -1, &st, NULL);
    sqlite3_free(query);
    if (rc != SQLITE_OK) return sqlite_status(rc);
    out = sqlite3_str_new(db);
    while (sqlite3_step(st) == SQLITE_ROW) sqlite3_str_appendf(out, "%s\n", sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    query = sqlite3_str_finish(out);
    *plan = query ? strdup(query) : NULL;
    sqlite3_free(query);
    return *plan ? HUSH_OK : HUSH_ERR_NOMEM;
}
