/* The lock file: format and slot cryptography (internal to the core).
 * The format is written down in core/LOCKFILE.md; keep the two in step. */
#ifndef HUSH_LOCKFILE_H
#define HUSH_LOCKFILE_H

#include <stddef.h>
#include <stdint.h>

#define LF_MAGIC "HUSHLOCK"
#define LF_VERSION 3u

#define LF_HEADER_BYTES 128u
#define LF_SLOTS 8u
#define LF_NONCE_BYTES 24u
#define LF_TAG_BYTES 16u
#define LF_PAYLOAD_BYTES 40u  /* type(1) reserved(7) dek(32) */
#define LF_SLOT_BYTES (LF_NONCE_BYTES + LF_PAYLOAD_BYTES + LF_TAG_BYTES) /* 80 */
/* unlock slot(1) duress slot(1) flags(1) zero(5) store counter(8)
 * unlock lock key(32) duress lock key(32) zero(16)
 * trustee slot secrets (8 x 32; zero: the slot is in use) */
#define LF_TRUSTEES 8u
#define LF_META_PLAIN_BYTES (96u + LF_TRUSTEES * 32u + 2u * 32u) /* + two authenticators' factors */
#define LF_META_BYTES (LF_NONCE_BYTES + LF_META_PLAIN_BYTES + LF_TAG_BYTES) /* 456 */
/* A trustee slot: wipe mailbox seed (32) and verifier (32), both derived
 * from the slot's secret (lf_trustee_derive). */
#define LF_TRUSTEE_BYTES 64u

#define LF_SLOTS_OFFSET LF_HEADER_BYTES
#define LF_META_OFFSET (LF_SLOTS_OFFSET + LF_SLOTS * LF_SLOT_BYTES)
#define LF_TRUSTEES_OFFSET (LF_META_OFFSET + LF_META_BYTES)
#define LF_FILE_BYTES (LF_TRUSTEES_OFFSET + LF_TRUSTEES * LF_TRUSTEE_BYTES) /* 1736 */

/* Bytes of the header bound into every slot's associated data: magic,
 * version, kind, KDF cost and salt. The counters after them change on every
 * attempt and are not bound. */
#define LF_BOUND_BYTES 48u

#define LF_PAYLOAD_UNLOCK 1u
#define LF_PAYLOAD_DURESS 2u

#define LF_NO_SLOT 0xffu

/* lf_meta.flags */
#define LF_META_REKEY 1u  /* a duress unlock installed this vault under the old salt */
#define LF_META_SECOND 2u /* bound to a second authenticator too (factor2, the *_slot2 indices) */

/* lf_header.flags (byte 13, bound into every slot) */
#define LF_HEADER_BOUND 1u    /* the lock keys need an authenticator's PRF output too */

typedef struct lf_header {
    uint8_t  kind;            /* HUSH_CODE_PIN / _PATTERN / _PASSPHRASE */
    uint8_t  flags;           /* LF_HEADER_* */
    uint8_t  prf_salt[32];    /* what the authenticator's PRF is asked for (bound vaults) */
    uint32_t opslimit;        /* Argon2id passes */
    uint32_t memlimit_kib;    /* Argon2id memory, KiB */
    uint8_t  salt[16];        /* Argon2id salt, one per vault */
    uint32_t attempt_limit;   /* failed attempts that wipe the vault */
    uint32_t failed;          /* failed attempts since the last unlock */
    uint64_t not_before_ms;   /* no attempt is checked before this time */
    uint64_t clock_ms;        /* highest time seen: the clock never goes back */
} lf_header;

/* Encrypted with a key derived from the data key. It holds what re-sealing
 * every used slot needs without the codes (their lock keys), so that every
 * write while unlocked can renew every slot (LOCKFILE.md, "Re-sealing"). */
typedef struct lf_meta {
    uint8_t  unlock_slot;      /* index of the unlock slot */
    uint8_t  duress_slot;      /* index of the duress slot, or LF_NO_SLOT */
    uint8_t  unlock_slot2;     /* the second authenticator's unlock slot, or LF_NO_SLOT */
    uint8_t  duress_slot2;     /* its duress slot, or LF_NO_SLOT */
    uint8_t  flags;            /* LF_META_* */
    uint64_t store_counter;    /* the store's last recorded commit */
    uint8_t  unlock_key[32];   /* lock key of the unlock code */
    uint8_t  duress_key[32];   /* lock key of the duress code, or zero */
    /* The secret of each trustee slot while it is free; zeroed when an
     * offer gives it away (the slot is then in use). */
    uint8_t  trustee_secret[LF_TRUSTEES][32];
    /* A bound vault's authenticator PRF output, so that every write can
     * re-seal the slots under the bound keys; zero when not bound. */
    uint8_t  factor[32];
    uint8_t  factor2[32];      /* a second authenticator's (LF_META_SECOND) */
} lf_meta;

