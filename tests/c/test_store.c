/* The store: data survives close and reopen; nothing reaches the files in
 * the clear; a wrong key, a flipped bit in any page, two swapped pages or a
 * truncated chunk each give a clear error and change nothing; identities
 * do not see each other; removing one deletes its files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../../core/src/store_vfs.h"
#include "check.h"
#include "hush.h"

#define T0 INT64_C(1700000000000)
#define CANARY "CANARY-7f3a9c-never-in-the-clear"

static char dir[64], lock_path[96], data_dir[96];

static void
fresh_dir(void)
{
    char cmd[128];
    if (dir[0]) { snprintf(cmd, sizeof cmd, "rm -rf %s", dir); if (system(cmd) != 0) abort(); }
    strcpy(dir, "/tmp/hush-store-XXXXXX");
    if (mkdtemp(dir) == NULL) abort();
    snprintf(lock_path, sizeof lock_path, "%s/lock", dir);
    snprintf(data_dir, sizeof data_dir, "%s/data", dir);
    mkdir(data_dir, 0700);
}

static hush_vault *
unlocked_vault(int create)
{
    hush_vault *v = NULL;
    uint64_t retry;
    CHECK_EQ_INT(hush_vault_open(&v, lock_path, data_dir), HUSH_OK);
    if (create) {
        CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, T0), HUSH_OK);
    } else {
        CHECK_EQ_INT(hush_vault_begin_attempt(v, T0, &retry), HUSH_OK);
        CHECK_EQ_INT(hush_vault_unlock(v, (const uint8_t *) "1234", 4, T0), HUSH_UNLOCK_OK);
    }
    return v;
}

/* Calls fn(path) for every file in data_dir. */
static int
each_file(void (*fn)(const char *path, void *ctx), void *ctx)
{
    DIR *d = opendir(data_dir);
    struct dirent *e;
    char path[512];
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", data_dir, e->d_name);
        fn(path, ctx);
        n++;
    }
    closedir(d);
    return n;
}

static size_t
read_all(const char *path, uint8_t **buf)
{
    FILE *f = fopen(path, "rb");
    long n;
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

static int canary_hits, odd_sizes;

static void
scan_for_canary(const char *path, void *ctx)
{
    uint8_t *buf;
    size_t n = read_all(path, &buf), i, m = strlen(CANARY);
    (void) ctx;
    if (n != HUSH_CHUNK_BYTES) odd_sizes++;
    for (i = 0; i + m <= n; i++) if (memcmp(buf + i, CANARY, m) == 0) canary_hits++;
    free(buf);
}

static int
count_in(const char *json, const char *needle)
{
    int n = 0;
    for (const char *p = json; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

static void
test_round_trip_and_isolation(void)
{
    hush_vault *v;
    int64_t a, b, id;
    char *json = NULL;
    int i, files_before;

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

    /* Nothing in the clear, every file the same size. */
    canary_hits = odd_sizes = 0;
    files_before = each_file(scan_for_canary, NULL);
    CHECK(files_before > 4);
    CHECK_EQ_INT(canary_hits, 0);
    CHECK_EQ_INT(odd_sizes, 0);

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
    CHECK_EQ_INT(hush_identity_list(v, &json), HUSH_OK);
    CHECK(strstr(json, "\"name\":\"alice\"") && strstr(json, "\"name\":\"bob\"") && strstr(json, "\"sessionId\":\"05"));
    hush_free(json);

    /* Removing Bob deletes his files and only his. */
    CHECK_EQ_INT(hush_identity_remove(v, b), HUSH_OK);
    CHECK(each_file(scan_for_canary, NULL) < files_before);
    CHECK_EQ_INT(hush_messages(v, b, "dave", 0, 10, T0, &json), HUSH_ERR_NOT_FOUND);
    CHECK_EQ_INT(hush_messages(v, a, "carol", 0, 1, T0, &json), HUSH_OK);
    hush_free(json);
    /* Locking closes the store. */
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    CHECK_EQ_INT(hush_messages(v, a, "carol", 0, 1, T0, &json), HUSH_ERR_STATE);
    hush_vault_close(v);
}

static void
test_attachments(void)
{
    hush_vault *v;
    int64_t a, msg, att;
    uint8_t *data = malloc(50000), *back = NULL;
    size_t len = 0, i;

    fresh_dir();
    v = unlocked_vault(1);
    for (i = 0; i < 50000; i++) data[i] = (uint8_t) (i * 7);
    memcpy(data + 1000, CANARY, strlen(CANARY));
    CHECK_EQ_INT(hush_identity_create(v, "alice", NULL, &a), HUSH_OK);
    CHECK_EQ_INT(hush_message_add(v, a, "c", "me", (const uint8_t *) "photo", 5, T0, 1, -1, 0, T0, &msg), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, a, msg, "photo.jpg", "image/jpeg", data, 50000, &att), HUSH_OK);
    CHECK_EQ_INT(hush_attachment_add(v, a, msg + 1, "x", "y", data, 1, &att), HUSH_ERR_NOT_FOUND);
    CHECK_EQ_INT(hush_attachment_get(v, a, att, &back, &len), HUSH_OK);
    CHECK(len == 50000 && memcmp(back, data, len) == 0);
    hush_free(back);
    canary_hits = odd_sizes = 0;
    each_file(scan_for_canary, NULL);
    CHECK_EQ_INT(canary_hits, 0);
    CHECK_EQ_INT(odd_sizes, 0);
    hush_vault_close(v);
    free(data);
}

/* ---- tampering, on one database opened through the VFS directly ------- */

static uint8_t db_key[32];
static char **chunk_list;
static int chunk_count;

static void
collect_chunk(const char *path, void *ctx)
{
    (void) ctx;
    chunk_list = realloc(chunk_list, sizeof(char *) * (size_t) (chunk_count + 1));
    chunk_list[chunk_count++] = strdup(path);
}

/* Opens the database and reads every row and page; returns the HUSH status. */
static int
open_and_read(const uint8_t key[32])
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = hush_vfs_open_db(&db, data_dir, key), step;

    if (rc != HUSH_OK) return rc;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT group_concat(v) FROM t), (SELECT integrity_check FROM pragma_integrity_check)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = HUSH_ERR_STORE_DAMAGED;
    } else {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW) rc = (step & 0xff) == SQLITE_IOERR ? HUSH_ERR_STORE_DAMAGED : HUSH_ERR_STORE;
        else if (strcmp((const char *) sqlite3_column_text(st, 1), "ok") != 0) rc = HUSH_ERR_STORE_DAMAGED;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static uint8_t *snapshot[64];
