/* Backups of one identity: export from the store into the backup stream,
 * import from it into the store (format: core/BACKUP.md, backup_format.c).
 *
 * WHAT GOES IN
 * The identity (seed, name), its conversations with their disappearing
 * settings, its messages without a timer and their attachments, and the
 * persons it protects (trust.c's friend side, with their wipe secrets).
 * Never: a message with a timer, whatever its duration (a restore must not
 * bring back what was meant to disappear), nor this device's trustee slots
 * (they belong to the lock file being wiped).
 *
 * IMPORT: ALL OR NOTHING, IN BOUNDED MEMORY
 * The store's VFS keeps a transaction's pages in memory until it commits,
 * so one transaction for a whole backup would need memory in proportion to
 * it. The import commits every IMPORT_BATCH bytes instead, with the new
 * identity listed in the store's `partial` table, and takes it out of
 * there only in the last commit, after the last chunk and the END record
 * checked out. Until then it holds the store exclusively (every other call
 * gets HUSH_ERR_BUSY), so nobody sees the rows. Any error or an abort
 * drops what was written (in batches, hush_store_drop_partial); a lock, a
 * wipe or a killed app leaves it to the next open, which drops it before
 * anything else runs. A backup that fails within its first batch (every
 * header error, the wrong phrase, a small backup) changes no byte of the
 * vault's files. An identity already in the vault is refused
 * (HUSH_ERR_IDENTITY_EXISTS), not merged: a merge would have to decide
 * which of two copies of a conversation is right.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "backup_format.h"
#include "hush.h"
#include "store_internal.h"

#define IMPORT_BATCH (4u << 20)

/* ---- export -------------------------------------------------------------- */

enum { X_IDENTITY, X_CONVERSATIONS, X_MESSAGES, X_PROTECTED, X_SEALING, X_DONE };

struct hush_backup_export {
    hush_vault *vault;
    sqlite3 *db;            /* NULL once the store closed under us */
    bk_encoder *enc;
    int64_t identity;
    int stage;
    sqlite3_stmt *rows;     /* the stage's query */
    sqlite3_stmt *attachments, *data; /* of the current message / attachment */
};

static void
export_finalize(hush_backup_export *x)
{
    sqlite3_finalize(x->rows);
    sqlite3_finalize(x->attachments);
    sqlite3_finalize(x->data);
    x->rows = x->attachments = x->data = NULL;
}

static void
export_closing(void *ctx)
{
    hush_backup_export *x = ctx;
    export_finalize(x);
    x->db = NULL;
}

static int
prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, int64_t a)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) return hush_store_status(rc);
    sqlite3_bind_int64(*st, 1, a);
    return HUSH_OK;
}

static void
copy_text(char *out, size_t size, const unsigned char *s)
{
    size_t n = s ? strlen((const char *) s) : 0;
    if (n >= size) n = size - 1;
    memcpy(out, s ? (const char *) s : "", n);
    out[n] = 0;
}

/* Appends the next record(s) of the current stage; moves to the next stage
 * when one runs out. */
