/* hush: the native command-line tool (offline recovery, scripting, tests).
 * Usage: see usage() below. Exit status: 0 done, 1 bad input or a failed
 * check (the core's message on stderr), 2 bad usage. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "../src/backup_format.h"
#include "hush.h"

static int
usage(void)
{
    fprintf(stderr,
            "usage: hush version\n"
            "       hush selftest\n"
            "       hush phrase <32-hex-seed>       print the seed's 13-word recovery phrase\n"
            "       hush id <phrase | 32-hex-seed>  print the Session ID (the phrase as one\n"
            "                                       quoted argument or as 13 arguments)\n"
            "       hush id -                       the same, reading the phrase from standard\n"
            "                                       input (keeps it out of shell history and ps)\n"
            "       hush backup-decrypt --phrase - <backup> <out-dir>\n"
            "                                       decrypt a backup (core/BACKUP.md) with the\n"
            "                                       phrase read from standard input into a new\n"
            "                                       folder: backup.sqlite and attachments/\n");
    return 2;
}

/* Joins args with single spaces, so `hush id w1 ... w13` and
 * `hush id "w1 ... w13"` read the same. The caller wipes and frees it. */
static char *
join_args(int n, char **args, size_t *size)
{
    size_t total = 1, pos = 0;
    char *s;
    int i;

    for (i = 0; i < n; i++) total += strlen(args[i]) + 1;
    if ((s = malloc(total)) == NULL) return NULL;
    for (i = 0; i < n; i++) {
        size_t len = strlen(args[i]);
        if (i > 0) s[pos++] = ' ';
        memcpy(s + pos, args[i], len);
        pos += len;
    }
    s[pos] = '\0';
    *size = total;
    return s;
}

/* Decodes the phrase or hex seed in args; on failure prints the core's
 * message and returns 0. */
static int
read_seed(uint8_t seed[HUSH_SEED_BYTES], int n, char **args)
{
    char message[HUSH_MESSAGE_MAX] = "";
    size_t size = 0, got;
    char *text;
    int rc;

    if (n == 1 && strcmp(args[0], "-") == 0) {
        size = 4096;
        if ((text = malloc(size)) != NULL) {
            got = fread(text, 1, size - 1, stdin);
            text[got] = '\0';
        }
    } else {
        text = join_args(n, args, &size);
    }

    if (text == NULL) {
        fprintf(stderr, "hush: %s\n", hush_strerror(HUSH_ERR_NOMEM));
        return 0;
    }
    rc = hush_phrase_decode(seed, text, message);
    sodium_memzero(text, size);
    free(text);
    if (rc != HUSH_OK) {
        fprintf(stderr, "%s\n", message[0] ? message : hush_strerror(rc));
        return 0;
    }
    return 1;
}

/* ---- backup-decrypt: the backup's records into a plain SQLite file ---- */

static const char OUT_SCHEMA[] =
    "CREATE TABLE identity(session_id TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE conversations(id TEXT PRIMARY KEY, disappearing_mode INTEGER NOT NULL,"
    " disappearing_seconds INTEGER NOT NULL);"
    "CREATE TABLE messages(id INTEGER PRIMARY KEY, conversation TEXT NOT NULL, sender TEXT NOT NULL,"
    " body TEXT NOT NULL, sent_at INTEGER NOT NULL, received_at INTEGER NOT NULL, outgoing INTEGER NOT NULL,"
    " read_at INTEGER);"
    "CREATE TABLE attachments(id INTEGER PRIMARY KEY, message INTEGER NOT NULL REFERENCES messages(id),"
    " name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, file TEXT NOT NULL);"
    /* The wipe secrets stay out: on a disk in the clear they would let
     * anyone who reads it wipe those persons' devices. */
    "CREATE TABLE protected(person TEXT NOT NULL, paired_at INTEGER NOT NULL);";

typedef struct {
    sqlite3 *db;
    const char *dir;
    FILE *file;             /* the attachment being written */
    int64_t message, attachments;
} out_ctx;

