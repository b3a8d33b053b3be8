/* Session IDs and an identity's keys, for the core's parts that sign,
 * seal and open messages (trust.c, message.c). Internal. */
#ifndef HUSH_SESSION_KEYS_H
#define HUSH_SESSION_KEYS_H

#include <stdint.h>

#include "hush.h"

typedef struct {
    uint8_t ed_pk[32], ed_sk[64], x_pk[32], x_sk[32];
} hush_keys;

/* The keys of a stored identity (UNLOCKED); zero them with sodium_memzero. */
int hush_keys_of(hush_vault *vault, int64_t identity, hush_keys *keys);
/* "05" + 64 hex digits -> the X25519 public key (HUSH_ERR_SESSION_ID). */
int hush_session_id_parse(uint8_t x25519_pk[32], const char *id);
void hush_session_id_format(char id[HUSH_SESSION_ID_CHARS + 1], const uint8_t x25519_pk[32]);

#endif
