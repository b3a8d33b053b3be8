/* The vault: the lock file's life cycle (create, unlock, duress, change of
 * code, attempt limit and backoff, wipe). Key material lives only in the
 * hush_vault handle and in locals, all zeroed on every exit path.
 *
 * FILES
 * The lock file is written whole to "<lock_path>.tmp" and renamed over
 * lock_path, so a crash leaves the old or the new file, never a mix. The
 * host persists after each call that writes (IDBFS syncfs in the browser).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "hush.h"
#include "fileio.h"
#include "lockfile.h"
#include "scrub.h"
#include "vault_internal.h"

struct hush_vault {
    char      *lock_path;              /* the lock file */
    char      *tmp_path;               /* lock_path + ".tmp", for atomic replace */
    char      *data_dir;               /* the vault's other files */
    int        state;                  /* HUSH_VAULT_* */
    int        attempt_open;           /* begin_attempt() counted an attempt */
    lf_header  h;                      /* decoded header of file[] */
    lf_meta    meta;                   /* valid while UNLOCKED */
    uint8_t    file[LF_FILE_BYTES];    /* the lock file as on disk (no secrets) */
    uint8_t    dek[32];                /* data key, while UNLOCKED */
    hush_store *store;                 /* open while UNLOCKED (store.c) */
};

#define WIPE(x) sodium_memzero(&(x), sizeof(x))

static char *
dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- codes ------------------------------------------------------------- */

static int
utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0, k, len;
    uint32_t cp;

    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
        else return 0;
        if (i + len > n) return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += len;
    }
    return 1;
}

/* Checks a code against its kind's rules and writes its canonical form,
 * "<kind>:<code>", into out (which holds HUSH_CODE_CANONICAL_MAX bytes).
 * The prefix keeps a PIN "1234" and a passphrase "1234" apart. Patterns
 * arrive as node indices 0..8 and become the digits '1'..'9'. */
#define HUSH_CODE_CANONICAL_MAX (16 + 1024)

static int
canonical_code(uint8_t *out, size_t *out_len, int kind, const uint8_t *code, size_t len)
{
    static const char *prefix[] = { NULL, "pin:", "pattern:", "passphrase:" };
    unsigned seen = 0;
    size_t i, p;

    if (kind < HUSH_CODE_PIN || kind > HUSH_CODE_PASSPHRASE) return HUSH_ERR_CODE_KIND;
    if (code == NULL && len != 0) return HUSH_ERR_ARGUMENT;
    p = strlen(prefix[kind]);
    memcpy(out, prefix[kind], p);
    switch (kind) {
    case HUSH_CODE_PIN:
        if (len < 4 || len > 64) return HUSH_ERR_CODE_PIN;
        for (i = 0; i < len; i++) {
            if (code[i] < '0' || code[i] > '9') return HUSH_ERR_CODE_PIN;
            out[p + i] = code[i];
        }
        break;
    case HUSH_CODE_PATTERN:
        if (len < 4 || len > 9) return HUSH_ERR_CODE_PATTERN;
        for (i = 0; i < len; i++) {
            if (code[i] > 8 || (seen & (1u << code[i]))) return HUSH_ERR_CODE_PATTERN;
            seen |= 1u << code[i];
            out[p + i] = (uint8_t) ('1' + code[i]);
        }
        break;
    default:
        if (len < 1 || len > 1024 || !utf8_valid(code, len)) return HUSH_ERR_CODE_PASSPHRASE;
        memcpy(out + p, code, len);
        break;
    }
    *out_len = p + len;
    return HUSH_OK;
}

static int
lock_key(uint8_t key[32], const lf_header *h, int kind, const uint8_t *code, size_t len)
{
    uint8_t canon[HUSH_CODE_CANONICAL_MAX];
    size_t canon_len = 0;
    int rc = canonical_code(canon, &canon_len, kind, code, len);

    if (rc == HUSH_OK &&
        crypto_pwhash(key, 32, (const char *) canon, canon_len, h->salt, h->opslimit,
                      (size_t) h->memlimit_kib * 1024u, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        rc = HUSH_ERR_NOMEM;
    }
    sodium_memzero(canon, sizeof canon);
    hush_scrub_stack();
    return rc;
}

/* ---- the file ---------------------------------------------------------- */

static uint8_t *
bound_bytes(hush_vault *v)
{
    return v->file; /* the first LF_BOUND_BYTES of the header */
}

static uint8_t *
slot_at(hush_vault *v, unsigned i)
{
    return v->file + LF_SLOTS_OFFSET + i * LF_SLOT_BYTES;
}

static int
write_file(hush_vault *v)
{
    struct stat before;
    int had_file = stat(v->lock_path, &before) == 0;
    FILE *f;
    int ok;

    lf_header_encode(v->file, &v->h);
    f = fopen(v->tmp_path, "wb");
    if (f == NULL) return HUSH_ERR_IO;
    ok = fwrite(v->file, 1, LF_FILE_BYTES, f) == LF_FILE_BYTES;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(v->tmp_path, v->lock_path) != 0) {
        remove(v->tmp_path);
        return HUSH_ERR_IO;
    }
    return hush_mtime_forward(v->lock_path, had_file ? &before : NULL) == 0 ? HUSH_OK : HUSH_ERR_IO;
}