static int
out_sql(out_ctx *o, const char *sql, const char *t1, const char *t2, const uint8_t *blob, size_t blob_len, int n,
        const int64_t *ints)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(o->db, sql, -1, &st, NULL), p = 1;

    if (rc != SQLITE_OK) return HUSH_ERR_STORE;
    if (t1) sqlite3_bind_text(st, p++, t1, -1, SQLITE_STATIC);
    if (t2) sqlite3_bind_text(st, p++, t2, -1, SQLITE_STATIC);
    if (blob) sqlite3_bind_text(st, p++, blob_len ? (const char *) blob : "", (int) blob_len, SQLITE_STATIC);
    for (int i = 0; i < n; i++) {
        if (ints[i] == INT64_MIN) sqlite3_bind_null(st, p++);
        else sqlite3_bind_int64(st, p++, ints[i]);
    }
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HUSH_OK : HUSH_ERR_STORE;
}

static int
out_identity(void *ctx, const bk_identity *r)
{
    char sid[HUSH_SESSION_ID_CHARS + 1];
    hush_session_id(sid, r->seed);
    return out_sql(ctx, "INSERT INTO identity VALUES (?, ?, ?)", sid, r->name, NULL, 0, 1, &r->created_at);
}

static int
out_conversation(void *ctx, const bk_conversation *r)
{
    int64_t ints[2] = { r->mode, r->seconds };
    return out_sql(ctx, "INSERT INTO conversations VALUES (?, ?, ?)", r->id, NULL, NULL, 0, 2, ints);
}

static int
out_message(void *ctx, const bk_message *r)
{
    out_ctx *o = ctx;
    int64_t ints[4] = { r->sent_at, r->received_at, r->outgoing, r->read_at ? r->read_at : INT64_MIN };
    int rc = out_sql(o, "INSERT INTO messages(conversation, sender, body, sent_at, received_at, outgoing, read_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)", r->conversation, r->sender, r->body ? r->body : (const uint8_t *) "",
                     r->body_len, 4, ints);
    o->message = sqlite3_last_insert_rowid(o->db);
    return rc;
}

/* attachments/<n>-<the name, letters, digits, '.', '-' and '_' only> */
static int
out_attachment(void *ctx, const bk_attachment *r)
{
    out_ctx *o = ctx;
    char file[96], path[4200];
    int64_t ints[2];
    size_t at;

    if (o->file) fclose(o->file);
    at = (size_t) snprintf(file, sizeof file, "attachments/%lld-", (long long) ++o->attachments);
    for (const char *c = r->name; *c && at < sizeof file - 1; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                 *c == '-' || *c == '_';
        file[at] = ok ? *c : '_';
        at++;
    }
    file[at] = 0;
    snprintf(path, sizeof path, "%s/%s", o->dir, file);
    if ((o->file = fopen(path, "wbx")) == NULL) return HUSH_ERR_IO;
    ints[0] = o->message;
    ints[1] = r->size;
    {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(o->db, "INSERT INTO attachments(message, size, name, mime, file) VALUES (?, ?, ?, ?, ?)",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK) return HUSH_ERR_STORE;
        sqlite3_bind_int64(st, 1, ints[0]);
        sqlite3_bind_int64(st, 2, ints[1]);
        sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->mime, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, file, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? HUSH_OK : HUSH_ERR_STORE;
    }
}

static int
out_attachment_data(void *ctx, const uint8_t *data, size_t len)
{
    out_ctx *o = ctx;
    return o->file && fwrite(data, 1, len, o->file) == len ? HUSH_OK : HUSH_ERR_IO;
}

static int
out_protected(void *ctx, const bk_protected *r)
{
    return out_sql(ctx, "INSERT INTO protected VALUES (?, ?)", r->person, NULL, NULL, 0, 1, &r->paired_at);
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb; (void) flag; (void) ftw;
    return remove(path);
}

/* Decrypts into a new folder next to out_dir, renamed to out_dir only when
 * the whole backup checked out: a bad backup leaves nothing behind. */
