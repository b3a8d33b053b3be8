/* The lock file: encoding of the header, and the cryptography of slots and
 * of the meta record. Formats: core/LOCKFILE.md.
 *
 * CONSTANT TIME
 * lf_slots_check() is the duress comparison. It opens every slot with the
 * entered code's key and picks the outcome with masks, never with a branch
 * or a memory index that depends on the key or on what the slots hold. It
 * does not call crypto_aead_*_decrypt, which returns early on a bad tag:
 * it rebuilds XChaCha20-Poly1305-IETF from its parts (HChaCha20, ChaCha20,
 * Poly1305), computes every tag and every plaintext, and compares tags with
 * arithmetic. tests/c/ctgrind_slots.c proves this under Valgrind. */
#include <string.h>

#include <sodium.h>

#include "hush.h"
#include "lockfile.h"

_Static_assert(LF_FILE_BYTES == HUSH_LOCKFILE_BYTES, "hush.h and lockfile.h disagree on the lock file size");

static void
put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) v; p[1] = (uint8_t) (v >> 8); p[2] = (uint8_t) (v >> 16); p[3] = (uint8_t) (v >> 24);
}

static uint32_t
get_u32(const uint8_t *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t) v);
    put_u32(p + 4, (uint32_t) (v >> 32));
}

static uint64_t
get_u64(const uint8_t *p)
{
    return (uint64_t) get_u32(p) | (uint64_t) get_u32(p + 4) << 32;
}

/* Header layout (little-endian):
 *   0 magic "HUSHLOCK"   8 version u32   12 kind u8   13 flags u8   14 zero[2]
 *  16 opslimit u32      20 memlimit KiB u32           24 salt[16]   40 zero[8]
 *  48 attempt_limit u32 52 failed u32   56 not_before_ms u64   64 clock_ms u64
 *  72 PRF salt[32]   104 zero[24] */
void
lf_header_encode(uint8_t out[LF_HEADER_BYTES], const lf_header *h)
{
    memset(out, 0, LF_HEADER_BYTES);
    memcpy(out, LF_MAGIC, 8);
    put_u32(out + 8, LF_VERSION);
    out[12] = h->kind;
    out[13] = h->flags;
    put_u32(out + 16, h->opslimit);
    put_u32(out + 20, h->memlimit_kib);
    memcpy(out + 24, h->salt, sizeof h->salt);
    put_u32(out + 48, h->attempt_limit);
    put_u32(out + 52, h->failed);
    put_u64(out + 56, h->not_before_ms);
    put_u64(out + 64, h->clock_ms);
    memcpy(out + 72, h->prf_salt, sizeof h->prf_salt);
}

static int
all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    while (n--) acc |= *p++;
    return acc == 0;
}

int
lf_header_decode(lf_header *h, const uint8_t file[LF_FILE_BYTES], size_t file_len)
{
    lf_header d;

    if (file_len != LF_FILE_BYTES || memcmp(file, LF_MAGIC, 8) != 0) {
        return HUSH_ERR_LOCKFILE_FORMAT;
    }
    if (get_u32(file + 8) != LF_VERSION) {
        return HUSH_ERR_LOCKFILE_VERSION;
    }
    d.kind = file[12];
    d.flags = file[13];
    memcpy(d.prf_salt, file + 72, sizeof d.prf_salt);
    d.opslimit = get_u32(file + 16);
    d.memlimit_kib = get_u32(file + 20);
    memcpy(d.salt, file + 24, sizeof d.salt);
    d.attempt_limit = get_u32(file + 48);
    d.failed = get_u32(file + 52);
    d.not_before_ms = get_u64(file + 56);
    d.clock_ms = get_u64(file + 64);
    /* failed > attempt_limit is accepted on purpose: attempts killed between
     * counting and checking can leave it there, and it means "wipe now"
     * (hush_vault_begin_attempt), never a damaged file that bricks the app. */
    if (d.kind < HUSH_CODE_PIN || d.kind > HUSH_CODE_PASSPHRASE ||
        d.opslimit < HUSH_KDF_OPSLIMIT_MIN || d.opslimit > HUSH_KDF_OPSLIMIT_MAX ||
        d.memlimit_kib < HUSH_KDF_MEMLIMIT_KIB_MIN || d.memlimit_kib > HUSH_KDF_MEMLIMIT_KIB_MAX ||
        d.attempt_limit < HUSH_ATTEMPT_LIMIT_MIN || d.attempt_limit > HUSH_ATTEMPT_LIMIT_MAX ||
        (d.flags & ~LF_HEADER_BOUND) != 0 || (!(d.flags & LF_HEADER_BOUND) && !all_zero(d.prf_salt, 32)) ||
        !all_zero(file + 14, 2) || !all_zero(file + 40, 8) || !all_zero(file + 104, LF_HEADER_BYTES - 104)) {
        return HUSH_ERR_LOCKFILE_FORMAT;
    }
    *h = d;
    return HUSH_OK;
}

