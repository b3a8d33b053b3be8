/* The store: identities, conversations, messages and attachments, in
 * SQLite databases encrypted page by page (store_vfs.c).
 *
 * OVERVIEW
 * One database per vault (key derived from the data key), in the vault's
 * pages file, overwritten in place (store_vfs.c): identities (name, seed),
 * and their conversations, messages and attachments, each row carrying its
 * identity. Attachment bytes are rows too (attachment_chunks), so deleting
 * an attachment overwrites its pages in place (secure_delete) and no file is
 * ever created or deleted for an identity or an attachment: the number and
 * names of the files say nothing. Every commit also records its counter in
 * the lock file (hush_vault_store_committed), so a database put back to an
 * older version is refused.
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
 * DELIVERY STATE
 * An outgoing message carries peer_state: pending until the relay accepts
 * it, then sent, delivered and read as the peer's receipts arrive, which
 * name messages by sent time. It is raised, never lowered: receipts can
 * arrive late, twice or out of order, and a read receipt must not be
 * undone by a delivery receipt that follows it.
 *
 * SCHEMA
 * PRAGMA user_version is the schema version; MIGRATIONS lists the steps,
 * each applied once in its own transaction; a step is never edited once
 * released, a change is a new step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"
#include "store_internal.h"
#include "store_vfs.h"
#include "vault_internal.h"

struct hush_store {
    sqlite3    *db;       /* the vault's one database */
    hush_vault *vault;
    int64_t     clock;    /* largest time seen, ms */
    /* A backup export or import holding statements across calls
     * (hush_store_claim); told before the database closes. */
    void      (*job_closing)(void *ctx);
    void       *job;
    int         job_exclusive;
};

/* One list of steps; PRAGMA user_version = steps applied. */
static const char *const MIGRATIONS[] = {
    "CREATE TABLE identities("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
    "  seed BLOB NOT NULL UNIQUE CHECK (length(seed) = 16),"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE clock(id INTEGER PRIMARY KEY CHECK (id = 1), ms INTEGER NOT NULL);"
    "INSERT INTO clock VALUES (1, 0);"
    "CREATE TABLE conversations("
    "  identity INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  mode INTEGER NOT NULL DEFAULT 0,"
    "  seconds INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (identity, id)) WITHOUT ROWID;"
    "CREATE TABLE messages("
    "  id INTEGER PRIMARY KEY,"
    "  identity INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,"
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
    "CREATE INDEX messages_by_conversation ON messages(identity, conversation, id);"
    "CREATE INDEX messages_by_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;"
    "CREATE TABLE attachments("
    "  id INTEGER PRIMARY KEY,"
    "  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  mime TEXT NOT NULL,"
    "  size INTEGER NOT NULL);"
    "CREATE INDEX attachments_by_message ON attachments(message);"
    "CREATE TABLE attachment_chunks("
    "  attachment INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,"
    "  n INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY (attachment, n));",
    /* 2: remote deletion (trust.c, core/TRUST.md). trustees: the friends who
     * can wipe this vault, one per trustee slot of the lock file; they
     * protect the device, so they outlive the identity that signed the
     * pairing. A pending row keeps what completing needs (the ephemeral
     * secret key, zeroed by secure_delete at completion), never the wipe
     * secret. protected: the persons this identity can wipe (friend side),
     * with the wipe secret; they belong to the identity and go in its
     * backups. */
    "CREATE TABLE trustees("
    "  id INTEGER PRIMARY KEY,"
    "  identity INTEGER NOT NULL,"
    "  slot INTEGER NOT NULL UNIQUE CHECK (slot BETWEEN 0 AND 7),"
    "  friend TEXT NOT NULL,"
    "  offer_hash BLOB NOT NULL CHECK (length(offer_hash) = 32),"
    "  ephemeral BLOB CHECK (ephemeral IS NULL OR length(ephemeral) = 32),"
    "  secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),"
    "  offered_at INTEGER NOT NULL,"
    "  paired_at INTEGER,"
    "  drill_at INTEGER);"
    "CREATE TABLE protected("
    "  id INTEGER PRIMARY KEY,"
    "  identity INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,"
    "  person TEXT NOT NULL,"
    "  secret BLOB NOT NULL CHECK (length(secret) = 32),"
    "  paired_at INTEGER NOT NULL);",
    /* 3: partial: identities being restored (backup.c) or removed, dropped
     * in bounded batches (drop_partial) so neither needs memory in
     * proportion to the identity's size; one left by a killed app goes at
     * the next open. settings: this vault's own settings (a backup
     * target's credentials, say), never in a backup. */
    ("CREATE TABLE partial(identity INTEGER PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE);"
     "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"),
    /* 4: peer_state, the delivery state of an outgoing message
     * (HUSH_PEER_STATES: 0 pending, 1 sent, 2 delivered, 3 read); it only
     * goes up (hush_messages_mark_peer_state). Received messages keep 0.
     * Outgoing messages stored before this step are marked sent: they
     * were never meant for a relay, and a messenger that sends pending
     * messages again must not send old history now. */
    ("ALTER TABLE messages ADD COLUMN peer_state INTEGER NOT NULL DEFAULT 0;"
     "UPDATE messages SET peer_state = 1 WHERE outgoing = 1;"),
};

