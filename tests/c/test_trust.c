/* Remote deletion (core/TRUST.md), tested the way an adversary attacks it:
 * every version of the lock file is kept and compared; pairing, drills
 * and every unlocked write must leave the trustee region byte for byte as
 * it was; a wipe message must wipe, and nothing else (wrong secret,
 * another device's, a revoked friend's, truncated, flipped, random) may
 * change one byte of any vault file. A statistical test over a few hundred
 * lock files finds no difference between used and free trustee slots, and
 * its control, a planted one-bit bias, is caught. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../core/src/lockfile.h"
#include "../../core/src/vault_internal.h"
#include "check.h"
#include "stats.h"
#include "hush.h"

#define T0 INT64_C(1700000000000)

typedef struct {
    char dir[64];
    hush_vault *v;
    int64_t identity;
    char sid[HUSH_SESSION_ID_CHARS + 1];
} device;

static int devices_made;

static void
seed_of(uint8_t seed[16], int n)
{
    memset(seed, 0, 16);
    seed[0] = (uint8_t) n;
    seed[1] = (uint8_t) (n >> 8);
    seed[15] = 0x5a;
}

static void
device_new(device *d, int n)
{
    uint8_t seed[16];

    strcpy(d->dir, "/tmp/hush-trust-XXXXXX");
    if (mkdtemp(d->dir) == NULL) abort();
    CHECK_EQ_INT(hush_vault_open(&d->v, d->dir), HUSH_OK);
    CHECK_EQ_INT(hush_vault_create(d->v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, T0), HUSH_OK);
    seed_of(seed, n);
    CHECK_EQ_INT(hush_identity_create(d->v, "me", seed, &d->identity), HUSH_OK);
    CHECK_EQ_INT(hush_session_id(d->sid, seed), HUSH_OK);
    devices_made++;
}

static void
device_free(device *d)
{
    char cmd[96];
    hush_vault_close(d->v);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d->dir);
    if (system(cmd) != 0) abort();
}

static void
lock_dev(device *d)
{
    CHECK_EQ_INT(hush_vault_lock(d->v), HUSH_OK);
}

static void
unlock_dev(device *d, int64_t now)
{
    uint64_t retry;
    CHECK_EQ_INT(hush_vault_begin_attempt(d->v, (uint64_t) now, &retry), HUSH_OK);
    CHECK_EQ_INT(hush_vault_unlock(d->v, (const uint8_t *) "1234", 4, (uint64_t) now), HUSH_UNLOCK_OK);
}

/* The three files, concatenated with their sizes: "nothing changed" is
 * this snapshot unchanged. */
typedef struct { uint8_t *bytes; size_t len; } snapshot;

static void
snap(snapshot *s, const device *d)
{
    static const char *const names[] = { HUSH_FILE_LOCK, HUSH_FILE_PAGES, HUSH_FILE_JOURNAL };
    char path[96];
    size_t cap = 1 << 16;
    int i;

    s->bytes = malloc(cap);
    s->len = 0;
    for (i = 0; i < 3; i++) {
        FILE *f;
        size_t n;
        snprintf(path, sizeof path, "%s/%s", d->dir, names[i]);
        f = fopen(path, "rb");
        for (;;) {
            if (s->len + 4096 > cap) s->bytes = realloc(s->bytes, cap *= 2);
            n = f ? fread(s->bytes + s->len, 1, 4096, f) : 0;
            s->len += n;
            if (n < 4096) break;
        }
        if (f) fclose(f);
        s->bytes[s->len++] = 0xee; /* separator, so sizes count */
    }
}

static int
snap_same(const snapshot *a, const snapshot *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

static void
lock_bytes(const device *d, uint8_t out[LF_FILE_BYTES])
{
    char path[96];
    FILE *f;
    snprintf(path, sizeof path, "%s/" HUSH_FILE_LOCK, d->dir);
    f = fopen(path, "rb");
    memset(out, 0, LF_FILE_BYTES);
    if (f) {
        if (fread(out, 1, LF_FILE_BYTES, f) != LF_FILE_BYTES) memset(out, 0, LF_FILE_BYTES);
        fclose(f);
    }
}

static int
region_same(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a + LF_TRUSTEES_OFFSET, b + LF_TRUSTEES_OFFSET, LF_TRUSTEES * LF_TRUSTEE_BYTES) == 0;
}

