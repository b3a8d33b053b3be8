/* Session IDs and an identity's keys (session_keys.h). */
#include <string.h>

#include <sodium.h>

#include "session_keys.h"
#include "store_internal.h"

int
hush_keys_of(hush_vault *v, int64_t identity, hush_keys *k)
{
    uint8_t seed[HUSH_SEED_BYTES];
    int rc = hush_store_identity_seed(v, identity, seed);

    if (rc == HUSH_OK) rc = hush_identity_keys(seed, k->ed_pk, k->ed_sk, k->x_pk, k->x_sk);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

int
hush_session_id_parse(uint8_t x[32], const char *id)
{
    size_t n;

    if (id == NULL || strlen(id) != HUSH_SESSION_ID_CHARS || id[0] != '0' || id[1] != '5') {
        return HUSH_ERR_SESSION_ID;
    }
    if (sodium_hex2bin(x, 32, id + 2, 64, NULL, &n, NULL) != 0 || n != 32) return HUSH_ERR_SESSION_ID;
    return HUSH_OK;
}

void
hush_session_id_format(char id[HUSH_SESSION_ID_CHARS + 1], const uint8_t x[32])
{
    id[0] = '0';
    id[1] = '5';
    sodium_bin2hex(id + 2, 65, x, 32);
}
