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

#endif
