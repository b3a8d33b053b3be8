/* The store: data survives close and reopen; nothing reaches the files in
 * the clear and the vault folder only ever holds its three files; a wrong
 * key, a flipped bit in any page or in the header, two swapped pages, a
 * truncated pages file or a database put back to an older version each give
 * a clear error and change nothing; a commit cut short at any step leaves
 * the old or the new database (fault injection, and SIGKILL of a writer);
 * a deleted row leaves no page that still decrypts to it; identities do not
 * see each other. An outgoing message's delivery state only goes up, only
 * for the identity, conversation and sent times named, and an older
 * database gains it when opened. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../../core/src/store_internal.h"
#include "../../core/src/store_vfs.h"
#include "../../core/src/vault_internal.h"
#include "check.h"
#include "hush.h"

#define T0 INT64_C(1700000000000)
#define CANARY "CANARY-7f3a9c-never-in-the-clear"

static char dir[64], pages_path[96], journal_path[96];

static void
fresh_dir(void)
{
    char cmd[128];
    if (dir[0]) { snprintf(cmd, sizeof cmd, "rm -rf %s", dir); if (system(cmd) != 0) abort(); }
    strcpy(dir, "/tmp/hush-store-XXXXXX");
    if (mkdtemp(dir) == NULL) abort();
    snprintf(pages_path, sizeof pages_path, "%s/" HUSH_FILE_PAGES, dir);
    snprintf(journal_path, sizeof journal_path, "%s/" HUSH_FILE_JOURNAL, dir);
}

static hush_vault *
unlocked_vault(int create)
{
    hush_vault *v = NULL;
    uint64_t retry;
    CHECK_EQ_INT(hush_vault_open(&v, dir), HUSH_OK);
    if (create) {
        CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, T0), HUSH_OK);
    } else {
        CHECK_EQ_INT(hush_vault_begin_attempt(v, T0, &retry), HUSH_OK);
        CHECK_EQ_INT(hush_vault_unlock(v, (const uint8_t *) "1234", 4, T0), HUSH_UNLOCK_OK);
    }
    return v;
}

static size_t
read_all(const char *path, uint8_t **buf)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (f == NULL) { *buf = malloc(1); return 0; }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *buf = malloc((size_t) n + 1);
    if (fread(*buf, 1, (size_t) n, f) != (size_t) n) abort();
    fclose(f);
    return (size_t) n;
}

static void
write_all(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (fwrite(buf, 1, n, f) != n) abort();
    fclose(f);
}

static int
contains(const uint8_t *buf, size_t n, const char *needle)
{
    size_t i, m = strlen(needle);
    for (i = 0; i + m <= n; i++) if (memcmp(buf + i, needle, m) == 0) return 1;
    return 0;
}

/* Names in dir other than the three files, and canary hits in any file. */
static void
scan_dir(int *foreign, int *canaries)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    *foreign = *canaries = 0;
    while ((e = readdir(d)) != NULL) {
        uint8_t *buf;
        size_t n;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (strcmp(e->d_name, HUSH_FILE_LOCK) && strcmp(e->d_name, HUSH_FILE_PAGES) &&
            strcmp(e->d_name, HUSH_FILE_JOURNAL)) (*foreign)++;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        n = read_all(path, &buf);
        *canaries += contains(buf, n, CANARY);
        free(buf);
    }
    closedir(d);
}

