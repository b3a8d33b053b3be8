/* libFuzzer target: any bytes as a lock file. Decoding must never crash,
 * and must accept only files that re-encode to the same header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/lockfile.h"
#include "hush.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t file[LF_FILE_BYTES] = { 0 }, again[LF_HEADER_BYTES];
    lf_header h;

    memcpy(file, data, size < sizeof file ? size : sizeof file);
    if (lf_header_decode(&h, file, size) == HUSH_OK) {
        lf_header_encode(again, &h);
        if (memcmp(again, file, LF_HEADER_BYTES) != 0) abort();
    }
    return 0;
}
