/* Remote deletion by trusted friends: pairing, wipe and drill messages,
 * the wipe mailboxes. Formats and the reasoning behind them: core/TRUST.md.
 *
 * ROLES
 * The person P makes a friend F a trustee of P's vault. P offers (signed by
 * one of P's identities, addressed to F's Session ID), F accepts (signed,
 * keeps the wipe secret in F's store), P completes. Both derive a pairing
 * key from an ephemeral X25519 exchange bound to both ephemeral keys, both
 * Session IDs, a label and the secret's hash, and show a 6-digit code from
 * it for the two people to compare in person.
 *
 * WHY THE SECRET IS MADE BEFORE THE PAIRING
 * Each trustee slot of the lock file holds a mailbox seed and a one-way
 * verifier of a secret. A new vault fills every slot from a fresh secret
 * kept (encrypted) in the lock file's meta record; an offer gives one away
 * and the device forgets it. So a pairing changes no byte of the trustee
 * region, and neither does any other write: an examiner who holds every
 * version of the lock file ever written sees the same eight random-looking
 * slots whether or not anyone was ever paired. A secret derived from the
 * exchange itself would have to be written into a slot at pairing time,
 * and two images would show which slot changed. Only a revoke changes a
 * slot (it must: the friend's secret has to stop working).
 *
 * Every comparison of secret-dependent bytes is in lf_trustees_check
 * (lockfile.c, constant time, ctgrind-tested); what this file compares
 * (Session IDs, hashes of public messages) is public.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"
#include "lockfile.h"
#include "session_keys.h"
#include "store_internal.h"
#include "vault_internal.h"

_Static_assert(LF_TRUSTEES == HUSH_TRUSTEE_SLOTS, "hush.h and lockfile.h disagree on trustee slots");

#define VERSION 1u
#define TYPE_OFFER 1u
#define TYPE_REPLY 2u

/* Offer: version | type | P ed25519 pk | F X25519 pk | P ephemeral |
 * nonce | AEAD(secret) | signature. */
#define OFFER_P_ED 2
#define OFFER_F_X 34
#define OFFER_EPH 66
#define OFFER_NONCE 98
#define OFFER_BOX 122
#define OFFER_SIG 170
_Static_assert(OFFER_SIG + 64 == HUSH_TRUST_OFFER_BYTES, "offer layout");
/* Reply: version | type | F ed25519 pk | BLAKE2b(offer) | F ephemeral | signature. */
#define REPLY_F_ED 2
#define REPLY_OFFER_HASH 34
#define REPLY_EPH 66
#define REPLY_SIG 98
_Static_assert(REPLY_SIG + 64 == HUSH_TRUST_REPLY_BYTES, "reply layout");

static const char LABEL_OFFER_SIG[] = "hush-trust-v1 offer";
static const char LABEL_REPLY_SIG[] = "hush-trust-v1 reply";
static const char LABEL_OFFER_KEY[] = "hush-trust-v1 offer key";
static const char LABEL_PAIR[] = "hush-trust-v1 pair";
static const char LABEL_SECRET[] = "hush-trust-v1 secret";

typedef hush_keys keys;

static void
keys_wipe(keys *k)
{
    sodium_memzero(k, sizeof *k);
}

static void
hash32(uint8_t out[32], const char *label, const uint8_t *a, size_t a_len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    if (label) crypto_generichash_update(&st, (const uint8_t *) label, strlen(label));
    crypto_generichash_update(&st, a, a_len);
    crypto_generichash_final(&st, out, 32);
}

/* label | message, signed with the identity key (domain-separated, so a
 * pairing signature can never pass for a signature of anything else). */
static void
sign_labelled(uint8_t sig[64], const char *label, const uint8_t *msg, size_t len, const uint8_t sk[64])
{
    uint8_t buf[64 + HUSH_TRUST_OFFER_BYTES];
    size_t n = strlen(label);

    memcpy(buf, label, n);
    memcpy(buf + n, msg, len);
    crypto_sign_detached(sig, NULL, buf, n + len, sk);
}