static int
count_in(const char *json, const char *needle)
{
    int n = 0;
    for (const char *p = json; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

static off_t
size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void
test_round_trip_and_isolation(void)
{
    hush_vault *v;
    int64_t a, b, id;
    char *json = NULL;
    int i, foreign, canaries;
    off_t size;

    fresh_dir();
    v = unlocked_vault(1);
    CHECK_EQ_INT(hush_identity_create(v, "alice", NULL, &a), HUSH_OK);
    CHECK_EQ_INT(hush_identity_create(v, "bob", NULL, &b), HUSH_OK);
    CHECK_EQ_INT(hush_identity_create(v, "", NULL, &id), HUSH_ERR_NAME);
    {   /* The same seed twice is one identity. */
        static const uint8_t seed[16] = { 1, 2, 3 };
        int64_t first;
        CHECK_EQ_INT(hush_identity_create(v, "restored", seed, &first), HUSH_OK);
        CHECK_EQ_INT(hush_identity_create(v, "again", seed, &id), HUSH_ERR_IDENTITY_EXISTS);
        CHECK_EQ_INT(hush_conversation_add(v, first, "nobody yet"), HUSH_OK);
        CHECK_EQ_INT(hush_conversation_add(v, first, "nobody yet"), HUSH_OK);
        CHECK_EQ_INT(hush_identity_remove(v, first), HUSH_OK);
        CHECK_EQ_INT(hush_identity_remove(v, first), HUSH_ERR_NOT_FOUND);
    }
    for (i = 0; i < 300; i++) {
        char body[128];
        snprintf(body, sizeof body, "%s message %d", CANARY, i);
        CHECK_EQ_INT(hush_message_add(v, a, "carol", "carol", (const uint8_t *) body, strlen(body), T0 + i, 0, -1, 0, T0, &id), HUSH_OK);
    }
    CHECK_EQ_INT(hush_message_add(v, b, "dave", "me", (const uint8_t *) "hi dave", 7, T0, 1, -1, 0, T0, &id), HUSH_OK);
    /* Bad input is refused and stores nothing. */
    CHECK_EQ_INT(hush_message_add(v, a, "", "x", (const uint8_t *) "x", 1, T0, 0, -1, 0, T0, &id), HUSH_ERR_MESSAGE);
    CHECK_EQ_INT(hush_message_add(v, a, "c", "x", (const uint8_t *) "x", 1, 0, 0, -1, 0, T0, &id), HUSH_ERR_MESSAGE);
    CHECK_EQ_INT(hush_message_add(v, a, "c", "x", (const uint8_t *) "x", 1, T0, 2, -1, 0, T0, &id), HUSH_ERR_MESSAGE);
    CHECK_EQ_INT(hush_message_add(v, a, "c", "x", (const uint8_t *) "x", HUSH_BODY_MAX + 1, T0, 0, -1, 0, T0, &id), HUSH_ERR_MESSAGE);
    CHECK_EQ_INT(hush_message_add(v, 999, "c", "x", (const uint8_t *) "x", 1, T0, 0, -1, 0, T0, &id), HUSH_ERR_NOT_FOUND);
    hush_vault_close(v);

    /* Nothing in the clear, no file but the three, a size class. */
    scan_dir(&foreign, &canaries);
    CHECK_EQ_INT(foreign, 0);
    CHECK_EQ_INT(canaries, 0);
    size = size_of(pages_path);
    CHECK(size > 0 && size % HUSH_PAGE_BYTES == 0);
    CHECK_EQ_INT((uint32_t) (size / HUSH_PAGE_BYTES - 1), hush_vfs_capacity((uint32_t) (size / HUSH_PAGE_BYTES - 1)));

    v = unlocked_vault(0);
    CHECK_EQ_INT(hush_messages(v, a, "carol", 0, 500, T0, &json), HUSH_OK);
    CHECK_EQ_INT(count_in(json, CANARY), 300);
    CHECK(strstr(json, "\"body\":\"" CANARY " message 299\"") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_messages(v, a, "carol", 0, 10, T0, &json), HUSH_OK);
    CHECK_EQ_INT(count_in(json, "\"id\":"), 10);
    hush_free(json);
    /* Bob cannot see Alice's conversation, nor Alice Bob's. */
    CHECK_EQ_INT(hush_messages(v, b, "carol", 0, 500, T0, &json), HUSH_OK);
    CHECK(strcmp(json, "[]") == 0);
    hush_free(json);
    CHECK_EQ_INT(hush_conversations(v, a, T0, &json), HUSH_OK);
    CHECK(strstr(json, "carol") != NULL && strstr(json, "dave") == NULL);
    CHECK(strstr(json, "\"unread\":300") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_conversations(v, b, T0, &json), HUSH_OK);
    CHECK(strstr(json, "carol") == NULL && strstr(json, "dave") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_identity_list(v, &json), HUSH_OK);
    CHECK(strstr(json, "\"name\":\"alice\"") && strstr(json, "\"name\":\"bob\"") && strstr(json, "\"sessionId\":\"05"));
    hush_free(json);

    /* Removing Bob takes his conversations and messages, and only his;
     * the files stay the same three. */
    CHECK_EQ_INT(hush_identity_remove(v, b), HUSH_OK);
    CHECK_EQ_INT(hush_messages(v, b, "dave", 0, 10, T0, &json), HUSH_ERR_NOT_FOUND);
    CHECK_EQ_INT(hush_messages(v, a, "carol", 0, 1, T0, &json), HUSH_OK);
    hush_free(json);
    CHECK_EQ_INT(hush_store_check(v, a), HUSH_OK);
    scan_dir(&foreign, &canaries);
    CHECK_EQ_INT(foreign, 0);
    /* Locking closes the store. */
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    CHECK_EQ_INT(hush_messages(v, a, "carol", 0, 1, T0, &json), HUSH_ERR_STATE);
    hush_vault_close(v);
}

static void
test_attachments(void)
{
    hush_vault *v;
    int64_t a, msg, att, empty, none;
    uint8_t *data = malloc(100000), *back = NULL;
    size_t len = 0, i;
    int foreign, canaries;

    fresh_dir();
    v = unlocked_vault(1);
    for (i = 0; i < 100000; i++) data[i] = (uint8_t) (i * 7);
    memcpy(data + 1000, CANARY, strlen(CANARY));
    CHECK_EQ_INT(hush_identity_create(v, "alice", NULL, &a), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, a, "c", "me", (const uint8_t *) "photo", 5, T0, 1, -1, 0, T0, &msg), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, a, msg, "photo.jpg", "image/jpeg", data, 100000, &att), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, a, msg, "empty.txt", "text/plain", data, 0, &empty), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, a, msg + 1, "x", "y", data, 1, &none), HUSH_ERR_NOT_FOUND);
    CHECK_EQ_INT(hush_attachment_add(v, 999, msg, "x", "y", data, 1, &none), HUSH_ERR_NOT_FOUND);
    CHECK_EQ_INT(hush_attachment_get(v, a, att, &back, &len), HUSH_OK);
    CHECK(len == 100000 && memcmp(back, data, len) == 0);
    hush_free(back);
    CHECK_EQ_INT(hush_attachment_get(v, a, empty, &back, &len), HUSH_OK);
    CHECK(len == 0);
    hush_free(back);
    CHECK_EQ_INT(hush_attachment_get(v, 999, att, &back, &len), HUSH_ERR_NOT_FOUND);
    /* Deleting the message deletes its attachments with it (cascade). */
    CHECK_EQ_INT(hush_identity_remove(v, a), HUSH_OK);
    scan_dir(&foreign, &canaries);
    CHECK_EQ_INT(canaries, 0);
    CHECK_EQ_INT(foreign, 0);
    hush_vault_close(v);
    free(data);
}

