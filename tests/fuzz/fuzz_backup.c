/* The backup decoder (core/backup_format.c) on hostile bytes: the header
 * and chunk parser and the records inside authenticated chunks. Inputs
 * are raw streams (the header and chunk parser), or, when the first byte
 * is odd, record bytes that this target seals itself under a fixed key,
 * so the record parser is reached behind a valid header and valid tags.
 * Nothing may crash, leak or read out of bounds; a decoder error must be
 * one of the backup statuses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../core/src/backup_format.h"
#include "hush.h"

static int
count_record(void *ctx, const void *r)
{
    (void) r;
    (*(int *) ctx)++;
    return HUSH_OK;
}

static int
count_data(void *ctx, const uint8_t *data, size_t len)
{
    (void) data;
    (void) len;
    (*(int *) ctx)++;
    return HUSH_OK;
}

static void
check_status(int rc)
{
    if (rc != HUSH_OK && rc != HUSH_ERR_BACKUP_FORMAT && rc != HUSH_ERR_BACKUP_VERSION && rc != HUSH_ERR_BACKUP_KEY &&
        rc != HUSH_ERR_BACKUP_DAMAGED && rc != HUSH_ERR_BACKUP_TRUNCATED && rc != HUSH_ERR_BACKUP_TRAILING &&
        rc != HUSH_ERR_BACKUP_CONTENT) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t key[32];
    int records = 0;
    bk_sink sink = { &records, (void *) count_record, (void *) count_record, (void *) count_record,
                     (void *) count_record, count_data, (void *) count_record };
    bk_decoder *d = NULL;
    uint8_t seed[16] = { 7 };
    int rc;

    if (hush_init() != HUSH_OK) abort();
    bk_key(key, seed);
    if (bk_decoder_new(&d, key, &sink) != HUSH_OK) abort();
    if (size > 0 && (data[0] & 1)) {
        /* A valid identity record, then data[1..] as raw record bytes,
         * sealed in valid chunks (the END record follows them). */
        bk_encoder *e = NULL;
        bk_identity id = { { 7 }, 1, "fuzz" };
        const uint8_t *out;
        size_t out_len, at = 1;
        int done = 0;

        if (bk_encoder_new(&e, key) != HUSH_OK) abort();
        rc = bk_put_identity(e, &id);
        while (rc == HUSH_OK && at < size) {
            size_t n = size - at < BK_DATA_PIECE ? size - at : BK_DATA_PIECE;
            rc = bk_put_raw(e, data + at, n);
            at += n;
            while (rc == HUSH_OK && bk_encoder_pending(e) >= BK_PAYLOAD_MAX) {
                rc = bk_encoder_seal(e, 0, &out, &out_len, &done);
                if (rc == HUSH_OK) check_status(bk_decoder_write(d, out, out_len));
            }
        }
        while (rc == HUSH_OK && !done) {
            rc = bk_encoder_seal(e, 1, &out, &out_len, &done);
            if (rc == HUSH_OK) check_status(bk_decoder_write(d, out, out_len));
        }
        if (rc != HUSH_OK) abort();
        bk_encoder_free(e);
    } else {
        check_status(bk_decoder_write(d, data, size));
    }
    check_status(bk_decoder_finish(d));
    bk_decoder_free(d);
    return 0;
}