#define COUNT(a) ((int) (sizeof(a) / sizeof((a)[0])))
#define ATTACHMENT_CHUNK (32 * 1024)

const char *const *const HUSH_STORE_MIGRATIONS = MIGRATIONS;
const int HUSH_STORE_MIGRATION_COUNT = COUNT(MIGRATIONS);

/* ---- helpers ----------------------------------------------------------- */

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

/* Runs sql with up to two bound texts, then the int64 arguments (count of
 * them given) and, if out is not NULL, copies the first column of the first
 * row as text. */
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
    if (s == NULL) return;
    if (s->job_closing) s->job_closing(s->job);
    sqlite3_close(s->db);
    sodium_memzero(s, sizeof *s);
    free(s);
}

static int64_t
store_now(hush_store *s, int64_t now_ms)
{
    if (now_ms > s->clock) s->clock = now_ms;
    return s->clock;
}

static int
record_commit(void *ctx, uint64_t counter)
{
    hush_store *s = ctx;
    return hush_vault_store_committed(s->vault, counter, (uint64_t) s->clock) == HUSH_OK ? 0 : -1;
}

/* The clock read earlier than the high-water mark when the vault opened:
 * how long the app was closed is unknown, so every timer that had started
 * has run out (the unread hard limits still count from the high-water). */
static int
expire_started_timers(hush_store *s)
{
    return query_text(s->db, "DELETE FROM messages WHERE expires_at IS NOT NULL"
                             " AND (outgoing = 1 OR mode = 1 OR read_at IS NOT NULL)", NULL, NULL, NULL, 0);
}

/* Deletes every identity listed in partial, a bounded batch per
 * transaction (the VFS keeps a transaction's pages in memory until it
 * commits): attachment bytes first, then messages, then the rest. */
