/* Store internals for the C tests and benchmarks (not exported to wasm). */
#ifndef HUSH_STORE_INTERNAL_H
#define HUSH_STORE_INTERNAL_H

#include <stdint.h>

#include "hush.h"

/* The EXPLAIN QUERY PLAN of sql on the vault's database, one line per step
 * joined with '\n' (allocated; free with hush_free). */
int hush_store_query_plan(hush_vault *vault, const char *sql, char **plan);

/* The store's schema steps (PRAGMA user_version = index + 1); tests/bench
 * builds the same tables without the encrypting VFS. */
extern const char *const *const HUSH_STORE_MIGRATIONS;
extern const int HUSH_STORE_MIGRATION_COUNT;

/* The SQL that finds the next due time (the one hush_sweep uses). */
extern const char *const HUSH_NEXT_DUE_SQL;

/* For the core's other parts that keep rows in the store (trust.c,
 * backup.c). The vault's open database (opened on first use; UNLOCKED
 * only); now_ms advances the store's clock. Commits are recorded in the
 * lock file by the VFS, as for every write of store.c. */
typedef struct sqlite3 sqlite3;
int hush_store_db(hush_vault *vault, sqlite3 **db, int64_t now_ms);
/* The identity's 16-byte seed (HUSH_ERR_NOT_FOUND if none). */
int hush_store_identity_seed(hush_vault *vault, int64_t id, uint8_t seed[HUSH_SEED_BYTES]);
/* A backup export (exclusive = 0) or import (exclusive = 1) that keeps
 * statements or a transaction open across calls takes the database here;
 * one at a time, else HUSH_ERR_BUSY. While an exclusive job holds it,
 * every other store call gets HUSH_ERR_BUSY. closing(ctx) runs when the
 * store closes (lock, wipe): it must finalize the job's statements. */
int hush_store_claim(hush_vault *vault, int exclusive, void (*closing)(void *ctx), void *ctx, sqlite3 **db,
                     int64_t now_ms);
void hush_store_release(hush_vault *vault, void *ctx);
/* Deletes, in bounded batches, every identity listed in the partial
 * table (a restore that did not finish, a removal). */
int hush_store_drop_partial(sqlite3 *db);
/* A SQLite result code as a hush_status. */
int hush_store_status(int sqlite_rc);

#endif
