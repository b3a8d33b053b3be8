/* Signatures for a Session storage server (the relay): a mailbox owner
 * signs "retrieve" || namespace || timestamp (or "delete" || hashes ...)
 * with the identity's Ed25519 key, as Session clients do.
 *
 * The core never signs arbitrary bytes with an identity key: only one of
 * the storage RPC's method names followed by printable ASCII (digits,
 * base64, hex), so no signature made here can pass for a message
 * signature (message.c signs M || A || Y, where M starts with the
 * envelope's version byte 0x01). */
#include <string.h>

#include <sodium.h>

#include "hush.h"
#include "session_keys.h"

static const char *const METHODS[] = { "retrieve", "delete", "delete_all", "expire" };

static int
valid_rest(const char *s)
{
    size_t n = strlen(s);
    if (n > 8192) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c <= 0x20 || c >= 0x7f) return 0;
    }
    return 1;
}

int
hush_relay_sign(hush_vault *v, int64_t identity, const char *method, const char *rest, uint8_t signature[64],
                uint8_t ed25519_pk[32])
{
    uint8_t buf[32 + 8192];
    size_t m_len, r_len;
    hush_keys k;
    int known = 0, rc;

    if (method == NULL || rest == NULL || signature == NULL || ed25519_pk == NULL) return HUSH_ERR_ARGUMENT;
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++) known |= strcmp(method, METHODS[i]) == 0;
    if (!known || !valid_rest(rest)) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_keys_of(v, identity, &k)) != HUSH_OK) return rc;
    m_len = strlen(method);
    r_len = strlen(rest);
    memcpy(buf, method, m_len);
    memcpy(buf + m_len, rest, r_len);
    crypto_sign_ed25519_detached(signature, NULL, buf, m_len + r_len, k.ed_sk);
    memcpy(ed25519_pk, k.ed_pk, 32);
    sodium_memzero(&k, sizeof k);
    return HUSH_OK;
}
