/* Identities: the Session-compatible recovery phrase and the keys of a seed.
 *
 * OVERVIEW
 * An identity is a 16-byte seed. Session (and Monero before it) writes the
 * seed as 13 words from a 1626-word list; the ed25519 key pair comes from the
 * seed padded with 16 zero bytes, and the Session ID is "05" + the hex of the
 * ed25519 public key converted to X25519. Anyone holding the 13 words holds
 * the identity, so every local copy of the seed, its word indexes and keys is
 * zeroed before return, and the stack below us is scrubbed too (scrub.h):
 * libsodium leaves the expanded signing key in its frames.
 *
 * PHRASE FORMAT
 * Each 4-byte chunk of the seed, read as a little-endian x, becomes three
 * word indexes (n = 1626):
 *     w1 = x mod n,  w2 = (x/n + w1) mod n,  w3 = (x/n^2 + w2) mod n
 * so 16 bytes give 12 words. The 13th, the checksum word, repeats word
 * number crc32(first 3 letters of the 12 words, concatenated) mod 12.
 * The list has distinct 3-letter prefixes (tests/c/test_phrase.c checks it),
 * and readers match words on those alone, as Session does: "abbeyx" reads
 * as "abbey".
 *
 * The word list is not in this tree: CMakeLists.txt generates
 * generated/wordlist.c from the shared copy, pinned by its SHA-256.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "hush.h"
#include "scrub.h"

#define N_WORDS 1626u                  /* length of the word list */
#define PREFIX 3                       /* letters that identify a word */
#define DATA_WORDS 12                  /* words that carry the seed */

/* generated/wordlist.c */
extern const char *const hush_wordlist[N_WORDS];

#define WIPE(x) sodium_memzero(&(x), sizeof(x))

/* The standard (zlib, IEEE 802.3) CRC-32, bit by bit: it runs over 36 bytes
 * per phrase, so a table would buy nothing. */
static uint32_t
crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    size_t i;
    int k;

    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return crc ^ 0xffffffffu;
}

/* Index of the checksum word among the 12 data words. */
static unsigned
checksum_index(const uint16_t idx[DATA_WORDS])
{
    uint8_t prefixes[DATA_WORDS * PREFIX];
    unsigned i, r;

    for (i = 0; i < DATA_WORDS; i++) {
        memcpy(prefixes + i * PREFIX, hush_wordlist[idx[i]], PREFIX);
    }
    r = (unsigned) (crc32_ieee(prefixes, sizeof prefixes) % DATA_WORDS);
    WIPE(prefixes);
    return r;
}

static void
set_message(char *message, const char *text)
{
    if (message != NULL) {
        snprintf(message, HUSH_MESSAGE_MAX, "%s", text);
    }
}

int
hush_phrase_encode(char phrase[HUSH_PHRASE_MAX], const uint8_t seed[HUSH_SEED_BYTES])
{
    uint16_t idx[HUSH_PHRASE_WORDS];
    uint32_t x;
    size_t len, pos = 0;
    unsigned i;

    if (phrase == NULL || seed == NULL) return HUSH_ERR_ARGUMENT;

    for (i = 0; i < HUSH_SEED_BYTES / 4; i++) {
        x = (uint32_t) seed[4 * i] | (uint32_t) seed[4 * i + 1] << 8 |
            (uint32_t) seed[4 * i + 2] << 16 | (uint32_t) seed[4 * i + 3] << 24;
        idx[3 * i] = (uint16_t) (x % N_WORDS);
        idx[3 * i + 1] = (uint16_t) ((x / N_WORDS + idx[3 * i]) % N_WORDS);
        idx[3 * i + 2] = (uint16_t) ((x / N_WORDS / N_WORDS + idx[3 * i + 1]) % N_WORDS);
    }
    idx[DATA_WORDS] = idx[checksum_index(idx)];

    /* Words have at most 12 letters, so 13 of them, 12 spaces and the NUL
     * always fit HUSH_PHRASE_MAX; the bound is checked anyway. */
    for (i = 0; i < HUSH_PHRASE_WORDS; i++) {
        len = strlen(hush_wordlist[idx[i]]);
        if (pos + len + 1 > HUSH_PHRASE_MAX) {
            sodium_memzero(phrase, HUSH_PHRASE_MAX);
            WIPE(idx);
            WIPE(x);
            return HUSH_ERR_INTERNAL;
        }
        memcpy(phrase + pos, hush_wordlist[idx[i]], len);
        pos += len;
        phrase[pos++] = i + 1 < HUSH_PHRASE_WORDS ? ' ' : '\0';
    }
    WIPE(idx);
    WIPE(x);
    hush_scrub_stack();
    return HUSH_OK;
}