/* person p makes friend f a trustee; returns the friend's pairing id. */
static int64_t
pair(device *p, device *f, int64_t *trustee_id)
{
    uint8_t *offer = NULL, *reply = NULL;
    size_t offer_len = 0, reply_len = 0;
    char code_p[HUSH_CONFIRM_CODE_CHARS + 1] = "", code_f[HUSH_CONFIRM_CODE_CHARS + 1] = "";
    int64_t pairing = 0, tid = 0;

    CHECK_EQ_INT(hush_trust_offer(p->v, p->identity, f->sid, T0 + 1, &offer, &offer_len, &tid), HUSH_OK);
    CHECK_EQ_INT(offer_len, HUSH_TRUST_OFFER_BYTES);
    CHECK_EQ_INT(hush_trust_accept(f->v, f->identity, offer, offer_len, T0 + 2, &reply, &reply_len, code_f, &pairing),
                 HUSH_OK);
    CHECK_EQ_INT(reply_len, HUSH_TRUST_REPLY_BYTES);
    CHECK_EQ_INT(hush_trust_complete(p->v, reply, reply_len, T0 + 3, code_p, &tid), HUSH_OK);
    CHECK(strlen(code_p) == 7 && code_p[3] == ' ');
    CHECK(strcmp(code_p, code_f) == 0);
    hush_free(offer);
    hush_free(reply);
    if (trustee_id) *trustee_id = tid;
    return pairing;
}

static int
receive(device *d, const uint8_t *msg, size_t len, int *slot)
{
    return hush_trust_receive(d->v, msg, len, T0 + 100, slot);
}

/* ---- pairing, codes, and what the lock file shows of it ------------------ */

static void
test_pairing_leaves_no_trace(void)
{
    device p, f;
    uint8_t before[LF_FILE_BYTES], after[LF_FILE_BYTES];
    char *json = NULL, mailboxes[HUSH_TRUSTEE_SLOTS * HUSH_SESSION_ID_CHARS + 1], mailbox[HUSH_SESSION_ID_CHARS + 1];
    uint8_t msg[HUSH_WIPE_MESSAGE_BYTES];
    int64_t pairing, tid;
    int i, j;

    device_new(&p, 1);
    device_new(&f, 2);
    CHECK_EQ_INT(hush_trust_mailboxes(p.v, mailboxes), HUSH_OK);
    for (i = 0; i < HUSH_TRUSTEE_SLOTS; i++) {
        CHECK(strncmp(mailboxes + i * HUSH_SESSION_ID_CHARS, "05", 2) == 0);
        for (j = 0; j < i; j++) {
            CHECK(memcmp(mailboxes + i * 66, mailboxes + j * 66, 66) != 0);
        }
    }
    lock_bytes(&p, before);
    pairing = pair(&p, &f, &tid);
    lock_bytes(&p, after);
    CHECK(region_same(before, after));                 /* pairing changed no trustee byte */
    CHECK(memcmp(before + LF_META_OFFSET, after + LF_META_OFFSET, LF_META_BYTES) != 0); /* but was written */

    CHECK_EQ_INT(hush_trustees(p.v, &json), HUSH_OK);
    CHECK(strstr(json, f.sid) != NULL && strstr(json, "\"paired\"") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_trust_protected(f.v, &json), HUSH_OK);
    CHECK(strstr(json, p.sid) != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_trust_protected(p.v, &json), HUSH_OK);
    CHECK(strcmp(json, "[]") == 0);
    hush_free(json);

    /* The friend's mailbox is one of the eight the person polls. */
    CHECK_EQ_INT(hush_trust_make(f.v, pairing, 1, msg, mailbox), HUSH_OK);
    CHECK(strstr(mailboxes, mailbox) != NULL);

    /* Lock, unlock, more writes: the region never moves. */
    lock_dev(&p);
    unlock_dev(&p, T0 + 10);
    CHECK_EQ_INT(hush_vault_set_duress(p.v, (const uint8_t *) "9999", 4), HUSH_OK);
    CHECK_EQ_INT(hush_vault_set_attempt_limit(p.v, 5), HUSH_OK);
    lock_dev(&p);
    lock_bytes(&p, after);
    CHECK(region_same(before, after));
    CHECK_EQ_INT(hush_trust_mailboxes(p.v, mailboxes), HUSH_OK);
    CHECK(strstr(mailboxes, mailbox) != NULL);   /* and polls the same mailboxes locked */

    device_free(&p);
    device_free(&f);
}

