/* The vault: the three kinds of code, wrong codes with backoff and the
 * attempt limit, duress and its deferred re-key, change of code, bad lock
 * files, the wipe and its order, attempts killed mid-way, the clock set
 * back, the store's counter, and what images of the lock file can tell
 * (one image, and every version of it ever written). Argon2id runs at its cheapest cost so
 * the whole file takes well under a second. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../../core/src/lockfile.h"
#include "../../core/src/vault_internal.h"
#include "check.h"
#include "hush.h"

#define OPS 1
#define MEM_KIB 8
#define T0 1700000000000ull /* a fixed "now" in ms */

static char dir[64], lock_path[96], pages_path[96], journal_path[96];

static const uint8_t PIN[] = "1234", PIN2[] = "987654", DURESS[] = "0000";

static void
fresh_dir(void)
{
    char cmd[128];
    if (dir[0]) { snprintf(cmd, sizeof cmd, "rm -rf %s", dir); if (system(cmd) != 0) abort(); }
    strcpy(dir, "/tmp/hush-vault-XXXXXX");
    if (mkdtemp(dir) == NULL) abort();
    snprintf(lock_path, sizeof lock_path, "%s/" HUSH_FILE_LOCK, dir);
    snprintf(pages_path, sizeof pages_path, "%s/" HUSH_FILE_PAGES, dir);
    snprintf(journal_path, sizeof journal_path, "%s/" HUSH_FILE_JOURNAL, dir);
}

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL) return 0;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void
write_bytes(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, n, f) != n) abort();
    fclose(f);
}

static int
file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* -1 if missing. */
static long
file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long) st.st_size : -1;
}

/* Only HUSH_FILE_* may ever exist in the vault's folder. */
static int
only_vault_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int ok = d != NULL;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, HUSH_FILE_LOCK) &&
            strcmp(e->d_name, HUSH_FILE_PAGES) && strcmp(e->d_name, HUSH_FILE_JOURNAL)) {
            fprintf(stderr, "unexpected file %s/%s\n", dir, e->d_name);
            ok = 0;
        }
    }
    if (d) closedir(d);
    return ok;
}

static hush_vault *
open_vault(void)
{
    hush_vault *v = NULL;
    CHECK_EQ_INT(hush_vault_open(&v, dir), HUSH_OK);
    return v;
}

static hush_vault *
new_vault(int kind, const uint8_t *code, size_t len)
{
    hush_vault *v;
    fresh_dir();
    v = open_vault();
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    CHECK_EQ_INT(hush_vault_create(v, kind, code, len, OPS, MEM_KIB, T0), HUSH_OK);
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_UNLOCKED);
    return v;
}

/* One attempt, both steps. */
static int
attempt(hush_vault *v, const uint8_t *code, size_t len, uint64_t now)
{
    uint64_t retry = 0;
    int rc = hush_vault_begin_attempt(v, now, &retry);
    if (rc != HUSH_OK) return rc;
    return hush_vault_unlock(v, code, len, now);
}

/* The data key, recovered independently from the file and the code. */
static int
dek_from_file(uint8_t dek[32], const char *canonical)
{
    uint8_t file[LF_FILE_BYTES], key[32], index;
    lf_header h;
    if (read_file(lock_path, file, sizeof file) != LF_FILE_BYTES || lf_header_decode(&h, file, LF_FILE_BYTES) != 0) return 0;
    if (crypto_pwhash(key, 32, canonical, strlen(canonical), h.salt, h.opslimit, (size_t) h.memlimit_kib * 1024,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) return 0;
    return lf_slots_check(file + LF_SLOTS_OFFSET, key, file, dek, &index) == LF_PAYLOAD_UNLOCK;
}

static int
contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    size_t i;
    for (i = 0; i + m <= n; i++) if (memcmp(hay + i, needle, m) == 0) return 1;
    return 0;
}