int
hush_store_drop_partial(sqlite3 *db)
{
    static const char *const steps[] = {
        ("DELETE FROM attachment_chunks WHERE rowid IN (SELECT c.rowid FROM partial p JOIN messages m ON m.identity ="
         " p.identity JOIN attachments a ON a.message = m.id JOIN attachment_chunks c ON c.attachment = a.id LIMIT 64)"),
        "DELETE FROM messages WHERE id IN (SELECT m.id FROM partial p JOIN messages m ON m.identity = p.identity LIMIT 500)",
        "DELETE FROM identities WHERE id IN (SELECT identity FROM partial)",
    };
    int rc;

    for (int i = 0; i < COUNT(steps); i++) {
        do {
            if ((rc = sqlite3_exec(db, steps[i], NULL, NULL, NULL)) != SQLITE_OK) return sqlite_status(rc);
        } while (sqlite3_changes(db) > 0 && i < 2);
    }
    return HUSH_OK;
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
    hush_vfs_files files;
    int rc;

    if (v == NULL || out == NULL) return HUSH_ERR_ARGUMENT;
    if ((dek = hush_vault_dek(v)) == NULL) return HUSH_ERR_STATE;
    slot = hush_vault_store_slot(v);
    if (*slot != NULL) {
        /* An import's rows must not be seen, nor anything written into
         * its transaction, before it commits. */
        if ((*slot)->job_exclusive) return HUSH_ERR_BUSY;
        *out = *slot;
        return HUSH_OK;
    }
    if ((s = calloc(1, sizeof *s)) == NULL) return HUSH_ERR_NOMEM;
    s->vault = v;
    files.pages = hush_vault_pages_path(v);
    files.journal = hush_vault_journal_path(v);
    files.min_counter = hush_vault_store_counter(v);
    files.on_commit = record_commit;
    files.ctx = s;
    crypto_kdf_derive_from_key(key, sizeof key, 1, "hushvdb_", dek);
    rc = hush_vfs_open_db(&s->db, &files, key);
    sodium_memzero(key, sizeof key);
    if (rc == HUSH_OK) rc = migrate(s->db, MIGRATIONS, COUNT(MIGRATIONS));
    if (rc == HUSH_OK) {
        s->clock = (int64_t) hush_vault_clock(v);
        if (sqlite3_prepare_v2(s->db, "SELECT ms FROM clock", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            store_now(s, sqlite3_column_int64(st, 0));
        }
        sqlite3_finalize(st);
    }
    if (rc == HUSH_OK && hush_vault_clock_set_back(v)) rc = expire_started_timers(s);
    if (rc == HUSH_OK) rc = hush_store_drop_partial(s->db);
    if (rc != HUSH_OK) {
        hush_store_close(s);
        return rc;
    }
    *slot = *out = s;
    return HUSH_OK;
}

/* The store, once the identity is known to exist. */
static int
identity_get(hush_vault *v, int64_t id, hush_store **ps)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = store_get(v, ps)) != HUSH_OK) return rc;
    if ((rc = sqlite3_prepare_v2((*ps)->db, "SELECT 1 FROM identities WHERE id = ?", -1, &st, NULL)) != SQLITE_OK) {
        return sqlite_status(rc);
    }
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HUSH_OK : rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : sqlite_status(rc);
}

/* ---- identities -------------------------------------------------------- */

/* 1..max bytes. Callers from C pass NUL-terminated text; the JS host
 * refuses a NUL inside a string before it reaches here. */
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
    uint8_t own_seed[16];
    int rc;

    if (id == NULL) return HUSH_ERR_ARGUMENT;
    if (!valid_text(name, 64 * 4)) return HUSH_ERR_NAME;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    if (seed == NULL) randombytes_buf(own_seed, sizeof own_seed);
    else memcpy(own_seed, seed, sizeof own_seed);
    rc = sqlite3_prepare_v2(s->db, "INSERT INTO identities(name, seed, created_at) VALUES (?, ?, ?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, own_seed, 16, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, store_now(s, 0));
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(s->db);
    }
    sqlite3_finalize(st);
    sodium_memzero(own_seed, sizeof own_seed);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return HUSH_ERR_IDENTITY_EXISTS;
    if (rc != SQLITE_OK) return (rc & 0xff) == SQLITE_CONSTRAINT ? HUSH_ERR_NAME : sqlite_status(rc);
    *id = sqlite3_last_insert_rowid(s->db);
    return HUSH_OK;
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
    sqlite3_create_function(s->db, "session_id", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_session_id, NULL, NULL);
    return query_text(s->db,
                      "SELECT json_group_array(json_object('id', id, 'name', name, 'sessionId', session_id(seed),"
                      " 'createdAt', created_at)) FROM (SELECT * FROM identities ORDER BY id)",
                      json, NULL, NULL, 0);
}