/* Associated data of slot i: the bound header bytes, then the slot index, so
 * a slot cannot be moved to another position or another vault. */
static void
slot_ad(uint8_t ad[LF_BOUND_BYTES + 1], const uint8_t bound[LF_BOUND_BYTES], uint8_t index)
{
    memcpy(ad, bound, LF_BOUND_BYTES);
    ad[LF_BOUND_BYTES] = index;
}

void
lf_slot_seal(uint8_t slot[LF_SLOT_BYTES], const uint8_t key[32], uint8_t type,
             const uint8_t dek[32], const uint8_t bound[LF_BOUND_BYTES], uint8_t index)
{
    uint8_t payload[LF_PAYLOAD_BYTES] = { 0 };
    uint8_t ad[LF_BOUND_BYTES + 1];

    payload[0] = type;
    memcpy(payload + 8, dek, 32);
    slot_ad(ad, bound, index);
    randombytes_buf(slot, LF_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(slot + LF_NONCE_BYTES, NULL, payload, sizeof payload,
                                               ad, sizeof ad, NULL, slot, key);
    sodium_memzero(payload, sizeof payload);
}

/* 0xff if a == b, else 0x00; no branch. */
static uint8_t
ct_eq_u8(uint8_t a, uint8_t b)
{
    uint32_t x = (uint32_t) (a ^ b);
    return (uint8_t) (((x - 1u) >> 8) & 0xffu);
}

static const uint8_t zero_pad[16];

/* XChaCha20-Poly1305-IETF open that always computes both the tag and the
 * plaintext and returns the tag comparison as a mask (0xff = authentic).
 * Lengths are public; nothing else decides a branch or an index. */
static uint8_t
aead_open_ct(uint8_t *plain, const uint8_t *ct, size_t ct_len, const uint8_t tag[16], const uint8_t nonce[24],
             const uint8_t key[32], const uint8_t *ad, size_t ad_len)
{
    uint8_t subkey[32], nonce12[12] = { 0 }, block0[64], mac[16], lens[16];
    crypto_onetimeauth_poly1305_state st;
    uint8_t diff = 0;
    size_t i;

    crypto_core_hchacha20(subkey, nonce, key, NULL);
    memcpy(nonce12 + 4, nonce + 16, 8);
    crypto_stream_chacha20_ietf(block0, sizeof block0, nonce12, subkey);

    crypto_onetimeauth_poly1305_init(&st, block0);
    crypto_onetimeauth_poly1305_update(&st, ad, ad_len);
    crypto_onetimeauth_poly1305_update(&st, zero_pad, (16 - ad_len % 16) % 16);
    crypto_onetimeauth_poly1305_update(&st, ct, ct_len);
    crypto_onetimeauth_poly1305_update(&st, zero_pad, (16 - ct_len % 16) % 16);
    put_u64(lens, ad_len);
    put_u64(lens + 8, ct_len);
    crypto_onetimeauth_poly1305_update(&st, lens, sizeof lens);
    crypto_onetimeauth_poly1305_final(&st, mac);

    crypto_stream_chacha20_ietf_xor_ic(plain, ct, ct_len, nonce12, 1, subkey);

    for (i = 0; i < sizeof mac; i++) diff |= (uint8_t) (mac[i] ^ tag[i]);

    sodium_memzero(subkey, sizeof subkey);
    sodium_memzero(block0, sizeof block0);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(mac, sizeof mac);
    return ct_eq_u8(diff, 0);
}

static uint8_t
slot_open_ct(uint8_t payload[LF_PAYLOAD_BYTES], const uint8_t slot[LF_SLOT_BYTES],
             const uint8_t key[32], const uint8_t *ad, size_t ad_len)
{
    return aead_open_ct(payload, slot + LF_NONCE_BYTES, LF_PAYLOAD_BYTES, slot + LF_NONCE_BYTES + LF_PAYLOAD_BYTES,
                        slot, key, ad, ad_len);
}

int
lf_slots_check(const uint8_t slots[LF_SLOTS * LF_SLOT_BYTES], const uint8_t key[32],
               const uint8_t bound[LF_BOUND_BYTES], uint8_t dek[32], uint8_t *slot_index)
{
    uint8_t payload[LF_PAYLOAD_BYTES], ad[LF_BOUND_BYTES + 1];
    uint8_t unlock_any = 0, duress_any = 0, index = 0, authentic, is_unlock, is_duress;
    size_t i, j;

    memset(dek, 0, 32);
    for (i = 0; i < LF_SLOTS; i++) {
        slot_ad(ad, bound, (uint8_t) i);
        authentic = slot_open_ct(payload, slots + i * LF_SLOT_BYTES, key, ad, sizeof ad);
        is_unlock = authentic & ct_eq_u8(payload[0], LF_PAYLOAD_UNLOCK);
        is_duress = authentic & ct_eq_u8(payload[0], LF_PAYLOAD_DURESS);
        for (j = 0; j < 32; j++) dek[j] |= payload[8 + j] & is_unlock;
        index |= (uint8_t) i & (is_unlock | is_duress);
        unlock_any |= is_unlock;
        duress_any |= is_duress;
    }
    sodium_memzero(payload, sizeof payload);
    *slot_index = index;
    /* The unlock outcome wins if, impossibly, both matched (set_duress and
     * set_code refuse a duress code equal to the unlock code). */
    return (unlock_any & LF_PAYLOAD_UNLOCK) | (duress_any & (uint8_t) ~unlock_any & LF_PAYLOAD_DURESS);
}

static void
meta_key(uint8_t key[32], const uint8_t dek[32])
{
    crypto_kdf_derive_from_key(key, 32, 1, "hushlock", dek);
}

/* Meta plaintext (LOCKFILE.md):
 *   0 unlock slot   1 duress slot (0xff: none)   2 flags   3 second unlock slot
 *   4 second duress slot (0xff: none)   5 zero[3]
 *   8 store counter u64   16 unlock lock key[32]   48 duress lock key[32]
 *  80 zero[16]   96 trustee slot secrets [8][32] (zero: in use)
 * 352 authenticator factor[32] (zero: not bound)   384 second factor[32] */
void
lf_meta_seal(uint8_t out[LF_META_BYTES], const uint8_t dek[32], const lf_meta *meta,
             const uint8_t bound[LF_BOUND_BYTES])
{
    uint8_t key[32], plain[LF_META_PLAIN_BYTES] = { 0 };

    plain[0] = meta->unlock_slot;
    plain[1] = meta->duress_slot;
    plain[2] = meta->flags;
    plain[3] = meta->unlock_slot2;
    plain[4] = meta->duress_slot2;
    put_u64(plain + 8, meta->store_counter);
    memcpy(plain + 16, meta->unlock_key, 32);
    if (meta->duress_slot != LF_NO_SLOT) memcpy(plain + 48, meta->duress_key, 32);
    memcpy(plain + 96, meta->trustee_secret, sizeof meta->trustee_secret);
    memcpy(plain + 352, meta->factor, sizeof meta->factor);
    memcpy(plain + 384, meta->factor2, sizeof meta->factor2);
    meta_key(key, dek);
    randombytes_buf(out, LF_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + LF_NONCE_BYTES, NULL, plain, sizeof plain,
                                               bound, LF_BOUND_BYTES, NULL, out, key);
    sodium_memzero(key, sizeof key);
    sodium_memzero(plain, sizeof plain);
}

int
lf_meta_open(lf_meta *meta, const uint8_t in[LF_META_BYTES], const uint8_t dek[32],
             const uint8_t bound[LF_BOUND_BYTES])
{
    uint8_t key[32], plain[LF_META_PLAIN_BYTES];
    int rc;

    meta_key(key, dek);
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, in + LF_NONCE_BYTES,
                                                    LF_META_PLAIN_BYTES + LF_TAG_BYTES,
                                                    bound, LF_BOUND_BYTES, in, key);
    sodium_memzero(key, sizeof key);
    if (rc != 0 || plain[0] >= LF_SLOTS || (plain[1] != LF_NO_SLOT && plain[1] >= LF_SLOTS) ||
        plain[0] == plain[1] || (plain[2] & ~(LF_META_REKEY | LF_META_SECOND)) != 0 || !all_zero(plain + 5, 3) ||
        (plain[3] != LF_NO_SLOT && plain[3] >= LF_SLOTS) || (plain[4] != LF_NO_SLOT && plain[4] >= LF_SLOTS) ||
        (plain[1] == LF_NO_SLOT && !all_zero(plain + 48, 32)) || !all_zero(plain + 80, 16)) {
        sodium_memzero(plain, sizeof plain);
        return HUSH_ERR_LOCKFILE_FORMAT;
    }
    meta->unlock_slot = plain[0];
    meta->duress_slot = plain[1];
    meta->flags = plain[2];
    meta->store_counter = get_u64(plain + 8);
    memcpy(meta->unlock_key, plain + 16, 32);
    memcpy(meta->duress_key, plain + 48, 32);
    memcpy(meta->trustee_secret, plain + 96, sizeof meta->trustee_secret);
    memcpy(meta->factor, plain + 352, sizeof meta->factor);
    memcpy(meta->factor2, plain + 384, sizeof meta->factor2);
    meta->unlock_slot2 = plain[3];
    meta->duress_slot2 = plain[4];
    sodium_memzero(plain, sizeof plain);
    return HUSH_OK;
}