static void
test_kinds(void)
{
    static const uint8_t pattern[] = { 0, 4, 8, 5, 2 }, phrase[] = "correct horse \xc3\xa9t\xc3\xa9";
    static const uint8_t pattern_other[] = { 0, 4, 8, 5, 1 };
    hush_vault *v;

    v = new_vault(HUSH_CODE_PIN, PIN, 4);
    CHECK_EQ_INT(hush_vault_kind(v), HUSH_CODE_PIN);
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK);
    hush_vault_close(v);
    v = open_vault(); /* from disk */
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_LOCKED);
    CHECK_EQ_INT(hush_vault_kind(v), HUSH_CODE_PIN);
    CHECK_EQ_INT(attempt(v, (const uint8_t *) "1235", 4, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK);
    hush_vault_close(v);

    v = new_vault(HUSH_CODE_PATTERN, pattern, sizeof pattern);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, pattern_other, sizeof pattern_other, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, pattern, sizeof pattern, T0), HUSH_UNLOCK_OK);
    hush_vault_close(v);

    v = new_vault(HUSH_CODE_PASSPHRASE, phrase, sizeof phrase - 1);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, phrase, sizeof phrase - 2, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, phrase, sizeof phrase - 1, T0), HUSH_UNLOCK_OK);
    hush_vault_close(v);
}

static void
test_code_rules(void)
{
    static const uint8_t short_pattern[] = { 0, 1, 2 }, repeat[] = { 0, 1, 2, 1 }, off_grid[] = { 0, 1, 2, 9 };
    static const uint8_t bad_utf8[] = { 'a', 0xc3 }, overlong[] = { 0xc0, 0xaf };
    hush_vault *v;

    fresh_dir();
    v = open_vault();
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, (const uint8_t *) "123", 3, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PIN);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, (const uint8_t *) "12a4", 4, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PIN);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PATTERN, short_pattern, 3, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PATTERN);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PATTERN, repeat, 4, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PATTERN);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PATTERN, off_grid, 4, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PATTERN);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PASSPHRASE, bad_utf8, 2, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PASSPHRASE);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PASSPHRASE, overlong, 2, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PASSPHRASE);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PASSPHRASE, NULL, 0, OPS, MEM_KIB, T0), HUSH_ERR_CODE_PASSPHRASE);
    CHECK_EQ_INT(hush_vault_create(v, 7, PIN, 4, OPS, MEM_KIB, T0), HUSH_ERR_CODE_KIND);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, PIN, 4, 0, MEM_KIB, T0), HUSH_ERR_KDF_COST);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, PIN, 4, OPS, 4, T0), HUSH_ERR_KDF_COST);
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    CHECK(!file_exists(lock_path)); /* nothing written by a refused create */
    hush_vault_close(v);
}

static void
test_backoff_and_limit(void)
{
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    uint64_t now = T0, retry = 0;
    uint8_t data_file[128];
    int i;

    write_bytes(pages_path, (const uint8_t *) "ciphertext", 10);
    hush_vault_lock(v);

    for (i = 1; i <= 4; i++) {
        CHECK_EQ_INT(attempt(v, PIN2, 6, now), HUSH_UNLOCK_WRONG);
        CHECK_EQ_INT(hush_vault_attempts_left(v), 10 - i);
        CHECK_EQ_INT(hush_vault_retry_in_ms(v, now), 0);
    }
    CHECK_EQ_INT(attempt(v, PIN2, 6, now), HUSH_UNLOCK_WRONG); /* 5th: first delay */
    CHECK_EQ_INT(hush_vault_retry_in_ms(v, now), 30000);
    CHECK_EQ_INT(hush_vault_begin_attempt(v, now + 1000, &retry), HUSH_ERR_BACKOFF);
    CHECK_EQ_INT(retry, 29000);
    CHECK_EQ_INT(hush_vault_attempts_left(v), 5); /* refused attempts do not count */
    /* Setting the clock back does not shorten the wait. */
    CHECK_EQ_INT(hush_vault_begin_attempt(v, now - 3600000, &retry), HUSH_ERR_BACKOFF);
    CHECK_EQ_INT(retry, 29000);
    /* The wait and the clock's high-water mark survive a restart. */
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_retry_in_ms(v, now), 29000);
    /* Step 2 without step 1 is refused. */
    CHECK_EQ_INT(hush_vault_unlock(v, PIN, 4, now + 30000), HUSH_ERR_STATE);

    now += 30000;
    CHECK_EQ_INT(attempt(v, PIN2, 6, now), HUSH_UNLOCK_WRONG); /* 6th */
    CHECK_EQ_INT(hush_vault_retry_in_ms(v, now), 60000);
    now += 60000;
    CHECK_EQ_INT(attempt(v, PIN, 4, now), HUSH_UNLOCK_OK); /* the right code resets everything */
    CHECK_EQ_INT(hush_vault_attempts_left(v), 10);
    CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 0), HUSH_ERR_ATTEMPT_LIMIT);
    CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 101), HUSH_ERR_ATTEMPT_LIMIT);
    CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 3), HUSH_OK);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, PIN2, 6, now), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, PIN2, 6, now), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(hush_vault_attempts_left(v), 1);
    CHECK_EQ_INT(attempt(v, PIN2, 6, now), HUSH_UNLOCK_WIPED);
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    /* Erased in the core: every file empty, none deleted or added. */
    CHECK_EQ_INT(file_size(lock_path), 0);
    CHECK_EQ_INT(file_size(pages_path), 0);
    CHECK(!dek_from_file(data_file, "pin:1234")); /* the right code no longer opens anything */
    CHECK(only_vault_files());
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    hush_vault_close(v);
}