int
hush_store_identity_seed(hush_vault *v, int64_t id, uint8_t seed[HUSH_SEED_BYTES])
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    int rc;

    if (seed == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    if ((rc = sqlite3_prepare_v2(s->db, "SELECT seed FROM identities WHERE id = ?", -1, &st, NULL)) != SQLITE_OK) {
        return sqlite_status(rc);
    }
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HUSH_SEED_BYTES) {
        memcpy(seed, sqlite3_column_blob(st, 0), HUSH_SEED_BYTES);
        rc = HUSH_OK;
    } else {
        rc = rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : rc == SQLITE_ROW ? HUSH_ERR_STORE_DAMAGED : sqlite_status(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

int
hush_store_db(hush_vault *v, sqlite3 **db, int64_t now_ms)
{
    hush_store *s;
    int rc;

    if (db == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    store_now(s, now_ms);
    *db = s->db;
    return HUSH_OK;
}

int
hush_store_claim(hush_vault *v, int exclusive, void (*closing)(void *ctx), void *ctx, sqlite3 **db, int64_t now_ms)
{
    hush_store *s;
    int rc;

    if (db == NULL || closing == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    if (s->job != NULL) return HUSH_ERR_BUSY;
    store_now(s, now_ms);
    s->job_closing = closing;
    s->job = ctx;
    s->job_exclusive = exclusive;
    *db = s->db;
    return HUSH_OK;
}

void
hush_store_release(hush_vault *v, void *ctx)
{
    hush_store *s = v ? *hush_vault_store_slot(v) : NULL;

    if (s == NULL || s->job != ctx) return;
    s->job_closing = NULL;
    s->job = NULL;
    s->job_exclusive = 0;
}

int
hush_store_status(int sqlite_rc)
{
    return sqlite_status(sqlite_rc);
}

int
hush_identity_phrase(hush_vault *v, int64_t id, char phrase[HUSH_PHRASE_MAX])
{
    uint8_t seed[HUSH_SEED_BYTES];
    int rc;

    if (phrase == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_store_identity_seed(v, id, seed)) == HUSH_OK) rc = hush_phrase_encode(phrase, seed);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

int
hush_identity_remove(hush_vault *v, int64_t id)
{
    hush_store *s;
    int rc;

    if ((rc = identity_get(v, id, &s)) != HUSH_OK) return rc;
    /* Conversations, messages, attachments and their bytes go with it, in
     * batches; secure_delete overwrites their pages in place. Killed
     * midway, the next open finishes it. */
    if ((rc = query_text(s->db, "INSERT OR IGNORE INTO partial(identity) VALUES (?)", NULL, NULL, NULL, 1, id)) != HUSH_OK) {
        return rc;
    }
    return hush_store_drop_partial(s->db);
}

/* ---- attachments: rows of chunks, deleted in place -------------------- */

int
hush_attachment_add(hush_vault *v, int64_t identity, int64_t message, const char *name,
                    const char *mime, const uint8_t *data, size_t len, int64_t *id)
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    size_t off;
    int64_t n;
    int rc;

    if (id == NULL || (data == NULL && len != 0) || len > HUSH_ATTACHMENT_MAX) return HUSH_ERR_ARGUMENT;
    if (!valid_text(name, 255) || !valid_text(mime, 127)) return HUSH_ERR_NAME;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return HUSH_ERR_STORE;
    rc = sqlite3_prepare_v2(s->db, "INSERT INTO attachments(message, name, mime, size)"
                                   " SELECT id, ?2, ?3, ?4 FROM messages WHERE id = ?1 AND identity = ?5", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, message);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, mime, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (int64_t) len);
        sqlite3_bind_int64(st, 5, identity);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK && sqlite3_changes(s->db) != 1) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return HUSH_ERR_NOT_FOUND;
    }
    *id = sqlite3_last_insert_rowid(s->db);
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(s->db, "INSERT INTO attachment_chunks(attachment, n, data) VALUES (?, ?, ?)",
                                -1, &st, NULL);
    }
    for (off = 0, n = 0; rc == SQLITE_OK && off < len; off += ATTACHMENT_CHUNK, n++) {
        size_t piece = len - off < ATTACHMENT_CHUNK ? len - off : ATTACHMENT_CHUNK;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, n);
        sqlite3_bind_blob(st, 3, data + off, (int) piece, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK) rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = sqlite_status(sqlite3_extended_errcode(s->db));
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        *id = 0;
        return rc == HUSH_OK ? HUSH_ERR_STORE : rc;
    }
    return HUSH_OK;
}