/* ---- wipe, drill, and everything that must change nothing ---------------- */

static void
test_wipe_drill_and_junk(void)
{
    device p, f1, f2, f3, other;
    uint8_t wipe1[HUSH_WIPE_MESSAGE_BYTES], wipe2[HUSH_WIPE_MESSAGE_BYTES], drill1[HUSH_WIPE_MESSAGE_BYTES];
    uint8_t other_wipe[HUSH_WIPE_MESSAGE_BYTES], junk[HUSH_WIPE_MESSAGE_BYTES + 1];
    uint8_t before[LF_FILE_BYTES], after[LF_FILE_BYTES];
    char mailbox[HUSH_SESSION_ID_CHARS + 1], *json = NULL;
    int64_t pair1, pair2, pair3, pair_other, t1, t2, t3, t_other;
    snapshot s0, s1;
    int slot, i, diff_slots;

    device_new(&p, 10);
    device_new(&f1, 11);
    device_new(&f2, 12);
    device_new(&f3, 13);
    device_new(&other, 14);
    pair1 = pair(&p, &f1, &t1);
    pair2 = pair(&p, &f2, &t2);
    pair3 = pair(&p, &f3, &t3);
    pair_other = pair(&other, &f1, &t_other); /* f1 also protects another device */
    (void) pair3; (void) t3; (void) t_other;

    /* A drill, unlocked: recorded, nothing wiped. */
    CHECK_EQ_INT(hush_trust_make(f1.v, pair1, 1, drill1, mailbox), HUSH_OK);
    CHECK_EQ_INT(receive(&p, drill1, sizeof drill1, &slot), HUSH_TRUST_DRILL);
    CHECK(slot >= 0 && slot < HUSH_TRUSTEE_SLOTS);
    CHECK_EQ_INT(hush_vault_state(p.v), HUSH_VAULT_UNLOCKED);
    CHECK_EQ_INT(hush_trustees(p.v, &json), HUSH_OK);
    CHECK(strstr(json, "\"drillAt\":1700000000100") != NULL);
    hush_free(json);

    /* Revoke f2: exactly one trustee slot changes. */
    lock_bytes(&p, before);
    CHECK_EQ_INT(hush_trust_revoke(p.v, t2), HUSH_OK);
    lock_bytes(&p, after);
    diff_slots = 0;
    for (i = 0; i < (int) LF_TRUSTEES; i++) {
        diff_slots += memcmp(before + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES,
                             after + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES, LF_TRUSTEE_BYTES) != 0;
    }
    CHECK_EQ_INT(diff_slots, 1);
    CHECK_EQ_INT(hush_trust_revoke(p.v, t2), HUSH_ERR_NOT_FOUND);

    lock_dev(&p);
    CHECK_EQ_INT(hush_trust_make(f2.v, pair2, 0, wipe2, mailbox), HUSH_OK);
    CHECK_EQ_INT(hush_trust_make(f1.v, pair_other, 0, other_wipe, mailbox), HUSH_OK);
    CHECK_EQ_INT(hush_trust_make(f1.v, pair1, 0, wipe1, mailbox), HUSH_OK);

    /* Locked, nothing below may change one byte of any file. */
    snap(&s0, &p);
    CHECK_EQ_INT(receive(&p, drill1, sizeof drill1, &slot), HUSH_TRUST_DRILL); /* locked drill: nothing written */
    CHECK_EQ_INT(receive(&p, wipe2, sizeof wipe2, &slot), HUSH_TRUST_NONE);    /* revoked friend */
    CHECK_EQ_INT(receive(&p, other_wipe, sizeof other_wipe, &slot), HUSH_TRUST_NONE); /* another device's */
    CHECK_EQ_INT(receive(&p, wipe1, sizeof wipe1 - 1, &slot), HUSH_TRUST_NONE); /* truncated */
    memcpy(junk, wipe1, sizeof wipe1);
    junk[sizeof wipe1] = 0;
    CHECK_EQ_INT(receive(&p, junk, sizeof wipe1 + 1, &slot), HUSH_TRUST_NONE);  /* extended */
    for (i = 0; i < HUSH_WIPE_MESSAGE_BYTES; i += 7) {                            /* one flipped bit anywhere */
        memcpy(junk, wipe1, sizeof wipe1);
        junk[i] ^= (uint8_t) (1u << (i % 8));
        CHECK_EQ_INT(receive(&p, junk, sizeof wipe1, &slot), HUSH_TRUST_NONE);
    }
    for (i = 0; i < 50; i++) {                                                   /* random bytes */
        randombytes_buf(junk, sizeof wipe1);
        CHECK_EQ_INT(receive(&p, junk, sizeof wipe1, &slot), HUSH_TRUST_NONE);
    }
    CHECK_EQ_INT(receive(&p, NULL, 0, &slot), HUSH_TRUST_NONE);
    snap(&s1, &p);
    CHECK(snap_same(&s0, &s1));
    free(s0.bytes);
    free(s1.bytes);

    /* f1's wipe, locked: the vault is gone, on disk too. */
    CHECK_EQ_INT(receive(&p, wipe1, sizeof wipe1, &slot), HUSH_TRUST_WIPED);
    CHECK_EQ_INT(hush_vault_state(p.v), HUSH_VAULT_NEW);
    snap(&s0, &p);
    CHECK_EQ_INT(s0.len, 3); /* three empty files (the separators) */
    free(s0.bytes);
    /* Replay after the wipe: nothing to match. */
    CHECK_EQ_INT(receive(&p, wipe1, sizeof wipe1, &slot), HUSH_TRUST_NONE);
    /* The other device f1 protects is untouched by the replayed trigger. */
    snap(&s0, &other);
    CHECK_EQ_INT(receive(&other, wipe1, sizeof wipe1, &slot), HUSH_TRUST_NONE);
    snap(&s1, &other);
    CHECK(snap_same(&s0, &s1));
    free(s0.bytes);
    free(s1.bytes);
    /* ... and its own trigger wipes it while unlocked too. */
    CHECK_EQ_INT(receive(&other, other_wipe, sizeof other_wipe, &slot), HUSH_TRUST_WIPED);
    CHECK_EQ_INT(hush_vault_state(other.v), HUSH_VAULT_NEW);

    device_free(&p);
    device_free(&f1);
    device_free(&f2);
    device_free(&f3);
    device_free(&other);
}