static void
test_duress(void)
{
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    uint8_t old_dek[32], new_dek[32], file[LF_FILE_BYTES];

    CHECK(dek_from_file(old_dek, "pin:1234"));
    CHECK_EQ_INT(hush_vault_set_duress(v, PIN, 4), HUSH_ERR_DURESS_SAME);
    CHECK_EQ_INT(hush_vault_set_duress(v, (const uint8_t *) "12", 2), HUSH_ERR_CODE_PIN);
    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    CHECK_EQ_INT(hush_vault_set_code(v, HUSH_CODE_PIN, DURESS, 4), HUSH_ERR_DURESS_SAME);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK); /* the duress code does not disturb unlock */
    hush_vault_lock(v);

    write_bytes(pages_path, (const uint8_t *) "ciphertext", 10);
    write_bytes(journal_path, (const uint8_t *) "journal", 7);
    CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_DURESS);
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_UNLOCKED);
    /* On disk: the old key is gone, the duress code is the new unlock code. */
    CHECK_EQ_INT(read_file(lock_path, file, sizeof file), LF_FILE_BYTES);
    CHECK(!contains(file, sizeof file, old_dek, sizeof old_dek));
    CHECK(!dek_from_file(new_dek, "pin:1234"));
    CHECK(dek_from_file(new_dek, "pin:0000"));
    CHECK(memcmp(new_dek, old_dek, 32) != 0);
    /* The store's files were erased by the unlock itself. */
    CHECK_EQ_INT(file_size(pages_path), 0);
    CHECK_EQ_INT(file_size(journal_path), 0);
    CHECK_EQ_INT(file_size(lock_path), LF_FILE_BYTES);
    CHECK(only_vault_files());
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_attempts_left(v), 10);
    hush_vault_close(v);

    /* Clearing the duress code makes it an ordinary wrong code. */
    v = new_vault(HUSH_CODE_PIN, PIN, 4);
    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    CHECK_EQ_INT(hush_vault_set_duress(v, NULL, 0), HUSH_OK);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK);
    hush_vault_close(v);
}