int
hush_attachment_get(hush_vault *v, int64_t identity, int64_t id, uint8_t **data, size_t *len)
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    size_t size = 0, have = 0;
    int rc;

    if (data == NULL || len == NULL) return HUSH_ERR_ARGUMENT;
    *data = NULL;
    *len = 0;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    /* An attachment of an expired message is as gone as the message. */
    rc = sqlite3_prepare_v2(s->db, "SELECT a.size FROM attachments a JOIN messages m ON m.id = a.message"
                                   " WHERE a.id = ?1 AND m.identity = ?3 AND (m.expires_at IS NULL OR m.expires_at > ?2)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) return sqlite_status(rc);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, store_now(s, 0));
    sqlite3_bind_int64(st, 3, identity);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) size = (size_t) sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : sqlite_status(rc);
    if (size > HUSH_ATTACHMENT_MAX) return HUSH_ERR_STORE_DAMAGED;
    if ((*data = malloc(size ? size : 1)) == NULL) return HUSH_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db, "SELECT data FROM attachment_chunks WHERE attachment = ? ORDER BY n", -1, &st, NULL);
    if (rc == SQLITE_OK) sqlite3_bind_int64(st, 1, id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t piece = (size_t) sqlite3_column_bytes(st, 0);
        if (piece > size - have) { rc = SQLITE_CORRUPT; break; }
        memcpy(*data + have, sqlite3_column_blob(st, 0), piece);
        have += piece;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    rc = rc == SQLITE_DONE && have == size ? HUSH_OK : rc == SQLITE_DONE ? HUSH_ERR_STORE_DAMAGED : sqlite_status(rc);
    if (rc != HUSH_OK) {
        sodium_memzero(*data, have);
        free(*data);
        *data = NULL;
        return rc == HUSH_OK ? HUSH_ERR_STORE_DAMAGED : rc;
    }
    *len = size;
    return HUSH_OK;
}

/* ---- messages ------------------------------------------------------------ */

static int
valid_disappearing(int mode, int64_t seconds)
{
    if (mode == HUSH_DISAPPEAR_OFF) return seconds == 0;
    return (mode == HUSH_DISAPPEAR_AFTER_SEND || mode == HUSH_DISAPPEAR_AFTER_READ) &&
           seconds >= HUSH_DISAPPEAR_MIN_SECONDS && seconds <= HUSH_DISAPPEAR_MAX_SECONDS;
}

/* When a message stored now expires (0: never), see the top comment. A
 * sent time in the future counts from now: a sender's clock must not make
 * a message outlive its timer. */
static int64_t
expiry(int mode, int64_t seconds, int outgoing, int64_t sent_at, int64_t now)
{
    int64_t unread_limit;

    if (mode == HUSH_DISAPPEAR_OFF) return 0;
    if (outgoing || mode == HUSH_DISAPPEAR_AFTER_SEND) return (sent_at < now ? sent_at : now) + seconds * 1000;
    unread_limit = seconds > HUSH_UNREAD_LIMIT_SECONDS ? seconds : HUSH_UNREAD_LIMIT_SECONDS;
    return now + unread_limit * 1000;
}

/* The conversation's disappearing setting, or HUSH_ERR_NOT_FOUND. */
static int
conversation_setting(hush_store *s, int64_t identity, const char *conversation, int *mode, int64_t *seconds)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT mode, seconds FROM conversations WHERE identity = ? AND id = ?",
                                -1, &st, NULL);

    if (rc != SQLITE_OK) return sqlite_status(rc);
    sqlite3_bind_int64(st, 1, identity);
    sqlite3_bind_text(st, 2, conversation, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *mode = sqlite3_column_int(st, 0);
        *seconds = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HUSH_OK : rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : sqlite_status(rc);
}

