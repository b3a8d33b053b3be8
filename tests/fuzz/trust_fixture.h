/* Shared by the remote-deletion fuzz targets: a person's vault P with one
 * paired friend F (real vaults in a temporary folder, made once), and
 * valid messages to mutate. */
#ifndef HUSH_FUZZ_TRUST_FIXTURE_H
#define HUSH_FUZZ_TRUST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hush.h"

#define T0 INT64_C(1700000000000)

typedef struct {
    char dir[64];
    hush_vault *v;
    int64_t identity;
    char sid[HUSH_SESSION_ID_CHARS + 1];
} fx_device;

static void
fx_need(int ok)
{
    if (!ok) abort();
}

static void
fx_device_new(fx_device *d, uint8_t n)
{
    uint8_t seed[16] = { n, 0x42 };

    if (d->v) {
        hush_vault_close(d->v);
        d->v = NULL;
    } else {
        strcpy(d->dir, "/tmp/hush-fuzz-XXXXXX");
        fx_need(mkdtemp(d->dir) != NULL);
    }
    fx_need(hush_vault_open(&d->v, d->dir) == HUSH_OK);
    if (hush_vault_state(d->v) != HUSH_VAULT_NEW) fx_need(hush_vault_destroy_keys(d->v) == HUSH_OK);
    fx_need(hush_vault_create(d->v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, T0) == HUSH_OK);
    fx_need(hush_identity_create(d->v, "fuzz", seed, &d->identity) == HUSH_OK);
    fx_need(hush_session_id(d->sid, seed) == HUSH_OK);
}

/* P offers to F; F accepts. *offer and *reply stay valid for P's pending
 * offer until P completes it. */
static int64_t
fx_pair(fx_device *p, fx_device *f, uint8_t offer[HUSH_TRUST_OFFER_BYTES], uint8_t reply[HUSH_TRUST_REPLY_BYTES],
        int complete)
{
    uint8_t *o = NULL, *r = NULL;
    size_t ol, rl;
    char code[HUSH_CONFIRM_CODE_CHARS + 1];
    int64_t id, pairing;

    fx_need(hush_trust_offer(p->v, p->identity, f->sid, T0, &o, &ol, &id) == HUSH_OK);
    fx_need(hush_trust_accept(f->v, f->identity, o, ol, T0, &r, &rl, code, &pairing) == HUSH_OK);
    if (complete) fx_need(hush_trust_complete(p->v, r, rl, T0, code, &id) == HUSH_OK);
    memcpy(offer, o, HUSH_TRUST_OFFER_BYTES);
    memcpy(reply, r, HUSH_TRUST_REPLY_BYTES);
    hush_free(o);
    hush_free(r);
    return pairing;
}

#endif