static void
test_change_code(void)
{
    static const uint8_t phrase[] = "a long passphrase";
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    uint8_t dek[32], dek2[32];

    CHECK(dek_from_file(dek, "pin:1234"));
    {   /* A new code keeps the salt, with or without a duress code: its
         * schedule never depends on one (test_history covers the rest). */
        uint8_t before[LF_FILE_BYTES], after[LF_FILE_BYTES];
        read_file(lock_path, before, sizeof before);
        CHECK_EQ_INT(hush_vault_set_code(v, HUSH_CODE_PIN, PIN, 4), HUSH_OK);
        read_file(lock_path, after, sizeof after);
        CHECK(memcmp(before + 24, after + 24, 16) == 0);
        CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
        read_file(lock_path, before, sizeof before);
        CHECK_EQ_INT(hush_vault_set_code(v, HUSH_CODE_PIN, PIN2, 6), HUSH_OK);
        read_file(lock_path, after, sizeof after);
        CHECK(memcmp(before + 24, after + 24, 16) == 0);
    }
    CHECK(!dek_from_file(dek2, "pin:1234"));
    CHECK(dek_from_file(dek2, "pin:987654"));
    CHECK(memcmp(dek, dek2, 32) == 0); /* same data key, new wrapping */
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, PIN2, 6, T0), HUSH_UNLOCK_OK);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_DURESS); /* duress survived the change */
    hush_vault_close(v);

    /* A change of kind clears the duress code. */
    v = new_vault(HUSH_CODE_PIN, PIN, 4);
    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    CHECK_EQ_INT(hush_vault_set_code(v, HUSH_CODE_PASSPHRASE, phrase, sizeof phrase - 1), HUSH_OK);
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_kind(v), HUSH_CODE_PASSPHRASE);
    CHECK_EQ_INT(attempt(v, (const uint8_t *) "0000", 4, T0), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(attempt(v, phrase, sizeof phrase - 1, T0), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_set_code(v, HUSH_CODE_PIN, (const uint8_t *) "12", 2), HUSH_ERR_CODE_PIN);
    CHECK_EQ_INT(hush_vault_kind(v), HUSH_CODE_PASSPHRASE);
    hush_vault_close(v);
}

/* A damaged lock file gives a clear error and is left exactly as it was. */
static void
test_bad_files(void)
{
    uint8_t good[LF_FILE_BYTES], bad[LF_FILE_BYTES + 1], after[LF_FILE_BYTES + 1];
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    size_t n;
    int i;
    struct { size_t len; size_t at; uint8_t value; int want; } cases[] = {
        { LF_FILE_BYTES - 1, 0, 0, HUSH_ERR_LOCKFILE_FORMAT },      /* truncated */
        { 10, 0, 0, HUSH_ERR_LOCKFILE_FORMAT },                     /* badly truncated */
        { LF_FILE_BYTES + 1, LF_FILE_BYTES, 0x55, HUSH_ERR_LOCKFILE_FORMAT }, /* too long */
        { LF_FILE_BYTES, 0, 'X', HUSH_ERR_LOCKFILE_FORMAT },        /* magic */
        { LF_FILE_BYTES, 8, 2, HUSH_ERR_LOCKFILE_VERSION },         /* version 2 */
        { LF_FILE_BYTES, 8, 4, HUSH_ERR_LOCKFILE_VERSION },         /* version 4 */
        { LF_FILE_BYTES, 12, 9, HUSH_ERR_LOCKFILE_FORMAT },         /* kind */
        { LF_FILE_BYTES, 16, 0, HUSH_ERR_LOCKFILE_FORMAT },         /* opslimit 0 */
        { LF_FILE_BYTES, 48, 0, HUSH_ERR_LOCKFILE_FORMAT },         /* attempt limit 0 */
        { LF_FILE_BYTES, 100, 1, HUSH_ERR_LOCKFILE_FORMAT },        /* reserved bytes */
    };

    hush_vault_close(v);
    CHECK_EQ_INT(read_file(lock_path, good, sizeof good), LF_FILE_BYTES);
    for (i = 0; i < (int) (sizeof cases / sizeof cases[0]); i++) {
        memset(bad, 0, sizeof bad);
        memcpy(bad, good, cases[i].len < LF_FILE_BYTES ? cases[i].len : LF_FILE_BYTES);
        if (cases[i].len && !(cases[i].len < LF_FILE_BYTES)) bad[cases[i].at] = cases[i].value;
        write_bytes(lock_path, bad, cases[i].len);
        v = (hush_vault *) 1;
        CHECK_EQ_INT(hush_vault_open(&v, dir), cases[i].want);
        CHECK(v == NULL);
        n = read_file(lock_path, after, sizeof after);
        CHECK(n == cases[i].len && memcmp(after, bad, n) == 0);
    }
    /* An empty lock file is an absent one: NEW. */
    write_bytes(lock_path, bad, 0);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    hush_vault_close(v);
    /* A flipped bit in a slot cannot be told from a wrong code: it is one. */
    memcpy(bad, good, LF_FILE_BYTES);
    for (i = 0; i < (int) LF_SLOTS; i++) bad[LF_SLOTS_OFFSET + i * LF_SLOT_BYTES + 30] ^= 1;
    write_bytes(lock_path, bad, LF_FILE_BYTES);
    v = open_vault();
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_WRONG);
    hush_vault_close(v);
}