int
hush_message_add(hush_vault *v, int64_t identity, const char *conversation, const char *sender,
                 const uint8_t *body, size_t body_len, int64_t sent_at, int outgoing,
                 int mode, int64_t seconds, int64_t now_ms, int64_t *id)
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    int64_t now, expires;
    int rc;

    if (id == NULL) return HUSH_ERR_ARGUMENT;
    if (!valid_text(conversation, 256) || !valid_text(sender, 256) || (body == NULL && body_len != 0) ||
        body_len > HUSH_BODY_MAX || sent_at <= 0 || sent_at > INT64_C(253402300799999) ||
        (outgoing != 0 && outgoing != 1) || (mode >= 0 && !valid_disappearing(mode, seconds))) {
        return HUSH_ERR_MESSAGE;
    }
    *id = 0;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    now = store_now(s, now_ms);
    if (mode < 0) {
        rc = conversation_setting(s, identity, conversation, &mode, &seconds);
        if (rc == HUSH_ERR_NOT_FOUND) { mode = HUSH_DISAPPEAR_OFF; seconds = 0; rc = HUSH_OK; }
        if (rc != HUSH_OK) return rc;
    }
    expires = expiry(mode, seconds, outgoing, sent_at, now);
    /* Already expired on arrival: it is never shown, so it never touches a
     * page either. *id stays 0. */
    if (expires != 0 && expires <= now) return HUSH_OK;
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return HUSH_ERR_STORE;
    rc = query_text(s->db, "INSERT OR IGNORE INTO conversations(identity, id) VALUES (?2, ?1)", NULL, conversation,
                    NULL, 1, identity);
    if (rc == HUSH_OK) {
        rc = sqlite3_prepare_v2(s->db, "INSERT INTO messages(identity, conversation, sender, body, sent_at, received_at,"
                                       " outgoing, read_at, mode, seconds, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL);
        rc = sqlite_status(rc);
    }
    if (rc == HUSH_OK) {
        sqlite3_bind_int64(st, 1, identity);
        sqlite3_bind_text(st, 2, conversation, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sender, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, body_len ? (const char *) body : "", (int) body_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, sent_at);
        sqlite3_bind_int64(st, 6, now);
        sqlite3_bind_int(st, 7, outgoing);
        if (outgoing) sqlite3_bind_int64(st, 8, sent_at); else sqlite3_bind_null(st, 8);
        sqlite3_bind_int(st, 9, mode);
        sqlite3_bind_int64(st, 10, seconds);
        if (expires) sqlite3_bind_int64(st, 11, expires); else sqlite3_bind_null(st, 11);
        rc = sqlite3_step(st) == SQLITE_DONE ? HUSH_OK : HUSH_ERR_STORE;
    }
    sqlite3_finalize(st);
    if (rc == HUSH_OK) {
        *id = sqlite3_last_insert_rowid(s->db);
        rc = sqlite_status(sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL));
    }
    if (rc != HUSH_OK) {
        int detail = sqlite_status(sqlite3_extended_errcode(s->db));
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        *id = 0;
        return detail != HUSH_OK ? detail : rc;
    }
    return HUSH_OK;
}

#define MESSAGE_JSON                                                                              \
    "json_object('id', id, 'conversation', conversation, 'sender', sender, 'body', body,"         \
    " 'sentAt', sent_at, 'receivedAt', received_at, 'outgoing', json(iif(outgoing, 'true', 'false')),"\
    " 'readAt', read_at, 'expiresAt', expires_at, 'peerState', iif(outgoing, peer_state, NULL),"   \
    " 'disappearing', json_object('mode', mode, 'seconds', seconds),"                             \
    " 'attachments', (SELECT json_group_array(json_object('id', a.id, 'name', a.name, 'type', a.mime," \
    " 'size', a.size)) FROM attachments a WHERE a.message = m.id))"

int
hush_messages(hush_vault *v, int64_t identity, const char *conversation, int64_t before_id,
              int limit, int64_t now_ms, char **json)
{
    hush_store *s;
    int rc;

    if (json == NULL || limit < 1 || limit > 500 || before_id < 0) return HUSH_ERR_ARGUMENT;
    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    return query_text(s->db,
                      "SELECT json_group_array(" MESSAGE_JSON ") FROM (SELECT * FROM messages"
                      " WHERE identity = ?2 AND conversation = ?1 AND (?3 = 0 OR id < ?3)"
                      " AND (expires_at IS NULL OR expires_at > ?4) ORDER BY id DESC LIMIT ?5) m",
                      json, conversation, NULL, 4, identity, before_id, (int64_t) store_now(s, now_ms), (int64_t) limit);
}