void
lf_reseal(uint8_t file[LF_FILE_BYTES], const uint8_t dek[32], lf_meta *meta)
{
    static const uint8_t zero[32];
    const uint8_t *bound = file;
    uint8_t *slots = file + LF_SLOTS_OFFSET;
    uint8_t u, d, key[32], order[LF_SLOTS];
    unsigned n;
    int second;

    /* Slots and meta record start random; the trustee region stays. */
    randombytes_buf(file + LF_SLOTS_OFFSET, LF_TRUSTEES_OFFSET - LF_SLOTS_OFFSET);
    /* Fresh indices, uniform and independent of the old ones: an image pair
     * then shows eight changed slots, never which of them moved where. */
    /* Fresh indices: a uniformly random order of the eight, taken in turn
     * (unlock, then the second authenticator's unlock, duress, second
     * duress), so an image pair shows eight changed slots, never which of
     * them moved where. */
    for (n = 0; n < LF_SLOTS; n++) order[n] = (uint8_t) n;
    for (n = LF_SLOTS - 1; n > 0; n--) {
        uint8_t j = (uint8_t) randombytes_uniform((uint32_t) n + 1), t = order[n];
        order[n] = order[j];
        order[j] = t;
    }
    n = 0;
    second = (meta->flags & LF_META_SECOND) && (file[13] & LF_HEADER_BOUND);
    u = order[n++];
    lf_slot_key(key, meta->unlock_key, file[13] & LF_HEADER_BOUND, meta->factor);
    lf_slot_seal(slots + u * LF_SLOT_BYTES, key, LF_PAYLOAD_UNLOCK, dek, bound, u);
    meta->unlock_slot = u;
    meta->unlock_slot2 = LF_NO_SLOT;
    meta->duress_slot2 = LF_NO_SLOT;
    if (second) {
        u = order[n++];
        lf_slot_key(key, meta->unlock_key, 1, meta->factor2);
        lf_slot_seal(slots + u * LF_SLOT_BYTES, key, LF_PAYLOAD_UNLOCK, dek, bound, u);
        meta->unlock_slot2 = u;
    } else {
        meta->flags &= (uint8_t) ~LF_META_SECOND;
        sodium_memzero(meta->factor2, sizeof meta->factor2);
    }
    if (meta->duress_slot != LF_NO_SLOT) {
        d = order[n++];
        lf_slot_key(key, meta->duress_key, file[13] & LF_HEADER_BOUND, meta->factor);
        lf_slot_seal(slots + d * LF_SLOT_BYTES, key, LF_PAYLOAD_DURESS, zero, bound, d);
        meta->duress_slot = d;
        if (second) {
            d = order[n++];
            lf_slot_key(key, meta->duress_key, 1, meta->factor2);
            lf_slot_seal(slots + d * LF_SLOT_BYTES, key, LF_PAYLOAD_DURESS, zero, bound, d);
            meta->duress_slot2 = d;
        }
    } else {
        sodium_memzero(meta->duress_key, sizeof meta->duress_key);
    }
    lf_meta_seal(file + LF_META_OFFSET, dek, meta, bound);
    sodium_memzero(key, sizeof key);
}