/* ---- delivery state of outgoing messages ------------------------------- */

/* The message's peer_state as stored (read straight from the table, so an
 * expired message can be seen too); -1 if there is no such message. */
static int
stored_peer_state(hush_vault *v, int64_t id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int state = -1;

    CHECK_EQ_INT(hush_store_db(v, &db, 0), HUSH_OK);
    if (db && sqlite3_prepare_v2(db, "SELECT peer_state FROM messages WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) state = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return state;
}

/* The "peerState" hush_messages reports for message id: its number, -1 for
 * null, -2 if the message is not listed, -3 if it has no such field. */
static int
listed_peer_state(hush_vault *v, int64_t identity, const char *conversation, int64_t id, int64_t now)
{
    char *json = NULL, key[48];
    const char *start, *at, *next;
    int state = -2;

    CHECK_EQ_INT(hush_messages(v, identity, conversation, 0, 500, now, &json), HUSH_OK);
    if (json == NULL) return state;
    snprintf(key, sizeof key, "{\"id\":%lld,", (long long) id);
    if ((start = strstr(json, key)) != NULL) {
        at = strstr(start, "\"peerState\":");
        next = strstr(start + 1, "{\"id\":"); /* its first attachment, or the next message */
        /* The field of this message, not a later one's. */
        if (at != NULL && (next == NULL || at < next)) {
            at += strlen("\"peerState\":");
            state = strncmp(at, "null", 4) == 0 ? -1 : atoi(at);
        } else {
            state = -3;
        }
    }
    hush_free(json);
    return state;
}

static void
test_peer_state(void)
{
    hush_vault *v;
    int64_t a, b, out1, out2, out3, in2, other_conv, other_id, timed, many[HUSH_PEER_STATE_BATCH + 1];
    char *before = NULL, *after = NULL;
    int i;

    fresh_dir();
    v = unlocked_vault(1);
    CHECK_EQ_INT(hush_identity_create(v, "alice", NULL, &a), HUSH_OK);
    CHECK_EQ_INT(hush_identity_create(v, "bob", NULL, &b), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, a, "bob", "me", (const uint8_t *) "one", 3, T0 + 1, 1, -1, 0, T0, &out1), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, a, "bob", "me", (const uint8_t *) "two", 3, T0 + 2, 1, -1, 0, T0, &out2), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, a, "bob", "me", (const uint8_t *) "three", 5, T0 + 3, 1, -1, 0, T0, &out3), HUSH_OK);
    /* Same sent times elsewhere: a received message, another conversation,
     * another identity. None is the sender's copy named by the receipt. */
    CHECK_EQ_INT(hush_message_add(v, a, "bob", "bob", (const uint8_t *) "reply", 5, T0 + 2, 0, -1, 0, T0, &in2), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, a, "carol", "me", (const uint8_t *) "hi", 2, T0 + 1, 1, -1, 0, T0, &other_conv), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, b, "bob", "me", (const uint8_t *) "hi", 2, T0 + 1, 1, -1, 0, T0, &other_id), HUSH_OK);

    /* New outgoing messages are pending; received ones have no state. */
    CHECK_EQ_INT(listed_peer_state(v, a, "bob", out1, T0), HUSH_PEER_PENDING);
    CHECK_EQ_INT(listed_peer_state(v, a, "bob", in2, T0), -1);

    {   /* Refused, and nothing changes: no count, too many, a state out of
         * range (pending cannot be set), no array, a bad conversation, no
         * such identity. */
        int64_t times[2] = { T0 + 1, T0 + 2 };
        for (i = 0; i <= HUSH_PEER_STATE_BATCH; i++) many[i] = T0 + 3;
        CHECK_EQ_INT(hush_messages(v, a, "bob", 0, 500, T0, &before), HUSH_OK);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 0, HUSH_PEER_SENT, T0), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", many, HUSH_PEER_STATE_BATCH + 1, HUSH_PEER_SENT, T0),
                     HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, HUSH_PEER_PENDING, T0), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, HUSH_PEER_READ + 1, T0), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, -1, T0), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", NULL, 2, HUSH_PEER_SENT, T0), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "", times, 2, HUSH_PEER_SENT, T0), HUSH_ERR_MESSAGE);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, 999, "bob", times, 2, HUSH_PEER_SENT, T0), HUSH_ERR_NOT_FOUND);
        CHECK_EQ_INT(hush_messages(v, a, "bob", 0, 500, T0, &after), HUSH_OK);
        CHECK(before && after && strcmp(before, after) == 0);
        hush_free(before);
        hush_free(after);
        CHECK_EQ_INT(stored_peer_state(v, out3), HUSH_PEER_PENDING);

        /* Sent: only alice's own copies in this conversation. */
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, HUSH_PEER_SENT, T0), 2);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", out1, T0), HUSH_PEER_SENT);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", out2, T0), HUSH_PEER_SENT);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", out3, T0), HUSH_PEER_PENDING);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", in2, T0), -1);
        CHECK_EQ_INT(stored_peer_state(v, in2), 0);
        CHECK_EQ_INT(listed_peer_state(v, a, "carol", other_conv, T0), HUSH_PEER_PENDING);
        CHECK_EQ_INT(listed_peer_state(v, b, "bob", other_id, T0), HUSH_PEER_PENDING);

        /* Raised only: read, then a late delivery receipt for both, then
         * a sent again: two changes in all, never a step down. */
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times + 1, 1, HUSH_PEER_READ, T0), 1);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, HUSH_PEER_DELIVERED, T0), 1);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, HUSH_PEER_DELIVERED, T0), 0);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", times, 2, HUSH_PEER_SENT, T0), 0);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", out1, T0), HUSH_PEER_DELIVERED);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", out2, T0), HUSH_PEER_READ);
    }
    /* A full batch (the same time 100 times) is accepted. */
    CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", many, HUSH_PEER_STATE_BATCH, HUSH_PEER_DELIVERED, T0), 1);
    CHECK_EQ_INT(listed_peer_state(v, a, "bob", out3, T0), HUSH_PEER_DELIVERED);
    CHECK_EQ_INT(listed_peer_state(v, a, "bob", in2, T0), -1);

    /* It survives closing and reopening. */
    hush_vault_close(v);
    v = unlocked_vault(0);
    CHECK_EQ_INT(listed_peer_state(v, a, "bob", out1, T0), HUSH_PEER_DELIVERED);
    CHECK_EQ_INT(listed_peer_state(v, a, "bob", out2, T0), HUSH_PEER_READ);
    CHECK_EQ_INT(listed_peer_state(v, b, "bob", other_id, T0), HUSH_PEER_PENDING);

    /* An expired message is never touched, swept or not; the store's clock
     * counts, not the caller's (an earlier time changes nothing). */
    {
        int64_t at = T0 + 10;
        CHECK_EQ_INT(hush_message_add(v, a, "bob", "me", (const uint8_t *) "gone", 4, at, 1, HUSH_DISAPPEAR_AFTER_SEND, 5,
                                      T0, &timed), HUSH_OK);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", timed, T0), HUSH_PEER_PENDING);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", &at, 1, HUSH_PEER_SENT, at + 5000), 0);
        CHECK_EQ_INT(hush_messages_mark_peer_state(v, a, "bob", &at, 1, HUSH_PEER_SENT, T0), 0);
        CHECK_EQ_INT(stored_peer_state(v, timed), HUSH_PEER_PENDING);
        CHECK_EQ_INT(listed_peer_state(v, a, "bob", timed, T0), -2);
    }
    CHECK_EQ_INT(hush_store_check(v, a), HUSH_OK);
    hush_vault_close(v);
}

