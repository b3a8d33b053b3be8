/* The store side of the benchmarks (tests/bench/store.mjs), linked into
 * build/wasm/bench-store.mjs with the WHOLE core (same sources, same -Os,
 * the SIMD libsodium, the same loader flags and exports as
 * web/dist/hush-core-simd plus these bench_* functions; wasm/wasm.cmake,
 * "Benchmarks" block). web/src/core.js's Core and Vault classes drive the
 * core part of this module as they drive the shipped one.
 *
 * What is here, and why it is C:
 *   - SQLite WITHOUT the encrypting VFS, the same amalgamation and options
 *     as the core (hush_sqlite): the "plain" anchor of the page-encryption
 *     overhead (MEMFS) and the naive single-file database on IDBFS;
 *   - the same schema and the same statements on a database opened through
 *     the core's VFS (hush_vfs_open_db), so the two differ only in the VFS;
 *   - a bulk insert into a vault's database (many messages per
 *     transaction), what a bulk-insert API in the core would give: the core
 *     has none (hush_message_add is one transaction each).
 *
 * Every database here has the store's schema (HUSH_STORE_MIGRATIONS) and
 * one identity row (id 1, or the vault's own identity for a bulk fill):
 * rows carry their identity as the store's do.
 *
 * No clock in here: the JS side times each call with performance.now().
 * Messages are generated here and, identically, in tests/bench/store.mjs
 * (message()), so every contender stores the same rows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"
#include "store_internal.h"
#include "store_vfs.h"
#include "vault_internal.h"

/* Exported to JS (wasm/wasm.cmake, HUSH_BENCH_STORE_EXPORTS). */
int bench_init(void);
int bench_open_plain(const char *path);
int bench_open_crypt(const char *dir);
int bench_insert(int slot, int first, int count, int per_txn);
int bench_last50(int slot, int k);
void bench_close(int slot);
int bench_bulk_fill(hush_vault *v, int64_t identity, int first, int count, int per_txn, int n, int pattern);
const char *bench_sql(int which);
int bench_fill(int slot, int first, int count, int per_txn, int n, int pattern);
int bench_sweep(int slot, double now, int batch);
double bench_next_due(int slot, double now);
int bench_message_mode(int i, int n, int pattern, int *mode, int64_t *seconds);

static const char PRAGMAS[] =
    "PRAGMA page_size=4096; PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=MEMORY;"
    "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON; PRAGMA cache_size=-2048;";

/* hush_message_add's three statements (core/src/store.c: the
 * conversation's setting, then in one transaction the conversation and the
 * message; here all three inside the transaction), and hush_messages'
 * query. ?1 is always the identity. */
static const char SQL_CONV[] = "INSERT OR IGNORE INTO conversations(identity, id) VALUES (?1, ?2)";
static const char SQL_MODE[] = "SELECT mode, seconds FROM conversations WHERE identity = ?1 AND id = ?2";
static const char SQL_MSG[] =
    "INSERT INTO messages(identity, conversation, sender, body, sent_at, received_at, outgoing,"
    " read_at, mode, seconds, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
static const char SQL_LAST[] =
    "SELECT json_group_array(json_object('id', id, 'conversation', conversation, 'sender', sender, 'body', body,"
    " 'sentAt', sent_at, 'receivedAt', received_at, 'outgoing', json(iif(outgoing, 'true', 'false')),"
    " 'readAt', read_at, 'expiresAt', expires_at,"
    " 'disappearing', json_object('mode', mode, 'seconds', seconds),"
    " 'attachments', (SELECT json_group_array(json_object('id', a.id, 'name', a.name, 'type', a.mime,"
    " 'size', a.size)) FROM attachments a WHERE a.message = m.id))) FROM (SELECT * FROM messages"
    " WHERE identity = ?1 AND conversation = ?2 AND (?3 = 0 OR id < ?3)"
    " AND (expires_at IS NULL OR expires_at > ?4) ORDER BY id DESC LIMIT ?5) m";

#define CONVERSATIONS 20
#define SLOTS 4
#define BENCH_BASE_MS INT64_C(1767225600000) /* 2026-01-01, every message's time base */

static sqlite3 *slots[SLOTS];

/* ---- the messages (store.mjs message() makes the same) ---------------- */

static void
conversation_id(char out[67], int k)
{
    /* A Session ID's shape: "05" + 64 hex digits. */
    snprintf(out, 67, "05%060x%04x", 0, k);
    memcpy(out + 2, "c0ffee", 6);
}