/* Two vaults, one with a duress code and one without: same size, same
 * header layout, and nothing else that is not random. */
static void
test_deniability(void)
{
    uint8_t a[LF_FILE_BYTES + 1], b[LF_FILE_BYTES + 1];
    size_t na, nb, i, same = 0;
    hush_vault *v;

    v = new_vault(HUSH_CODE_PIN, PIN, 4);
    hush_vault_close(v);
    na = read_file(lock_path, a, sizeof a);
    v = new_vault(HUSH_CODE_PIN, PIN, 4);
    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    hush_vault_close(v);
    nb = read_file(lock_path, b, sizeof b);
    CHECK_EQ_INT(na, LF_FILE_BYTES);
    CHECK_EQ_INT(nb, LF_FILE_BYTES);
    /* Headers differ only in the salt; the clock is the same fixed T0. */
    CHECK(memcmp(a, b, 24) == 0);
    CHECK(memcmp(a + 40, b + 40, LF_HEADER_BYTES - 40) == 0);
    for (i = LF_SLOTS_OFFSET; i < LF_FILE_BYTES; i++) same += a[i] == b[i];
    CHECK(same < (LF_FILE_BYTES - LF_SLOTS_OFFSET) / 64); /* about 1/256 by chance */
}

/* What changed between two versions of the lock file, region by region:
 * bit i for slot i (0..7), bit 8 the meta record, bits 9..16 the trustee
 * slots, bit 17 the salt, bits 18.. the other header bytes (one bit each
 * for attempt limit, failed, not-before, clock, anything else). */
static uint32_t
diff_pattern(const uint8_t *a, const uint8_t *b)
{
    uint32_t p = 0;
    unsigned i;
    for (i = 0; i < LF_SLOTS; i++) {
        if (memcmp(a + LF_SLOTS_OFFSET + i * LF_SLOT_BYTES, b + LF_SLOTS_OFFSET + i * LF_SLOT_BYTES, LF_SLOT_BYTES)) p |= 1u << i;
    }
    if (memcmp(a + LF_META_OFFSET, b + LF_META_OFFSET, LF_META_BYTES)) p |= 1u << 8;
    for (i = 0; i < LF_TRUSTEES; i++) {
        if (memcmp(a + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES, b + LF_TRUSTEES_OFFSET + i * LF_TRUSTEE_BYTES,
                   LF_TRUSTEE_BYTES)) p |= 1u << (9 + i);
    }
    if (memcmp(a + 24, b + 24, 16)) p |= 1u << 17;
    if (memcmp(a + 48, b + 48, 4)) p |= 1u << 18;
    if (memcmp(a + 52, b + 52, 4)) p |= 1u << 19;
    if (memcmp(a + 56, b + 56, 8)) p |= 1u << 20;
    if (memcmp(a + 64, b + 64, 8)) p |= 1u << 21;
    if (memcmp(a, b, 24) || memcmp(a + 40, b + 40, 8) || memcmp(a + 72, b + 72, LF_HEADER_BYTES - 72)) p |= 1u << 22;
    return p;
}

#define ALL_SLOTS_META ((1u << 9) - 1u)
#define ALL_TRUSTEES (((1u << 17) - 1u) & ~ALL_SLOTS_META)
#define HISTORY_OPS 6

/* Every version of the lock file is assumed visible. Each unlocked write
 * renews every slot and the meta record, keeps the salt and the trustee
 * region (which only a new secret changes: test_trust.c), and shows the
 * same pattern whether or not a duress code exists. */
