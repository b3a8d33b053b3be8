/* ctgrind (after Monocypher's tests/ctgrind.c and Adam Langley's ctgrind):
 * run the slot check with the lock key and every slot byte marked
 * "undefined" for Valgrind's memcheck. Any branch or memory index that
 * depends on them is reported as a use of uninitialised data, and
 * `valgrind --error-exitcode=1` fails the test. The outcome is declassified
 * (marked defined) only after the check returns.
 *
 *   ctgrind_slots            the real checks (unlock slots, then the
 *                            trustee slots against a wipe, a drill and a
 *                            message no slot verifies): must be clean
 *   ctgrind_slots --control  the same data through crypto_aead_*_decrypt,
 *                            which branches on the tag: must be reported
 *                            (ctest expects this one to fail), which shows
 *                            the harness can see a branch. */
#include <string.h>

#include <sodium.h>
#include <valgrind/memcheck.h>

#include "../../core/src/lockfile.h"
#include "hush.h"

/* The remote-deletion check, the same way: the trustee region and the
 * incoming message are secret; a wipe, a drill and a non-matching message
 * must take one path. */
static int
check_trustees(void)
{
    uint8_t region[LF_TRUSTEES * LF_TRUSTEE_BYTES], secrets[2][32], msg[HUSH_WIPE_MESSAGE_BYTES], index = 0;
    int outcome = 0, i;

    randombytes_buf(region, sizeof region);
    randombytes_buf(secrets, sizeof secrets);
    lf_trustee_derive(region + 2 * LF_TRUSTEE_BYTES, secrets[0]);
    lf_trustee_derive(region + 5 * LF_TRUSTEE_BYTES, secrets[1]);
    for (i = 0; i < 3; i++) {
        if (i == 2) randombytes_buf(secrets[0], 32);   /* a secret no slot verifies */
        lf_wipe_message_seal(msg, secrets[i == 1], i == 1 ? LF_WIPE_KIND_DRILL : LF_WIPE_KIND_WIPE);
        VALGRIND_MAKE_MEM_UNDEFINED(region, sizeof region);
        VALGRIND_MAKE_MEM_UNDEFINED(msg, sizeof msg);
        outcome = lf_trustees_check(region, msg, &index);
        VALGRIND_MAKE_MEM_DEFINED(&outcome, sizeof outcome);
        VALGRIND_MAKE_MEM_DEFINED(&index, sizeof index);
        VALGRIND_MAKE_MEM_DEFINED(region, sizeof region);
        VALGRIND_MAKE_MEM_DEFINED(msg, sizeof msg);
        if (outcome != (i == 0 ? (int) LF_WIPE_KIND_WIPE : i == 1 ? (int) LF_WIPE_KIND_DRILL : 0) ||
            (i < 2 && index != (i == 0 ? 2 : 5))) {
            return 4;
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    uint8_t file[LF_FILE_BYTES], unlock_key[32], duress_key[32], dek[32], out[32], index = 0;
    uint8_t *slots = file + LF_SLOTS_OFFSET, payload[LF_PAYLOAD_BYTES];
    int outcome = 0, i;
    const int control = argc > 1 && strcmp(argv[1], "--control") == 0;

    if (sodium_init() < 0) return 2;
    randombytes_buf(file, sizeof file);
    memset(file + 8, 0, LF_BOUND_BYTES - 8);
    randombytes_buf(unlock_key, sizeof unlock_key);
    randombytes_buf(duress_key, sizeof duress_key);
    randombytes_buf(dek, sizeof dek);
    lf_slot_seal(slots + 3 * LF_SLOT_BYTES, unlock_key, LF_PAYLOAD_UNLOCK, dek, file, 3);
    lf_slot_seal(slots + 6 * LF_SLOT_BYTES, duress_key, LF_PAYLOAD_DURESS, out, file, 6);

    /* Three runs: the right key, the duress key, a wrong key. */
    for (i = 0; i < 3; i++) {
        uint8_t key[32];
        memcpy(key, i == 0 ? unlock_key : i == 1 ? duress_key : dek, sizeof key);
        VALGRIND_MAKE_MEM_UNDEFINED(key, sizeof key);
        VALGRIND_MAKE_MEM_UNDEFINED(slots, LF_SLOTS * LF_SLOT_BYTES);
        if (!control) {
            outcome = lf_slots_check(slots, key, file, out, &index);
        } else {
            uint8_t ad[LF_BOUND_BYTES + 1];
            memcpy(ad, file, LF_BOUND_BYTES);
            ad[LF_BOUND_BYTES] = 3;
            outcome = crypto_aead_xchacha20poly1305_ietf_decrypt(payload, NULL, NULL, slots + 3 * LF_SLOT_BYTES + 24,
                                                                 LF_PAYLOAD_BYTES + 16, ad, sizeof ad,
                                                                 slots + 3 * LF_SLOT_BYTES, key) == 0;
        }
        VALGRIND_MAKE_MEM_DEFINED(&outcome, sizeof outcome);
        VALGRIND_MAKE_MEM_DEFINED(out, sizeof out);
        VALGRIND_MAKE_MEM_DEFINED(&index, sizeof index);
        VALGRIND_MAKE_MEM_DEFINED(slots, LF_SLOTS * LF_SLOT_BYTES);
        if (!control) {
            const int want = i == 0 ? LF_PAYLOAD_UNLOCK : i == 1 ? LF_PAYLOAD_DURESS : 0;
            if (outcome != want || (i < 2 && index != (i == 0 ? 3 : 6)) || (i == 0 && memcmp(out, dek, 32) != 0)) {
                return 3; /* wrong answer, which Valgrind would not catch */
            }
        }
    }
    return control ? 0 : check_trustees();
}