/* Every slot, the meta record and the trustee region become random. */
static void
randomize_secrets(hush_vault *v)
{
    randombytes_buf(v->file + LF_SLOTS_OFFSET, LF_FILE_BYTES - LF_SLOTS_OFFSET);
}

static void
forget_keys(hush_vault *v)
{
    hush_store_close(v->store);
    v->store = NULL;
    WIPE(v->dek);
    WIPE(v->meta);
}

/* A random slot index that is neither a nor b. */
static uint8_t
free_slot(uint8_t a, uint8_t b)
{
    uint8_t candidates[LF_SLOTS];
    uint32_t n = 0, i;

    for (i = 0; i < LF_SLOTS; i++) {
        if (i != a && i != b) candidates[n++] = (uint8_t) i;
    }
    return candidates[randombytes_uniform(n)];
}

/* The clock never goes back: the effective time is the highest seen. */
static uint64_t
observe_time(hush_vault *v, uint64_t now_ms)
{
    if (now_ms > v->h.clock_ms) v->h.clock_ms = now_ms;
    return v->h.clock_ms;
}

/* Delay after the n-th consecutive failure: none before HUSH_BACKOFF_AFTER,
 * then 30 s, 1 min, 5 min, 15 min and 1 h from there on (iOS-like). */
static uint64_t
backoff_ms(uint32_t failed)
{
    static const uint64_t steps[] = { 30000, 60000, 300000, 900000, 3600000 };
    uint32_t i;

    if (failed < HUSH_BACKOFF_AFTER) return 0;
    i = failed - HUSH_BACKOFF_AFTER;
    return steps[i < 5 ? i : 4];
}

/* Writes a fresh vault image for `key` into v: new DEK, one unlock slot at
 * a random index, every other byte random. Keeps the header's salt and cost
 * so `key` stays valid. */
static int
install_new_dek(hush_vault *v, const uint8_t key[32])
{
    randomize_secrets(v);
    randombytes_buf(v->dek, sizeof v->dek);
    v->meta.unlock_slot = (uint8_t) randombytes_uniform(LF_SLOTS);
    v->meta.duress_slot = LF_NO_SLOT;
    v->h.failed = 0;
    v->h.not_before_ms = 0;
    lf_header_encode(v->file, &v->h);
    lf_slot_seal(slot_at(v, v->meta.unlock_slot), key, LF_PAYLOAD_UNLOCK, v->dek, bound_bytes(v),
                 v->meta.unlock_slot);
    lf_meta_seal(v->file + LF_META_OFFSET, v->dek, &v->meta, bound_bytes(v));
    v->state = HUSH_VAULT_UNLOCKED;
    return write_file(v);
}

/* ---- public ------------------------------------------------------------ */

int
hush_vault_open(hush_vault **out, const char *lock_path, const char *data_dir)
{
    hush_vault *v;
    FILE *f;
    size_t n = 0;
    int rc = HUSH_OK;
    uint8_t extra;

    if (out == NULL || lock_path == NULL || data_dir == NULL) return HUSH_ERR_ARGUMENT;
    *out = NULL;
    if ((rc = hush_init()) != HUSH_OK) return rc;
    if ((v = calloc(1, sizeof *v)) == NULL) return HUSH_ERR_NOMEM;
    v->lock_path = dup_string(lock_path);
    v->data_dir = dup_string(data_dir);
    v->tmp_path = malloc(strlen(lock_path) + 5);
    if (!v->lock_path || !v->data_dir || !v->tmp_path) {
        hush_vault_close(v);
        return HUSH_ERR_NOMEM;
    }
    sprintf(v->tmp_path, "%s.tmp", lock_path);

    f = fopen(lock_path, "rb");
    if (f == NULL) {
        if (errno != ENOENT) rc = HUSH_ERR_IO;
        v->state = HUSH_VAULT_NEW;
    } else {
        n = fread(v->file, 1, LF_FILE_BYTES, f);
        if (n == LF_FILE_BYTES && fread(&extra, 1, 1, f) == 1) n++; /* too long */
        fclose(f);
        rc = lf_header_decode(&v->h, v->file, n);
        v->state = HUSH_VAULT_LOCKED;
    }
    if (rc != HUSH_OK) {
        hush_vault_close(v);
        return rc;
    }
    *out = v;
    return HUSH_OK;
}

