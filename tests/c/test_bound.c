/* Vaults bound to an authenticator (WebAuthn PRF; LOCKFILE.md, "Bound
 * vaults"): the right code alone no longer opens a slot; without the
 * authenticator's answer an attempt is refused and not counted; with a
 * wrong answer it is a wrong code; the duress code still wipes and its new
 * vault stays bound; unbinding needs an unlocked vault and re-seals. An
 * offline attacker with the lock file and the right code but not the PRF
 * output opens nothing; with it, the slot opens (the attack is real). And
 * a second authenticator opens it too; and bound vaults with and without
 * a duress code (each half with a second authenticator) look alike over 400 files,
 * with a planted-bias control that is caught. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../core/src/lockfile.h"
#include "check.h"
#include "hush.h"
#include "stats.h"

#define T0 UINT64_C(1700000000000)
#define PIN ((const uint8_t *) "2580")
#define DURESS ((const uint8_t *) "1397")

static char dir[64], lock_path[96];

static hush_vault *
fresh_vault(void)
{
    hush_vault *v = NULL;
    char cmd[96];
    if (dir[0]) { snprintf(cmd, sizeof cmd, "rm -rf %s", dir); if (system(cmd) != 0) abort(); }
    strcpy(dir, "/tmp/hush-bound-XXXXXX");
    if (mkdtemp(dir) == NULL) abort();
    snprintf(lock_path, sizeof lock_path, "%s/" HUSH_FILE_LOCK, dir);
    CHECK_EQ_INT(hush_vault_open(&v, dir), HUSH_OK);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, PIN, 4, 1, 8, T0), HUSH_OK);
    return v;
}

static void
read_lock(uint8_t out[LF_FILE_BYTES])
{
    FILE *f = fopen(lock_path, "rb");
    if (f == NULL || fread(out, 1, LF_FILE_BYTES, f) != LF_FILE_BYTES) abort();
    fclose(f);
}

static int
attempt(hush_vault *v, const uint8_t *code, const uint8_t *factor)
{
    uint64_t retry;
    int rc;
    if (factor) CHECK_EQ_INT(hush_vault_set_factor(v, factor), HUSH_OK);
    if ((rc = hush_vault_begin_attempt(v, T0 + 1000, &retry)) != HUSH_OK) return rc;
    return hush_vault_unlock(v, code, 4, T0 + 1000);
}

/* The attacker's side, with the header's salt and cost: Argon2id of the
 * code, optionally bound with a PRF output, against every slot. */