static int
commit_to_vault(void *ctx, uint64_t counter)
{
    return hush_vault_store_committed(ctx, counter, (uint64_t) T0) == HUSH_OK ? 0 : -1;
}

/* A store written by an older Hush (schema steps 1..old, with rows), then
 * opened by this one: the missing steps are applied, the rows kept, and
 * their outgoing messages are sent (never pending: a messenger would send
 * old history again). */
static void
migrate_from(int old)
{
    hush_vault *v;
    hush_vfs_files f;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    uint8_t key[32];
    char *sql = NULL;
    int version = -1, i;
    int64_t at = T0 + 1;

    fresh_dir();
    v = unlocked_vault(1);
    f.pages = pages_path;
    f.journal = journal_path;
    f.min_counter = hush_vault_store_counter(v);
    f.on_commit = commit_to_vault;
    f.ctx = v;
    crypto_kdf_derive_from_key(key, sizeof key, 1, "hushvdb_", hush_vault_dek(v));
    CHECK_EQ_INT(hush_vfs_open_db(&db, &f, key), HUSH_OK);
    sodium_memzero(key, sizeof key);
    if (db == NULL) { hush_vault_close(v); return; }
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    CHECK_EQ_INT(version, 0); /* nothing opened the store before */
    for (i = 0; i < old; i++) CHECK_EQ_INT(sqlite3_exec(db, HUSH_STORE_MIGRATIONS[i], NULL, NULL, NULL), SQLITE_OK);
    sql = sqlite3_mprintf(
        "PRAGMA user_version=%d;"
        "INSERT INTO identities(id, name, seed, created_at) VALUES (1, 'old', randomblob(16), %lld);"
        "INSERT INTO conversations(identity, id) VALUES (1, 'bob');"
        "INSERT INTO messages(identity, conversation, sender, body, sent_at, received_at, outgoing, read_at)"
        " VALUES (1, 'bob', 'me', 'mine', %lld, %lld, 1, %lld), (1, 'bob', 'bob', 'theirs', %lld, %lld, 0, NULL);",
        old, (long long) T0, (long long) at, (long long) T0, (long long) at, (long long) at, (long long) T0);
    CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    db = NULL;

    CHECK_EQ_INT(listed_peer_state(v, 1, "bob", 1, T0), HUSH_PEER_SENT);
    CHECK_EQ_INT(listed_peer_state(v, 1, "bob", 2, T0), -1);
    CHECK_EQ_INT(stored_peer_state(v, 2), 0);
    CHECK_EQ_INT(hush_store_db(v, &db, 0), HUSH_OK);
    version = -1;
    if (db && sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    CHECK_EQ_INT(version, HUSH_STORE_MIGRATION_COUNT);
    CHECK_EQ_INT(hush_messages_mark_peer_state(v, 1, "bob", &at, 1, HUSH_PEER_READ, T0), 1);
    CHECK_EQ_INT(listed_peer_state(v, 1, "bob", 1, T0), HUSH_PEER_READ);
    CHECK_EQ_INT(listed_peer_state(v, 1, "bob", 2, T0), -1);
    CHECK_EQ_INT(hush_store_check(v, 1), HUSH_OK);
    hush_vault_close(v);
    /* ...and the migrated store opens again as it is. */
    v = unlocked_vault(0);
    CHECK_EQ_INT(listed_peer_state(v, 1, "bob", 1, T0), HUSH_PEER_READ);
    hush_vault_close(v);
}

static void
test_peer_state_migration(void)
{
    migrate_from(2);                              /* before partial and settings */
    migrate_from(HUSH_STORE_MIGRATION_COUNT - 1); /* the version just before delivery state */
}

/* ---- the VFS directly, on one database under a known key ------------- */

static uint8_t db_key[32];
static uint64_t committed;

static int
note_commit(void *ctx, uint64_t counter)
{
    (void) ctx;
    committed = counter;
    return 0;
}

static hush_vfs_files
files(uint64_t min_counter)
{
    hush_vfs_files f = { pages_path, journal_path, min_counter, note_commit, NULL };
    return f;
}

/* Opens the database and reads every row and page; returns the HUSH status. */
static int
open_and_read(const uint8_t key[32], uint64_t min_counter, int *rows)
{
    hush_vfs_files f = files(min_counter);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = hush_vfs_open_db(&db, &f, key), step;

    if (rows) *rows = -1;
    if (rc != HUSH_OK) return rc;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM t), (SELECT integrity_check FROM pragma_integrity_check)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = HUSH_ERR_STORE_DAMAGED;
    } else {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW) rc = (step & 0xff) == SQLITE_IOERR ? HUSH_ERR_STORE_DAMAGED : HUSH_ERR_STORE;
        else if (strcmp((const char *) sqlite3_column_text(st, 1), "ok") != 0) rc = HUSH_ERR_STORE_DAMAGED;
        else if (rows) *rows = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static sqlite3 *