/* The slot an offer took: the one whose secret is gone. */
static int
used_slot(device *d, int skip)
{
    uint8_t secret[32];
    int i;
    for (i = 0; i < HUSH_TRUSTEE_SLOTS; i++) {
        if (i != skip && hush_vault_trustee_secret(d->v, (unsigned) i, secret) == HUSH_ERR_TRUST_FULL) return i;
    }
    return -1;
}

/* Killed between the two writes of an offer (store row, then the lock
 * file's secret forgotten) or of a revoke (new slot, then the row
 * deleted): the next use of the store puts them back in step. Simulated by
 * renewing the slot's secret under the row, which is the state either kill
 * leaves on disk. */
static void
test_killed_between_writes(void)
{
    device p, f;
    uint8_t *offer = NULL, secret[32], wipe[HUSH_WIPE_MESSAGE_BYTES];
    size_t len;
    char *json = NULL, mailbox[HUSH_SESSION_ID_CHARS + 1];
    int64_t id, pairing;
    int slot, rslot;

    device_new(&p, 60);
    device_new(&f, 61);
    /* An offer whose secret was not yet forgotten: it is, at next use. */
    CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, f.sid, T0, &offer, &len, &id), HUSH_OK);
    hush_free(offer);
    slot = used_slot(&p, -1);
    CHECK(slot >= 0);
    CHECK_EQ_INT(hush_vault_trustee_renew(p.v, (unsigned) slot), HUSH_OK);
    CHECK_EQ_INT(hush_vault_trustee_secret(p.v, (unsigned) slot, secret), HUSH_OK);
    CHECK_EQ_INT(hush_trustees(p.v, &json), HUSH_OK);          /* reconciles */
    CHECK(strstr(json, "pending") != NULL);
    hush_free(json);
    CHECK_EQ_INT(hush_vault_trustee_secret(p.v, (unsigned) slot, secret), HUSH_ERR_TRUST_FULL);
    CHECK_EQ_INT(hush_trust_revoke(p.v, id), HUSH_OK);

    /* A revoke whose row survived the kill: the row goes, the friend's
     * wipe matches nothing. */
    pairing = pair(&p, &f, &id);
    rslot = used_slot(&p, -1);
    CHECK(rslot >= 0);
    CHECK_EQ_INT(hush_vault_trustee_renew(p.v, (unsigned) rslot), HUSH_OK);
    CHECK_EQ_INT(hush_trustees(p.v, &json), HUSH_OK);
    CHECK(strcmp(json, "[]") == 0);
    hush_free(json);
    CHECK_EQ_INT(hush_trust_make(f.v, pairing, 0, wipe, mailbox), HUSH_OK);
    CHECK_EQ_INT(receive(&p, wipe, sizeof wipe, &slot), HUSH_TRUST_NONE);
    CHECK_EQ_INT(hush_vault_state(p.v), HUSH_VAULT_UNLOCKED);
    device_free(&p);
    device_free(&f);
}

