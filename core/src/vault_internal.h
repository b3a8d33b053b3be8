/* What the store needs from the vault (internal to the core). */
#ifndef HUSH_VAULT_INTERNAL_H
#define HUSH_VAULT_INTERNAL_H

#include <stdint.h>

#include "hush.h"

typedef struct hush_store hush_store;

/* The data key while UNLOCKED, else NULL. */
const uint8_t *hush_vault_dek(const hush_vault *vault);
/* Paths of the store's two files (HUSH_FILE_PAGES, HUSH_FILE_JOURNAL). */
const char *hush_vault_pages_path(const hush_vault *vault);
const char *hush_vault_journal_path(const hush_vault *vault);
/* The store's commit counter as the lock file's meta record last recorded
 * it (0: no commit yet under this data key). A store whose own counter is
 * lower was rolled back. */
uint64_t hush_vault_store_counter(const hush_vault *vault);
/* Records a store commit's counter in the meta record, and the store's
 * clock (the largest time it has seen) in the high-water mark, and writes
 * the lock file (re-sealed, flushed). Called by the store after each
 * commit, so the high-water mark is the last time the app wrote anything. */
int hush_vault_store_committed(hush_vault *vault, uint64_t counter, uint64_t clock_ms);
/* 1 if at the unlock that opened this vault the caller's time read more
 * than HUSH_CLOCK_TOLERANCE_MS earlier than the high-water mark. */
int hush_vault_clock_set_back(const hush_vault *vault);
/* The lock file's clock high-water mark (ms). */
uint64_t hush_vault_clock(const hush_vault *vault);
/* The vault's open store, or NULL; the store is closed (keys zeroed) when
 * the vault locks, is wiped or is closed. */
hush_store **hush_vault_store_slot(hush_vault *vault);

void hush_store_close(hush_store *store);

/* Trustee slots (remote deletion, trust.c). The region (HUSH_TRUSTEE_SLOTS
 * x 64 bytes) while LOCKED or UNLOCKED, else NULL. */
const uint8_t *hush_vault_trustee_region(const hush_vault *vault);
/* UNLOCKED: the secret of a free slot (HUSH_ERR_TRUST_FULL if in use). */
int hush_vault_trustee_secret(const hush_vault *vault, unsigned slot, uint8_t secret[32]);
/* UNLOCKED: the slot is in use: its secret is zeroed (lock file written);
 * the slot's bytes do not change. */
int hush_vault_trustee_forget(hush_vault *vault, unsigned slot);
/* UNLOCKED: a fresh secret and slot bytes (revoke; lock file written). */
int hush_vault_trustee_renew(hush_vault *vault, unsigned slot);

#endif