void
hush_vault_close(hush_vault *v)
{
    if (v == NULL) return;
    forget_keys(v);
    free(v->lock_path);
    free(v->tmp_path);
    free(v->data_dir);
    sodium_memzero(v, sizeof *v);
    free(v);
}

int
hush_vault_state(const hush_vault *v)
{
    return v ? v->state : HUSH_ERR_ARGUMENT;
}

int
hush_vault_kind(const hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    return v->state == HUSH_VAULT_NEW ? 0 : v->h.kind;
}

int
hush_vault_attempt_limit(const hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    return v->state == HUSH_VAULT_NEW ? (int) HUSH_ATTEMPT_LIMIT_DEFAULT : (int) v->h.attempt_limit;
}

int
hush_vault_attempts_left(const hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    return v->state == HUSH_VAULT_NEW ? (int) HUSH_ATTEMPT_LIMIT_DEFAULT : (int) (v->h.attempt_limit - v->h.failed);
}

uint64_t
hush_vault_retry_in_ms(const hush_vault *v, uint64_t now_ms)
{
    uint64_t now;

    if (v == NULL || v->state != HUSH_VAULT_LOCKED) return 0;
    now = now_ms > v->h.clock_ms ? now_ms : v->h.clock_ms;
    return v->h.not_before_ms > now ? v->h.not_before_ms - now : 0;
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
hush_kdf_calibrate(uint32_t target_ms, uint32_t *opslimit, uint32_t *memlimit_kib)
{
    static const uint8_t salt[crypto_pwhash_SALTBYTES];
    uint8_t out[32];
    double start, per_pass_ms;
    uint32_t ops;
    int rc;

    if (opslimit == NULL || memlimit_kib == NULL || target_ms == 0 || target_ms > 60000) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_init()) != HUSH_OK) return rc;
    /* Time two passes, the minimum used, and scale the passes linearly. */
    start = now_seconds();
    if (crypto_pwhash(out, sizeof out, "calibrate", 9, salt, 2, (size_t) HUSH_KDF_MEMLIMIT_KIB_DEFAULT * 1024u,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return HUSH_ERR_NOMEM;
    }
    per_pass_ms = (now_seconds() - start) * 1000.0 / 2.0;
    ops = (uint32_t) (target_ms / (per_pass_ms > 1.0 ? per_pass_ms : 1.0) + 0.5);
    *opslimit = ops < 2 ? 2 : ops > HUSH_KDF_OPSLIMIT_MAX ? HUSH_KDF_OPSLIMIT_MAX : ops;
    *memlimit_kib = HUSH_KDF_MEMLIMIT_KIB_DEFAULT;
    return HUSH_OK;
}

int
hush_vault_create(hush_vault *v, int kind, const uint8_t *code, size_t code_len,
                  uint32_t opslimit, uint32_t memlimit_kib, uint64_t now_ms)
{
    uint8_t key[32];
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_NEW) return HUSH_ERR_STATE;
    if (opslimit < HUSH_KDF_OPSLIMIT_MIN || opslimit > HUSH_KDF_OPSLIMIT_MAX ||
        memlimit_kib < HUSH_KDF_MEMLIMIT_KIB_MIN || memlimit_kib > HUSH_KDF_MEMLIMIT_KIB_MAX) {
        return HUSH_ERR_KDF_COST;
    }
    memset(&v->h, 0, sizeof v->h);
    v->h.kind = (uint8_t) kind;
    v->h.opslimit = opslimit;
    v->h.memlimit_kib = memlimit_kib;
    v->h.attempt_limit = HUSH_ATTEMPT_LIMIT_DEFAULT;
    v->h.clock_ms = now_ms;
    randombytes_buf(v->h.salt, sizeof v->h.salt);
    if ((rc = lock_key(key, &v->h, kind, code, code_len)) == HUSH_OK) {
        rc = install_new_dek(v, key);
    }
    WIPE(key);
    if (rc != HUSH_OK) {
        forget_keys(v);
        v->state = HUSH_VAULT_NEW;
    }
    return rc;
}

