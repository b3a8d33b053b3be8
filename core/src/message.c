/* One-to-one messages as Session encrypts them, with Hush's envelope
 * inside (core/MESSAGES.md).
 *
 * THE SESSION LAYER (libsession-util's encrypt_for_recipient and
 * decrypt_incoming, byte for byte)
 *   M   = envelope || 0x80 || zero bytes, to a multiple of 160
 *   sig = Ed25519_sign(sender_sk, M || A || Y)
 *         A: the sender's Ed25519 public key, Y: the recipient's X25519
 *         public key (its Session ID without 05)
 *   ct  = crypto_box_seal(M || A || sig, Y)
 * Opening: the sealed box with the recipient's X25519 key pair (from its
 * Ed25519 keys); A and sig split off the end; sig verified over
 * M || A || own Y; the sender's Session ID is 05 || Ed25519->X25519(A).
 *
 * Every way an incoming message fails has its own status (the host counts
 * drops by reason), and nothing is stored here: the caller stores what
 * opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hush.h"
#include "session_keys.h"

#define PAD_BLOCK 160
#define ENVELOPE_HEAD 15
#define ENVELOPE_VERSION 1
/* A text of HUSH_BODY_MAX bytes, padded, signed and sealed, stays under
 * the relay's 76,800-byte limit. */
_Static_assert(ENVELOPE_HEAD + HUSH_BODY_MAX + PAD_BLOCK + 96 + crypto_box_SEALBYTES <= HUSH_SEALED_MAX,
               "a sealed message fits the relay");

static const char *const TYPE_NAMES[] = {
#define HUSH_TYPE_NAME(name, value, text) [value] = text,
    HUSH_MESSAGE_TYPES(HUSH_TYPE_NAME)
#undef HUSH_TYPE_NAME
};
#define TYPE_MAX ((int) (sizeof TYPE_NAMES / sizeof TYPE_NAMES[0]) - 1)

static void
put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t) p[i] << (8 * i);
    return v;
}

/* What each type's body must be; the same check on both ends. */
static int
valid_envelope(int type, int64_t sent_at, int mode, int64_t seconds, size_t body_len)
{
    if (type < 1 || type > TYPE_MAX || TYPE_NAMES[type] == NULL) return 0;
    if (sent_at <= 0 || sent_at > INT64_C(253402300799999)) return 0;
    if (mode == HUSH_DISAPPEAR_OFF ? seconds != 0
        : (mode != HUSH_DISAPPEAR_AFTER_SEND && mode != HUSH_DISAPPEAR_AFTER_READ) ||
          seconds < HUSH_DISAPPEAR_MIN_SECONDS || seconds > HUSH_DISAPPEAR_MAX_SECONDS) {
        return 0;
    }
    switch (type) {
    case HUSH_MSG_TEXT: return body_len <= HUSH_BODY_MAX;
    case HUSH_MSG_TIMER: return body_len == 0;
    case HUSH_MSG_READ:
    case HUSH_MSG_DELIVERED: return body_len >= 8 && body_len <= 8 * 100 && body_len % 8 == 0;
    case HUSH_MSG_PAIRING: return body_len == HUSH_TRUST_OFFER_BYTES || body_len == HUSH_TRUST_REPLY_BYTES;
    case HUSH_MSG_TRIGGER:
    case HUSH_MSG_DRILL: return body_len == HUSH_WIPE_MESSAGE_BYTES;
    default: return 0;
    }
}

int
hush_message_seal(hush_vault *v, int64_t identity, const char *recipient, int type, int64_t sent_at, int mode,
                  int64_t seconds, const uint8_t *body, size_t body_len, uint8_t **out, size_t *out_len)
{
    uint8_t y[32], sig[64], *m = NULL, *ct = NULL;
    size_t env_len, m_len, signed_len;
    hush_keys k;
    int rc;

    if (out == NULL || out_len == NULL || (body == NULL && body_len != 0)) return HUSH_ERR_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (!valid_envelope(type, sent_at, mode, seconds, body_len)) return HUSH_ERR_MESSAGE;
    if ((rc = hush_session_id_parse(y, recipient)) != HUSH_OK) return rc;
    if ((rc = hush_keys_of(v, identity, &k)) != HUSH_OK) return rc;

    env_len = ENVELOPE_HEAD + body_len;
    m_len = (env_len + 1 + PAD_BLOCK - 1) / PAD_BLOCK * PAD_BLOCK;
    signed_len = m_len + 32 + 64;
    /* M || A || Y for the signature, then M || A || sig in the same buffer */
    if ((m = calloc(1, m_len + 32 + 64)) == NULL || (ct = malloc(signed_len + crypto_box_SEALBYTES)) == NULL) {
        rc = HUSH_ERR_NOMEM;
        goto done;
    }
    m[0] = ENVELOPE_VERSION;
    m[1] = (uint8_t) type;
    put_le(m + 2, (uint64_t) sent_at, 8);
    m[10] = (uint8_t) mode;
    put_le(m + 11, (uint64_t) seconds, 4);
    if (body_len) memcpy(m + ENVELOPE_HEAD, body, body_len);
    m[env_len] = 0x80;
    memcpy(m + m_len, k.ed_pk, 32);
    memcpy(m + m_len + 32, y, 32);
    crypto_sign_ed25519_detached(sig, NULL, m, m_len + 64, k.ed_sk);
    memcpy(m + m_len + 32, sig, 64);
    if (crypto_box_seal(ct, m, signed_len, y) != 0) {
        rc = HUSH_ERR_CRYPTO;
        goto done;
    }
    *out = ct;
    *out_len = signed_len + crypto_box_SEALBYTES;
    ct = NULL;
    rc = HUSH_OK;
done:
    if (m) {
        sodium_memzero(m, m_len + 96);
        free(m);
    }
    free(ct);
    sodium_memzero(&k, sizeof k);
    sodium_memzero(sig, sizeof sig);
    return rc;
}