/* Whoever holds an image has every slot's mailbox seed, so the transport
 * key too: a message built from it with a made-up secret must still fail
 * on the one-way verifier. */
static void
test_image_holder_cannot_trigger(void)
{
    device p;
    uint8_t bytes[LF_FILE_BYTES], msg[HUSH_WIPE_MESSAGE_BYTES], plain[256], transport[32], key[32], eph_sk[32];
    static const uint8_t nonce[24];
    crypto_generichash_state st;
    snapshot s0, s1;
    int i, slot;

    device_new(&p, 50);
    lock_dev(&p);
    lock_bytes(&p, bytes);
    snap(&s0, &p);
    for (i = 0; i < (int) LF_TRUSTEES; i++) {
        crypto_kdf_derive_from_key(transport, 32, 1, "hushmbox", bytes + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES);
        crypto_box_keypair(msg, eph_sk);
        crypto_generichash_init(&st, transport, 32, 32);
        crypto_generichash_update(&st, (const uint8_t *) "hush-wipe-v1", 12);
        crypto_generichash_update(&st, msg, 32);
        crypto_generichash_final(&st, key, 32);
        randombytes_buf(plain, sizeof plain);
        plain[0] = 1;
        plain[1] = LF_WIPE_KIND_WIPE;
        memset(plain + 2, 0, 6);
        crypto_aead_xchacha20poly1305_ietf_encrypt(msg + 32, NULL, plain, sizeof plain, NULL, 0, NULL, nonce, key);
        CHECK_EQ_INT(receive(&p, msg, sizeof msg, &slot), HUSH_TRUST_NONE);
    }
    snap(&s1, &p);
    CHECK(snap_same(&s0, &s1));
    free(s0.bytes);
    free(s1.bytes);
    device_free(&p);
}

/* A duress unlock makes a new vault with new trustee slots: the old
 * friends' messages match nothing there. */
static void
test_duress_renews_slots(void)
{
    device p, f;
    uint8_t before[LF_FILE_BYTES], after[LF_FILE_BYTES], wipe[HUSH_WIPE_MESSAGE_BYTES];
    char mailbox[HUSH_SESSION_ID_CHARS + 1];
    uint64_t retry;
    int64_t pairing;
    int slot, i;

    device_new(&p, 20);
    device_new(&f, 21);
    pairing = pair(&p, &f, NULL);
    CHECK_EQ_INT(hush_vault_set_duress(p.v, (const uint8_t *) "0000", 4), HUSH_OK);
    lock_dev(&p);
    lock_bytes(&p, before);
    CHECK_EQ_INT(hush_vault_begin_attempt(p.v, T0 + 50, &retry), HUSH_OK);
    CHECK_EQ_INT(hush_vault_unlock(p.v, (const uint8_t *) "0000", 4, T0 + 50), HUSH_UNLOCK_DURESS);
    lock_bytes(&p, after);
    for (i = 0; i < (int) LF_TRUSTEES; i++) {
        CHECK(memcmp(before + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES,
                     after + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES, LF_TRUSTEE_BYTES) != 0);
    }
    CHECK_EQ_INT(hush_trust_make(f.v, pairing, 0, wipe, mailbox), HUSH_OK);
    CHECK_EQ_INT(receive(&p, wipe, sizeof wipe, &slot), HUSH_TRUST_NONE);
    CHECK_EQ_INT(hush_vault_state(p.v), HUSH_VAULT_UNLOCKED);
    device_free(&p);
    device_free(&f);
}