static int
export_step(hush_backup_export *x)
{
    int rc;

    switch (x->stage) {
    case X_IDENTITY: {
        bk_identity r;
        int step;
        rc = prepare(x->db, &x->rows, "SELECT seed, created_at, name FROM identities WHERE id = ?", x->identity);
        if (rc == HUSH_OK) {
            step = sqlite3_step(x->rows);
            if (step == SQLITE_ROW && sqlite3_column_bytes(x->rows, 0) == 16) {
                memcpy(r.seed, sqlite3_column_blob(x->rows, 0), 16);
                r.created_at = sqlite3_column_int64(x->rows, 1);
                copy_text(r.name, sizeof r.name, sqlite3_column_text(x->rows, 2));
                rc = bk_put_identity(x->enc, &r);
                sodium_memzero(&r, sizeof r);
            } else {
                rc = step == SQLITE_ROW ? HUSH_ERR_STORE_DAMAGED : step == SQLITE_DONE ? HUSH_ERR_NOT_FOUND
                                                                                       : hush_store_status(step);
            }
        }
        sqlite3_finalize(x->rows);
        x->rows = NULL;
        if (rc != HUSH_OK) return rc;
        x->stage = X_CONVERSATIONS;
        return prepare(x->db, &x->rows, "SELECT id, mode, seconds FROM conversations WHERE identity = ? ORDER BY id",
                       x->identity);
    }
    case X_CONVERSATIONS:
        if ((rc = sqlite3_step(x->rows)) == SQLITE_ROW) {
            bk_conversation r;
            copy_text(r.id, sizeof r.id, sqlite3_column_text(x->rows, 0));
            r.mode = sqlite3_column_int(x->rows, 1);
            r.seconds = sqlite3_column_int64(x->rows, 2);
            return bk_put_conversation(x->enc, &r);
        }
        sqlite3_finalize(x->rows);
        x->rows = NULL;
        if (rc != SQLITE_DONE) return hush_store_status(rc);
        x->stage = X_MESSAGES;
        /* Only messages without a timer (mode 0 never has an expiry). */
        return prepare(x->db, &x->rows,
                       "SELECT id, conversation, sender, body, sent_at, received_at, read_at, outgoing FROM messages"
                       " WHERE identity = ? AND mode = 0 AND expires_at IS NULL ORDER BY id", x->identity);
    case X_MESSAGES:
        if (x->data) {
            if ((rc = sqlite3_step(x->data)) == SQLITE_ROW) {
                int n = sqlite3_column_bytes(x->data, 0);
                if (n < 1 || n > BK_DATA_PIECE) return HUSH_ERR_STORE_DAMAGED;
                return bk_put_attachment_data(x->enc, sqlite3_column_blob(x->data, 0), (size_t) n);
            }
            sqlite3_finalize(x->data);
            x->data = NULL;
            return rc == SQLITE_DONE ? HUSH_OK : hush_store_status(rc);
        }
        if (x->attachments) {
            if ((rc = sqlite3_step(x->attachments)) == SQLITE_ROW) {
                bk_attachment r;
                copy_text(r.name, sizeof r.name, sqlite3_column_text(x->attachments, 1));
                copy_text(r.mime, sizeof r.mime, sqlite3_column_text(x->attachments, 2));
                r.size = sqlite3_column_int64(x->attachments, 3);
                if ((rc = bk_put_attachment(x->enc, &r)) != HUSH_OK) return rc;
                return prepare(x->db, &x->data, "SELECT data FROM attachment_chunks WHERE attachment = ? ORDER BY n",
                               sqlite3_column_int64(x->attachments, 0));
            }
            sqlite3_finalize(x->attachments);
            x->attachments = NULL;
            return rc == SQLITE_DONE ? HUSH_OK : hush_store_status(rc);
        }
        if ((rc = sqlite3_step(x->rows)) == SQLITE_ROW) {
            bk_message r;
            copy_text(r.conversation, sizeof r.conversation, sqlite3_column_text(x->rows, 1));
            copy_text(r.sender, sizeof r.sender, sqlite3_column_text(x->rows, 2));
            r.body = sqlite3_column_text(x->rows, 3);
            r.body_len = (size_t) sqlite3_column_bytes(x->rows, 3);
            r.sent_at = sqlite3_column_int64(x->rows, 4);
            r.received_at = sqlite3_column_int64(x->rows, 5);
            r.read_at = sqlite3_column_int64(x->rows, 6);
            r.outgoing = sqlite3_column_int(x->rows, 7);
            if (r.body_len > HUSH_BODY_MAX) return HUSH_ERR_STORE_DAMAGED;
            if ((rc = bk_put_message(x->enc, &r)) != HUSH_OK) return rc;
            return prepare(x->db, &x->attachments,
                           "SELECT id, name, mime, size FROM attachments WHERE message = ? ORDER BY id",
                           sqlite3_column_int64(x->rows, 0));
        }
        sqlite3_finalize(x->rows);
        x->rows = NULL;
        if (rc != SQLITE_DONE) return hush_store_status(rc);
        x->stage = X_PROTECTED;
        return prepare(x->db, &x->rows, "SELECT person, secret, paired_at FROM protected WHERE identity = ? ORDER BY id",
                       x->identity);
    case X_PROTECTED:
        if ((rc = sqlite3_step(x->rows)) == SQLITE_ROW) {
            bk_protected r;
            if (sqlite3_column_bytes(x->rows, 1) != 32) return HUSH_ERR_STORE_DAMAGED;
            copy_text(r.person, sizeof r.person, sqlite3_column_text(x->rows, 0));
            memcpy(r.secret, sqlite3_column_blob(x->rows, 1), 32);
            r.paired_at = sqlite3_column_int64(x->rows, 2);
            rc = bk_put_protected(x->enc, &r);
            sodium_memzero(&r, sizeof r);
            return rc;
        }
        sqlite3_finalize(x->rows);
        x->rows = NULL;
        if (rc != SQLITE_DONE) return hush_store_status(rc);
        x->stage = X_SEALING;
        return HUSH_OK;
    default:
        return HUSH_ERR_INTERNAL;
    }
}