static void
history_run(int with_duress, uint32_t pattern[HISTORY_OPS])
{
    uint8_t before[LF_FILE_BYTES], after[LF_FILE_BYTES];
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    int op;

    if (with_duress) CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    for (op = 0; op < HISTORY_OPS; op++) {
        CHECK_EQ_INT(read_file(lock_path, before, sizeof before), LF_FILE_BYTES);
        switch (op) {
        case 0: CHECK_EQ_INT(hush_vault_set_code(v, HUSH_CODE_PIN, PIN2, 6), HUSH_OK); break;
        case 1: CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 7), HUSH_OK); break;
        case 2: CHECK_EQ_INT(hush_vault_store_committed(v, 42, 0), HUSH_OK); break;
        case 3: CHECK_EQ_INT(hush_vault_set_duress(v, (const uint8_t *) "5555", 4), HUSH_OK); break;
        case 4: CHECK_EQ_INT(hush_vault_set_duress(v, NULL, 0), HUSH_OK); break;
        default: CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK); break;
        }
        CHECK_EQ_INT(read_file(lock_path, after, sizeof after), LF_FILE_BYTES);
        pattern[op] = diff_pattern(before, after);
        /* every slot, the meta record; never a trustee slot or the salt */
        CHECK_EQ_INT(pattern[op] & ALL_SLOTS_META, ALL_SLOTS_META);
        CHECK_EQ_INT(pattern[op] & ALL_TRUSTEES, 0);
        CHECK_EQ_INT(pattern[op] & (1u << 17), 0);
    }
    /* Locked writes (counting an attempt) touch only the header counters. */
    {
        uint64_t retry;
        CHECK_EQ_INT(read_file(lock_path, before, sizeof before), LF_FILE_BYTES);
        CHECK_EQ_INT(hush_vault_begin_attempt(v, T0 + 5000, &retry), HUSH_OK);
        CHECK_EQ_INT(read_file(lock_path, after, sizeof after), LF_FILE_BYTES);
        CHECK_EQ_INT(diff_pattern(before, after), (1u << 19) | (1u << 21));
        CHECK_EQ_INT(hush_vault_unlock(v, PIN2, 6, T0 + 5000), HUSH_UNLOCK_OK);
    }
    hush_vault_close(v);
}

static void
test_history(void)
{
    uint32_t plain[HISTORY_OPS], duress[HISTORY_OPS];
    int op;

    history_run(0, plain);
    history_run(1, duress);
    for (op = 0; op < HISTORY_OPS; op++) CHECK_EQ_INT(plain[op], duress[op]);
}

static int
opens_any(const uint8_t file[LF_FILE_BYTES], const uint8_t key[32])
{
    uint8_t dek[32], index;
    int r = lf_slots_check(file + LF_SLOTS_OFFSET, key, file, dek, &index);
    sodium_memzero(dek, sizeof dek);
    return r;
}

static void
pin_key(uint8_t key[32], const uint8_t file[LF_FILE_BYTES], const char *canonical)
{
    lf_header h;
    CHECK_EQ_INT(lf_header_decode(&h, file, LF_FILE_BYTES), HUSH_OK);
    CHECK_EQ_INT(crypto_pwhash(key, 32, canonical, strlen(canonical), h.salt, h.opslimit,
                               (size_t) h.memlimit_kib * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
}

/* After a duress unlock the new vault sits under the old salt until lock
 * re-keys it; if the app dies first, the next unlock arms the re-key. */
static void
test_duress_rekey(void)
{
    uint8_t pre[LF_FILE_BYTES], mid[LF_FILE_BYTES], post[LF_FILE_BYTES], old_key[32], dek[32];
    hush_vault *v;
    int died;

    for (died = 0; died < 2; died++) {
        v = new_vault(HUSH_CODE_PIN, PIN, 4);
        CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
        hush_vault_lock(v);
        CHECK_EQ_INT(read_file(lock_path, pre, sizeof pre), LF_FILE_BYTES);
        pin_key(old_key, pre, "pin:0000");
        CHECK_EQ_INT(opens_any(pre, old_key), LF_PAYLOAD_DURESS);
        CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_DURESS);
        CHECK_EQ_INT(read_file(lock_path, mid, sizeof mid), LF_FILE_BYTES);
        CHECK(memcmp(pre + 24, mid + 24, 16) == 0);          /* no second Argon2id at unlock */
        CHECK_EQ_INT(opens_any(mid, old_key), LF_PAYLOAD_UNLOCK);
        if (died) {
            hush_vault_close(v);                               /* killed before lock */
            v = open_vault();
            CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_OK);
            CHECK_EQ_INT(read_file(lock_path, post, sizeof post), LF_FILE_BYTES);
            CHECK(memcmp(pre + 24, post + 24, 16) == 0);     /* this unlock did not re-key either */
        } else {
            /* A duress code set meanwhile is keyed under the fresh salt. */
            CHECK_EQ_INT(hush_vault_set_duress(v, (const uint8_t *) "7777", 4), HUSH_OK);
        }
        CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
        CHECK_EQ_INT(read_file(lock_path, post, sizeof post), LF_FILE_BYTES);
        CHECK(memcmp(pre + 24, post + 24, 16) != 0);         /* salt renewed */
        CHECK_EQ_INT(opens_any(post, old_key), 0);            /* the old duress key opens nothing */
        CHECK(dek_from_file(dek, "pin:0000"));
        CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_OK);
        hush_vault_lock(v);
        /* The duress code set after the duress unlock works (and re-keys
         * its own new vault at lock, like the first). */
        if (!died) {
            CHECK_EQ_INT(attempt(v, (const uint8_t *) "7777", 4, T0), HUSH_UNLOCK_DURESS);
            hush_vault_lock(v);
        }
        /* Re-keyed once: later locks keep the salt. */
        {
            const uint8_t *code = died ? DURESS : (const uint8_t *) "7777";
            CHECK_EQ_INT(attempt(v, code, 4, T0), HUSH_UNLOCK_OK);
            CHECK_EQ_INT(read_file(lock_path, mid, sizeof mid), LF_FILE_BYTES);
            hush_vault_lock(v);
            CHECK_EQ_INT(read_file(lock_path, pre, sizeof pre), LF_FILE_BYTES);
            CHECK(memcmp(mid + 24, pre + 24, 16) == 0);
        }
        hush_vault_close(v);
    }
    sodium_memzero(old_key, sizeof old_key);
}

