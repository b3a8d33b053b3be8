/* The recovery phrase and identity keys: Session's vectors, the word list as
 * compiled in, round trips over random seeds, the forms a user may type, and
 * every decoding error with its message (the seed left untouched). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "hush.h"

#define N 1626u

/* DESIGN.md's vector; its phrase comes from an independent script. */
static const char *const SEED_HEX = "0123456789abcdef0123456789abcdef";
static const char *const SEED_ID = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
static const char *const SEED_PHRASE =
    "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted adept";
/* The example in the @session.js/mnemonic README. */
static const char *const SJS_HEX = "39038c8988db02c1af44e8c847bd9713";
static const char *const SJS_PHRASE =
    "puffin luxury annoyed rustled memoir faxed smidgen puddle kiwi nylon utopia zinger kiwi";

static char words[N][16]; /* the list as the core encodes it */

static void
from_hex(uint8_t *out, size_t n, const char *hex)
{
    size_t bin_len = 0;
    if (sodium_hex2bin(out, n, hex, strlen(hex), NULL, &bin_len, NULL) != 0 || bin_len != n) {
        fprintf(stderr, "bad hex in test: %s\n", hex);
        check_failures++;
    }
}

/* CRC-32 again, written apart from the core's, to build phrases the core
 * must judge on their checksum alone. */
