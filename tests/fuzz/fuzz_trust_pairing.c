/* libFuzzer target: the pairing parsers (core/TRUST.md, offer and reply).
 * The first byte picks the parser and whether the rest is taken as it is
 * or XORed onto a valid message (so mutations reach past the length and
 * version checks into the signature, the box and the store lookup). Every
 * answer must be one of the documented ones, and success only for the
 * unmodified message; nothing may crash. */
#include <stdint.h>

#include "trust_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fx_device person, friend_dev;
static uint8_t offer[HUSH_TRUST_OFFER_BYTES], reply[HUSH_TRUST_REPLY_BYTES];
static int ready;

static void
setup(void)
{
    fx_device_new(&person, 1);
    fx_device_new(&friend_dev, 2);
    fx_pair(&person, &friend_dev, offer, reply, 0); /* left pending: the reply stays valid */
    ready = 1;
}

static int
documented(int rc)
{
    return rc == HUSH_OK || rc == HUSH_ERR_TRUST_MESSAGE || rc == HUSH_ERR_TRUST_SIGNATURE ||
           rc == HUSH_ERR_TRUST_PEER || rc == HUSH_ERR_TRUST_NO_OFFER;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t buf[HUSH_TRUST_OFFER_BYTES + 64], *out = NULL;
    size_t n, i, out_len;
    char code[HUSH_CONFIRM_CODE_CHARS + 1];
    int64_t id;
    int mode, rc, changed = 0;

    if (!ready) setup();
    if (size < 1) return 0;
    mode = data[0] & 3;
    data++;
    size--;
    if (mode < 2) {
        n = size < sizeof buf ? size : sizeof buf;
        memcpy(buf, data, n);
    } else {
        const uint8_t *valid = mode == 2 ? offer : reply;
        n = mode == 2 ? HUSH_TRUST_OFFER_BYTES : HUSH_TRUST_REPLY_BYTES;
        memcpy(buf, valid, n);
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
    if (mode == 0 || mode == 2) {
        rc = hush_trust_accept(friend_dev.v, friend_dev.identity, buf, n, T0, &out, &out_len, code, &id);
    } else {
        rc = hush_trust_complete(person.v, buf, n, T0, code, &id);
    }
    if (!documented(rc)) abort();
    if (rc == HUSH_OK && mode < 2) abort();     /* raw bytes never pair */
    if (rc == HUSH_OK && changed) abort();      /* a modified message never pairs */
    hush_free(out);
    if (rc == HUSH_OK && mode == 3) {
        /* The pending offer is completed: free its slot, start a new one. */
        fx_need(hush_trust_revoke(person.v, id) == HUSH_OK);
        fx_pair(&person, &friend_dev, offer, reply, 0);
    }
    return 0;
}