/* ---- decoding ---------------------------------------------------------- */

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Index of the word whose first 3 letters match, in any case, or -1. */
static int
find_word(const char *w, size_t len)
{
    char p[PREFIX];
    unsigned i;
    int found = -1;

    if (len < PREFIX) return -1;
    for (i = 0; i < PREFIX; i++) p[i] = lower(w[i]);
    for (i = 0; i < N_WORDS && found < 0; i++) {
        if (memcmp(p, hush_wordlist[i], PREFIX) == 0) found = (int) i;
    }
    WIPE(p);
    return found;
}

/* `unknown word at position <pos>`. The word itself is never repeated: a
 * mistyped word is most of a real one, and a message travels further than
 * the phrase (logs, screenshots, crash reports); the position is enough to
 * find it. */
static void
unknown_word_message(char *message, size_t pos)
{
    if (message == NULL) return;
    snprintf(message, HUSH_MESSAGE_MAX, "unknown word at position %zu", pos);
}

/* A lone token of hex digits is a seed as Session's QR codes carry it. */
static int
decode_hex(uint8_t seed[HUSH_SEED_BYTES], const char *s, size_t len, char *message)
{
    uint8_t tmp[HUSH_SEED_BYTES];
    char text[HUSH_MESSAGE_MAX];
    size_t i;

    if (len != 2 * HUSH_SEED_BYTES) {
        snprintf(text, sizeof text, "a hex seed has %d digits; this one has %zu",
                 2 * HUSH_SEED_BYTES, len);
        set_message(message, text);
        return HUSH_ERR_PHRASE_LENGTH;
    }
    for (i = 0; i < HUSH_SEED_BYTES; i++) {
        tmp[i] = (uint8_t) (hex_value(s[2 * i]) << 4 | hex_value(s[2 * i + 1]));
    }
    memcpy(seed, tmp, sizeof tmp);
    WIPE(tmp);
    return HUSH_OK;
}

/* The next whitespace-separated token at or after *p, or NULL at the end;
 * *p moves past it. */
static const char *
next_token(const char **p, size_t *len)
{
    const char *s = *p, *t;

    while (is_space(*s)) s++;
    if (*s == '\0') {
        *p = s;
        return NULL;
    }
    for (t = s; *t != '\0' && !is_space(*t); t++) {}
    *len = (size_t) (t - s);
    *p = t;
    return s;
}

/* A lone token is read as a hex seed if it is all hex digits and is either
 * seed-sized or has a digit (no word has one): so "12ab" gets told how long
 * a hex seed is, and "faced" that a phrase has 13 words. */
static int
looks_hex(const char *t, size_t len)
{
    size_t i, digits = 0;

    for (i = 0; i < len; i++) {
        if (hex_value(t[i]) < 0) return 0;
        digits += t[i] >= '0' && t[i] <= '9';
    }
    return len == 2 * HUSH_SEED_BYTES || digits > 0;
}