void
lf_slot_key(uint8_t out[32], const uint8_t argon[32], int bound, const uint8_t factor[32])
{
    static const char label[] = "hush-bound-v1";
    crypto_generichash_state st;

    if (!bound) {
        memmove(out, argon, 32);
        return;
    }
    crypto_generichash_init(&st, factor, 32, 32);
    crypto_generichash_update(&st, (const uint8_t *) label, sizeof label - 1);
    crypto_generichash_update(&st, argon, 32);
    crypto_generichash_final(&st, out, 32);
    sodium_memzero(&st, sizeof st);
}

/* ---- trustee slots (remote deletion; core/TRUST.md) --------------------- */

void
lf_trustee_derive(uint8_t slot[LF_TRUSTEE_BYTES], const uint8_t secret[32])
{
    crypto_kdf_derive_from_key(slot, 32, 1, "hushtrst", secret);
    crypto_kdf_derive_from_key(slot + 32, 32, 2, "hushtrst", secret);
}

void
lf_trustee_renew(uint8_t file[LF_FILE_BYTES], lf_meta *meta, unsigned i)
{
    randombytes_buf(meta->trustee_secret[i], 32);
    lf_trustee_derive(file + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES, meta->trustee_secret[i]);
}

/* Wire message (HUSH_WIPE_MESSAGE_BYTES, TRUST.md): ephemeral X25519
 * public key (32) | ciphertext (256) | tag (16), under
 * key = BLAKE2b-256(key: transport key, "hush-wipe-v1" | ephemeral key),
 * nonce 0 (the key is new with every ephemeral key). Plaintext:
 * version 1 | kind | zero[6] | secret[32] | random padding. */