/* destroy_keys: all three files empty, nothing else in the folder, and no
 * piece of the old lock file anywhere in it. */
static void
test_wipe(void)
{
    uint8_t old[LF_FILE_BYTES], buf[4096];
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    const char *paths[] = { lock_path, pages_path, journal_path };
    size_t n, i, k;

    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    write_bytes(pages_path, (const uint8_t *) "pages", 5);
    write_bytes(journal_path, (const uint8_t *) "journal", 7);
    CHECK_EQ_INT(read_file(lock_path, old, sizeof old), LF_FILE_BYTES);
    CHECK_EQ_INT(hush_vault_destroy_keys(v), HUSH_OK);
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    for (k = 0; k < 3; k++) {
        CHECK_EQ_INT(file_size(paths[k]), 0);
        n = read_file(paths[k], buf, sizeof buf);
        CHECK(!contains(buf, n, old + 24, 16));
        for (i = 0; i < LF_SLOTS; i++) CHECK(!contains(buf, n, old + LF_SLOTS_OFFSET + i * LF_SLOT_BYTES, LF_SLOT_BYTES));
    }
    CHECK(only_vault_files());
    /* A new vault can be made in the same folder. */
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, PIN, 4, OPS, MEM_KIB, T0), HUSH_OK);
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_destroy_keys(v), HUSH_OK); /* also from LOCKED */
    CHECK_EQ_INT(file_size(lock_path), 0);
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    hush_vault_close(v);
}

/* Attempts killed between counting and checking never brick the vault: at
 * the limit the next attempt wipes. */