/* ---- bad pairing messages ---------------------------------------------------- */

static void
test_bad_pairing(void)
{
    device p, f, g;
    uint8_t *offer = NULL, *reply = NULL, *reply_g = NULL, bad[HUSH_TRUST_OFFER_BYTES];
    size_t offer_len, reply_len, n;
    char code[HUSH_CONFIRM_CODE_CHARS + 1];
    int64_t id;
    snapshot s0, s1;
    int i;

    device_new(&p, 30);
    device_new(&f, 31);
    device_new(&g, 32);
    CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, "05abc", T0, &offer, &offer_len, &id), HUSH_ERR_SESSION_ID);
    CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, p.sid, T0, &offer, &offer_len, &id), HUSH_ERR_TRUST_PEER);
    CHECK_EQ_INT(hush_trust_offer(p.v, 999, f.sid, T0, &offer, &offer_len, &id), HUSH_ERR_NOT_FOUND);
    CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, f.sid, T0, &offer, &offer_len, &id), HUSH_OK);

    snap(&s0, &f);
    /* addressed to f, not g */
    CHECK_EQ_INT(hush_trust_accept(g.v, g.identity, offer, offer_len, T0, &reply, &reply_len, code, &id),
                 HUSH_ERR_TRUST_PEER);
    CHECK_EQ_INT(hush_trust_accept(f.v, f.identity, offer, offer_len - 1, T0, &reply, &reply_len, code, &id),
                 HUSH_ERR_TRUST_MESSAGE);
    for (i = 0; i < HUSH_TRUST_OFFER_BYTES; i += 5) {
        int rc;
        memcpy(bad, offer, offer_len);
        bad[i] ^= 0x01;
        rc = hush_trust_accept(f.v, f.identity, bad, offer_len, T0, &reply, &reply_len, code, &id);
        CHECK(rc == HUSH_ERR_TRUST_MESSAGE || rc == HUSH_ERR_TRUST_SIGNATURE || rc == HUSH_ERR_TRUST_PEER);
        if (i >= 98 && i < 170) CHECK_EQ_INT(rc, HUSH_ERR_TRUST_SIGNATURE); /* the box is signed too */
    }
    randombytes_buf(bad, sizeof bad);
    CHECK(hush_trust_accept(f.v, f.identity, bad, sizeof bad, T0, &reply, &reply_len, code, &id) < 0);
    snap(&s1, &f);
    CHECK(snap_same(&s0, &s1));
    free(s0.bytes);
    free(s1.bytes);

    /* g answers an offer meant for f (after re-addressing it, which breaks
     * the signature): refused; a reply from g to f's offer: refused. */
    CHECK_EQ_INT(hush_trust_accept(f.v, f.identity, offer, offer_len, T0, &reply, &reply_len, code, &id), HUSH_OK);
    memcpy(bad, reply, reply_len);
    bad[100] ^= 1;
    CHECK_EQ_INT(hush_trust_complete(p.v, bad, reply_len, T0, code, &id), HUSH_ERR_TRUST_SIGNATURE);
    {
        uint8_t *offer_g = NULL;
        size_t len_g;
        CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, g.sid, T0, &offer_g, &len_g, &id), HUSH_OK);
        CHECK_EQ_INT(hush_trust_accept(g.v, g.identity, offer_g, len_g, T0, &reply_g, &n, code, &id), HUSH_OK);
        memcpy(bad, reply_g, n);
        memcpy(bad + 34, reply + 34, 32); /* g's reply pointing at f's offer */
        CHECK_EQ_INT(hush_trust_complete(p.v, bad, n, T0, code, &id), HUSH_ERR_TRUST_PEER);
        hush_free(offer_g);
    }
    CHECK_EQ_INT(hush_trust_complete(p.v, reply, reply_len, T0, code, &id), HUSH_OK);
    CHECK_EQ_INT(hush_trust_complete(p.v, reply, reply_len, T0, code, &id), HUSH_ERR_TRUST_NO_OFFER); /* replay */
    hush_free(offer);
    hush_free(reply);
    hush_free(reply_g);

    /* At most eight: two are taken (f paired, g pending), six more fit. */
    for (i = 0; i < 6; i++) {
        CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, f.sid, T0, &offer, &offer_len, &id), HUSH_OK);
        hush_free(offer);
    }
    CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, f.sid, T0, &offer, &offer_len, &id), HUSH_ERR_TRUST_FULL);
    CHECK_EQ_INT(hush_trust_revoke(p.v, id), HUSH_OK);
    CHECK_EQ_INT(hush_trust_offer(p.v, p.identity, f.sid, T0, &offer, &offer_len, &id), HUSH_OK);
    hush_free(offer);

    device_free(&p);
    device_free(&f);
    device_free(&g);
}