int
hush_backup_export_begin(hush_vault *v, int64_t identity, int64_t now_ms, hush_backup_export **out,
                         int64_t *estimate)
{
    hush_backup_export *x;
    uint8_t seed[HUSH_SEED_BYTES], key[32];
    sqlite3_stmt *st = NULL;
    int rc;

    if (out == NULL) return HUSH_ERR_ARGUMENT;
    *out = NULL;
    if ((rc = hush_store_identity_seed(v, identity, seed)) != HUSH_OK) return rc;
    if ((x = calloc(1, sizeof *x)) == NULL) {
        sodium_memzero(seed, sizeof seed);
        return HUSH_ERR_NOMEM;
    }
    bk_key(key, seed);
    sodium_memzero(seed, sizeof seed);
    rc = bk_encoder_new(&x->enc, key);
    sodium_memzero(key, sizeof key);
    if (rc == HUSH_OK) rc = hush_store_claim(v, 0, export_closing, x, &x->db, now_ms);
    if (rc != HUSH_OK) {
        bk_encoder_free(x->enc);
        free(x);
        return rc;
    }
    x->vault = v;
    x->identity = identity;
    /* For progress bars: the sealed size, to within a chunk. */
    if (estimate != NULL) {
        *estimate = 0;
        if (sqlite3_prepare_v2(x->db,
                               "SELECT (SELECT coalesce(sum(length(CAST(body AS BLOB)) + 80), 0) FROM messages"
                               " WHERE identity = ?1 AND mode = 0 AND expires_at IS NULL)"
                               " + (SELECT coalesce(sum(a.size + 300), 0) FROM attachments a JOIN messages m"
                               " ON m.id = a.message WHERE m.identity = ?1 AND m.mode = 0 AND m.expires_at IS NULL)",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, identity);
            if (sqlite3_step(st) == SQLITE_ROW) {
                int64_t payload = sqlite3_column_int64(st, 0) + 1024;
                *estimate = BK_HEADER_BYTES + (payload / BK_PAYLOAD_MAX + 1) * BK_CHUNK_SEALED;
            }
        }
        sqlite3_finalize(st);
    }
    *out = x;
    return HUSH_OK;
}

int
hush_backup_export_next(hush_backup_export *x, const uint8_t **data, size_t *len)
{
    int rc = HUSH_OK, done = 0;

    if (x == NULL || data == NULL || len == NULL) return HUSH_ERR_ARGUMENT;
    *data = NULL;
    *len = 0;
    if (x->stage == X_DONE) return HUSH_OK;
    if (x->db == NULL) return HUSH_ERR_STATE; /* locked or wiped meanwhile */
    while (rc == HUSH_OK && x->stage != X_SEALING && bk_encoder_pending(x->enc) < BK_PAYLOAD_MAX) {
        rc = export_step(x);
    }
    if (rc != HUSH_OK) return rc;
    rc = bk_encoder_seal(x->enc, x->stage == X_SEALING, data, len, &done);
    if (rc == HUSH_OK && done) x->stage = X_DONE;
    return rc;
}