static int
verify_labelled(const uint8_t sig[64], const char *label, const uint8_t *msg, size_t len, const uint8_t pk[32])
{
    uint8_t buf[64 + HUSH_TRUST_OFFER_BYTES];
    size_t n = strlen(label);

    memcpy(buf, label, n);
    memcpy(buf + n, msg, len);
    return crypto_sign_verify_detached(sig, buf, n + len, pk) == 0 ? HUSH_OK : HUSH_ERR_TRUST_SIGNATURE;
}

/* Key of the offer's box: X25519(P ephemeral, F identity), bound to both
 * keys and P's identity. */
static int
offer_key(uint8_t key[32], const uint8_t shared_sk[32], const uint8_t shared_pk[32], const uint8_t eph_pk[32],
          const uint8_t f_x[32], const uint8_t p_x[32])
{
    uint8_t dh[32];
    crypto_generichash_state st;

    if (crypto_scalarmult(dh, shared_sk, shared_pk) != 0) return HUSH_ERR_TRUST_MESSAGE; /* low order */
    crypto_generichash_init(&st, dh, sizeof dh, 32);
    crypto_generichash_update(&st, (const uint8_t *) LABEL_OFFER_KEY, sizeof LABEL_OFFER_KEY - 1);
    crypto_generichash_update(&st, eph_pk, 32);
    crypto_generichash_update(&st, f_x, 32);
    crypto_generichash_update(&st, p_x, 32);
    crypto_generichash_final(&st, key, 32);
    sodium_memzero(dh, sizeof dh);
    sodium_memzero(&st, sizeof st);
    return HUSH_OK;
}

/* The pairing key, from the ephemeral exchange, and the code both people
 * compare: 6 digits of it. */
static int
pairing_code(char code[HUSH_CONFIRM_CODE_CHARS + 1], const uint8_t eph_sk[32], const uint8_t peer_eph[32],
             const uint8_t p_eph[32], const uint8_t f_eph[32], const uint8_t p_x[32], const uint8_t f_x[32],
             const uint8_t secret_hash[32])
{
    uint8_t dh[32], k[32];
    crypto_generichash_state st;
    uint32_t n;

    if (crypto_scalarmult(dh, eph_sk, peer_eph) != 0) return HUSH_ERR_TRUST_MESSAGE;
    crypto_generichash_init(&st, dh, sizeof dh, 32);
    crypto_generichash_update(&st, (const uint8_t *) LABEL_PAIR, sizeof LABEL_PAIR - 1);
    crypto_generichash_update(&st, p_eph, 32);
    crypto_generichash_update(&st, f_eph, 32);
    crypto_generichash_update(&st, p_x, 32);
    crypto_generichash_update(&st, f_x, 32);
    crypto_generichash_update(&st, secret_hash, 32);
    crypto_generichash_final(&st, k, 32);
    n = ((uint32_t) k[0] << 24 | (uint32_t) k[1] << 16 | (uint32_t) k[2] << 8 | k[3]) % 1000000u;
    snprintf(code, HUSH_CONFIRM_CODE_CHARS + 1, "%03u %03u", (unsigned) (n / 1000), (unsigned) (n % 1000));
    sodium_memzero(dh, sizeof dh);
    sodium_memzero(k, sizeof k);
    sodium_memzero(&st, sizeof st);
    return HUSH_OK;
}

/* The wipe mailbox of a slot: a Session ID whose key pair derives from the
 * slot's mailbox seed, so polling it looks like polling any account, and
 * the locked device can sign its own retrievals (core/TRUST.md). */
static void
mailbox_id(char id[HUSH_SESSION_ID_CHARS + 1], const uint8_t mailbox_seed[32])
{
    uint8_t ed_seed[32], pk[32], sk[64], x[32];

    crypto_kdf_derive_from_key(ed_seed, 32, 2, "hushmbox", mailbox_seed);
    crypto_sign_seed_keypair(pk, sk, ed_seed);
    /* A key from crypto_sign_seed_keypair always converts. */
    if (crypto_sign_ed25519_pk_to_curve25519(x, pk) != 0) memset(x, 0, sizeof x);
    hush_session_id_format(id, x);
    sodium_memzero(ed_seed, sizeof ed_seed);
    sodium_memzero(sk, sizeof sk);
}

/* ---- store rows ---------------------------------------------------------- */

static int
step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HUSH_OK : hush_store_status(rc);
}