/* ---- used and free slots look alike ----------------------------------------- */

#define FILES 300
#define BITS ((int) LF_TRUSTEE_BYTES * 8)

static void
test_used_and_free_slots_indistinguishable(void)
{
    static unsigned used_ones[2][BITS], free_ones[2][BITS];
    unsigned n_used = 0, n_free = 0;
    device f;
    int file, b;
    double z_real, z_control;

    device_new(&f, 40);
    for (file = 0; file < FILES; file++) {
        device p;
        uint8_t bytes[LF_FILE_BYTES];
        char *json = NULL;
        int used[LF_TRUSTEES] = { 0 }, k, friends = file % 2 ? 3 : 0, s;

        device_new(&p, 100 + file);
        for (k = 0; k < friends; k++) pair(&p, &f, NULL);
        /* which slots are used: the test peeks at the store (the core
         * never says; an examiner cannot). */
        CHECK_EQ_INT(hush_trustees(p.v, &json), HUSH_OK);
        hush_free(json);
        lock_dev(&p);
        lock_bytes(&p, bytes);
        unlock_dev(&p, T0 + 5);
        for (s = 0; s < (int) LF_TRUSTEES; s++) {
            uint8_t secret[32];
            /* a used slot's secret is gone from the meta record */
            used[s] = hush_vault_trustee_secret(p.v, (unsigned) s, secret) == HUSH_ERR_TRUST_FULL;
        }
        for (s = 0; s < (int) LF_TRUSTEES; s++) {
            const uint8_t *slot = bytes + LF_TRUSTEES_OFFSET + s * LF_TRUSTEE_BYTES;
            for (b = 0; b < BITS; b++) {
                unsigned bit = (slot[b / 8] >> (b % 8)) & 1u;
                /* [1] is the control: a planted bias, as if a used slot held
                 * an X25519 public key (top bit of byte 31 always 0). */
                unsigned planted = (used[s] && b == 31 * 8 + 7) ? 0u : bit;
                if (used[s]) { used_ones[0][b] += bit; used_ones[1][b] += planted; }
                else { free_ones[0][b] += bit; free_ones[1][b] += planted; }
            }
            if (used[s]) n_used++; else n_free++;
        }
        device_free(&p);
    }
    CHECK_EQ_INT(n_used, FILES / 2 * 3);
    z_real = max_z(used_ones[0], n_used, free_ones[0], n_free, BITS);
    z_control = max_z(used_ones[1], n_used, free_ones[1], n_free, BITS);
    printf("trustee slots: %u used, %u free; max |z| over %d bits: %.2f (control with a planted bias: %.2f)\n",
           n_used, n_free, BITS, z_real, z_control);
    /* 512 two-sided tests: |z| > 6 has probability ~1e-6 by chance. */
    CHECK(z_real < 6.0);
    CHECK(z_control > 6.0);
    device_free(&f);
}

int
main(void)
{
    if (sodium_init() < 0 || hush_init() != HUSH_OK) return 1;
    test_pairing_leaves_no_trace();
    test_wipe_drill_and_junk();
    test_duress_renews_slots();
    test_image_holder_cannot_trigger();
    test_killed_between_writes();
    test_bad_pairing();
    test_used_and_free_slots_indistinguishable();
    printf("%d devices\n", devices_made);
    return check_done();
}