static int
body_text(char *out, size_t cap, int i)
{
    return snprintf(out, cap, "Message %d: the quick brown fox jumps over the lazy dog, then checks the time twice.", i);
}

/* Disappearing messages for the sweep benchmark (pattern 1, n messages in
 * all): every 100th message after-send 1 h ("spread": due an hour after the
 * last message, each in a different table page); a contiguous block of
 * 10,000 messages (those of [n-20250, n-10045) not already taken, i % 50
 * != 0) after-send 2 days ("block", due two days after the last); every
 * 100th + 50 after-send 4 weeks (never due here). The rest: off. Pattern 0:
 * all off. store.mjs reads this through bench_message_mode. */
static void
message_mode(int i, int n, int pattern, int *mode, int64_t *seconds)
{
    *mode = HUSH_DISAPPEAR_OFF;
    *seconds = 0;
    if (pattern != 1) return;
    if (i % 100 == 0) { *mode = HUSH_DISAPPEAR_AFTER_SEND; *seconds = 3600; }
    else if (i % 100 == 50) { *mode = HUSH_DISAPPEAR_AFTER_SEND; *seconds = HUSH_DISAPPEAR_MAX_SECONDS; }
    else if (i >= n - 20250 && i < n - 10045) { *mode = HUSH_DISAPPEAR_AFTER_SEND; *seconds = 2 * 86400; }
}

int
bench_message_mode(int i, int n, int pattern, int *mode, int64_t *seconds)
{
    message_mode(i, n, pattern, mode, seconds);
    return *mode;
}

/* ---- inserting, as hush_message_add does --------------------------------- */

typedef struct statements {
    sqlite3_stmt *conv, *mode, *msg;
    int64_t identity;
} statements;

static void
finalize_all(statements *s)
{
    sqlite3_finalize(s->conv);
    sqlite3_finalize(s->mode);
    sqlite3_finalize(s->msg);
}

static int
prepare_all(sqlite3 *db, statements *s)
{
    memset(s, 0, sizeof *s);
    if (sqlite3_prepare_v2(db, SQL_CONV, -1, &s->conv, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_MODE, -1, &s->mode, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_MSG, -1, &s->msg, NULL) != SQLITE_OK) {
        finalize_all(s);
        return -1;
    }
    return 0;
}

/* One message: the three statements of hush_message_add, with its expiry
 * rule for after-send messages. */
static int
insert_one(statements *s, int i, int n, int pattern)
{
    char conv[67], body[160];
    int outgoing = i % 3 == 0, mode, len;
    int64_t seconds, sent_at = BENCH_BASE_MS + (int64_t) i * 1000, expires;

    conversation_id(conv, i % CONVERSATIONS);
    len = body_text(body, sizeof body, i);
    message_mode(i, n, pattern, &mode, &seconds);
    expires = mode == HUSH_DISAPPEAR_OFF ? 0 : sent_at + seconds * 1000;

    sqlite3_bind_int64(s->mode, 1, s->identity);
    sqlite3_bind_text(s->mode, 2, conv, -1, SQLITE_STATIC);
    sqlite3_step(s->mode); /* no row before the conversation's first message */
    sqlite3_reset(s->mode);
    sqlite3_bind_int64(s->conv, 1, s->identity);
    sqlite3_bind_text(s->conv, 2, conv, -1, SQLITE_STATIC);
    if (sqlite3_step(s->conv) != SQLITE_DONE) return -1;
    sqlite3_reset(s->conv);
    sqlite3_bind_int64(s->msg, 1, s->identity);
    sqlite3_bind_text(s->msg, 2, conv, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->msg, 3, outgoing ? "05me" : conv, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->msg, 4, body, len, SQLITE_STATIC);
    sqlite3_bind_int64(s->msg, 5, sent_at);
    sqlite3_bind_int64(s->msg, 6, sent_at);
    sqlite3_bind_int(s->msg, 7, outgoing);
    if (outgoing) sqlite3_bind_int64(s->msg, 8, sent_at); else sqlite3_bind_null(s->msg, 8);
    sqlite3_bind_int(s->msg, 9, mode);
    sqlite3_bind_int64(s->msg, 10, seconds);
    if (expires) sqlite3_bind_int64(s->msg, 11, expires); else sqlite3_bind_null(s->msg, 11);
    if (sqlite3_step(s->msg) != SQLITE_DONE) return -1;
    sqlite3_reset(s->msg);
    return 0;
}