int
hush_vault_begin_attempt(hush_vault *v, uint64_t now_ms, uint64_t *retry_in_ms)
{
    uint64_t now;

    if (v == NULL || retry_in_ms == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_LOCKED) return HUSH_ERR_STATE;
    now = observe_time(v, now_ms);
    *retry_in_ms = 0;
    if (now < v->h.not_before_ms) {
        *retry_in_ms = v->h.not_before_ms - now;
        write_file(v); /* keep the clock's high-water mark */
        return HUSH_ERR_BACKOFF;
    }
    /* Count it as failed before checking, and make that durable first. */
    v->h.failed++;
    v->attempt_open = 1;
    return write_file(v);
}

int
hush_vault_unlock(hush_vault *v, const uint8_t *code, size_t code_len, uint64_t now_ms)
{
    uint8_t key[32], dek[32], index = 0;
    int outcome, rc;
    uint64_t now;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_LOCKED || !v->attempt_open) return HUSH_ERR_STATE;
    v->attempt_open = 0;
    now = observe_time(v, now_ms);

    rc = lock_key(key, &v->h, v->h.kind, code, code_len);
    if (rc != HUSH_OK) {
        /* A code that breaks its kind's rules cannot be right; it still
         * counts, and costs no Argon2id. */
        memset(key, 0, sizeof key);
        if (rc != HUSH_ERR_CODE_PIN && rc != HUSH_ERR_CODE_PATTERN && rc != HUSH_ERR_CODE_PASSPHRASE) {
            return rc;
        }
    }
    outcome = lf_slots_check(v->file + LF_SLOTS_OFFSET, key, bound_bytes(v), dek, &index);
    if (rc != HUSH_OK) outcome = 0;

    if (outcome == LF_PAYLOAD_UNLOCK) {
        memcpy(v->dek, dek, sizeof dek);
        v->h.failed = 0;
        v->h.not_before_ms = 0;
        rc = lf_meta_open(&v->meta, v->file + LF_META_OFFSET, v->dek, bound_bytes(v));
        if (rc == HUSH_OK) rc = write_file(v);
        if (rc == HUSH_OK) {
            v->state = HUSH_VAULT_UNLOCKED;
            outcome = HUSH_UNLOCK_OK;
        } else {
            forget_keys(v);
        }
    } else if (outcome == LF_PAYLOAD_DURESS) {
        /* The old data key dies with this write; the same write installs a
         * new, empty vault under the duress code, so no second Argon2id. */
        rc = install_new_dek(v, key);
        outcome = HUSH_UNLOCK_DURESS;
        if (rc != HUSH_OK) {
            forget_keys(v);
            v->state = HUSH_VAULT_NEW;
        }
    } else if (v->h.failed >= v->h.attempt_limit) {
        rc = hush_vault_destroy_keys(v);
        outcome = HUSH_UNLOCK_WIPED;
    } else {
        v->h.not_before_ms = now + backoff_ms(v->h.failed);
        rc = write_file(v);
        outcome = HUSH_UNLOCK_WRONG;
    }
    WIPE(key);
    WIPE(dek);
    return rc == HUSH_OK ? outcome : rc;
}

int
hush_vault_lock(hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    forget_keys(v);
    v->state = HUSH_VAULT_LOCKED;
    return HUSH_OK;
}

/* Does `key` open the slot at `index` (any payload)? Used only while
 * unlocked, to refuse a duress code equal to the unlock code. */
static int
key_opens_slot(hush_vault *v, const uint8_t key[32], uint8_t index)
{
    uint8_t dek[32], found = 0;
    int outcome;

    if (index == LF_NO_SLOT) return 0;
    outcome = lf_slots_check(v->file + LF_SLOTS_OFFSET, key, bound_bytes(v), dek, &found);
    WIPE(dek);
    return outcome != 0 && found == index;
}