#define WIPE_EPHEMERAL 32u
#define WIPE_PLAIN 256u
static const uint8_t wipe_nonce[24];

static void
wipe_message_key(uint8_t key[32], const uint8_t mailbox_seed[32], const uint8_t ephemeral[32])
{
    static const char label[] = "hush-wipe-v1";
    uint8_t transport[32];
    crypto_generichash_state st;

    crypto_kdf_derive_from_key(transport, 32, 1, "hushmbox", mailbox_seed);
    crypto_generichash_init(&st, transport, sizeof transport, 32);
    crypto_generichash_update(&st, (const uint8_t *) label, sizeof label - 1);
    crypto_generichash_update(&st, ephemeral, WIPE_EPHEMERAL);
    crypto_generichash_final(&st, key, 32);
    sodium_memzero(transport, sizeof transport);
    sodium_memzero(&st, sizeof st);
}

void
lf_wipe_message_seal(uint8_t *message, const uint8_t secret[32], uint8_t kind)
{
    uint8_t slot[LF_TRUSTEE_BYTES], eph_sk[32], key[32], plain[WIPE_PLAIN];

    lf_trustee_derive(slot, secret);
    crypto_box_keypair(message, eph_sk);  /* a real key, so it looks like a sealed box's */
    sodium_memzero(eph_sk, sizeof eph_sk);
    randombytes_buf(plain, sizeof plain);
    plain[0] = 1;
    plain[1] = kind;
    memset(plain + 2, 0, 6);
    memcpy(plain + 8, secret, 32);
    wipe_message_key(key, slot, message);
    crypto_aead_xchacha20poly1305_ietf_encrypt(message + WIPE_EPHEMERAL, NULL, plain, sizeof plain, NULL, 0, NULL,
                                               wipe_nonce, key);
    sodium_memzero(plain, sizeof plain);
    sodium_memzero(key, sizeof key);
    sodium_memzero(slot, sizeof slot);
}