static int
backup_decrypt(const char *backup, const char *out_dir)
{
    uint8_t seed[HUSH_SEED_BYTES], key[32], *piece = NULL;
    char *phrase_arg[] = { "-" }, tmp[4096], db_path[4200];
    bk_sink sink = { NULL, out_identity, out_conversation, out_message, out_attachment, out_attachment_data,
                     out_protected };
    out_ctx o = { 0 };
    bk_decoder *d = NULL;
    FILE *in;
    size_t got;
    int rc;

    if (!read_seed(seed, 1, phrase_arg)) return 1;
    bk_key(key, seed);
    sodium_memzero(seed, sizeof seed);
    if ((in = fopen(backup, "rb")) == NULL) {
        sodium_memzero(key, sizeof key);
        fprintf(stderr, "hush: cannot open %s: %s\n", backup, strerror(errno));
        return 1;
    }
    if (access(out_dir, F_OK) == 0) {
        sodium_memzero(key, sizeof key);
        fclose(in);
        fprintf(stderr, "hush: %s exists already: name a new folder\n", out_dir);
        return 1;
    }
    snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", out_dir);
    if (mkdtemp(tmp) == NULL) {
        sodium_memzero(key, sizeof key);
        fclose(in);
        fprintf(stderr, "hush: cannot create a folder next to %s: %s\n", out_dir, strerror(errno));
        return 1;
    }
    o.dir = tmp;
    snprintf(db_path, sizeof db_path, "%s/attachments", tmp);
    rc = mkdir(db_path, 0700) == 0 ? HUSH_OK : HUSH_ERR_IO;
    snprintf(db_path, sizeof db_path, "%s/backup.sqlite", tmp);
    if (rc == HUSH_OK && (sqlite3_open(db_path, &o.db) != SQLITE_OK ||
                          sqlite3_exec(o.db, OUT_SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
                          sqlite3_exec(o.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)) {
        rc = HUSH_ERR_STORE;
    }
    sink.ctx = &o;
    if (rc == HUSH_OK) rc = bk_decoder_new(&d, key, &sink);
    sodium_memzero(key, sizeof key);
    if (rc == HUSH_OK && (piece = malloc(65536)) == NULL) rc = HUSH_ERR_NOMEM;
    while (rc == HUSH_OK && (got = fread(piece, 1, 65536, in)) > 0) rc = bk_decoder_write(d, piece, got);
    if (rc == HUSH_OK && ferror(in)) rc = HUSH_ERR_IO;
    if (rc == HUSH_OK) rc = bk_decoder_finish(d);
    if (o.file && fclose(o.file) != 0 && rc == HUSH_OK) rc = HUSH_ERR_IO;
    if (rc == HUSH_OK && sqlite3_exec(o.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = HUSH_ERR_STORE;
    sqlite3_close(o.db);
    bk_decoder_free(d);
    free(piece);
    fclose(in);
    if (rc == HUSH_OK && rename(tmp, out_dir) != 0) rc = HUSH_ERR_IO;
    if (rc != HUSH_OK) {
        nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        fprintf(stderr, "hush: %s\n", hush_strerror(rc));
        return 1;
    }
    printf("%s/backup.sqlite\n", out_dir);
    return 0;
}

int
main(int argc, char **argv)
{
    uint8_t seed[HUSH_SEED_BYTES];
    char phrase[HUSH_PHRASE_MAX];
    char id[HUSH_SESSION_ID_CHARS + 1];
    int rc;

    if (argc < 2) {
        return usage();
    }
    if (strcmp(argv[1], "version") == 0) {
        printf("%s\n", hush_version());
        return 0;
    }
    if (strcmp(argv[1], "selftest") == 0) {
        rc = hush_selftest();
        printf("%s\n", hush_strerror(rc));
        return rc == HUSH_OK ? 0 : 1;
    }
    if (strcmp(argv[1], "phrase") == 0 && argc == 3) {
        if (!read_seed(seed, 1, argv + 2)) return 1;
        rc = hush_phrase_encode(phrase, seed);
        if (rc == HUSH_OK) printf("%s\n", phrase);
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(phrase, sizeof phrase);
        if (rc != HUSH_OK) fprintf(stderr, "hush: %s\n", hush_strerror(rc));
        return rc == HUSH_OK ? 0 : 1;
    }
    if (strcmp(argv[1], "id") == 0 && argc >= 3) {
        if (!read_seed(seed, argc - 2, argv + 2)) return 1;
        rc = hush_session_id(id, seed);
        sodium_memzero(seed, sizeof seed);
        if (rc != HUSH_OK) {
            fprintf(stderr, "hush: %s\n", hush_strerror(rc));
            return 1;
        }
        printf("%s\n", id);
        return 0;
    }
    if (strcmp(argv[1], "backup-decrypt") == 0 && argc == 6 && strcmp(argv[2], "--phrase") == 0 &&
        strcmp(argv[3], "-") == 0) {
        return backup_decrypt(argv[4], argv[5]);
    }
    return usage();
}