int
hush_messages_mark_read(hush_vault *v, int64_t identity, const char *ids_json, int64_t now_ms)
{
    hush_store *s;
    int rc;

    if (ids_json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    /* Only unread, received, visible messages. An after-read timer starts
     * now and replaces the unread limit: read + duration, as in Session. */
    return query_text(s->db,
                      "UPDATE messages SET read_at = ?3,"
                      " expires_at = CASE WHEN mode = 2 THEN ?3 + seconds * 1000 ELSE expires_at END"
                      " WHERE id IN (SELECT value FROM json_each(?1) WHERE type = 'integer') AND identity = ?2"
                      " AND read_at IS NULL AND outgoing = 0 AND (expires_at IS NULL OR expires_at > ?3)",
                      NULL, ids_json, NULL, 2, identity, store_now(s, now_ms));
}

int
hush_messages_mark_peer_state(hush_vault *v, int64_t identity, const char *conversation,
                              const int64_t *sent_times, size_t count, int state, int64_t now_ms)
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    sqlite3_str *sql;
    char *text;
    size_t i;
    int rc;

    if (sent_times == NULL || count < 1 || count > HUSH_PEER_STATE_BATCH || state < HUSH_PEER_SENT ||
        state > HUSH_PEER_READ) {
        return HUSH_ERR_ARGUMENT;
    }
    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    /* One UPDATE, so one transaction and one commit. peer_state < ?4 makes
     * it max(peer_state, state) and leaves the rows it would not raise
     * unwritten, so the count is of messages that changed. */
    if ((sql = sqlite3_str_new(s->db)) == NULL) return HUSH_ERR_NOMEM;
    sqlite3_str_appendall(sql, "UPDATE messages SET peer_state = ?4 WHERE identity = ?1 AND conversation = ?2"
                               " AND outgoing = 1 AND peer_state < ?4 AND (expires_at IS NULL OR expires_at > ?3)"
                               " AND sent_at IN (?5");
    for (i = 1; i < count; i++) sqlite3_str_appendall(sql, ",?");
    sqlite3_str_appendall(sql, ")");
    if ((text = sqlite3_str_finish(sql)) == NULL) return HUSH_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db, text, -1, &st, NULL);
    sqlite3_free(text);
    if (rc != SQLITE_OK) return sqlite_status(rc);
    sqlite3_bind_int64(st, 1, identity);
    sqlite3_bind_text(st, 2, conversation, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, store_now(s, now_ms));
    sqlite3_bind_int(st, 4, state);
    for (i = 0; i < count; i++) sqlite3_bind_int64(st, 5 + (int) i, sent_times[i]);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? sqlite3_changes(s->db) : rc == SQLITE_ROW ? HUSH_ERR_STORE : sqlite_status(rc);
    sqlite3_finalize(st);
    return rc;
}

int
hush_conversations(hush_vault *v, int64_t identity, int64_t now_ms, char **json)
{
    hush_store *s;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    return query_text(s->db,
                      "SELECT json_group_array(json_object('id', c.id, 'messages', coalesce(n, 0),"
                      " 'unread', coalesce(unread, 0), 'lastMessageAt', last,"
                      " 'disappearing', json_object('mode', c.mode, 'seconds', c.seconds)))"
                      " FROM conversations c LEFT JOIN (SELECT conversation, count(*) AS n,"
                      " sum(read_at IS NULL AND outgoing = 0) AS unread, max(sent_at) AS last FROM messages"
                      " WHERE identity = ?1 AND (expires_at IS NULL OR expires_at > ?2) GROUP BY conversation) m"
                      " ON m.conversation = c.id WHERE c.identity = ?1 ORDER BY last DESC NULLS LAST, c.id",
                      json, NULL, NULL, 2, identity, store_now(s, now_ms));
}