int
hush_vault_set_code(hush_vault *v, int kind, const uint8_t *code, size_t code_len)
{
    uint8_t key[32], old;
    lf_header saved = v ? v->h : (lf_header) { 0 };
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    if (kind < HUSH_CODE_PIN || kind > HUSH_CODE_PASSPHRASE) return HUSH_ERR_CODE_KIND;
    v->h.kind = (uint8_t) kind;
    /* A fresh salt unless a duress slot needs the old one: after a duress
     * unlock the host re-keys this way, so the new vault shares nothing
     * with the old one that an earlier image could match. */
    if (v->meta.duress_slot == LF_NO_SLOT || kind != saved.kind) randombytes_buf(v->h.salt, sizeof v->h.salt);
    if ((rc = lock_key(key, &v->h, kind, code, code_len)) != HUSH_OK) {
        v->h = saved;
        return rc;
    }
    if (kind == saved.kind && key_opens_slot(v, key, v->meta.duress_slot)) {
        WIPE(key);
        v->h = saved;
        return HUSH_ERR_DURESS_SAME;
    }
    if (kind != saved.kind && v->meta.duress_slot != LF_NO_SLOT) {
        /* The duress code was entered as the old kind; it cannot be typed
         * on the new entry screen, so it goes. */
        randombytes_buf(slot_at(v, v->meta.duress_slot), LF_SLOT_BYTES);
        v->meta.duress_slot = LF_NO_SLOT;
    }
    /* Kind is part of the bound header bytes: re-seal every live slot's
     * associated data by writing the new header first. */
    lf_header_encode(v->file, &v->h);
    old = v->meta.unlock_slot;
    v->meta.unlock_slot = free_slot(old, v->meta.duress_slot);
    lf_slot_seal(slot_at(v, v->meta.unlock_slot), key, LF_PAYLOAD_UNLOCK, v->dek, bound_bytes(v),
                 v->meta.unlock_slot);
    randombytes_buf(slot_at(v, old), LF_SLOT_BYTES);
    lf_meta_seal(v->file + LF_META_OFFSET, v->dek, &v->meta, bound_bytes(v));
    WIPE(key);
    return write_file(v);
}

int
hush_vault_set_duress(hush_vault *v, const uint8_t *code, size_t code_len)
{
    uint8_t key[32], zero[32] = { 0 }, old;
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    old = v->meta.duress_slot;
    if (code == NULL) {
        if (old != LF_NO_SLOT) randombytes_buf(slot_at(v, old), LF_SLOT_BYTES);
        v->meta.duress_slot = LF_NO_SLOT;
    } else {
        if ((rc = lock_key(key, &v->h, v->h.kind, code, code_len)) != HUSH_OK) return rc;
        if (key_opens_slot(v, key, v->meta.unlock_slot)) {
            WIPE(key);
            return HUSH_ERR_DURESS_SAME;
        }
        v->meta.duress_slot = free_slot(v->meta.unlock_slot, old);
        lf_slot_seal(slot_at(v, v->meta.duress_slot), key, LF_PAYLOAD_DURESS, zero, bound_bytes(v),
                     v->meta.duress_slot);
        if (old != LF_NO_SLOT) randombytes_buf(slot_at(v, old), LF_SLOT_BYTES);
        WIPE(key);
    }
    lf_meta_seal(v->file + LF_META_OFFSET, v->dek, &v->meta, bound_bytes(v));
    return write_file(v);
}

int
hush_vault_set_attempt_limit(hush_vault *v, uint32_t limit)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    if (limit < HUSH_ATTEMPT_LIMIT_MIN || limit > HUSH_ATTEMPT_LIMIT_MAX) return HUSH_ERR_ATTEMPT_LIMIT;
    v->h.attempt_limit = limit;
    return write_file(v);
}

int
hush_vault_destroy_keys(hush_vault *v)
{
    int rc = HUSH_OK;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_NEW) {
        randomize_secrets(v);
        rc = write_file(v);
    }
    forget_keys(v);
    v->attempt_open = 0;
    v->state = HUSH_VAULT_NEW;
    return rc;
}

/* Deletes every file below dir (and its subfolders, which it also
 * removes), keeping dir itself. */
static int
delete_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    char *path;
    int rc = HUSH_OK;

    if (d == NULL) return errno == ENOENT ? HUSH_OK : HUSH_ERR_IO;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        path = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (path == NULL) { rc = HUSH_ERR_NOMEM; break; }
        sprintf(path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (delete_tree(path) != HUSH_OK || rmdir(path) != 0) rc = HUSH_ERR_IO;
        } else if (unlink(path) != 0) {
            rc = HUSH_ERR_IO;
        }
        free(path);
    }
    closedir(d);
    return rc;
}

int
hush_vault_delete_data(hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    return delete_tree(v->data_dir);
}

int
hush_vault_delete_files(hush_vault *v)
{
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_NEW) return HUSH_ERR_STATE; /* destroy the keys first */
    rc = delete_tree(v->data_dir);
    if (remove(v->lock_path) != 0 && errno != ENOENT) rc = HUSH_ERR_IO;
    remove(v->tmp_path);
    return rc;
}

/* ---- for the store (vault_internal.h) ---------------------------------- */

const uint8_t *
hush_vault_dek(const hush_vault *v)
{
    return v != NULL && v->state == HUSH_VAULT_UNLOCKED ? v->dek : NULL;
}

const char *
hush_vault_data_dir(const hush_vault *v)
{
    return v->data_dir;
}

uint64_t
hush_vault_clock(const hush_vault *v)
{
    return v->h.clock_ms;
}

hush_store **
hush_vault_store_slot(hush_vault *v)
{
    return &v->store;
}
