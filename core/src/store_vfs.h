/* The encrypting, chunking SQLite VFS (internal). See store_vfs.c. */
#ifndef HUSH_STORE_VFS_H
#define HUSH_STORE_VFS_H

#include <stdint.h>

#include <sqlite3.h>

#define HUSH_VFS_NAME "hush"
#define HUSH_PAGE_BYTES 4096
#define HUSH_PAGE_RESERVE 40            /* nonce (24) + tag (16) */
#define HUSH_PAGES_PER_CHUNK 4
#define HUSH_CHUNK_BYTES (HUSH_PAGE_BYTES * HUSH_PAGES_PER_CHUNK)

/* Opens (creating if new) the database whose pages live in dir, encrypted
 * under db_key (32 bytes). The connection is set up for the store: page
 * size, reserve bytes, exclusive locking, in-memory journal, secure delete.
 * Returns a HUSH status; *db is NULL on error. */
int hush_vfs_open_db(sqlite3 **db, const char *dir, const uint8_t db_key[32]);

/* Names of the chunk files of the database under db_key whose size is
 * `pages` pages: calls fn(path, ctx) for each. Used to delete a database's
 * files after its key is gone. */
int hush_vfs_chunk_paths(const char *dir, const uint8_t db_key[32], uint32_t pages,
                         void (*fn)(const char *path, void *ctx), void *ctx);

/* Pages in the open database (the main file), for hush_vfs_chunk_paths. */
uint32_t hush_vfs_page_count(sqlite3 *db);

#endif