void
hush_backup_export_end(hush_backup_export *x)
{
    if (x == NULL) return;
    export_finalize(x);
    if (x->db != NULL) hush_store_release(x->vault, x);
    bk_encoder_free(x->enc);
    sodium_memzero(x, sizeof *x);
    free(x);
}

/* ---- import -------------------------------------------------------------- */

struct hush_backup_import {
    hush_vault *vault;
    sqlite3 *db;               /* NULL once the store closed under us */
    bk_decoder *dec;
    uint8_t seed[HUSH_SEED_BYTES];
    int64_t identity, message, attachment, piece;
    uint64_t committed_at;     /* stream position of the last batch commit */
    int batches;               /* commits so far */
    sqlite3_stmt *put_conversation, *put_conversation_if_new, *put_message, *put_attachment, *put_data, *put_protected;
    int status;                /* sticky */
};

static void
import_finalize(hush_backup_import *im)
{
    sqlite3_finalize(im->put_conversation);
    sqlite3_finalize(im->put_conversation_if_new);
    sqlite3_finalize(im->put_message);
    sqlite3_finalize(im->put_attachment);
    sqlite3_finalize(im->put_data);
    sqlite3_finalize(im->put_protected);
    im->put_conversation = im->put_conversation_if_new = im->put_message = im->put_attachment = im->put_data = im->put_protected = NULL;
}

/* The store closes (lock, wipe) mid-import: closing rolls the transaction
 * back. */
static void
import_closing(void *ctx)
{
    hush_backup_import *im = ctx;
    import_finalize(im);
    im->db = NULL;
    if (im->status == HUSH_OK) im->status = HUSH_ERR_STATE;
}

/* Steps a prepared insert and resets it; a constraint failure means the
 * backup's content does not fit the store. */
static int
run(hush_backup_import *im, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE) return HUSH_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return HUSH_ERR_BACKUP_CONTENT;
    (void) im;
    return hush_store_status(rc);
}