open_db(uint64_t min_counter)
{
    hush_vfs_files f = files(min_counter);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(hush_vfs_open_db(&db, &f, db_key), HUSH_OK);
    return db;
}

static int
try_fill(sqlite3 *db, int from, int to)
{
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS t(v TEXT); WITH RECURSIVE n(i) AS (SELECT %d UNION ALL"
             " SELECT i+1 FROM n WHERE i < %d) INSERT INTO t SELECT printf('row %%d " CANARY "', i) FROM n;", from, to);
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void
fill(sqlite3 *db, int from, int to)
{
    CHECK_EQ_INT(try_fill(db, from, to), SQLITE_OK);
}


static uint32_t
page_count(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    uint32_t n = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        n = (uint32_t) sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

/* Page blocks of both files that still decrypt, under db_key, to text
 * containing needle (NULL: any block at index > beyond of the pages file):
 * what an examiner holding the key would find. */
static int
decryptable_at(const char *needle, uint32_t beyond)
{
    const char *paths[2] = { pages_path, journal_path };
    uint8_t page_key[32], id[32], ad[20], plain[HUSH_PAGE_BYTES];
    int hits = 0, k;

    crypto_kdf_derive_from_key(page_key, 32, 1, "hushpage", db_key);
    crypto_kdf_derive_from_key(id, 32, 3, "hushpage", db_key);
    for (k = 0; k < 2; k++) {
        uint8_t *buf;
        size_t n = read_all(paths[k], &buf), off;
        uint32_t pgno, pages = (uint32_t) (size_of(pages_path) / HUSH_PAGE_BYTES);
        for (off = 0; off + HUSH_PAGE_BYTES <= n; off += HUSH_PAGE_BYTES) {
            for (pgno = 1; pgno <= pages; pgno++) {
                const uint8_t *b = buf + off;
                memcpy(ad, id, 16);
                ad[16] = (uint8_t) (pgno >> 24); ad[17] = (uint8_t) (pgno >> 16);
                ad[18] = (uint8_t) (pgno >> 8); ad[19] = (uint8_t) pgno;
                if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(plain, NULL, b, 4056, b + 4056 + 24, ad, 20,
                                                                        b + 4056, page_key) == 0 &&
                    (needle ? contains(plain, 4056, needle) : k == 0 && off / HUSH_PAGE_BYTES > beyond)) {
                    hits++;
                }
            }
        }
        free(buf);
    }
    return hits;
}

static int
decryptable(const char *needle)
{
    return decryptable_at(needle, 0);
}

/* One big commit that ends with a secret, then a small one that deletes
 * it; with skip_scrub the small commit leaves the journal's longer tail
 * (the planted fault the test must see). Returns the blocks that still
 * open to the secret. */
static int
delete_after_big_commit(int skip_scrub)
{
    sqlite3 *db;
    int hits;

    fresh_dir();
    randombytes_buf(db_key, sizeof db_key);
    db = open_db(0);
    fill(db, 1, 10);
    CHECK_EQ_INT(sqlite3_exec(db, "BEGIN; INSERT INTO t SELECT printf('%.*c', 3000, 'y') FROM t, t AS u LIMIT 60;"
                                  "INSERT INTO t VALUES ('the secret " CANARY " to delete'); COMMIT", NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK(decryptable("secret " CANARY) >= 1); /* the examiner does see live pages */
    if (skip_scrub) hush_vfs_fault_step = 4;
    CHECK_EQ_INT(sqlite3_exec(db, "DELETE FROM t WHERE v LIKE 'the secret%'", NULL, NULL, NULL), SQLITE_OK);
    hush_vfs_fault_step = -1;
    hits = decryptable("secret " CANARY);
    sqlite3_close(db);
    return hits;
}

static void
test_secure_delete_in_place(void)
{
    sqlite3 *db;
    uint32_t used;

    /* Neither the pages file nor the journal may keep a copy of what was
     * deleted; without the journal's scrub, the examiner finds it. */
    CHECK(delete_after_big_commit(1) >= 1);
    CHECK_EQ_INT(delete_after_big_commit(0), 0);
    db = open_db(1);
    /* A truncation (VACUUM shrinks the database) leaves no old page past
     * the end that still opens. */
    CHECK_EQ_INT(sqlite3_exec(db, "DELETE FROM t WHERE rowid > 5; VACUUM", NULL, NULL, NULL), SQLITE_OK);
    used = page_count(db);
    CHECK(used < 10);
    CHECK_EQ_INT(decryptable_at(NULL, used), 0);
    CHECK(decryptable("row 3 " CANARY) >= 1);
    sqlite3_close(db);
}

static void
test_commit_cut_short(void)
{
    int step, rows;

    for (step = 0; step <= 3; step++) {
        sqlite3 *db;
        fresh_dir();
        randombytes_buf(db_key, sizeof db_key);
        db = open_db(0);
        fill(db, 1, 100);
        hush_vfs_fault_step = step;
        CHECK_EQ_INT(try_fill(db, 101, 400), SQLITE_IOERR_WRITE); /* the fault */
        hush_vfs_fault_step = -1;
        sqlite3_close(db);
        CHECK_EQ_INT(open_and_read(db_key, 1, &rows), HUSH_OK);
        /* Before the journal was durable: the old database; after: the new. */
        CHECK_EQ_INT(rows, step == 0 ? 100 : 400);
        CHECK_EQ_INT(open_and_read(db_key, 1, &rows), HUSH_OK);
        CHECK_EQ_INT(rows, step == 0 ? 100 : 400);
    }
}

/* A child commits rows one transaction at a time and reports each after
 * its commit returned; killed at a random moment, every reported row must
 * be there and the database whole. */
static void
test_sigkill_writer(void)
{
    int round, before = 1;

    fresh_dir();
    randombytes_buf(db_key, sizeof db_key);
    { sqlite3 *db = open_db(0); fill(db, 1, 1); sqlite3_close(db); }
    for (round = 0; round < 12; round++) {
        int fds[2], acked = 0, status;
        char c;
        pid_t pid;
        struct timespec pause = { 0, (long) (1 + randombytes_uniform(30)) * 1000000L };
        if (pipe(fds) != 0) abort();
        if ((pid = fork()) == 0) {
            sqlite3 *db;
            hush_vfs_files f = files(0);
            close(fds[0]);
            if (hush_vfs_open_db(&db, &f, db_key) != HUSH_OK) _exit(3);
            for (;;) {
                if (sqlite3_exec(db, "INSERT INTO t VALUES (printf('%.*c', 3000, 'x'))", NULL, NULL, NULL) != SQLITE_OK) _exit(4);
                if (write(fds[1], "+", 1) != 1) _exit(5);
            }
        }
        close(fds[1]);
        nanosleep(&pause, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        while (read(fds[0], &c, 1) == 1) acked++;
        close(fds[0]);
        {
            int now_rows;
            CHECK_EQ_INT(open_and_read(db_key, 0, &now_rows), HUSH_OK);
            CHECK(now_rows >= before + acked);
            CHECK(now_rows <= before + acked + 1); /* at most the commit in flight */
            before = now_rows;
        }
    }
}

static uint8_t *snap_pages, *snap_journal;
static size_t snap_pages_len, snap_journal_len;

static void
take_snapshot(void)
{
    free(snap_pages); free(snap_journal);
    snap_pages_len = read_all(pages_path, &snap_pages);
    snap_journal_len = read_all(journal_path, &snap_journal);
}

static int
unchanged(void)
{
    uint8_t *now;
    size_t n = read_all(pages_path, &now);
    int same = n == snap_pages_len && memcmp(now, snap_pages, n) == 0;
    free(now);
    return same;
}

static void
restore(void)
{
    write_all(pages_path, snap_pages, snap_pages_len);
    write_all(journal_path, snap_journal, snap_journal_len);
}

static void
test_tampering(void)
{
    sqlite3 *db;
    uint8_t wrong[32];
    uint32_t pages, used, p;
    uint64_t counter, old_counter;
    int rows;

    fresh_dir();
    randombytes_buf(db_key, sizeof db_key);
    db = open_db(0);
    fill(db, 1, 400);
    old_counter = hush_vfs_counter(db);
    CHECK(old_counter >= 1);
    CHECK_EQ_INT(committed, old_counter);
    used = page_count(db);
    sqlite3_close(db);
    pages = (uint32_t) (size_of(pages_path) / HUSH_PAGE_BYTES) - 1;
    CHECK(pages >= 16);
    take_snapshot();
    CHECK_EQ_INT(open_and_read(db_key, old_counter, &rows), HUSH_OK);
    CHECK_EQ_INT(rows, 400);
    CHECK(unchanged());

    memcpy(wrong, db_key, 32);
    wrong[0] ^= 1;
    CHECK_EQ_INT(open_and_read(wrong, old_counter, NULL), HUSH_ERR_STORE_DAMAGED);
    CHECK(unchanged());

    /* A flipped bit in the header and in every block, one at a time (blocks
     * past the database are random and never read). */
    for (p = 0; p <= pages; p++) {
        int rc;
        snap_pages[(size_t) p * HUSH_PAGE_BYTES + 30] ^= 0x10;
        write_all(pages_path, snap_pages, snap_pages_len);
        snap_pages[(size_t) p * HUSH_PAGE_BYTES + 30] ^= 0x10;
        rc = open_and_read(db_key, old_counter, NULL);
        /* The header is the one block the journal can vouch for again:
         * it holds the last commit, which a replay restores. */
        if (p == 0) CHECK_EQ_INT(rc, HUSH_OK);
        else if (p <= used) CHECK_EQ_INT(rc, HUSH_ERR_STORE_DAMAGED);
        else CHECK_EQ_INT(rc, HUSH_OK);
        restore();
    }
    {   /* Two swapped pages. */
        uint8_t tmp[HUSH_PAGE_BYTES];
        memcpy(tmp, snap_pages + 2 * HUSH_PAGE_BYTES, sizeof tmp);
        memcpy(snap_pages + 2 * HUSH_PAGE_BYTES, snap_pages + 3 * HUSH_PAGE_BYTES, sizeof tmp);
        memcpy(snap_pages + 3 * HUSH_PAGE_BYTES, tmp, sizeof tmp);
        write_all(pages_path, snap_pages, snap_pages_len);
        memcpy(tmp, snap_pages + 2 * HUSH_PAGE_BYTES, sizeof tmp);
        memcpy(snap_pages + 2 * HUSH_PAGE_BYTES, snap_pages + 3 * HUSH_PAGE_BYTES, sizeof tmp);
        memcpy(snap_pages + 3 * HUSH_PAGE_BYTES, tmp, sizeof tmp);
        CHECK_EQ_INT(open_and_read(db_key, old_counter, NULL), HUSH_ERR_STORE_DAMAGED);
        restore();
    }
    /* A truncated pages file. */
    write_all(pages_path, snap_pages, HUSH_PAGE_BYTES * 5 + 100);
    CHECK_EQ_INT(open_and_read(db_key, old_counter, NULL), HUSH_ERR_STORE_DAMAGED);
    restore();
    CHECK_EQ_INT(open_and_read(db_key, old_counter, &rows), HUSH_OK);
    CHECK(unchanged());

    /* Put back to an older version: refused once a newer commit is known. */
    db = open_db(old_counter);
    fill(db, 401, 410);
    counter = hush_vfs_counter(db);
    sqlite3_close(db);
    CHECK(counter > old_counter);
    {   /* ...also with the header spoiled, so that only the older journal
         * could say what the database was: it is not replayed. */
        uint8_t *newer, *newer_journal;
        size_t newer_len = read_all(pages_path, &newer), newer_journal_len = read_all(journal_path, &newer_journal);
        newer[30] ^= 0x10;
        write_all(pages_path, newer, newer_len);
        write_all(journal_path, snap_journal, snap_journal_len);
        CHECK_EQ_INT(open_and_read(db_key, counter, NULL), HUSH_ERR_STORE_DAMAGED);
        free(newer);
        newer_len = read_all(pages_path, &newer);
        newer[30] ^= 0x10;
        write_all(pages_path, newer, newer_len);
        write_all(journal_path, newer_journal, newer_journal_len);
        CHECK_EQ_INT(open_and_read(db_key, counter, NULL), HUSH_OK);
        free(newer);
        free(newer_journal);
    }
    restore();
    CHECK_EQ_INT(open_and_read(db_key, counter, NULL), HUSH_ERR_STORE_DAMAGED);
    CHECK(unchanged());

    /* An orphan: written under a key that no longer exists and with no
     * commit recorded under the current one, it is erased; with a commit
     * recorded it is damage, and stays. */
    CHECK_EQ_INT(open_and_read(wrong, 1, NULL), HUSH_ERR_STORE_DAMAGED);
    CHECK(unchanged());
    CHECK_EQ_INT(open_and_read(wrong, 0, &rows), HUSH_ERR_STORE_DAMAGED); /* empty now: no table t */
    CHECK_EQ_INT((int) size_of(pages_path), 0);
    free(snap_pages); free(snap_journal);
    snap_pages = snap_journal = NULL;
}

int
main(void)
{
    char cmd[128];
    if (sodium_init() < 0 || hush_init() != HUSH_OK) return 1;
    test_round_trip_and_isolation();
    test_attachments();
    test_peer_state();
    test_peer_state_migration();
    test_secure_delete_in_place();
    test_commit_cut_short();
    test_sigkill_writer();
    test_tampering();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return check_done();
}