static uint32_t
crc32_test(const char *s, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= (uint8_t) s[i];
        for (k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

/* Phrase from 12 word indexes, with the right checksum word. */
static void
build_phrase(char out[HUSH_PHRASE_MAX], const unsigned idx[12])
{
    char prefixes[36];
    unsigned i;
    for (i = 0; i < 12; i++) memcpy(prefixes + 3 * i, words[idx[i]], 3);
    out[0] = '\0';
    for (i = 0; i < 12; i++) {
        strcat(out, words[idx[i]]);
        strcat(out, " ");
    }
    strcat(out, words[idx[crc32_test(prefixes, 36) % 12]]);
}

/* The three word indexes the encoding gives x, for any x < n^3 (also the
 * ones above UINT32_MAX that no seed has). */
static void
triple(unsigned w[3], uint64_t x)
{
    w[0] = (unsigned) (x % N);
    w[1] = (unsigned) ((x / N + w[0]) % N);
    w[2] = (unsigned) ((x / N / N + w[1]) % N);
}

/* Expects decoding to fail with rc and exactly this message, and the seed
 * buffer unchanged. */
static void
expect_error(const char *phrase, int rc, const char *msg, int line)
{
    uint8_t seed[HUSH_SEED_BYTES], before[HUSH_SEED_BYTES];
    char message[HUSH_MESSAGE_MAX];
    int got;

    memset(seed, 0xa5, sizeof seed);
    memcpy(before, seed, sizeof seed);
    memset(message, 'x', sizeof message);
    got = hush_phrase_decode(seed, phrase, message);
    check_count += 3;
    if (got != rc) {
        check_failures++;
        fprintf(stderr, "line %d: decode returned %d, expected %d\n", line, got, rc);
    }
    if (memchr(message, '\0', sizeof message) == NULL || strcmp(message, msg) != 0) {
        check_failures++;
        fprintf(stderr, "line %d: message \"%.*s\", expected \"%s\"\n", line,
                (int) sizeof message, message, msg);
    }
    if (memcmp(seed, before, sizeof seed) != 0) {
        check_failures++;
        fprintf(stderr, "line %d: the seed was changed on error\n", line);
    }
    /* The same without a message buffer. */
    CHECK_EQ_INT(hush_phrase_decode(seed, phrase, NULL), rc);
    CHECK(memcmp(seed, before, sizeof seed) == 0);
}
#define EXPECT_ERROR(phrase, rc, msg) expect_error(phrase, rc, msg, __LINE__)

static int
decodes_to(const char *phrase, const uint8_t want[HUSH_SEED_BYTES])
{
    uint8_t seed[HUSH_SEED_BYTES];
    char message[HUSH_MESSAGE_MAX] = "";
    int rc = hush_phrase_decode(seed, phrase, message);
    if (rc != HUSH_OK) {
        fprintf(stderr, "decode of \"%s\" failed: %s\n", phrase, message);
        return 0;
    }
    return memcmp(seed, want, HUSH_SEED_BYTES) == 0;
}

/* Word i is the first word of the seed whose first chunk is i. */
static void
test_word_list(void)
{
    uint8_t seed[HUSH_SEED_BYTES] = { 0 };
    char phrase[HUSH_PHRASE_MAX];
    unsigned i, j;
    size_t len;
    int ok = 1;

    for (i = 0; i < N; i++) {
        seed[0] = (uint8_t) i;
        seed[1] = (uint8_t) (i >> 8);
        CHECK_EQ_INT(hush_phrase_encode(phrase, seed), HUSH_OK);
        len = strcspn(phrase, " ");
        if (len >= sizeof words[i]) len = sizeof words[i] - 1;
        memcpy(words[i], phrase, len);
        words[i][len] = '\0';
    }
    CHECK(strcmp(words[0], "abbey") == 0);
    CHECK(strcmp(words[1], "abducts") == 0);
    CHECK(strcmp(words[N - 1], "zoom") == 0);

    /* Decoding matches on 3 letters, so they must name one word, and the
     * longest words must fit HUSH_PHRASE_MAX. */
    for (i = 0; i < N; i++) {
        len = strlen(words[i]);
        ok &= len >= 3 && len <= 12;
        for (j = 0; j < len; j++) ok &= words[i][j] >= 'a' && words[i][j] <= 'z';
        for (j = i + 1; j < N; j++) ok &= memcmp(words[i], words[j], 3) != 0;
    }
    CHECK(ok);
    CHECK(13 * 12 + 12 + 1 <= HUSH_PHRASE_MAX);
}

static void
test_vectors(void)
{
    uint8_t seed[HUSH_SEED_BYTES], zero[HUSH_SEED_BYTES] = { 0 };
    char phrase[HUSH_PHRASE_MAX], id[HUSH_SESSION_ID_CHARS + 1];

    CHECK_EQ_INT(hush_phrase_encode(phrase, zero), HUSH_OK);
    CHECK(strcmp(phrase, "abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey") == 0);
    CHECK(decodes_to(phrase, zero));

    from_hex(seed, sizeof seed, SEED_HEX);
    CHECK_EQ_INT(hush_session_id(id, seed), HUSH_OK);
    CHECK(strcmp(id, SEED_ID) == 0);
    CHECK_EQ_INT(strlen(id), HUSH_SESSION_ID_CHARS);
    CHECK_EQ_INT(hush_phrase_encode(phrase, seed), HUSH_OK);
    CHECK(strcmp(phrase, SEED_PHRASE) == 0);
    CHECK(decodes_to(SEED_PHRASE, seed));

    from_hex(seed, sizeof seed, SJS_HEX);
    CHECK_EQ_INT(hush_phrase_encode(phrase, seed), HUSH_OK);
    CHECK(strcmp(phrase, SJS_PHRASE) == 0);
    CHECK(decodes_to(SJS_PHRASE, seed));

    /* The largest chunk, UINT32_MAX, is valid. */
    memset(seed, 0xff, sizeof seed);
    CHECK_EQ_INT(hush_phrase_encode(phrase, seed), HUSH_OK);
    CHECK(decodes_to(phrase, seed));
}

static void
test_round_trip(void)
{
    uint8_t seed[HUSH_SEED_BYTES], back[HUSH_SEED_BYTES];
    char phrase[HUSH_PHRASE_MAX];
    int i, ok = 1;
    size_t j;

    for (i = 0; i < 10000; i++) {
        randombytes_buf(seed, sizeof seed);
        ok &= hush_phrase_encode(phrase, seed) == HUSH_OK;
        ok &= strlen(phrase) < HUSH_PHRASE_MAX;
        memset(back, 0, sizeof back);
        ok &= hush_phrase_decode(back, phrase, NULL) == HUSH_OK;
        ok &= memcmp(seed, back, sizeof seed) == 0;
        if (i % 100 == 0) { /* upper case, now and then */
            for (j = 0; phrase[j]; j++) phrase[j] = (char) toupper((unsigned char) phrase[j]);
            memset(back, 0, sizeof back);
            ok &= hush_phrase_decode(back, phrase, NULL) == HUSH_OK && memcmp(seed, back, sizeof seed) == 0;
        }
    }
    CHECK(ok);
}

static void
test_forms(void)
{
    uint8_t seed[HUSH_SEED_BYTES];

    from_hex(seed, sizeof seed, SEED_HEX);
    CHECK(decodes_to("VEXED Enjoy pIgMeNt films adept voted vexed enjoy pigment films adept voted ADEPT", seed));
    CHECK(decodes_to("\n\t  vexed\tenjoy  pigment\n\nfilms adept\r\nvoted   vexed enjoy\t\tpigment films\v"
                     "adept\fvoted adept \n", seed));
    /* As in Session, only the first 3 letters count. */
    CHECK(decodes_to("vex enj pig fil ade vot vex enj pig fil ade vot ade", seed));
    CHECK(decodes_to("vexxx enjoyed pigments filmy adepts voter vexed enjoy pigment films adept voted adept", seed));
    /* The hex seed, in any case, alone with any whitespace around it. */
    CHECK(decodes_to("0123456789abcdef0123456789abcdef", seed));
    CHECK(decodes_to("0123456789ABCDEF0123456789ABCDEF", seed));
    CHECK(decodes_to("  0123456789AbCdEf0123456789aBcDeF\n", seed));
    memset(seed, 0xab, sizeof seed);
    CHECK(decodes_to("abababababababababababababababab", seed)); /* hex made of letters */
}

static void
test_errors(void)
{
    char phrase[HUSH_PHRASE_MAX], msg[HUSH_MESSAGE_MAX];
    unsigned idx[12], w[3], i;
    uint8_t seed[HUSH_SEED_BYTES];

    EXPECT_ERROR("vexed enjoy pigment films zzz voted vexed enjoy pigment films adept voted adept",
                 HUSH_ERR_PHRASE_WORD, "unknown word at position 5");
    EXPECT_ERROR("vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted ab",
                 HUSH_ERR_PHRASE_WORD, "unknown word at position 13");
    EXPECT_ERROR("XYZ enjoy", HUSH_ERR_PHRASE_WORD, "unknown word at position 1");
    /* An unknown word is named even when the count is wrong too. */
    EXPECT_ERROR("vexed enjoy qqqq", HUSH_ERR_PHRASE_WORD, "unknown word at position 3");
    /* The message never repeats what was typed, however long or odd. */
    EXPECT_ERROR("abbey xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz", HUSH_ERR_PHRASE_WORD,
                 "unknown word at position 2");
    EXPECT_ERROR("abbey q\"\x01q", HUSH_ERR_PHRASE_WORD, "unknown word at position 2");
    EXPECT_ERROR("abbey \xc3\xa9t\xc3\xa9", HUSH_ERR_PHRASE_WORD, "unknown word at position 2");
    /* 32 characters, one not hex: a word, not a seed. */
    EXPECT_ERROR("0123456789abcdef0123456789abcdeg", HUSH_ERR_PHRASE_WORD, "unknown word at position 1");

    EXPECT_ERROR("vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted",
                 HUSH_ERR_PHRASE_LENGTH, "a recovery phrase has 13 words; this one has 12");
    EXPECT_ERROR("vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted adept adept",
                 HUSH_ERR_PHRASE_LENGTH, "a recovery phrase has 13 words; this one has 14");
    EXPECT_ERROR("", HUSH_ERR_PHRASE_LENGTH, "a recovery phrase has 13 words; this one has 0");
    EXPECT_ERROR(" \t\n ", HUSH_ERR_PHRASE_LENGTH, "a recovery phrase has 13 words; this one has 0");
    EXPECT_ERROR("faced", HUSH_ERR_PHRASE_LENGTH, "a recovery phrase has 13 words; this one has 1");
    EXPECT_ERROR("0123456789abcdef", HUSH_ERR_PHRASE_LENGTH, "a hex seed has 32 digits; this one has 16");
    EXPECT_ERROR("0123456789abcdef0123456789abcdef0", HUSH_ERR_PHRASE_LENGTH,
                 "a hex seed has 32 digits; this one has 33");
    EXPECT_ERROR("0123456789abcdef 0123456789abcdef", HUSH_ERR_PHRASE_WORD,
                 "unknown word at position 1");

    /* Checksum: the last word swapped for another data word of the phrase
     * whose prefix differs, and the phrase with two words swapped. */
    EXPECT_ERROR("vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted enjoy",
                 HUSH_ERR_PHRASE_CHECKSUM,
                 "the last (checksum) word does not match the other 12: a word is mistyped, missing or out of order");
    EXPECT_ERROR("puffin luxury annoyed rustled memoir faxed smidgen puddle kiwi nylon zinger utopia kiwi",
                 HUSH_ERR_PHRASE_CHECKSUM,
                 "the last (checksum) word does not match the other 12: a word is mistyped, missing or out of order");

    /* Range: n^3 > 2^32, so some triples name no 4-byte chunk. Build one,
     * give the phrase its right checksum word, and only the range check
     * can refuse it. First 2^32, the smallest, in words 4 to 6. */
    for (i = 0; i < 12; i++) idx[i] = (i * 97 + 5) % N;
    triple(w, (uint64_t) UINT32_MAX + 1);
    idx[3] = w[0], idx[4] = w[1], idx[5] = w[2];
    build_phrase(phrase, idx);
    EXPECT_ERROR(phrase, HUSH_ERR_PHRASE_RANGE, "words 4 to 6 of the recovery phrase encode no valid number");
    /* The same phrase with UINT32_MAX there is fine: the check is exact. */
    triple(w, UINT32_MAX);
    idx[3] = w[0], idx[4] = w[1], idx[5] = w[2];
    build_phrase(phrase, idx);
    CHECK_EQ_INT(hush_phrase_decode(seed, phrase, msg), HUSH_OK);
    CHECK(seed[4] == 0xff && seed[5] == 0xff && seed[6] == 0xff && seed[7] == 0xff);
    /* The largest triple, n^3 - 1, in words 10 to 12 (the last three words
     * of the list). */
    triple(w, (uint64_t) N * N * N - 1);
    CHECK(w[0] == N - 1 && w[1] == N - 2 && w[2] == N - 3);
    idx[9] = w[0], idx[10] = w[1], idx[11] = w[2];
    build_phrase(phrase, idx);
    EXPECT_ERROR(phrase, HUSH_ERR_PHRASE_RANGE, "words 10 to 12 of the recovery phrase encode no valid number");
    /* The other rule of the format, x mod n == w1, cannot fail when x is
     * computed exactly, as here: x = w1 + n*(...) with w1 < n. Monero
     * computes x in 32 bits, where it is how an overflow shows; every such
     * triple is the case just tested. */

    /* Arguments. */
    CHECK_EQ_INT(hush_phrase_decode(NULL, SEED_PHRASE, msg), HUSH_ERR_ARGUMENT);
    CHECK(strcmp(msg, "no recovery phrase given") == 0);
    EXPECT_ERROR(NULL, HUSH_ERR_ARGUMENT, "no recovery phrase given");
    CHECK_EQ_INT(hush_phrase_encode(NULL, seed), HUSH_ERR_ARGUMENT);
    CHECK_EQ_INT(hush_phrase_encode(phrase, NULL), HUSH_ERR_ARGUMENT);
    CHECK_EQ_INT(hush_identity_keys(NULL, NULL, NULL, NULL, NULL), HUSH_ERR_ARGUMENT);
    CHECK_EQ_INT(hush_session_id(NULL, seed), HUSH_ERR_ARGUMENT);
    CHECK_EQ_INT(hush_session_id(msg, NULL), HUSH_ERR_ARGUMENT);
}

static void
test_keys(void)
{
    uint8_t seed[HUSH_SEED_BYTES], ed_seed[32] = { 0 };
    uint8_t ed_pk[32], ed_sk[64], x_pk[32], x_sk[32], check_pk[32], check_sk[64];
    char id[HUSH_SESSION_ID_CHARS + 1], hex[65];
    int i;

    for (i = 0; i < 20; i++) {
        if (i == 0) from_hex(seed, sizeof seed, SEED_HEX);
        else randombytes_buf(seed, sizeof seed);
        CHECK_EQ_INT(hush_identity_keys(seed, ed_pk, ed_sk, x_pk, x_sk), HUSH_OK);

        /* ed25519 from the seed padded with zeros. */
        memcpy(ed_seed, seed, sizeof seed);
        crypto_sign_seed_keypair(check_pk, check_sk, ed_seed);
        CHECK(memcmp(ed_pk, check_pk, 32) == 0);
        CHECK(memcmp(ed_sk, check_sk, 64) == 0);
        CHECK(memcmp(ed_sk, seed, 16) == 0 && memcmp(ed_sk + 16, ed_seed + 16, 16) == 0);

        /* The X25519 pair agrees with itself and with the ed25519 key. */
        CHECK_EQ_INT(crypto_scalarmult_base(check_pk, x_sk), 0);
        CHECK(memcmp(x_pk, check_pk, 32) == 0);
        CHECK_EQ_INT(crypto_sign_ed25519_pk_to_curve25519(check_pk, ed_pk), 0);
        CHECK(memcmp(x_pk, check_pk, 32) == 0);

        /* The Session ID is "05" + the X25519 public key. */
        CHECK_EQ_INT(hush_session_id(id, seed), HUSH_OK);
        sodium_bin2hex(hex, sizeof hex, x_pk, sizeof x_pk);
        CHECK(id[0] == '0' && id[1] == '5' && strcmp(id + 2, hex) == 0);
    }

    /* Any output may be NULL. */
    memset(x_pk, 0, sizeof x_pk);
    CHECK_EQ_INT(hush_identity_keys(seed, NULL, NULL, x_pk, NULL), HUSH_OK);
    CHECK(memcmp(x_pk, check_pk, 32) == 0);
    CHECK_EQ_INT(hush_identity_keys(seed, NULL, NULL, NULL, NULL), HUSH_OK);
    sodium_memzero(ed_sk, sizeof ed_sk);
    sodium_memzero(x_sk, sizeof x_sk);
    sodium_memzero(check_sk, sizeof check_sk);
}

int
main(void)
{
    if (hush_init() != HUSH_OK) return 1;
    test_word_list();
    test_vectors();
    test_round_trip();
    test_forms();
    test_errors();
    test_keys();
    return check_done();
}