static int
on_identity(void *ctx, const bk_identity *r)
{
    hush_backup_import *im = ctx;
    sqlite3_stmt *st = NULL;
    int rc;

    /* The backup key came from the phrase, so a stranger's identity in
     * here would mean a forged or mixed-up backup. */
    if (sodium_memcmp(r->seed, im->seed, HUSH_SEED_BYTES) != 0) return HUSH_ERR_BACKUP_CONTENT;
    if ((rc = sqlite3_prepare_v2(im->db, "SELECT 1 FROM identities WHERE seed = ?", -1, &st, NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_blob(st, 1, r->seed, HUSH_SEED_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return HUSH_ERR_IDENTITY_EXISTS;
    if (rc != SQLITE_DONE) return hush_store_status(rc);
    if ((rc = sqlite3_prepare_v2(im->db, "INSERT INTO identities(name, seed, created_at) VALUES (?, ?, ?)", -1, &st,
                                 NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->seed, HUSH_SEED_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->created_at);
    rc = run(im, st);
    sqlite3_finalize(st);
    if (rc != HUSH_OK) return rc;
    im->identity = sqlite3_last_insert_rowid(im->db);
    if ((rc = sqlite3_prepare_v2(im->db, "INSERT INTO partial(identity) VALUES (?)", -1, &st, NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_int64(st, 1, im->identity);
    rc = run(im, st);
    sqlite3_finalize(st);
    if (rc != HUSH_OK) return rc;
#define PREPARE(field, sql) \
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(im->db, sql, -1, &im->field, NULL)
    rc = SQLITE_OK;
    PREPARE(put_conversation, "INSERT INTO conversations(identity, id, mode, seconds) VALUES (?1, ?2, ?3, ?4)");
    PREPARE(put_conversation_if_new, "INSERT OR IGNORE INTO conversations(identity, id) VALUES (?, ?)");
    /* A restored outgoing message is sent (peer_state 1, HUSH_PEER_SENT):
     * it left before the backup, and pending would have the messenger
     * send it again. The backup does not carry how far it got. */
    PREPARE(put_message, "INSERT INTO messages(identity, conversation, sender, body, sent_at, received_at, outgoing,"
                         " read_at, mode, seconds, expires_at, peer_state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,0,0,NULL,?7)");
    PREPARE(put_attachment, "INSERT INTO attachments(message, name, mime, size) VALUES (?,?,?,?)");
    PREPARE(put_data, "INSERT INTO attachment_chunks(attachment, n, data) VALUES (?,?,?)");
    PREPARE(put_protected, "INSERT INTO protected(identity, person, secret, paired_at) VALUES (?,?,?,?)");
#undef PREPARE
    return hush_store_status(rc);
}

static int
on_conversation(void *ctx, const bk_conversation *r)
{
    hush_backup_import *im = ctx;
    sqlite3_bind_int64(im->put_conversation, 1, im->identity);
    sqlite3_bind_text(im->put_conversation, 2, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(im->put_conversation, 3, r->mode);
    sqlite3_bind_int64(im->put_conversation, 4, r->seconds);
    return run(im, im->put_conversation);
}

static int
on_message(void *ctx, const bk_message *r)
{
    hush_backup_import *im = ctx;
    sqlite3_stmt *st;
    int rc;

    /* A conversation the backup did not list (export always lists them)
     * starts with its timer off. */
    sqlite3_bind_int64(im->put_conversation_if_new, 1, im->identity);
    sqlite3_bind_text(im->put_conversation_if_new, 2, r->conversation, -1, SQLITE_STATIC);
    if ((rc = run(im, im->put_conversation_if_new)) != HUSH_OK) return rc;

    st = im->put_message;
    sqlite3_bind_int64(st, 1, im->identity);
    sqlite3_bind_text(st, 2, r->conversation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->sender, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->body_len ? (const char *) r->body : "", (int) r->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->sent_at);
    sqlite3_bind_int64(st, 6, r->received_at);
    sqlite3_bind_int(st, 7, r->outgoing);
    if (r->read_at) sqlite3_bind_int64(st, 8, r->read_at); else sqlite3_bind_null(st, 8);
    if ((rc = run(im, st)) != HUSH_OK) return rc;
    im->message = sqlite3_last_insert_rowid(im->db);
    return HUSH_OK;
}

static int
on_attachment(void *ctx, const bk_attachment *r)
{
    hush_backup_import *im = ctx;
    sqlite3_stmt *st = im->put_attachment;
    int rc;

    sqlite3_bind_int64(st, 1, im->message);
    sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->mime, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->size);
    if ((rc = run(im, st)) != HUSH_OK) return rc;
    im->attachment = sqlite3_last_insert_rowid(im->db);
    im->piece = 0;
    return HUSH_OK;
}

static int
on_attachment_data(void *ctx, const uint8_t *data, size_t len)
{
    hush_backup_import *im = ctx;
    sqlite3_stmt *st = im->put_data;

    sqlite3_bind_int64(st, 1, im->attachment);
    sqlite3_bind_int64(st, 2, im->piece++);
    sqlite3_bind_blob(st, 3, data, (int) len, SQLITE_STATIC);
    return run(im, st);
}

static int
on_protected(void *ctx, const bk_protected *r)
{
    hush_backup_import *im = ctx;
    sqlite3_stmt *st = im->put_protected;

    sqlite3_bind_int64(st, 1, im->identity);
    sqlite3_bind_text(st, 2, r->person, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, r->secret, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->paired_at);
    return run(im, st);
}

static void
import_free(hush_backup_import *im)
{
    import_finalize(im);
    if (im->db != NULL) {
        sqlite3_exec(im->db, "ROLLBACK", NULL, NULL, NULL);
        /* What earlier batches committed; if this fails the next open
         * drops it. */
        if (im->batches > 0) hush_store_drop_partial(im->db);
        hush_store_release(im->vault, im);
    }
    bk_decoder_free(im->dec);
    sodium_memzero(im, sizeof *im);
    free(im);
}

int
hush_backup_import_begin(hush_vault *v, const char *phrase, int64_t now_ms, hush_backup_import **out)
{
    hush_backup_import *im;
    uint8_t key[32];
    bk_sink sink = { NULL, on_identity, on_conversation, on_message, on_attachment, on_attachment_data, on_protected };
    int rc;

    if (out == NULL || phrase == NULL) return HUSH_ERR_ARGUMENT;
    *out = NULL;
    if ((im = calloc(1, sizeof *im)) == NULL) return HUSH_ERR_NOMEM;
    if ((rc = hush_phrase_decode(im->seed, phrase, NULL)) != HUSH_OK) {
        free(im);
        return rc;
    }
    sink.ctx = im;
    bk_key(key, im->seed);
    rc = bk_decoder_new(&im->dec, key, &sink);
    sodium_memzero(key, sizeof key);
    if (rc == HUSH_OK) rc = hush_store_claim(v, 1, import_closing, im, &im->db, now_ms);
    im->vault = v;
    if (rc == HUSH_OK && sqlite3_exec(im->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) rc = HUSH_ERR_STORE;
    if (rc != HUSH_OK) {
        if (im->db != NULL) hush_store_release(v, im);
        im->db = NULL;
        import_free(im);
        return rc;
    }
    *out = im;
    return HUSH_OK;
}

int
hush_backup_import_write(hush_backup_import *im, const uint8_t *data, size_t len)
{
    if (im == NULL) return HUSH_ERR_ARGUMENT;
    if (im->status == HUSH_OK) im->status = bk_decoder_write(im->dec, data, len);
    if (im->status == HUSH_OK && im->identity != 0 &&
        bk_decoder_position(im->dec) - im->committed_at >= IMPORT_BATCH) {
        im->status = hush_store_status(sqlite3_exec(im->db, "COMMIT", NULL, NULL, NULL));
        if (im->status == HUSH_OK) {
            im->batches++;
            im->committed_at = bk_decoder_position(im->dec);
            im->status = hush_store_status(sqlite3_exec(im->db, "BEGIN", NULL, NULL, NULL));
        }
    }
    return im->status;
}

int
hush_backup_import_finish(hush_backup_import *im, int64_t *identity)
{
    int rc;

    if (im == NULL || identity == NULL) {
        if (im) import_free(im);
        return HUSH_ERR_ARGUMENT;
    }
    *identity = 0;
    rc = im->status != HUSH_OK ? im->status : bk_decoder_finish(im->dec);
    if (rc == HUSH_OK) {
        sqlite3_stmt *st = NULL;
        import_finalize(im);
        rc = hush_store_status(sqlite3_prepare_v2(im->db, "DELETE FROM partial WHERE identity = ?", -1, &st, NULL));
        if (rc == HUSH_OK) {
            sqlite3_bind_int64(st, 1, im->identity);
            rc = run(im, st);
        }
        sqlite3_finalize(st);
        if (rc == HUSH_OK) rc = hush_store_status(sqlite3_exec(im->db, "COMMIT", NULL, NULL, NULL));
        if (rc == HUSH_OK) {
            *identity = im->identity;
            hush_store_release(im->vault, im);
            im->db = NULL;
        }
    }
    import_free(im);
    return rc;
}

void
hush_backup_import_abort(hush_backup_import *im)
{
    if (im != NULL) import_free(im);
}

int
hush_backup_check(const char *phrase, const uint8_t *header, size_t len)
{
    uint8_t seed[HUSH_SEED_BYTES], key[32];
    int rc;

    if (phrase == NULL || (header == NULL && len != 0)) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_phrase_decode(seed, phrase, NULL)) != HUSH_OK) return rc;
    bk_key(key, seed);
    sodium_memzero(seed, sizeof seed);
    rc = bk_header_check(header, len, key);
    sodium_memzero(key, sizeof key);
    return rc;
}