int
hush_conversation_add(hush_vault *v, int64_t identity, const char *conversation)
{
    hush_store *s;
    int rc;

    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    return query_text(s->db, "INSERT OR IGNORE INTO conversations(identity, id) VALUES (?2, ?1)", NULL, conversation,
                      NULL, 1, identity);
}

int
hush_disappearing_set(hush_vault *v, int64_t identity, const char *conversation, int mode,
                      int64_t seconds, int64_t now_ms)
{
    hush_store *s;
    int rc;

    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if (!valid_disappearing(mode, seconds)) return HUSH_ERR_DISAPPEARING;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    store_now(s, now_ms);
    return query_text(s->db,
                      "INSERT INTO conversations(identity, id, mode, seconds) VALUES (?2, ?1, ?3, ?4)"
                      " ON CONFLICT(identity, id) DO UPDATE SET mode = excluded.mode, seconds = excluded.seconds",
                      NULL, conversation, NULL, 3, identity, (int64_t) mode, seconds);
}

int
hush_disappearing_get(hush_vault *v, int64_t identity, const char *conversation, char **json)
{
    hush_store *s;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if (!valid_text(conversation, 256)) return HUSH_ERR_MESSAGE;
    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    return query_text(s->db,
                      "SELECT json_object('mode', coalesce(max(mode), 0), 'seconds', coalesce(max(seconds), 0))"
                      " FROM conversations WHERE identity = ?2 AND id = ?1",
                      json, conversation, NULL, 1, identity);
}

/* ---- the sweep --------------------------------------------------------- */

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
    int64_t now;
    int rc, deleted = 0;

    if (next_due_ms == NULL || batch < 1 || batch > 100000) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    now = store_now(s, now_ms);
    /* One transaction: the clock, the due messages, and (ON DELETE CASCADE)
     * their attachments and bytes, in index order. */
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return HUSH_ERR_STORE;
    rc = query_text(s->db, "UPDATE clock SET ms = max(ms, ?1)", NULL, NULL, NULL, 1, now);
    if (rc == HUSH_OK) {
        rc = query_text(s->db, "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE expires_at <= ?1"
                               " ORDER BY expires_at LIMIT ?2)", NULL, NULL, NULL, 2, now, (int64_t) batch);
        deleted = sqlite3_changes(s->db);
    }
    if (rc == HUSH_OK) rc = sqlite_status(sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL));
    if (rc != HUSH_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    *next_due_ms = deleted >= batch ? now : next_due(s->db, now);
    return deleted;
}

int
hush_next_due(hush_vault *v, int64_t now_ms, int64_t *next_due_ms)
{
    hush_store *s;
    int rc;

    if (next_due_ms == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    *next_due_ms = next_due(s->db, store_now(s, now_ms));
    return HUSH_OK;
}

int
hush_store_check(hush_vault *v, int64_t identity)
{
    hush_store *s;
    char *result = NULL;
    int rc;

    if ((rc = identity_get(v, identity, &s)) != HUSH_OK) return rc;
    rc = query_text(s->db, "SELECT group_concat(integrity_check) FROM pragma_integrity_check", &result, NULL, NULL, 0);
    if (rc == HUSH_OK && strcmp(result, "ok") != 0) rc = HUSH_ERR_STORE_DAMAGED;
    free(result);
    return rc == HUSH_ERR_STORE ? HUSH_ERR_STORE_DAMAGED : rc;
}

int
hush_store_query_plan(hush_vault *v, const char *sql, char **plan)
{
    hush_store *s;
    sqlite3_stmt *st = NULL;
    sqlite3_str *out;
    char *query;
    int rc;

    if ((rc = store_get(v, &s)) != HUSH_OK) return rc;
    if ((query = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql)) == NULL) return HUSH_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db, query, -1, &st, NULL);
    sqlite3_free(query);
    if (rc != SQLITE_OK) return sqlite_status(rc);
    out = sqlite3_str_new(s->db);
    while (sqlite3_step(st) == SQLITE_ROW) sqlite3_str_appendf(out, "%s\n", sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    query = sqlite3_str_finish(out);
    *plan = query ? strdup(query) : NULL;
    sqlite3_free(query);
    return *plan ? HUSH_OK : HUSH_ERR_NOMEM;
}
