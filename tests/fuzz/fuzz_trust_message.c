/* libFuzzer target: incoming messages to a locked vault (the wipe and
 * drill format, core/TRUST.md). Raw bytes, or the rest XORed onto a valid
 * wipe or drill. Only the unmodified wipe may wipe, only the unmodified
 * drill may count as one, anything else is HUSH_TRUST_NONE and leaves the
 * lock file byte for byte as it was. */
#include <stdint.h>

#include "trust_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fx_device person, friend_dev;
static uint8_t wipe[HUSH_WIPE_MESSAGE_BYTES], drill[HUSH_WIPE_MESSAGE_BYTES];
static uint8_t lock_before[HUSH_LOCKFILE_BYTES];
static char lock_path[96];

static void
read_lock(uint8_t out[HUSH_LOCKFILE_BYTES])
{
    FILE *f = fopen(lock_path, "rb");
    fx_need(f != NULL && fread(out, 1, HUSH_LOCKFILE_BYTES, f) == HUSH_LOCKFILE_BYTES);
    fclose(f);
}

static void
setup(void)
{
    uint8_t offer[HUSH_TRUST_OFFER_BYTES], reply[HUSH_TRUST_REPLY_BYTES];
    char mailbox[HUSH_SESSION_ID_CHARS + 1];
    int64_t pairing;

    fx_device_new(&person, 1);
    if (!friend_dev.v) fx_device_new(&friend_dev, 2);
    pairing = fx_pair(&person, &friend_dev, offer, reply, 1);
    fx_need(hush_trust_make(friend_dev.v, pairing, 0, wipe, mailbox) == HUSH_OK);
    fx_need(hush_trust_make(friend_dev.v, pairing, 1, drill, mailbox) == HUSH_OK);
    fx_need(hush_vault_lock(person.v) == HUSH_OK);
    snprintf(lock_path, sizeof lock_path, "%s/" HUSH_FILE_LOCK, person.dir);
    read_lock(lock_before);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t buf[HUSH_WIPE_MESSAGE_BYTES + 16], after[HUSH_LOCKFILE_BYTES];
    size_t n, i;
    int mode, rc, slot, changed = 0;

    if (!person.v) setup();
    if (size < 1) return 0;
    mode = data[0] % 3;
    data++;
    size--;
    if (mode == 0) {
        n = size < sizeof buf ? size : sizeof buf;
        memcpy(buf, data, n);
        changed = 1;
    } else {
        n = HUSH_WIPE_MESSAGE_BYTES;
        memcpy(buf, mode == 1 ? wipe : drill, n);
        for (i = 0; i < size && i < n; i++) {
            buf[i] ^= data[i];
            changed |= data[i];
        }
        if (size > n) { /* extended by the rest of the input */
            size_t m = size < sizeof buf ? size : sizeof buf;
            memcpy(buf + n, data + n, m - n);
            n = m;
            changed = 1;
        }
    }
    rc = hush_trust_receive(person.v, buf, n, T0, &slot);
    if (rc == HUSH_TRUST_WIPED) {
        if (changed || mode != 1) abort();
        setup(); /* a new vault to go on with */
        return 0;
    }
    if (rc == HUSH_TRUST_DRILL && (changed || mode != 2)) abort();
    if (rc != HUSH_TRUST_NONE && rc != HUSH_TRUST_DRILL) abort();
    read_lock(after);
    if (memcmp(after, lock_before, sizeof after) != 0) abort(); /* locked: nothing written */
    return 0;
}
