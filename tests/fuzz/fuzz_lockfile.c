/* libFuzzer target: any bytes as a lock file (version 3). Decoding must never
 * crash and must accept only files that re-encode to the same header (a
 * failed count past the limit included: it means "wipe now"). The slot
 * check and the meta record's decoder take the rest of the bytes under a
 * fixed key and must never crash; whatever meta record decodes must hold
 * in-range indices. A re-seal of an accepted file must then open again to
 * the same meta record and data key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/lockfile.h"
#include "hush.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_file(uint8_t file[LF_FILE_BYTES], size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t file[LF_FILE_BYTES] = { 0 };
    lf_header h;

    memcpy(file, data, size < sizeof file ? size : sizeof file);
    check_file(file, size);
    /* Random bytes are almost never a valid header, so a second pass puts
     * the header's fields in range (keeping the fuzzed salt, counters and
     * slots) and every input reaches the slots, the meta record and the
     * re-seal. */
    memset(&h, 0, sizeof h);
    h.kind = (uint8_t) (1 + file[12] % 3);
    h.opslimit = 1 + file[16] % HUSH_KDF_OPSLIMIT_MAX;
    h.memlimit_kib = HUSH_KDF_MEMLIMIT_KIB_MIN + file[20];
    memcpy(h.salt, file + 24, sizeof h.salt);
    h.attempt_limit = 1 + file[48] % HUSH_ATTEMPT_LIMIT_MAX;
    h.failed = (uint32_t) file[52] | (uint32_t) file[53] << 8;
    h.not_before_ms = (uint64_t) file[56] << 40;
    h.clock_ms = (uint64_t) file[64] << 40;
    lf_header_encode(file, &h);
    if (check_file(file, LF_FILE_BYTES) != 1) abort();
    return 0;
}

/* 0: refused as a lock file, 1: accepted and every check held. */
static int
check_file(uint8_t file[LF_FILE_BYTES], size_t size)
{
    static const uint8_t dek[32] = { 1, 2, 3 }, key[32] = { 9, 8, 7 };
    uint8_t again[LF_HEADER_BYTES], out[32], index = 0;
    lf_header h;
    lf_meta m, back;
    int outcome;

    if (lf_header_decode(&h, file, size) != HUSH_OK) return 0;
    lf_header_encode(again, &h);
    if (memcmp(again, file, LF_HEADER_BYTES) != 0) abort();

    outcome = lf_slots_check(file + LF_SLOTS_OFFSET, key, file, out, &index);
    if (outcome != 0 && outcome != LF_PAYLOAD_UNLOCK && outcome != LF_PAYLOAD_DURESS) abort();
    if (index >= LF_SLOTS) abort();
    if (lf_meta_open(&m, file + LF_META_OFFSET, dek, file) == HUSH_OK) {
        if (m.unlock_slot >= LF_SLOTS || m.unlock_slot == m.duress_slot ||
            (m.duress_slot != LF_NO_SLOT && m.duress_slot >= LF_SLOTS)) abort();
    }

    /* Round trip through the re-seal rule, with and without a duress slot
     * (chosen by the input, so both are covered). */
    memset(&m, 0, sizeof m);
    memcpy(m.unlock_key, key, 32);
    m.duress_slot = (file[LF_HEADER_BYTES] & 1) ? 0 : LF_NO_SLOT;
    m.duress_key[0] = 0x55;
    m.store_counter = h.clock_ms;
    m.flags = file[LF_HEADER_BYTES] & 2 ? LF_META_REKEY : 0;
    lf_reseal(file, dek, &m);
    if (memcmp(again, file, LF_HEADER_BYTES) != 0) abort(); /* the header is not touched */
    if (lf_meta_open(&back, file + LF_META_OFFSET, dek, file) != HUSH_OK) abort();
    if (back.unlock_slot != m.unlock_slot || back.duress_slot != m.duress_slot ||
        back.flags != m.flags || back.store_counter != m.store_counter ||
        memcmp(back.unlock_key, m.unlock_key, 32) != 0 || memcmp(back.duress_key, m.duress_key, 32) != 0) abort();
    if (lf_slots_check(file + LF_SLOTS_OFFSET, key, file, out, &index) != LF_PAYLOAD_UNLOCK ||
        index != m.unlock_slot || memcmp(out, dek, 32) != 0) abort();
    return 1;
}
