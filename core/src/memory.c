/* Memory that holds secrets is zeroed before it is freed.
 *
 * Wasm linear memory has no guard pages and outlives every free(): a page
 * of SQLite's cache or a JSON result freed as it is would keep message
 * bodies and seeds readable in the heap after lock (tests/js/vault.test.mjs
 * scans for them). So SQLite allocates through a wrapper that zeroes each
 * block on free and realloc, and hush_free zeroes what the core hands out.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"
#include "memory.h"

/* Each SQLite block carries its size in front, as xSize needs it. */
#define HEAD 8

static void *
zero_malloc(int n)
{
    uint8_t *p;

    if (n <= 0 || (p = malloc((size_t) n + HEAD)) == NULL) return NULL;
    memcpy(p, &(uint64_t) { (uint64_t) n }, sizeof(uint64_t));
    return p + HEAD;
}

static int
zero_size(void *p)
{
    uint64_t n;

    if (p == NULL) return 0;
    memcpy(&n, (uint8_t *) p - HEAD, sizeof n);
    return (int) n;
}

static void
zero_free(void *p)
{
    if (p == NULL) return;
    sodium_memzero((uint8_t *) p - HEAD, (size_t) zero_size(p) + HEAD);
    free((uint8_t *) p - HEAD);
}

static void *
zero_realloc(void *p, int n)
{
    void *q;
    int have;

    if (p == NULL) return zero_malloc(n);
    if ((q = zero_malloc(n)) == NULL) return NULL;
    have = zero_size(p);
    memcpy(q, p, (size_t) (have < n ? have : n));
    zero_free(p);
    return q;
}

static int zero_roundup(int n) { return (n + 7) & ~7; }
static int zero_init(void *ctx) { (void) ctx; return SQLITE_OK; }
static void zero_shutdown(void *ctx) { (void) ctx; }

static const sqlite3_mem_methods zeroing = {
    zero_malloc, zero_free, zero_realloc, zero_size, zero_roundup, zero_init, zero_shutdown, NULL,
};

int
hush_memory_init(void)
{
    static int done;

    if (done) return HUSH_OK;
    /* Only possible before SQLite's first use. In the core hush_init runs
     * before any; a native program that used SQLite first keeps its own
     * allocator (SQLITE_MISUSE), which is its choice. */
    done = 1;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &zeroing) != SQLITE_OK && sqlite3_initialize() != SQLITE_OK) {
        return HUSH_ERR_INTERNAL;
    }
    return HUSH_OK;
}

void
hush_free(void *p)
{
    if (p == NULL) return;
    sodium_memzero(p, malloc_usable_size(p));
    free(p);
}