int
hush_phrase_decode(uint8_t seed[HUSH_SEED_BYTES], const char *phrase, char message[HUSH_MESSAGE_MAX])
{
    /* Every secret local in one place, wiped once on the one way out. */
    struct {
        uint16_t idx[HUSH_PHRASE_WORDS];   /* word indexes, as typed */
        uint8_t  seed[HUSH_SEED_BYTES];    /* result, copied out on success */
        uint64_t x;                        /* one decoded chunk */
        uint32_t w1, w2, w3;               /* its three word indexes */
    } s;
    const char *p, *tok, *first;
    size_t count = 0, len = 0, first_len = 0;
    char text[HUSH_MESSAGE_MAX];
    int rc = HUSH_OK, w;
    unsigned i;

    if (seed == NULL || phrase == NULL) {
        set_message(message, "no recovery phrase given");
        return HUSH_ERR_ARGUMENT;
    }
    memset(&s, 0, sizeof s);

    p = phrase;
    first = next_token(&p, &first_len);
    if (first != NULL && next_token(&p, &len) == NULL && looks_hex(first, first_len)) {
        rc = decode_hex(seed, first, first_len, message);
        goto done;
    }

    /* An unknown word is reported before a wrong count, since it says
     * where to look. */
    for (p = phrase; (tok = next_token(&p, &len)) != NULL;) {
        count++;
        if ((w = find_word(tok, len)) < 0) {
            unknown_word_message(message, count);
            rc = HUSH_ERR_PHRASE_WORD;
            goto done;
        }
        if (count <= HUSH_PHRASE_WORDS) s.idx[count - 1] = (uint16_t) w;
    }
    if (count != HUSH_PHRASE_WORDS) {
        snprintf(text, sizeof text, "a recovery phrase has %d words; this one has %zu",
                 HUSH_PHRASE_WORDS, count);
        set_message(message, text);
        rc = HUSH_ERR_PHRASE_LENGTH;
        goto done;
    }

    for (i = 0; i < HUSH_SEED_BYTES / 4; i++) {
        s.w1 = s.idx[3 * i];
        s.w2 = s.idx[3 * i + 1];
        s.w3 = s.idx[3 * i + 2];
        /* Inverse of the encoding in exact (64-bit) arithmetic; the
         * differences are taken mod n without going negative. */
        s.x = s.w1 + (uint64_t) N_WORDS * ((s.w2 + N_WORDS - s.w1) % N_WORDS) +
              (uint64_t) N_WORDS * N_WORDS * ((s.w3 + N_WORDS - s.w2) % N_WORDS);
        /* n^3 > 2^32, so some triples name no 4-byte chunk; no encoder
         * writes them. The second test is Monero's: with 32-bit arithmetic
         * it is how overflow shows. Here it cannot fail, but it keeps the
         * rule of the format in plain sight. */
        if (s.x > UINT32_MAX || s.x % N_WORDS != s.w1) {
            snprintf(text, sizeof text, "words %u to %u of the recovery phrase encode no valid number",
                     3 * i + 1, 3 * i + 3);
            set_message(message, text);
            rc = HUSH_ERR_PHRASE_RANGE;
            goto done;
        }
        s.seed[4 * i] = (uint8_t) s.x;
        s.seed[4 * i + 1] = (uint8_t) (s.x >> 8);
        s.seed[4 * i + 2] = (uint8_t) (s.x >> 16);
        s.seed[4 * i + 3] = (uint8_t) (s.x >> 24);
    }

    /* Words match on their prefixes, so equal indexes mean equal prefixes,
     * which is all Session compares. */
    if (s.idx[DATA_WORDS] != s.idx[checksum_index(s.idx)]) {
        set_message(message, "the last (checksum) word does not match the other 12: "
                             "a word is mistyped, missing or out of order");
        rc = HUSH_ERR_PHRASE_CHECKSUM;
        goto done;
    }
    memcpy(seed, s.seed, sizeof s.seed);

done:
    WIPE(s);
    hush_scrub_stack();
    return rc;
}

/* ---- keys -------------------------------------------------------------- */

int
hush_identity_keys(const uint8_t seed[HUSH_SEED_BYTES], uint8_t ed25519_pk[32], uint8_t ed25519_sk[64],
                   uint8_t x25519_pk[32], uint8_t x25519_sk[32])
{
    struct {
        uint8_t ed_seed[32];               /* seed || 16 zero bytes */
        uint8_t ed_pk[32];
        uint8_t ed_sk[64];
        uint8_t x_pk[32];
        uint8_t x_sk[32];
    } k;
    int rc = HUSH_OK;

    if (seed == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_init()) != HUSH_OK) return rc;

    memset(&k, 0, sizeof k);
    memcpy(k.ed_seed, seed, HUSH_SEED_BYTES);
    if (crypto_sign_seed_keypair(k.ed_pk, k.ed_sk, k.ed_seed) != 0 ||
        crypto_sign_ed25519_pk_to_curve25519(k.x_pk, k.ed_pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(k.x_sk, k.ed_sk) != 0) {
        rc = HUSH_ERR_INTERNAL;
    } else {
        if (ed25519_pk != NULL) memcpy(ed25519_pk, k.ed_pk, sizeof k.ed_pk);
        if (ed25519_sk != NULL) memcpy(ed25519_sk, k.ed_sk, sizeof k.ed_sk);
        if (x25519_pk != NULL) memcpy(x25519_pk, k.x_pk, sizeof k.x_pk);
        if (x25519_sk != NULL) memcpy(x25519_sk, k.x_sk, sizeof k.x_sk);
    }
    WIPE(k);
    hush_scrub_stack();
    return rc;
}

int
hush_session_id(char id[HUSH_SESSION_ID_CHARS + 1], const uint8_t seed[HUSH_SEED_BYTES])
{
    uint8_t x_pk[32];
    int rc;

    if (id == NULL || seed == NULL) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_identity_keys(seed, NULL, NULL, x_pk, NULL)) != HUSH_OK) return rc;
    id[0] = '0';
    id[1] = '5';
    sodium_bin2hex(id + 2, HUSH_SESSION_ID_CHARS - 1, x_pk, sizeof x_pk);
    WIPE(x_pk);
    return HUSH_OK;
}
