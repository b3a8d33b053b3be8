/* The encrypting, in-place SQLite VFS (internal). See store_vfs.c. */
#ifndef HUSH_STORE_VFS_H
#define HUSH_STORE_VFS_H

#include <stdint.h>

#include <sqlite3.h>

#define HUSH_VFS_NAME "hush"
#define HUSH_PAGE_BYTES 4096
#define HUSH_PAGE_RESERVE 40            /* nonce (24) + tag (16) */

/* Called after every commit is durable in the pages file, with its commit
 * counter; a non-zero return fails the commit's xSync (the pages are
 * already in place: the next open sees them). */
typedef int (*hush_vfs_commit_fn)(void *ctx, uint64_t counter);

typedef struct hush_vfs_files {
    const char        *pages;        /* the pages file: header block, then page n at n * 4096 */
    const char        *journal;      /* the commit journal: random between commits */
    uint64_t           min_counter;  /* the lowest commit counter the caller accepts (0: any) */
    hush_vfs_commit_fn on_commit;    /* may be NULL */
    void              *ctx;
} hush_vfs_files;

/* Opens (creating if empty) the database in files->pages, encrypted under
 * db_key (32 bytes). A commit journal left by a crash is replayed first.
 * A pages file that does not authenticate under db_key is, when
 * files->min_counter is 0 (nothing was ever committed under this key), an
 * orphan of a destroyed key: both files are erased and the database starts
 * empty. Otherwise it, or a commit counter below files->min_counter (a
 * rollback), gives HUSH_ERR_STORE_DAMAGED and changes nothing.
 * The connection is set up for the store: page size, reserve bytes,
 * exclusive locking, in-memory rollback journal, secure delete.
 * Returns a HUSH status; *db is NULL on error. */
int hush_vfs_open_db(sqlite3 **db, const hush_vfs_files *files, const uint8_t db_key[32]);

/* The commit counter of the open database (0 before the first commit). */
uint64_t hush_vfs_counter(sqlite3 *db);

/* Tests only: a commit fails on purpose after this step (0: before the
 * journal's header, 1: after the journal, 2: half the pages in place,
 * 3: after the pages), or (4) skips scrubbing the journal's tail; -1:
 * never. */
extern int hush_vfs_fault_step;

/* Pages the pages file has room for: its size class (tests, benchmarks). */
uint32_t hush_vfs_capacity(uint32_t pages);

#endif