/* Messages first .. first+count-1, per_txn of them per transaction. */
static int
insert_range(sqlite3 *db, int64_t identity, int first, int count, int per_txn, int n, int pattern)
{
    statements s;
    int i, rc = 0;

    if (per_txn < 1 || prepare_all(db, &s) != 0) return -1;
    s.identity = identity;
    for (i = 0; i < count && rc == 0; i++) {
        if (i % per_txn == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) rc = -1;
        if (rc == 0) rc = insert_one(&s, first + i, n, pattern);
        if (rc == 0 && (i % per_txn == per_txn - 1 || i == count - 1) &&
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = -1;
        }
    }
    if (rc != 0) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    finalize_all(&s);
    return rc;
}

/* ---- databases by slot --------------------------------------------------- */

static int
free_slot(void)
{
    int i;
    for (i = 0; i < SLOTS; i++) if (slots[i] == NULL) return i;
    return -1;
}

/* The store's schema, its version, and identity 1 (a zero seed). */
static char *
schema_sql(void)
{
    static char *sql = NULL;
    sqlite3_str *out;
    int i;

    if (sql != NULL) return sql;
    out = sqlite3_str_new(NULL);
    for (i = 0; i < HUSH_STORE_MIGRATION_COUNT; i++) sqlite3_str_appendf(out, "%s;", HUSH_STORE_MIGRATIONS[i]);
    sqlite3_str_appendf(out, "INSERT INTO identities(id, name, seed, created_at) VALUES (1, 'bench', zeroblob(16), 0);"
                             "PRAGMA user_version=%d;", HUSH_STORE_MIGRATION_COUNT);
    sql = sqlite3_str_finish(out);
    return sql;
}

static int
setup(sqlite3 *db, int plain)
{
    int version = -1;
    sqlite3_stmt *st = NULL;

    if (plain && sqlite3_exec(db, PRAGMAS, NULL, NULL, NULL) != SQLITE_OK) return -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    /* The store's own schema (core/src/store.c), so both sides run the same tables. */
    if (version == 0 && sqlite3_exec(db, schema_sql(), NULL, NULL, NULL) != SQLITE_OK) return -1;
    return version < 0 ? -1 : 0;
}

int bench_init(void) { return hush_init(); }

/* SQLite's default VFS (MEMFS or an IDBFS mount under path), the core's
 * pragmas and schema. Returns a slot or -1. */
int
bench_open_plain(const char *path)
{
    int slot = free_slot();
    sqlite3 *db = NULL;

    if (slot < 0) return -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        setup(db, 1) != 0) {
        sqlite3_close(db);
        return -1;
    }
    slots[slot] = db;
    return slot;
}

/* The core's encrypting VFS on dir/1 (pages) and dir/2 (journal), a fixed
 * bench key, no lock file (no on_commit): the VFS alone. */
int
bench_open_crypt(const char *dir)
{
    int slot = free_slot(), rc;
    uint8_t key[32];
    sqlite3 *db = NULL;
    char pages[256], journal[256];
    hush_vfs_files files;

    if (slot < 0) return -1;
    snprintf(pages, sizeof pages, "%s/" HUSH_FILE_PAGES, dir);
    snprintf(journal, sizeof journal, "%s/" HUSH_FILE_JOURNAL, dir);
    memset(&files, 0, sizeof files);
    files.pages = pages;
    files.journal = journal;
    memset(key, 7, sizeof key);
    rc = hush_vfs_open_db(&db, &files, key);
    if (rc != HUSH_OK) return -1;
    if (setup(db, 0) != 0) {
        sqlite3_close(db);
        return -1;
    }
    slots[slot] = db;
    return slot;
}

int
bench_insert(int slot, int first, int count, int per_txn)
{
    if (slot < 0 || slot >= SLOTS || slots[slot] == NULL) return -1;
    return insert_range(slots[slot], 1, first, count, per_txn, 0, 0);
}

/* hush_messages' query: the newest 50 of conversation k. Returns the JSON
 * text's length (or -1). */