int
lf_trustees_check(const uint8_t region[LF_TRUSTEES * LF_TRUSTEE_BYTES], const uint8_t *message,
                  uint8_t *slot_index)
{
    uint8_t key[32], plain[WIPE_PLAIN], verifier[32];
    uint8_t wipe_any = 0, drill_any = 0, index = 0, ok, diff, header, is_wipe, is_drill;
    size_t i, j;

    for (i = 0; i < LF_TRUSTEES; i++) {
        const uint8_t *slot = region + i * LF_TRUSTEE_BYTES;
        wipe_message_key(key, slot, message);
        ok = aead_open_ct(plain, message + WIPE_EPHEMERAL, WIPE_PLAIN, message + WIPE_EPHEMERAL + WIPE_PLAIN,
                          wipe_nonce, key, NULL, 0);
        /* The revealed secret must match the slot's one-way verifier: the
         * transport key alone (in every image) cannot make a trigger. */
        crypto_kdf_derive_from_key(verifier, 32, 2, "hushtrst", plain + 8);
        diff = 0;
        for (j = 0; j < 32; j++) diff |= (uint8_t) (verifier[j] ^ slot[32 + j]);
        header = 0;
        for (j = 2; j < 8; j++) header |= plain[j];
        ok &= ct_eq_u8(diff, 0) & ct_eq_u8(plain[0], 1) & ct_eq_u8(header, 0);
        is_wipe = ok & ct_eq_u8(plain[1], LF_WIPE_KIND_WIPE);
        is_drill = ok & ct_eq_u8(plain[1], LF_WIPE_KIND_DRILL);
        index |= (uint8_t) i & (is_wipe | is_drill);
        wipe_any |= is_wipe;
        drill_any |= is_drill;
    }
    sodium_memzero(key, sizeof key);
    sodium_memzero(plain, sizeof plain);
    sodium_memzero(verifier, sizeof verifier);
    *slot_index = index;
    /* Wipe wins if, impossibly, both matched. */
    return (wipe_any & LF_WIPE_KIND_WIPE) | (drill_any & (uint8_t) ~wipe_any & LF_WIPE_KIND_DRILL);
}