/* A slot row, if any: 1 = none, 2 = pending, 3 = paired (> 0), or an error. */
static int
slot_row(sqlite3 *db, unsigned slot, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = sqlite3_prepare_v2(db, "SELECT id, paired_at IS NOT NULL FROM trustees WHERE slot = ?", -1, &st,
                                 NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_int(st, 1, (int) slot);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (id) *id = sqlite3_column_int64(st, 0);
        rc = sqlite3_column_int(st, 1) ? 3 : 2;
    } else {
        rc = rc == SQLITE_DONE ? 1 : hush_store_status(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

static int
delete_trustee(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "DELETE FROM trustees WHERE id = ?", -1, &st, NULL);
    if (rc != SQLITE_OK) return hush_store_status(rc);
    sqlite3_bind_int64(st, 1, id);
    return step_done(st);
}

/* Brings the lock file's free secrets and the trustees table back in step
 * after a crash between their two writes (the store row always comes
 * first in an offer, the new slot first in a revoke):
 *  - a pending row whose slot still has a secret: the offer gave it away,
 *    or a revoke renewed it; either way forgetting it is safe (a renewed
 *    slot then matches nobody, and revoking again frees it);
 *  - a paired row whose slot has a secret: a revoke that renewed the slot
 *    and died before deleting the row, so the row goes. */
static int
reconcile(hush_vault *v, sqlite3 *db)
{
    uint8_t secret[32];
    unsigned i;
    int64_t id = 0;
    int row, rc;

    for (i = 0; i < LF_TRUSTEES; i++) {
        if ((row = slot_row(db, i, &id)) < 0) return row;
        if (row == 1) continue;
        rc = hush_vault_trustee_secret(v, i, secret);
        sodium_memzero(secret, sizeof secret);
        if (rc == HUSH_ERR_TRUST_FULL) continue; /* in use, as it should be */
        if (rc != HUSH_OK) return rc;
        rc = row == 2 ? hush_vault_trustee_forget(v, i) : delete_trustee(db, id);
        if (rc != HUSH_OK) return rc;
    }
    return HUSH_OK;
}

static int
open_db(hush_vault *v, sqlite3 **db, int64_t now_ms)
{
    int rc = hush_store_db(v, db, now_ms);
    return rc == HUSH_OK ? reconcile(v, *db) : rc;
}

/* The first column of a one-row query as allocated text (hush_free). */
static int
json_query(sqlite3 *db, const char *sql, char **json)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK) return hush_store_status(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *) sqlite3_column_text(st, 0);
        size_t n = strlen(text);
        if ((*json = malloc(n + 1)) != NULL) memcpy(*json, text, n + 1);
        rc = *json ? HUSH_OK : HUSH_ERR_NOMEM;
    } else {
        rc = hush_store_status(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- the person's side ----------------------------------------------------- */

int
hush_trust_offer(hush_vault *v, int64_t identity, const char *friend_session_id, int64_t now_ms,
                 uint8_t **offer_out, size_t *offer_len, int64_t *trustee_id)
{
    uint8_t f_x[32], secret[32], eph_sk[32], key[32], offer_hash[32], secret_hash[32];
    uint8_t free_slots[LF_TRUSTEES], *offer = NULL;
    unsigned i, n_free = 0, slot;
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    keys me;
    int rc;

    if (offer_out == NULL || offer_len == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_session_id_parse(f_x, friend_session_id)) != HUSH_OK) return rc;
    if ((rc = open_db(v, &db, now_ms)) != HUSH_OK) return rc;
    if ((rc = hush_keys_of(v, identity, &me)) != HUSH_OK) return rc;
    if (sodium_memcmp(f_x, me.x_pk, 32) == 0) {
        keys_wipe(&me);
        return HUSH_ERR_TRUST_PEER; /* yourself */
    }
    for (i = 0; i < LF_TRUSTEES; i++) {
        rc = hush_vault_trustee_secret(v, i, secret);
        if (rc == HUSH_OK && slot_row(db, i, NULL) == 1) free_slots[n_free++] = (uint8_t) i;
    }
    sodium_memzero(secret, sizeof secret);
    if (n_free == 0) {
        keys_wipe(&me);
        return HUSH_ERR_TRUST_FULL;
    }
    slot = free_slots[randombytes_uniform(n_free)];
    if ((offer = malloc(HUSH_TRUST_OFFER_BYTES)) == NULL) {
        keys_wipe(&me);
        return HUSH_ERR_NOMEM;
    }
    hush_vault_trustee_secret(v, slot, secret);

    offer[0] = VERSION;
    offer[1] = TYPE_OFFER;
    memcpy(offer + OFFER_P_ED, me.ed_pk, 32);
    memcpy(offer + OFFER_F_X, f_x, 32);
    crypto_box_keypair(offer + OFFER_EPH, eph_sk);
    rc = offer_key(key, eph_sk, f_x, offer + OFFER_EPH, f_x, me.x_pk);
    if (rc == HUSH_OK) {
        randombytes_buf(offer + OFFER_NONCE, 24);
        crypto_aead_xchacha20poly1305_ietf_encrypt(offer + OFFER_BOX, NULL, secret, 32, offer, OFFER_NONCE, NULL,
                                                   offer + OFFER_NONCE, key);
        sign_labelled(offer + OFFER_SIG, LABEL_OFFER_SIG, offer, OFFER_SIG, me.ed_sk);
        hash32(offer_hash, NULL, offer, HUSH_TRUST_OFFER_BYTES);
        hash32(secret_hash, LABEL_SECRET, secret, 32);
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO trustees(identity, slot, friend, offer_hash, ephemeral, secret_hash,"
                                " offered_at) VALUES (?, ?, lower(?), ?, ?, ?, ?)",
                                -1, &st, NULL);
        rc = hush_store_status(rc);
    }
    if (rc == HUSH_OK) {
        sqlite3_bind_int64(st, 1, identity);
        sqlite3_bind_int(st, 2, (int) slot);
        sqlite3_bind_text(st, 3, friend_session_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, offer_hash, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, eph_sk, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, secret_hash, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, now_ms);
        rc = step_done(st);
    }
    /* The row is durable: now the device forgets the secret it gave away. */
    if (rc == HUSH_OK) rc = hush_vault_trustee_forget(v, slot);
    if (rc == HUSH_OK && trustee_id) *trustee_id = sqlite3_last_insert_rowid(db);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(eph_sk, sizeof eph_sk);
    sodium_memzero(key, sizeof key);
    keys_wipe(&me);
    if (rc != HUSH_OK) {
        free(offer);
        return rc;
    }
    *offer_out = offer;
    *offer_len = HUSH_TRUST_OFFER_BYTES;
    return HUSH_OK;
}

int
hush_trust_complete(hush_vault *v, const uint8_t *reply, size_t reply_len, int64_t now_ms,
                    char code[HUSH_CONFIRM_CODE_CHARS + 1], int64_t *trustee_id)
{
    uint8_t f_x[32], eph_sk[32], p_eph[32], secret_hash[32], expected_x[32];
    char friend_id[HUSH_SESSION_ID_CHARS + 1];
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int64_t id = 0, identity = 0;
    keys me;
    int rc;

    if (reply == NULL || code == NULL) return HUSH_ERR_ARGUMENT;
    if (reply_len != HUSH_TRUST_REPLY_BYTES || reply[0] != VERSION || reply[1] != TYPE_REPLY) {
        return HUSH_ERR_TRUST_MESSAGE;
    }
    if (crypto_sign_ed25519_pk_to_curve25519(f_x, reply + REPLY_F_ED) != 0) return HUSH_ERR_TRUST_MESSAGE;
    if ((rc = open_db(v, &db, now_ms)) != HUSH_OK) return rc;
    if ((rc = sqlite3_prepare_v2(db,
                                 "SELECT id, identity, friend, ephemeral, secret_hash FROM trustees"
                                 " WHERE offer_hash = ? AND ephemeral IS NOT NULL",
                                 -1, &st, NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_blob(st, 1, reply + REPLY_OFFER_HASH, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 3) == 32 && sqlite3_column_bytes(st, 4) == 32 &&
        sqlite3_column_bytes(st, 2) == HUSH_SESSION_ID_CHARS) {
        id = sqlite3_column_int64(st, 0);
        identity = sqlite3_column_int64(st, 1);
        memcpy(friend_id, sqlite3_column_text(st, 2), HUSH_SESSION_ID_CHARS + 1);
        memcpy(eph_sk, sqlite3_column_blob(st, 3), 32);
        memcpy(secret_hash, sqlite3_column_blob(st, 4), 32);
        rc = HUSH_OK;
    } else {
        rc = rc == SQLITE_DONE ? HUSH_ERR_TRUST_NO_OFFER : rc == SQLITE_ROW ? HUSH_ERR_STORE_DAMAGED
                                                                            : hush_store_status(rc);
    }
    sqlite3_finalize(st);
    if (rc != HUSH_OK) return rc;

    if ((rc = hush_session_id_parse(expected_x, friend_id)) == HUSH_OK && memcmp(expected_x, f_x, 32) != 0) {
        rc = HUSH_ERR_TRUST_PEER;
    }
    if (rc == HUSH_OK) rc = verify_labelled(reply + REPLY_SIG, LABEL_REPLY_SIG, reply, REPLY_SIG, reply + REPLY_F_ED);
    if (rc == HUSH_OK) rc = hush_keys_of(v, identity, &me);
    if (rc == HUSH_OK) {
        crypto_scalarmult_base(p_eph, eph_sk);
        rc = pairing_code(code, eph_sk, reply + REPLY_EPH, p_eph, reply + REPLY_EPH, me.x_pk, f_x, secret_hash);
        keys_wipe(&me);
    }
    sodium_memzero(eph_sk, sizeof eph_sk);
    if (rc == HUSH_OK) {
        /* Paired: the ephemeral secret key goes (secure_delete overwrites it). */
        rc = hush_store_status(sqlite3_prepare_v2(
            db, "UPDATE trustees SET ephemeral = NULL, paired_at = ? WHERE id = ?", -1, &st, NULL));
        if (rc == HUSH_OK) {
            sqlite3_bind_int64(st, 1, now_ms);
            sqlite3_bind_int64(st, 2, id);
            rc = step_done(st);
        }
    }
    if (rc == HUSH_OK && trustee_id) *trustee_id = id;
    return rc;
}

int
hush_trustees(hush_vault *v, char **json)
{
    sqlite3 *db;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = open_db(v, &db, 0)) != HUSH_OK) return rc;
    return json_query(db,
                      "SELECT coalesce(json_group_array(json_object('id', id, 'identity', identity,"
                      " 'friend', friend, 'state', CASE WHEN paired_at IS NULL THEN 'pending' ELSE 'paired' END,"
                      " 'offeredAt', offered_at, 'pairedAt', paired_at, 'drillAt', drill_at)), '[]')"
                      " FROM (SELECT * FROM trustees ORDER BY id)",
                      json);
}

int
hush_trust_revoke(hush_vault *v, int64_t trustee_id)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc, slot = -1;

    if ((rc = open_db(v, &db, 0)) != HUSH_OK) return rc;
    if ((rc = sqlite3_prepare_v2(db, "SELECT slot FROM trustees WHERE id = ?", -1, &st, NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_int64(st, 1, trustee_id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) slot = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (slot < 0 || slot >= (int) LF_TRUSTEES) return rc == SQLITE_DONE || rc == SQLITE_ROW ? HUSH_ERR_NOT_FOUND : hush_store_status(rc);
    /* The slot first: from this flushed write on, the friend's secret
     * matches nothing, whatever happens to the row (reconcile). */
    if ((rc = hush_vault_trustee_renew(v, (unsigned) slot)) != HUSH_OK) return rc;
    return delete_trustee(db, trustee_id);
}

/* ---- the friend's side ------------------------------------------------------ */

int
hush_trust_accept(hush_vault *v, int64_t identity, const uint8_t *offer, size_t offer_len, int64_t now_ms,
                  uint8_t **reply_out, size_t *reply_len, char code[HUSH_CONFIRM_CODE_CHARS + 1],
                  int64_t *pairing_id)
{
    uint8_t p_x[32], key[32], secret[32], secret_hash[32], eph_sk[32], *reply = NULL;
    char person[HUSH_SESSION_ID_CHARS + 1];
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    keys me;
    int rc;

    if (offer == NULL || reply_out == NULL || reply_len == NULL || code == NULL) return HUSH_ERR_ARGUMENT;
    if (offer_len != HUSH_TRUST_OFFER_BYTES || offer[0] != VERSION || offer[1] != TYPE_OFFER) {
        return HUSH_ERR_TRUST_MESSAGE;
    }
    if (crypto_sign_ed25519_pk_to_curve25519(p_x, offer + OFFER_P_ED) != 0) return HUSH_ERR_TRUST_MESSAGE;
    if ((rc = open_db(v, &db, now_ms)) != HUSH_OK) return rc;
    if ((rc = hush_keys_of(v, identity, &me)) != HUSH_OK) return rc;
    if (memcmp(offer + OFFER_F_X, me.x_pk, 32) != 0 || memcmp(p_x, me.x_pk, 32) == 0) rc = HUSH_ERR_TRUST_PEER;
    if (rc == HUSH_OK) rc = verify_labelled(offer + OFFER_SIG, LABEL_OFFER_SIG, offer, OFFER_SIG, offer + OFFER_P_ED);
    if (rc == HUSH_OK) rc = offer_key(key, me.x_sk, offer + OFFER_EPH, offer + OFFER_EPH, me.x_pk, p_x);
    if (rc == HUSH_OK &&
        crypto_aead_xchacha20poly1305_ietf_decrypt(secret, NULL, NULL, offer + OFFER_BOX, 48, offer, OFFER_NONCE,
                                                   offer + OFFER_NONCE, key) != 0) {
        rc = HUSH_ERR_TRUST_MESSAGE;
    }
    if (rc == HUSH_OK && (reply = malloc(HUSH_TRUST_REPLY_BYTES)) == NULL) rc = HUSH_ERR_NOMEM;
    if (rc == HUSH_OK) {
        hash32(secret_hash, LABEL_SECRET, secret, 32);
        reply[0] = VERSION;
        reply[1] = TYPE_REPLY;
        memcpy(reply + REPLY_F_ED, me.ed_pk, 32);
        hash32(reply + REPLY_OFFER_HASH, NULL, offer, HUSH_TRUST_OFFER_BYTES);
        crypto_box_keypair(reply + REPLY_EPH, eph_sk);
        sign_labelled(reply + REPLY_SIG, LABEL_REPLY_SIG, reply, REPLY_SIG, me.ed_sk);
        rc = pairing_code(code, eph_sk, offer + OFFER_EPH, offer + OFFER_EPH, reply + REPLY_EPH, p_x, me.x_pk,
                          secret_hash);
    }
    if (rc == HUSH_OK) {
        /* The same offer accepted twice keeps one row. */
        hush_session_id_format(person, p_x);
        rc = hush_store_status(sqlite3_prepare_v2(
            db, "INSERT INTO protected(identity, person, secret, paired_at) SELECT ?, ?, ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM protected WHERE identity = ?1 AND secret = ?3)",
            -1, &st, NULL));
        if (rc == HUSH_OK) {
            sqlite3_bind_int64(st, 1, identity);
            sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 3, secret, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, now_ms);
            rc = step_done(st);
        }
    }
    if (rc == HUSH_OK && pairing_id) {
        rc = hush_store_status(sqlite3_prepare_v2(db, "SELECT id FROM protected WHERE identity = ? AND secret = ?",
                                                  -1, &st, NULL));
        if (rc == HUSH_OK) {
            sqlite3_bind_int64(st, 1, identity);
            sqlite3_bind_blob(st, 2, secret, 32, SQLITE_STATIC);
            rc = sqlite3_step(st);
            *pairing_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            rc = rc == SQLITE_ROW ? HUSH_OK : hush_store_status(rc);
            sqlite3_finalize(st);
        }
    }
    sodium_memzero(key, sizeof key);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(eph_sk, sizeof eph_sk);
    keys_wipe(&me);
    if (rc != HUSH_OK) {
        free(reply);
        if (code) code[0] = 0;
        return rc;
    }
    *reply_out = reply;
    *reply_len = HUSH_TRUST_REPLY_BYTES;
    return HUSH_OK;
}

int
hush_trust_protected(hush_vault *v, char **json)
{
    sqlite3 *db;
    int rc;

    if (json == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = open_db(v, &db, 0)) != HUSH_OK) return rc;
    return json_query(db,
                      "SELECT coalesce(json_group_array(json_object('id', id, 'identity', identity,"
                      " 'person', person, 'pairedAt', paired_at)), '[]')"
                      " FROM (SELECT * FROM protected ORDER BY id)",
                      json);
}

int
hush_trust_make(hush_vault *v, int64_t pairing_id, int drill, uint8_t message[HUSH_WIPE_MESSAGE_BYTES],
                char mailbox[HUSH_SESSION_ID_CHARS + 1])
{
    uint8_t secret[32], slot[LF_TRUSTEE_BYTES];
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc;

    if (message == NULL || mailbox == NULL || (drill != 0 && drill != 1)) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_store_db(v, &db, 0)) != HUSH_OK) return rc;
    if ((rc = sqlite3_prepare_v2(db, "SELECT secret FROM protected WHERE id = ?", -1, &st, NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_int64(st, 1, pairing_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(secret, sqlite3_column_blob(st, 0), 32);
        rc = HUSH_OK;
    } else {
        rc = rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : rc == SQLITE_ROW ? HUSH_ERR_STORE_DAMAGED : hush_store_status(rc);
    }
    sqlite3_finalize(st);
    if (rc != HUSH_OK) return rc;
    lf_wipe_message_seal(message, secret, drill ? LF_WIPE_KIND_DRILL : LF_WIPE_KIND_WIPE);
    lf_trustee_derive(slot, secret);
    mailbox_id(mailbox, slot);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(slot, sizeof slot);
    return HUSH_OK;
}

/* ---- any state: mailboxes and incoming messages ----------------------------- */

int
hush_trust_mailboxes(hush_vault *v, char out[HUSH_TRUSTEE_SLOTS * HUSH_SESSION_ID_CHARS + 1])
{
    const uint8_t *region = hush_vault_trustee_region(v);
    char id[HUSH_SESSION_ID_CHARS + 1];
    unsigned i;

    if (out == NULL) return HUSH_ERR_ARGUMENT;
    if (region == NULL) return HUSH_ERR_STATE;
    for (i = 0; i < LF_TRUSTEES; i++) {
        mailbox_id(id, region + i * LF_TRUSTEE_BYTES);
        memcpy(out + i * HUSH_SESSION_ID_CHARS, id, HUSH_SESSION_ID_CHARS);
    }
    out[LF_TRUSTEES * HUSH_SESSION_ID_CHARS] = 0;
    return HUSH_OK;
}

int
hush_trust_receive(hush_vault *v, const uint8_t *message, size_t len, int64_t now_ms, int *slot)
{
    const uint8_t *region = hush_vault_trustee_region(v);
    uint8_t index = 0;
    int kind, rc;

    if (slot) *slot = -1;
    /* Anything that is not a wipe message is simply not one: no error, no
     * change, nothing the sender could tell apart. */
    if (message == NULL || len != HUSH_WIPE_MESSAGE_BYTES || region == NULL) return HUSH_TRUST_NONE;
    kind = lf_trustees_check(region, message, &index);
    if (kind == LF_WIPE_KIND_WIPE) {
        rc = hush_vault_destroy_keys(v);
        return rc == HUSH_OK ? HUSH_TRUST_WIPED : rc;
    }
    if (kind != LF_WIPE_KIND_DRILL) return HUSH_TRUST_NONE;
    if (slot) *slot = index;
    if (hush_vault_state(v) == HUSH_VAULT_UNLOCKED) {
        rc = hush_trust_drill_seen(v, index, now_ms);
        if (rc != HUSH_OK) return rc;
    }
    return HUSH_TRUST_DRILL;
}

int
hush_trust_drill_seen(hush_vault *v, int slot, int64_t at_ms)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc;

    if (slot < 0 || slot >= (int) LF_TRUSTEES) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_store_db(v, &db, 0)) != HUSH_OK) return rc;
    rc = hush_store_status(sqlite3_prepare_v2(
        db, "UPDATE trustees SET drill_at = max(coalesce(drill_at, 0), ?) WHERE slot = ?", -1, &st, NULL));
    if (rc != HUSH_OK) return rc;
    sqlite3_bind_int64(st, 1, at_ms);
    sqlite3_bind_int(st, 2, slot);
    return step_done(st);
}