static void
test_attempts_killed(void)
{
    uint8_t file[LF_FILE_BYTES];
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    uint64_t retry;
    int i, rc;

    CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 2), HUSH_OK);
    hush_vault_close(v);
    for (i = 0; i < 4; i++) {
        v = NULL;
        rc = hush_vault_open(&v, dir);
        CHECK_EQ_INT(rc, HUSH_OK); /* never HUSH_ERR_LOCKFILE_FORMAT */
        if (v == NULL) return;
        if (hush_vault_state(v) == HUSH_VAULT_NEW) { hush_vault_close(v); break; }
        rc = hush_vault_begin_attempt(v, T0, &retry);
        CHECK_EQ_INT(rc, i < 2 ? HUSH_OK : HUSH_UNLOCK_WIPED);
        hush_vault_close(v); /* killed: no unlock */
    }
    CHECK_EQ_INT(i, 3);
    CHECK_EQ_INT(file_size(lock_path), 0);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    hush_vault_close(v);

    /* Past the limit (failed 5 of 2, as an older build could leave it):
     * read, and wiped at the next attempt. */
    v = new_vault(HUSH_CODE_PIN, PIN, 4);
    CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 2), HUSH_OK);
    hush_vault_close(v);
    CHECK_EQ_INT(read_file(lock_path, file, sizeof file), LF_FILE_BYTES);
    file[52] = 5;
    write_bytes(lock_path, file, sizeof file);
    write_bytes(pages_path, (const uint8_t *) "pages", 5);
    v = open_vault();
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_LOCKED);
    CHECK_EQ_INT(hush_vault_attempts_left(v), 0);
    CHECK_EQ_INT(hush_vault_begin_attempt(v, T0, &retry), HUSH_UNLOCK_WIPED);
    CHECK_EQ_INT(hush_vault_state(v), HUSH_VAULT_NEW);
    CHECK_EQ_INT(file_size(lock_path), 0);
    CHECK_EQ_INT(file_size(pages_path), 0);
    hush_vault_close(v);
}

static void
test_clock_set_back(void)
{
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);
    const uint64_t hour = 3600000;

    CHECK_EQ_INT(hush_vault_clock_set_back(v), 0);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0 + hour), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_clock_set_back(v), 0);
    hush_vault_lock(v);
    /* Within the tolerance: not set back. */
    CHECK_EQ_INT(attempt(v, PIN, 4, T0 + hour - HUSH_CLOCK_TOLERANCE_MS), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_clock_set_back(v), 0);
    hush_vault_lock(v);
    hush_vault_close(v);
    v = open_vault(); /* the mark survives a restart */
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_clock_set_back(v), 1);
    CHECK(hush_vault_clock(v) == T0 + hour); /* never lowered */
    CHECK_EQ_INT(hush_vault_set_attempt_limit(v, 5), HUSH_OK);
    CHECK_EQ_INT(hush_vault_clock_set_back(v), 1); /* for the whole session */
    hush_vault_lock(v);
    CHECK_EQ_INT(hush_vault_clock_set_back(v), 0);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0 + 2 * hour), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_clock_set_back(v), 0);
    hush_vault_close(v);
}

static void
test_store_counter(void)
{
    hush_vault *v = new_vault(HUSH_CODE_PIN, PIN, 4);

    CHECK(hush_vault_store_counter(v) == 0);
    CHECK_EQ_INT(hush_vault_store_committed(v, 5, 0), HUSH_OK);
    CHECK_EQ_INT(hush_vault_store_committed(v, 1ull << 40, 0), HUSH_OK);
    CHECK_EQ_INT(hush_vault_store_committed(v, 3, 0), HUSH_ERR_ARGUMENT); /* only grows */
    CHECK(hush_vault_store_counter(v) == 1ull << 40);
    hush_vault_lock(v);
    CHECK(hush_vault_store_counter(v) == 0); /* locked: unknown */
    CHECK_EQ_INT(hush_vault_store_committed(v, 6, 0), HUSH_ERR_STATE);
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK);
    CHECK(hush_vault_store_counter(v) == 1ull << 40);
    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    hush_vault_close(v);
    v = open_vault();
    CHECK_EQ_INT(attempt(v, PIN, 4, T0), HUSH_UNLOCK_OK);
    CHECK(hush_vault_store_counter(v) == 1ull << 40);
    hush_vault_lock(v);
    CHECK_EQ_INT(attempt(v, DURESS, 4, T0), HUSH_UNLOCK_DURESS);
    CHECK(hush_vault_store_counter(v) == 0); /* a new data key, a new store */
    hush_vault_close(v);
}

int
main(void)
{
    if (sodium_init() < 0) return 1;
    test_kinds();
    test_code_rules();
    test_backoff_and_limit();
    test_duress();
    test_change_code();
    test_bad_files();
    test_deniability();
    test_history();
    test_duress_rekey();
    test_wipe();
    test_attempts_killed();
    test_clock_set_back();
    test_store_counter();
    if (dir[0]) { char cmd[128]; snprintf(cmd, sizeof cmd, "rm -rf %s", dir); if (system(cmd) != 0) return 1; }
    return check_done();
}
