/* Messages (core/MESSAGES.md): a round trip between two vaults names the
 * sender by its Session ID; messages built here with libsodium alone, as
 * libsession-util builds them, open in the core, and each kind of bad one
 * is refused with its own reason: not for this identity, a flipped bit, a
 * signature over another recipient's key (a forwarded message), a bad
 * signature, no Session padding, an unknown envelope version, a malformed
 * envelope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "hush.h"

#define T0 INT64_C(1700000000000)

typedef struct {
    char dir[32];
    hush_vault *v;
    int64_t id;
    uint8_t seed[16];
    char sid[HUSH_SESSION_ID_CHARS + 1];
} party;

static void
party_new(party *p, uint8_t n)
{
    strcpy(p->dir, "/tmp/hush-msg-XXXXXX");
    if (mkdtemp(p->dir) == NULL) abort();
    CHECK_EQ_INT(hush_vault_open(&p->v, p->dir), HUSH_OK);
    CHECK_EQ_INT(hush_vault_create(p->v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, T0), HUSH_OK);
    memset(p->seed, n, 16);
    CHECK_EQ_INT(hush_identity_create(p->v, "me", p->seed, &p->id), HUSH_OK);
    CHECK_EQ_INT(hush_session_id(p->sid, p->seed), HUSH_OK);
}

static void
party_free(party *p)
{
    char cmd[64];
    hush_vault_close(p->v);
    snprintf(cmd, sizeof cmd, "rm -rf %s", p->dir);
    if (system(cmd) != 0) abort();
}

/* Built the way libsession-util's encrypt_for_recipient builds it, with
 * libsodium only: M (given, already padded or not) || A || sig(M||A||Ysig)
 * sealed to Yseal. */
static size_t
build(uint8_t *out, const uint8_t *m, size_t m_len, const uint8_t seed[16], const uint8_t y_sig[32],
      const uint8_t y_seal[32], int break_sig)
{
    uint8_t ed_seed[32] = { 0 }, pk[32], sk[64], buf[1024], sig[64];
    memcpy(ed_seed, seed, 16);
    crypto_sign_seed_keypair(pk, sk, ed_seed);
    memcpy(buf, m, m_len);
    memcpy(buf + m_len, pk, 32);
    memcpy(buf + m_len + 32, y_sig, 32);
    crypto_sign_detached(sig, NULL, buf, m_len + 64, sk);
    if (break_sig) sig[10] ^= 1;
    memcpy(buf + m_len + 32, sig, 64);
    crypto_box_seal(out, buf, m_len + 96, y_seal);
    return m_len + 96 + crypto_box_SEALBYTES;
}

/* An envelope (version, type, sent at, mode, seconds, body), padded. */
static size_t
envelope(uint8_t *m, int version, int type, const char *body, int pad)
{
    size_t n = 15 + strlen(body), padded;
    memset(m, 0, 480);
    m[0] = (uint8_t) version;
    m[1] = (uint8_t) type;
    for (int i = 0; i < 8; i++) m[2 + i] = (uint8_t) ((uint64_t) T0 >> (8 * i));
    memcpy(m + 15, body, strlen(body));
    if (!pad) return n;
    m[n] = 0x80;
    padded = (n + 1 + 159) / 160 * 160;
    return padded;
}

static int
open_rc(party *p, const uint8_t *ct, size_t len, char *sender_out)
{
    char *json = NULL;
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = hush_message_open(p->v, p->id, ct, len, &json, &body, &body_len);
    if (rc == HUSH_OK && sender_out) {
        const char *s = strstr(json, "\"sender\":\"");
        memcpy(sender_out, s + 10, HUSH_SESSION_ID_CHARS);
        sender_out[HUSH_SESSION_ID_CHARS] = 0;
    }
    hush_free(json);
    hush_free(body);
    return rc;
}