int
bench_last50(int slot, int k)
{
    sqlite3_stmt *st = NULL;
    char conv[67];
    int len = -1;

    if (slot < 0 || slot >= SLOTS || slots[slot] == NULL) return -1;
    conversation_id(conv, k);
    if (sqlite3_prepare_v2(slots[slot], SQL_LAST, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_int64(st, 1, 1);
    sqlite3_bind_text(st, 2, conv, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, 0);
    sqlite3_bind_int64(st, 4, BENCH_BASE_MS);
    sqlite3_bind_int64(st, 5, 50);
    if (sqlite3_step(st) == SQLITE_ROW) len = sqlite3_column_bytes(st, 0);
    sqlite3_finalize(st);
    return len;
}

void
bench_close(int slot)
{
    if (slot < 0 || slot >= SLOTS) return;
    sqlite3_close(slots[slot]);
    slots[slot] = NULL;
}

/* ---- a bulk insert into a core vault -----------------------------------
 * What a bulk-insert API in the core would do: the vault's one database
 * (its pages and journal files), opened through the core's VFS under the
 * key the store derives from the data key, many messages per transaction,
 * rows of `identity`. The vault must be UNLOCKED; this LOCKS it (which
 * closes the core's connection, so no second connection writes under it)
 * and the caller unlocks it again. No lock-file write per commit (no
 * on_commit): the commit counter only grows, which the next unlock accepts. */
int
bench_bulk_fill(hush_vault *v, int64_t identity, int first, int count, int per_txn, int n, int pattern)
{
    const uint8_t *dek = hush_vault_dek(v);
    uint8_t key[32];
    sqlite3 *db = NULL;
    hush_vfs_files files;
    int rc = -1;

    if (dek == NULL) return -1;
    crypto_kdf_derive_from_key(key, sizeof key, 1, "hushvdb_", dek);
    memset(&files, 0, sizeof files);
    files.pages = hush_vault_pages_path(v);
    files.journal = hush_vault_journal_path(v);
    files.min_counter = hush_vault_store_counter(v);
    if (hush_vault_lock(v) == HUSH_OK && hush_vfs_open_db(&db, &files, key) == HUSH_OK) {
        rc = insert_range(db, identity, first, count, per_txn, n, pattern);
    }
    sqlite3_close(db);
    sodium_memzero(key, sizeof key);
    return rc;
}

/* The SQL used here, for the official build's anchor (store.mjs), so every
 * contender runs the same text: 0 schema, 1 the store's pragmas, 2-4
 * hush_message_add's statements, 5 hush_messages' query. */
const char *
bench_sql(int which)
{
    /* The schema with its version, so a reopened anchor database is not
     * created twice. */
    const char *all[] = { NULL, PRAGMAS, SQL_CONV, SQL_MODE, SQL_MSG, SQL_LAST };
    all[0] = schema_sql();
    return which >= 0 && which < (int) (sizeof all / sizeof all[0]) && all[which] ? all[which] : "";
}

/* ---- the sweep on a plain database (the anchor of the sweep benchmark) --- */

/* Messages first..first+count-1 with disappearing pattern `pattern` (see
 * message_mode), per_txn per transaction. */
int
bench_fill(int slot, int first, int count, int per_txn, int n, int pattern)
{
    if (slot < 0 || slot >= SLOTS || slots[slot] == NULL) return -1;
    return insert_range(slots[slot], 1, first, count, per_txn, n, pattern);
}

/* What hush_sweep does to the vault's database (core/src/store.c, same
 * statements; keep in step): in one transaction, the clock, then the due
 * messages deleted in index order (their attachments and chunks go by ON
 * DELETE CASCADE). Returns the number deleted, or -1. */
int
bench_sweep(int slot, double now, int batch)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc, n = -1;

    if (slot < 0 || slot >= SLOTS || (db = slots[slot]) == NULL) return -1;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return -1;
    rc = sqlite3_prepare_v2(db, "UPDATE clock SET ms = max(ms, ?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64) now);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(db, "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE expires_at <= ?1"
                                    " ORDER BY expires_at LIMIT ?2)", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, (sqlite3_int64) now);
            sqlite3_bind_int(st, 2, batch);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(st);
    }
    if (rc == SQLITE_OK) {
        n = sqlite3_changes(db);
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return n;
}

/* HUSH_NEXT_DUE_SQL on a plain database: the next expiry after now (0: none). */
double
bench_next_due(int slot, double now)
{
    sqlite3_stmt *st = NULL;
    double at = 0;

    if (slot < 0 || slot >= SLOTS || slots[slot] == NULL) return -1;
    if (sqlite3_prepare_v2(slots[slot], "SELECT min(expires_at) FROM messages WHERE expires_at > ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64) now);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            at = (double) sqlite3_column_int64(st, 0);
        }
    }
    sqlite3_finalize(st);
    return at;
}