static size_t snapshot_len[64];

static void
take_snapshot(void)
{
    int i;
    for (i = 0; i < chunk_count; i++) snapshot_len[i] = read_all(chunk_list[i], &snapshot[i]);
}

static int
unchanged(void)
{
    int i, same = 1;
    for (i = 0; i < chunk_count; i++) {
        uint8_t *now;
        size_t n = read_all(chunk_list[i], &now);
        same &= n == snapshot_len[i] && memcmp(now, snapshot[i], n) == 0;
        free(now);
    }
    return same;
}

static void
restore(void)
{
    int i;
    for (i = 0; i < chunk_count; i++) write_all(chunk_list[i], snapshot[i], snapshot_len[i]);
}

static void
test_tampering(void)
{
    sqlite3 *db = NULL;
    uint8_t wrong[32];
    uint32_t pages, p, q;
    int i;

    fresh_dir();
    randombytes_buf(db_key, sizeof db_key);
    CHECK_EQ_INT(hush_vfs_open_db(&db, data_dir, db_key), HUSH_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "CREATE TABLE t(v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n"
                                  " WHERE i < 400) INSERT INTO t SELECT printf('row %d " CANARY "', i) FROM n;",
                              NULL, NULL, NULL), SQLITE_OK);
    pages = hush_vfs_page_count(db);
    sqlite3_close(db);
    CHECK(pages >= 6);
    hush_vfs_chunk_paths(data_dir, db_key, pages, collect_chunk, NULL);
    CHECK_EQ_INT(chunk_count, (int) ((pages + 3) / 4));
    take_snapshot();
    CHECK_EQ_INT(open_and_read(db_key), HUSH_OK);
    CHECK(unchanged());

    memcpy(wrong, db_key, 32);
    wrong[0] ^= 1;
    CHECK_EQ_INT(open_and_read(wrong), HUSH_ERR_STORE_DAMAGED);
    CHECK(unchanged());

    for (p = 0; p < pages; p++) { /* a flipped bit in every page, one at a time */
        int c = (int) (p / 4);
        snapshot[c][(p % 4) * HUSH_PAGE_BYTES + 1234 % HUSH_PAGE_BYTES] ^= 0x10;
        write_all(chunk_list[c], snapshot[c], snapshot_len[c]);
        snapshot[c][(p % 4) * HUSH_PAGE_BYTES + 1234 % HUSH_PAGE_BYTES] ^= 0x10;
        CHECK_EQ_INT(open_and_read(db_key), HUSH_ERR_STORE_DAMAGED);
        restore();
    }
    for (p = 0, q = pages - 1; p < 2; p++, q--) { /* swapped pages: within and across chunks */
        uint8_t tmp[HUSH_PAGE_BYTES];
        uint32_t a = p, b = p == 0 ? 1 : q;
        uint8_t *pa = snapshot[a / 4] + (a % 4) * HUSH_PAGE_BYTES, *pb = snapshot[b / 4] + (b % 4) * HUSH_PAGE_BYTES;
        memcpy(tmp, pa, sizeof tmp); memcpy(pa, pb, sizeof tmp); memcpy(pb, tmp, sizeof tmp);
        for (i = 0; i < chunk_count; i++) write_all(chunk_list[i], snapshot[i], snapshot_len[i]);
        memcpy(tmp, pa, sizeof tmp); memcpy(pa, pb, sizeof tmp); memcpy(pb, tmp, sizeof tmp);
        CHECK_EQ_INT(open_and_read(db_key), HUSH_ERR_STORE_DAMAGED);
        restore();
    }
    /* A truncated chunk, and a missing one. */
    write_all(chunk_list[chunk_count - 1], snapshot[chunk_count - 1], HUSH_PAGE_BYTES * 1 + 100);
    CHECK_EQ_INT(open_and_read(db_key), HUSH_ERR_STORE_DAMAGED);
    restore();
    unlink(chunk_list[1]);
    CHECK_EQ_INT(open_and_read(db_key), HUSH_ERR_STORE_DAMAGED);
    restore();
    CHECK_EQ_INT(open_and_read(db_key), HUSH_OK);
    CHECK(unchanged());
    for (i = 0; i < chunk_count; i++) { free(chunk_list[i]); free(snapshot[i]); }
    free(chunk_list);
}

int
main(void)
{
    char cmd[128];
    if (sodium_init() < 0) return 1;
    test_round_trip_and_isolation();
    test_attachments();
    test_tampering();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return check_done();
}