int
main(void)
{
    party a, b, c;
    uint8_t *ct = NULL, *body = NULL, y_b[32], y_c[32], m[480], raw[2048];
    size_t len, body_len, n, i;
    char *json = NULL, sender[HUSH_SESSION_ID_CHARS + 1];
    int flipped_ok = 1;

    CHECK_EQ_INT(hush_init(), HUSH_OK);
    party_new(&a, 1);
    party_new(&b, 2);
    party_new(&c, 3);
    sodium_hex2bin(y_b, 32, b.sid + 2, 64, NULL, NULL, NULL);
    sodium_hex2bin(y_c, 32, c.sid + 2, 64, NULL, NULL, NULL);

    /* round trip: A to B */
    CHECK_EQ_INT(hush_message_seal(a.v, a.id, b.sid, HUSH_MSG_TEXT, T0, HUSH_DISAPPEAR_AFTER_READ, 300,
                                   (const uint8_t *) "hello Bob", 9, &ct, &len), HUSH_OK);
    CHECK_EQ_INT(len, 160 + 96 + 48);
    CHECK_EQ_INT(hush_message_open(b.v, b.id, ct, len, &json, &body, &body_len), HUSH_OK);
    CHECK(json && strstr(json, a.sid) != NULL && strstr(json, "\"type\":\"text\"") != NULL);
    CHECK(json && strstr(json, "\"mode\":2,\"seconds\":300") != NULL && strstr(json, "\"sentAt\":1700000000000") != NULL);
    CHECK(body_len == 9 && memcmp(body, "hello Bob", 9) == 0);
    hush_free(json);
    hush_free(body);
    /* not for C; a flipped bit anywhere */
    CHECK_EQ_INT(open_rc(&c, ct, len, NULL), HUSH_ERR_INCOMING_SEAL);
    for (i = 0; i < len; i++) {
        ct[i] ^= 0x04;
        if (open_rc(&b, ct, len, NULL) != HUSH_ERR_INCOMING_SEAL) flipped_ok = 0;
        ct[i] ^= 0x04;
    }
    CHECK(flipped_ok);
    CHECK_EQ_INT(open_rc(&b, ct, len - 1, NULL), HUSH_ERR_INCOMING_SEAL);
    CHECK_EQ_INT(open_rc(&b, ct, 10, NULL), HUSH_ERR_INCOMING_SEAL);
    hush_free(ct);

    /* independently built (libsodium only), as libsession-util does */
    n = envelope(m, 1, HUSH_MSG_TEXT, "built by hand", 1);
    len = build(raw, m, n, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, sender), HUSH_OK);
    CHECK_EQ_INT(strcmp(sender, a.sid), 0);
    /* signed for C, sealed to B: a forwarded message */
    len = build(raw, m, n, a.seed, y_c, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_SIGNATURE);
    len = build(raw, m, n, a.seed, y_b, y_b, 1);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_SIGNATURE);
    /* no padding: the envelope as is, padded with zeros only */
    n = envelope(m, 1, HUSH_MSG_TEXT, "unpadded", 0);
    len = build(raw, m, 160, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_PADDING);
    /* padded, but not to a multiple of 160 */
    n = envelope(m, 1, HUSH_MSG_TEXT, "short", 1);
    len = build(raw, m, 200, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_PADDING);
    /* unknown version; unknown type; a receipt of 3 bytes; a timer with a body */
    n = envelope(m, 2, HUSH_MSG_TEXT, "from the future", 1);
    len = build(raw, m, n, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_VERSION);
    n = envelope(m, 1, 42, "what is this", 1);
    len = build(raw, m, n, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_ENVELOPE);
    n = envelope(m, 1, HUSH_MSG_READ, "abc", 1);
    len = build(raw, m, n, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_ENVELOPE);
    n = envelope(m, 1, HUSH_MSG_TIMER, "x", 1);
    len = build(raw, m, n, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_ENVELOPE);
    /* too short for an envelope (0x80 at byte 5) */
    memset(m, 0, 160);
    m[5] = 0x80;
    len = build(raw, m, 160, a.seed, y_b, y_b, 0);
    CHECK_EQ_INT(open_rc(&b, raw, len, NULL), HUSH_ERR_INCOMING_ENVELOPE);
    n = len;

    /* the sealing side refuses what the opening side would */
    CHECK_EQ_INT(hush_message_seal(a.v, a.id, b.sid, HUSH_MSG_TIMER, T0, 0, 0, (const uint8_t *) "x", 1, &ct, &len),
                 HUSH_ERR_MESSAGE);
    CHECK_EQ_INT(hush_message_seal(a.v, a.id, "05zz", HUSH_MSG_TEXT, T0, 0, 0, NULL, 0, &ct, &len), HUSH_ERR_SESSION_ID);
    CHECK_EQ_INT(hush_message_seal(a.v, a.id, b.sid, HUSH_MSG_TEXT, T0, 1, 0, NULL, 0, &ct, &len), HUSH_ERR_MESSAGE);
    {
        uint8_t *big = calloc(1, HUSH_BODY_MAX + 1);
        CHECK_EQ_INT(hush_message_seal(a.v, a.id, b.sid, HUSH_MSG_TEXT, T0, 0, 0, big, HUSH_BODY_MAX, &ct, &len), HUSH_OK);
        CHECK(len <= HUSH_SEALED_MAX);
        CHECK_EQ_INT(open_rc(&b, ct, len, NULL), HUSH_OK);
        hush_free(ct);
        CHECK_EQ_INT(hush_message_seal(a.v, a.id, b.sid, HUSH_MSG_TEXT, T0, 0, 0, big, HUSH_BODY_MAX + 1, &ct, &len),
                     HUSH_ERR_MESSAGE);
        free(big);
    }
    /* storage-server signatures: only the RPC's own strings */
    {
        uint8_t sig[64], pk[32], ed_seed[32] = { 0 }, want_pk[32], want_sk[64];
        memcpy(ed_seed, a.seed, 16);
        crypto_sign_seed_keypair(want_pk, want_sk, ed_seed);
        CHECK_EQ_INT(hush_relay_sign(a.v, a.id, "retrieve", "421700000000000", sig, pk), HUSH_OK);
        CHECK(memcmp(pk, want_pk, 32) == 0);
        CHECK_EQ_INT(crypto_sign_verify_detached(sig, (const uint8_t *) "retrieve421700000000000", 23, pk), 0);
        CHECK_EQ_INT(hush_relay_sign(a.v, a.id, "sign anything", "x", sig, pk), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_relay_sign(a.v, a.id, "retrieve", "with space", sig, pk), HUSH_ERR_ARGUMENT);
        CHECK_EQ_INT(hush_relay_sign(a.v, a.id, "delete", "\x01\x02", sig, pk), HUSH_ERR_ARGUMENT);
    }
    /* locked: no keys */
    CHECK_EQ_INT(hush_vault_lock(b.v), HUSH_OK);
    CHECK_EQ_INT(open_rc(&b, raw, n, NULL), HUSH_ERR_STATE);

    party_free(&a);
    party_free(&b);
    party_free(&c);
    return check_done();
}