int
hush_message_open(hush_vault *v, int64_t identity, const uint8_t *in, size_t len, char **json, uint8_t **body,
                  size_t *body_len)
{
    uint8_t *plain = NULL, a_x[32], *sig_copy;
    size_t plain_len, m_len, env_len;
    char sender[HUSH_SESSION_ID_CHARS + 1], *text = NULL;
    hush_keys k;
    int rc, type, mode;
    int64_t sent_at, seconds;

    if (json == NULL || body == NULL || body_len == NULL || (in == NULL && len != 0)) return HUSH_ERR_ARGUMENT;
    *json = NULL;
    *body = NULL;
    *body_len = 0;
    if ((rc = hush_keys_of(v, identity, &k)) != HUSH_OK) return rc;
    /* at most the relay's size; at least one padded block, A and sig */
    if (len > HUSH_SEALED_MAX || len < crypto_box_SEALBYTES + PAD_BLOCK + 96) {
        sodium_memzero(&k, sizeof k);
        return HUSH_ERR_INCOMING_SEAL;
    }
    plain_len = len - crypto_box_SEALBYTES;
    if ((plain = malloc(plain_len + 32)) == NULL) {
        rc = HUSH_ERR_NOMEM;
        goto done;
    }
    if (crypto_box_seal_open(plain, in, len, k.x_pk, k.x_sk) != 0) {
        rc = HUSH_ERR_INCOMING_SEAL;
        goto done;
    }
    m_len = plain_len - 96;
    /* verify over M || A || own Y: the signature sits where Y goes, so
     * move it aside first */
    sig_copy = plain + m_len + 32;
    {
        uint8_t sig[64];
        memcpy(sig, sig_copy, 64);
        memcpy(plain + m_len + 32, k.x_pk, 32);
        rc = crypto_sign_ed25519_verify_detached(sig, plain, m_len + 64, plain + m_len) == 0 ? HUSH_OK
                                                                                           : HUSH_ERR_INCOMING_SIGNATURE;
        sodium_memzero(sig, sizeof sig);
    }
    if (rc != HUSH_OK) goto done;
    if (crypto_sign_ed25519_pk_to_curve25519(a_x, plain + m_len) != 0) {
        rc = HUSH_ERR_INCOMING_SIGNATURE;
        goto done;
    }
    hush_session_id_format(sender, a_x);

    /* unpad: trailing zeros, then the 0x80 */
    for (env_len = m_len; env_len > 0 && plain[env_len - 1] == 0; env_len--) {}
    if (env_len == 0 || plain[env_len - 1] != 0x80 || m_len % PAD_BLOCK != 0) {
        rc = HUSH_ERR_INCOMING_PADDING;
        goto done;
    }
    env_len--;
    if (env_len < ENVELOPE_HEAD) {
        rc = HUSH_ERR_INCOMING_ENVELOPE;
        goto done;
    }
    if (plain[0] != ENVELOPE_VERSION) {
        rc = HUSH_ERR_INCOMING_VERSION;
        goto done;
    }
    type = plain[1];
    sent_at = (int64_t) get_le(plain + 2, 8);
    mode = plain[10];
    seconds = (int64_t) get_le(plain + 11, 4);
    if (!valid_envelope(type, sent_at, mode, seconds, env_len - ENVELOPE_HEAD)) {
        rc = HUSH_ERR_INCOMING_ENVELOPE;
        goto done;
    }
    if ((text = malloc(256)) == NULL || (*body = malloc(env_len - ENVELOPE_HEAD + 1)) == NULL) {
        rc = HUSH_ERR_NOMEM;
        goto done;
    }
    snprintf(text, 256, "{\"sender\":\"%s\",\"type\":\"%s\",\"sentAt\":%lld,\"disappearing\":{\"mode\":%d,\"seconds\":%lld}}",
             sender, TYPE_NAMES[type], (long long) sent_at, mode, (long long) seconds);
    memcpy(*body, plain + ENVELOPE_HEAD, env_len - ENVELOPE_HEAD);
    *body_len = env_len - ENVELOPE_HEAD;
    *json = text;
    text = NULL;
    rc = HUSH_OK;
done:
    if (rc != HUSH_OK && *body) {
        free(*body);
        *body = NULL;
    }
    free(text);
    if (plain) {
        sodium_memzero(plain, plain_len + 32);
        free(plain);
    }
    sodium_memzero(&k, sizeof k);
    return rc;
}
