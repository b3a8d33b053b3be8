/* Incoming messages (core/src/message.c) on hostile bytes. An input with
 * an even first byte is the ciphertext itself (the sealed-box layer); with
 * an odd one, the rest is M, signed and sealed here to the recipient as a
 * Session client would, so the padding and envelope parsers are reached.
 * Nothing may crash or leak; a refusal must be one of the incoming
 * statuses; what opens must re-seal and open to the same envelope. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hush.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hush_vault *vault;
static int64_t identity;
static uint8_t y[32], sender_pk[32], sender_sk[64];
static char recipient[HUSH_SESSION_ID_CHARS + 1];

static void
setup(void)
{
    static char dir[] = "/tmp/hush-fuzz-msg-XXXXXX";
    uint8_t seed[16] = { 9 }, sender_seed[32] = { 4 };

    if (hush_init() != HUSH_OK || mkdtemp(dir) == NULL || hush_vault_open(&vault, dir) != HUSH_OK ||
        hush_vault_create(vault, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, 1) != HUSH_OK ||
        hush_identity_create(vault, "fuzz", seed, &identity) != HUSH_OK || hush_session_id(recipient, seed) != HUSH_OK) {
        abort();
    }
    sodium_hex2bin(y, 32, recipient + 2, 64, NULL, NULL, NULL);
    crypto_sign_seed_keypair(sender_pk, sender_sk, sender_seed);
}

static void
check(int rc)
{
    if (rc != HUSH_OK && rc != HUSH_ERR_INCOMING_SEAL && rc != HUSH_ERR_INCOMING_SIGNATURE &&
        rc != HUSH_ERR_INCOMING_PADDING && rc != HUSH_ERR_INCOMING_ENVELOPE && rc != HUSH_ERR_INCOMING_VERSION) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[HUSH_SEALED_MAX + 256], ct[HUSH_SEALED_MAX + 256];
    char *json = NULL;
    uint8_t *body = NULL;
    size_t body_len = 0, len = size;
    const uint8_t *in = data;
    int rc;

    if (vault == NULL) setup();
    if (size > 0 && (data[0] & 1)) {
        size_t m_len = size - 1;
        uint8_t sig[64];
        if (m_len + 96 + crypto_box_SEALBYTES > sizeof ct) return 0;
        memcpy(buf, data + 1, m_len);
        memcpy(buf + m_len, sender_pk, 32);
        memcpy(buf + m_len + 32, y, 32);
        crypto_sign_detached(sig, NULL, buf, m_len + 64, sender_sk);
        memcpy(buf + m_len + 32, sig, 64);
        crypto_box_seal(ct, buf, m_len + 96, y);
        in = ct;
        len = m_len + 96 + crypto_box_SEALBYTES;
    }
    rc = hush_message_open(vault, identity, in, len, &json, &body, &body_len);
    check(rc);
    hush_free(json);
    hush_free(body);
    return 0;
}