static int
offline_opens(const uint8_t file[LF_FILE_BYTES], const uint8_t *code, const uint8_t *factor)
{
    lf_header h;
    uint8_t argon[32], key[32], dek[32], index;
    char canon[16];
    int outcome;

    CHECK_EQ_INT(lf_header_decode(&h, file, LF_FILE_BYTES), HUSH_OK);
    snprintf(canon, sizeof canon, "pin:%.4s", (const char *) code);
    if (crypto_pwhash(argon, 32, canon, strlen(canon), h.salt, h.opslimit, (size_t) h.memlimit_kib * 1024u,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) abort();
    lf_slot_key(key, argon, factor != NULL, factor);
    outcome = lf_slots_check(file + LF_SLOTS_OFFSET, key, file, dek, &index);
    return outcome == LF_PAYLOAD_UNLOCK;
}

static void
test_bind_unlock_duress_unbind(void)
{
    uint8_t salt[32], factor[32], spare[32], wrong[32], got[32], file[LF_FILE_BYTES];
    hush_vault *v = fresh_vault();
    int left;

    randombytes_buf(spare, sizeof spare);
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(factor, sizeof factor);
    randombytes_buf(wrong, sizeof wrong);
    CHECK_EQ_INT(hush_vault_bound(v), 0);
    CHECK_EQ_INT(hush_vault_prf_salt(v, got), HUSH_ERR_STATE);
    CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
    CHECK_EQ_INT(hush_vault_bind_second(v, spare), HUSH_ERR_STATE);  /* not bound yet */
    CHECK_EQ_INT(hush_vault_bind(v, salt, factor), HUSH_OK);
    CHECK_EQ_INT(hush_vault_bound(v), 1);
    CHECK_EQ_INT(hush_vault_bind_second(v, factor), HUSH_ERR_ARGUMENT); /* the same one */
    CHECK_EQ_INT(hush_vault_bind_second(v, spare), HUSH_OK);
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    CHECK_EQ_INT(hush_vault_prf_salt(v, got), HUSH_OK);
    CHECK(memcmp(got, salt, 32) == 0);
    /* The spare authenticator opens it too. */
    CHECK_EQ_INT(attempt(v, PIN, spare), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);

    /* The offline attacker: the right PIN alone opens nothing. */
    read_lock(file);
    CHECK_EQ_INT(offline_opens(file, PIN, NULL), 0);
    CHECK_EQ_INT(offline_opens(file, PIN, factor), 1);   /* control: with the PRF output it does */
    CHECK_EQ_INT(offline_opens(file, PIN, wrong), 0);
    CHECK_EQ_INT(offline_opens(file, PIN, spare), 1);

    /* No authenticator: refused, not counted. */
    left = hush_vault_attempts_left(v);
    CHECK_EQ_INT(attempt(v, PIN, NULL), HUSH_ERR_FACTOR_NEEDED);
    CHECK_EQ_INT(hush_vault_attempts_left(v), left);
    /* Another authenticator: a wrong code, counted. */
    CHECK_EQ_INT(attempt(v, PIN, wrong), HUSH_UNLOCK_WRONG);
    CHECK_EQ_INT(hush_vault_attempts_left(v), left - 1);
    /* The factor is used once: the next attempt needs it again. */
    CHECK_EQ_INT(attempt(v, PIN, NULL), HUSH_ERR_FACTOR_NEEDED);
    CHECK_EQ_INT(attempt(v, PIN, factor), HUSH_UNLOCK_OK);
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);

    /* The duress code, with the authenticator present, still wipes; the new
     * vault is bound too, under the duress code (after the re-key at lock). */
    CHECK_EQ_INT(attempt(v, DURESS, factor), HUSH_UNLOCK_DURESS);
    CHECK_EQ_INT(hush_vault_bound(v), 1);
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    read_lock(file);
    CHECK_EQ_INT(offline_opens(file, PIN, factor), 0);     /* the old vault is gone */
    CHECK_EQ_INT(attempt(v, DURESS, NULL), HUSH_ERR_FACTOR_NEEDED);
    CHECK_EQ_INT(attempt(v, DURESS, factor), HUSH_UNLOCK_OK);

    /* Unbind: the code alone opens it again. */
    CHECK_EQ_INT(hush_vault_unbind(v), HUSH_OK);
    CHECK_EQ_INT(hush_vault_bound(v), 0);
    CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
    CHECK_EQ_INT(hush_vault_unbind(v), HUSH_ERR_STATE);   /* needs an unlocked vault */
    CHECK_EQ_INT(attempt(v, DURESS, NULL), HUSH_UNLOCK_OK);
    read_lock(file);
    CHECK(sodium_is_zero(file + 72, 32));                  /* no PRF salt left */
    hush_vault_close(v);
}

/* Bound vaults with and without a duress code, over every byte after the
 * header: no bit position differs; a planted one-bit bias does. */
#define FILES 400
#define REGION (LF_FILE_BYTES - LF_SLOTS_OFFSET)
#define RBITS ((int) REGION * 8)

static void
test_bound_duress_indistinguishable(void)
{
    static unsigned ones[2][2][RBITS];
    unsigned n[2] = { 0, 0 };
    uint8_t salt[32], factor[32], file[LF_FILE_BYTES];
    int i, b, group;
    double z, z_control;

    for (i = 0; i < FILES; i++) {
        hush_vault *v = fresh_vault();
        group = i % 2;
        randombytes_buf(salt, sizeof salt);
        randombytes_buf(factor, sizeof factor);
        if (group) CHECK_EQ_INT(hush_vault_set_duress(v, DURESS, 4), HUSH_OK);
        CHECK_EQ_INT(hush_vault_bind(v, salt, factor), HUSH_OK);
        if (i % 4 >= 2) { /* half of each group with a spare authenticator too */
            randombytes_buf(factor, sizeof factor);
            CHECK_EQ_INT(hush_vault_bind_second(v, factor), HUSH_OK);
        }
        CHECK_EQ_INT(hush_vault_lock(v), HUSH_OK);
        read_lock(file);
        for (b = 0; b < RBITS; b++) {
            unsigned bit = (file[LF_SLOTS_OFFSET + b / 8] >> (b % 8)) & 1u;
            ones[0][group][b] += bit;
            /* control: the duress group's slot region with one bit forced */
            ones[1][group][b] += (group && b == 100 * 8 + 3) ? 1u : bit;
        }
        n[group]++;
        hush_vault_close(v);
    }
    z = max_z(ones[0][0], n[0], ones[0][1], n[1], RBITS);
    z_control = max_z(ones[1][0], n[0], ones[1][1], n[1], RBITS);
    printf("bound vaults, %u without and %u with a duress code: max |z| over %d bits %.2f (control %.2f)\n",
           n[0], n[1], RBITS, z, z_control);
    CHECK(z < 6.0);
    CHECK(z_control > 6.0);
}

int
main(void)
{
    char cmd[96];
    if (sodium_init() < 0 || hush_init() != HUSH_OK) return 1;
    test_bind_unlock_duress_unbind();
    test_bound_duress_indistinguishable();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return check_done();
}
