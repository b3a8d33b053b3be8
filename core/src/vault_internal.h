/* What the store needs from the vault (internal to the core). */
#ifndef HUSH_VAULT_INTERNAL_H
#define HUSH_VAULT_INTERNAL_H

#include <stdint.h>

#include "hush.h"

typedef struct hush_store hush_store;

/* The data key while UNLOCKED, else NULL. */
const uint8_t *hush_vault_dek(const hush_vault *vault);
const char *hush_vault_data_dir(const hush_vault *vault);
/* The lock file's clock high-water mark (ms). */
uint64_t hush_vault_clock(const hush_vault *vault);
/* The vault's open store, or NULL; the store is closed (keys zeroed) when
 * the vault locks, is wiped or is closed. */
hush_store **hush_vault_store_slot(hush_vault *vault);

void hush_store_close(hush_store *store);

#endif