/* The key a slot is sealed under: the code's Argon2id output, or for a
 * bound vault BLAKE2b(key: PRF output, "hush-bound-v1" | Argon2id output). */
void lf_slot_key(uint8_t out[32], const uint8_t argon[32], int bound, const uint8_t factor[32]);

void lf_header_encode(uint8_t out[LF_HEADER_BYTES], const lf_header *h);
/* Returns HUSH_OK, or HUSH_ERR_LOCKFILE_FORMAT / _VERSION; h untouched on error. */
int  lf_header_decode(lf_header *h, const uint8_t file[LF_FILE_BYTES], size_t file_len);

/* Seals a payload into a slot with the lock key; ad = the bound header bytes. */
void lf_slot_seal(uint8_t slot[LF_SLOT_BYTES], const uint8_t key[32], uint8_t type,
                  const uint8_t dek[32], const uint8_t ad[LF_BOUND_BYTES], uint8_t index);

/* Tries every slot with the lock key, without early exit and without a
 * branch or an index that depends on the key or the slots' contents.
 * Returns LF_PAYLOAD_UNLOCK (dek and *slot_index set), LF_PAYLOAD_DURESS
 * (*slot_index set) or 0. */
int  lf_slots_check(const uint8_t slots[LF_SLOTS * LF_SLOT_BYTES], const uint8_t key[32],
                    const uint8_t ad[LF_BOUND_BYTES], uint8_t dek[32], uint8_t *slot_index);

void lf_meta_seal(uint8_t out[LF_META_BYTES], const uint8_t dek[32], const lf_meta *meta,
                  const uint8_t ad[LF_BOUND_BYTES]);
int  lf_meta_open(lf_meta *meta, const uint8_t in[LF_META_BYTES], const uint8_t dek[32],
                  const uint8_t ad[LF_BOUND_BYTES]);

/* A trustee slot's bytes from its secret: wipe mailbox seed =
 * kdf(1, "hushtrst", secret), verifier = kdf(2, "hushtrst", secret)
 * (core/TRUST.md). Constant time in the secret. */
void lf_trustee_derive(uint8_t slot[LF_TRUSTEE_BYTES], const uint8_t secret[32]);
/* A fresh secret for trustee slot i (kept in meta) and its slot bytes in
 * file's trustee region: a new vault does this for every slot, a revoke for
 * one. */
void lf_trustee_renew(uint8_t file[LF_FILE_BYTES], lf_meta *meta, unsigned i);

/* The remote-deletion check: opens message (HUSH_WIPE_MESSAGE_BYTES) with
 * every trustee slot's transport key and checks the secret it reveals
 * against the slot's verifier, with no early exit and no branch or index
 * that depends on the region or the message. Returns 0 (no match),
 * LF_WIPE_KIND_WIPE or LF_WIPE_KIND_DRILL, and *slot_index. */
int lf_trustees_check(const uint8_t region[LF_TRUSTEES * LF_TRUSTEE_BYTES], const uint8_t *message,
                      uint8_t *slot_index);
#define LF_WIPE_KIND_WIPE 1u
#define LF_WIPE_KIND_DRILL 2u
/* The friend's side: a wipe or drill message revealing secret. */
void lf_wipe_message_seal(uint8_t *message, const uint8_t secret[32], uint8_t kind);

/* The re-seal rule, applied by every write while unlocked. file's header
 * must already be encoded (it is the associated data). The slots and the
 * meta record become random, then the unlock slot (and the duress slot if
 * meta->duress_slot != LF_NO_SLOT) is sealed again under a fresh nonce at
 * a fresh random index (written back into meta), and the meta record is
 * sealed under a fresh nonce. Two files written this way share no byte of
 * slots or meta record except by chance, whatever changed. The trustee
 * region is left as it is: it must be readable while locked, so a slot
 * that changed on every write would have to change for free slots too,
 * and a used slot cannot; instead no slot changes except when its secret
 * is renewed (new vault, revoke), used or not (LOCKFILE.md). */
void lf_reseal(uint8_t file[LF_FILE_BYTES], const uint8_t dek[32], lf_meta *meta);

#endif
