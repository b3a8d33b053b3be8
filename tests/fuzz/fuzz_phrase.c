/* libFuzzer target: any bytes as a typed recovery phrase. Decoding must
 * never crash, must write a message on every error and leave the seed
 * alone, and what it accepts must re-encode to a phrase that decodes to
 * the same seed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hush.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t seed[HUSH_SEED_BYTES], again[HUSH_SEED_BYTES];
    char phrase[HUSH_PHRASE_MAX], message[HUSH_MESSAGE_MAX];
    char *text = malloc(size + 1); /* the API takes a C string */
    int rc;

    if (text == NULL) return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    memset(seed, 0x5a, sizeof seed);
    message[0] = '\0';
    rc = hush_phrase_decode(seed, text, message);
    free(text);
    if (rc != HUSH_OK) {
        size_t len = strnlen(message, sizeof message);
        if (rc > HUSH_ERR_PHRASE_WORD || rc < HUSH_ERR_PHRASE_RANGE) abort();
        if (len == 0 || len == sizeof message) abort();
        for (size_t i = 0; i < sizeof seed; i++) {
            if (seed[i] != 0x5a) abort();
        }
        return 0;
    }
    if (hush_phrase_encode(phrase, seed) != HUSH_OK) abort();
    if (hush_phrase_decode(again, phrase, NULL) != HUSH_OK) abort();
    if (memcmp(seed, again, sizeof seed) != 0) abort();
    return 0;
}
