/* The vault: the lock file's life cycle (create, unlock, duress, change of
 * code, attempt limit and backoff, wipe). Key material lives only in the
 * hush_vault handle and in locals, all zeroed on every exit path.
 *
 * FILES
 * A vault is a folder of three files (HUSH_FILE_*). The lock file is
 * overwritten IN PLACE: opened O_RDWR|O_CREAT, the whole file pwritten at
 * offset 0, fsynced, closed. No temporary file, no rename: in the browser
 * these are OPFS files behind sync access handles, whose directory index
 * keeps every name ever created, and overwriting in place is what erases.
 * Erasing a file truncates it to 0; the core never creates or deletes any
 * other file. The re-seal rule and the salt's schedule: LOCKFILE.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "hush.h"
#include "lockfile.h"
#include "scrub.h"
#include "vault_internal.h"

/* Checks a code against its kind's rules and writes its canonical form,
 * "<kind>:<code>", into out (which holds HUSH_CODE_CANONICAL_MAX bytes). */
#define HUSH_CODE_CANONICAL_MAX (16 + 1024)

struct hush_vault {
    char      *lock_path;              /* dir/HUSH_FILE_LOCK */
    char      *pages_path;             /* dir/HUSH_FILE_PAGES (the store's) */
    char      *journal_path;           /* dir/HUSH_FILE_JOURNAL (the store's) */
    int        state;                  /* HUSH_VAULT_* */
    int        attempt_open;           /* begin_attempt() counted an attempt */
    int        clock_back;             /* the caller's clock read behind the mark */
    lf_header  h;                      /* decoded header of file[] */
    lf_meta    meta;                   /* valid while UNLOCKED (holds lock keys) */
    uint8_t    file[LF_FILE_BYTES];    /* the lock file as last written */
    uint8_t    dek[32];                /* data key, while UNLOCKED */
    /* The canonical code to re-key under a fresh salt at lock, after a
     * duress unlock (meta.flags & LF_META_REKEY); zero otherwise. */
    uint8_t    rekey_code[HUSH_CODE_CANONICAL_MAX];
    size_t     rekey_len;
    /* A bound vault's authenticator PRF output for the next attempt, from
     * the host (hush_vault_set_factor); zeroed once the attempt used it. */
    uint8_t    factor[32];
    int        factor_set;
    hush_store *store;                 /* open while UNLOCKED (store.c) */
};

#define WIPE(x) sodium_memzero(&(x), sizeof(x))

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

/* Canonical form of a code (HUSH_CODE_CANONICAL_MAX above). The prefix
 * keeps a PIN "1234" and a passphrase "1234" apart. Patterns arrive as node
 * indices 0..8 and become the digits '1'..'9'. */

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

/* Argon2id of a canonical code under the header's salt and cost. */
static int
derive_key(uint8_t key[32], const lf_header *h, const uint8_t *canon, size_t canon_len)
{
    int rc = crypto_pwhash(key, 32, (const char *) canon, canon_len, h->salt, h->opslimit,
                           (size_t) h->memlimit_kib * 1024u, crypto_pwhash_ALG_ARGON2ID13) == 0
             ? HUSH_OK : HUSH_ERR_NOMEM;
    hush_scrub_stack();
    return rc;
}

/* Canonicalises and derives. If canon_out is not NULL it receives the
 * canonical code too (HUSH_CODE_CANONICAL_MAX bytes; the caller zeroes it). */
static int
lock_key_keep(uint8_t key[32], const lf_header *h, int kind, const uint8_t *code, size_t len,
              uint8_t *canon_out, size_t *canon_out_len)
{
    uint8_t canon[HUSH_CODE_CANONICAL_MAX];
    size_t canon_len = 0;
    int rc = canonical_code(canon, &canon_len, kind, code, len);

    if (rc == HUSH_OK) rc = derive_key(key, h, canon, canon_len);
    if (rc == HUSH_OK && canon_out != NULL) {
        memcpy(canon_out, canon, canon_len);
        *canon_out_len = canon_len;
    }
    sodium_memzero(canon, sizeof canon);
    return rc;
}

static int
lock_key(uint8_t key[32], const lf_header *h, int kind, const uint8_t *code, size_t len)
{
    return lock_key_keep(key, h, kind, code, len, NULL, NULL);
}

/* ---- the files ------------------------------------------------------- */

/* Writes v->file (header re-encoded from v->h) over the lock file in place
 * and flushes it. Nothing else is touched: a write while LOCKED changes
 * only the header's counters. */
static int
write_file(hush_vault *v)
{
    int fd, ok;

    lf_header_encode(v->file, &v->h);
    fd = open(v->lock_path, O_RDWR | O_CREAT, 0600);
    if (fd < 0) return HUSH_ERR_IO;
    ok = pwrite(fd, v->file, LF_FILE_BYTES, 0) == (ssize_t) LF_FILE_BYTES;
    ok = fsync(fd) == 0 && ok;
    ok = close(fd) == 0 && ok;
    return ok ? HUSH_OK : HUSH_ERR_IO;
}

/* Truncates a file to 0 and flushes; a missing file is already erased, and
 * none is ever created here. */
static int
erase_file(const char *path)
{
    int fd = open(path, O_RDWR), ok;

    if (fd < 0) return errno == ENOENT ? HUSH_OK : HUSH_ERR_IO;
    ok = ftruncate(fd, 0) == 0;
    ok = fsync(fd) == 0 && ok;
    ok = close(fd) == 0 && ok;
    return ok ? HUSH_OK : HUSH_ERR_IO;
}

static int
erase_store_files(hush_vault *v)
{
    int a = erase_file(v->pages_path), b = erase_file(v->journal_path);
    return a != HUSH_OK ? a : b;
}

static void
forget_rekey(hush_vault *v)
{
    WIPE(v->rekey_code);
    v->rekey_len = 0;
}

static void
forget_factor(hush_vault *v)
{
    WIPE(v->factor);
    v->factor_set = 0;
}

static void
forget_keys(hush_vault *v)
{
    hush_store_close(v->store);
    v->store = NULL;
    WIPE(v->dek);
    WIPE(v->meta);
    forget_rekey(v);
    forget_factor(v);
}

/* The one write while unlocked: re-seal everything (lf_reseal) under the
 * current header, then write. */
static int
reseal_and_write(hush_vault *v)
{
    lf_header_encode(v->file, &v->h);
    lf_reseal(v->file, v->dek, &v->meta);
    return write_file(v);
}

/* The clock never goes back: the effective time is the highest seen. A
 * caller's time more than the tolerance behind the mark means the clock was
 * set back while the app was closed; the store is told (clock_set_back). */
static uint64_t
observe_time(hush_vault *v, uint64_t now_ms)
{
    if (now_ms + HUSH_CLOCK_TOLERANCE_MS < v->h.clock_ms) v->clock_back = 1;
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

/* A fresh vault for `key` in v: new data key, one unlock slot, no duress,
 * counters reset; the header's salt and cost are kept so `key` stays valid.
 * One flushed write replaces whatever the file held (for a duress unlock:
 * the old data key dies in the same write that installs the new one). */
static int
install_new_dek(hush_vault *v, const uint8_t key[32], uint8_t flags, const uint8_t *factor, const uint8_t *factor2)
{
    unsigned i;

    WIPE(v->meta);
    /* A bound vault stays bound, to both its authenticators (its new vault
     * too, after a duress unlock: an image must not show that anything
     * happened). */
    if (factor) memcpy(v->meta.factor, factor, 32);
    if (factor && factor2) {
        memcpy(v->meta.factor2, factor2, 32);
        flags |= LF_META_SECOND;
    }
    randombytes_buf(v->dek, sizeof v->dek);
    /* Trustee slots belong to a data key: a new vault has new ones, all
     * free, so no friend of the vault it replaces can reach it. */
    for (i = 0; i < LF_TRUSTEES; i++) lf_trustee_renew(v->file, &v->meta, i);
    memcpy(v->meta.unlock_key, key, 32);
    v->meta.duress_slot = LF_NO_SLOT;
    v->meta.flags = flags;
    v->h.failed = 0;
    v->h.not_before_ms = 0;
    v->state = HUSH_VAULT_UNLOCKED;
    return reseal_and_write(v);
}

/* The deferred re-key after a duress unlock: a fresh salt, the same code
 * (one Argon2id), everything re-sealed. Off the unlock's clock, so a
 * DURESS outcome costs what an OK one does. On failure nothing changes. */
static int
finish_rekey(hush_vault *v)
{
    uint8_t key[32], old_salt[sizeof v->h.salt];
    int rc;

    if (!(v->meta.flags & LF_META_REKEY)) return HUSH_OK;
    if (v->rekey_len == 0) return HUSH_ERR_INTERNAL; /* unlocked without the code: cannot happen */
    memcpy(old_salt, v->h.salt, sizeof old_salt);
    randombytes_buf(v->h.salt, sizeof v->h.salt);
    if ((rc = derive_key(key, &v->h, v->rekey_code, v->rekey_len)) != HUSH_OK) {
        memcpy(v->h.salt, old_salt, sizeof old_salt);
        WIPE(key);
        return rc;
    }
    memcpy(v->meta.unlock_key, key, 32);
    v->meta.flags &= (uint8_t) ~LF_META_REKEY;
    WIPE(key);
    forget_rekey(v);
    rc = reseal_and_write(v);
    sodium_memzero(old_salt, sizeof old_salt);
    return rc;
}

/* The wipe, in order: every slot, the meta record, the trustee region and
 * the salt become random and that is flushed (the data key is gone from
 * here on); then every key in memory is zeroed (the store closes); then the
 * store's files and the lock file are truncated to 0. A crash between the
 * steps leaves a lock file nothing opens, which the attempt limit wipes. */
static int
wipe(hush_vault *v)
{
    int rc = HUSH_OK, rc2, rc3;

    if (v->state != HUSH_VAULT_NEW) {
        randombytes_buf(v->h.salt, sizeof v->h.salt);
        lf_header_encode(v->file, &v->h);
        randombytes_buf(v->file + LF_SLOTS_OFFSET, LF_FILE_BYTES - LF_SLOTS_OFFSET);
        rc = write_file(v);
    }
    forget_keys(v);
    v->attempt_open = 0;
    v->clock_back = 0;
    v->state = HUSH_VAULT_NEW;
    rc2 = erase_store_files(v);
    rc3 = erase_file(v->lock_path);
    sodium_memzero(v->file, sizeof v->file);
    sodium_memzero(&v->h, sizeof v->h);
    return rc != HUSH_OK ? rc : rc2 != HUSH_OK ? rc2 : rc3;
}

static char *
join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* ---- public ------------------------------------------------------------ */

int
hush_vault_open(hush_vault **out, const char *dir)
{
    hush_vault *v;
    struct stat st;
    ssize_t n = 0;
    int rc = HUSH_OK, fd;

    if (out == NULL || dir == NULL) return HUSH_ERR_ARGUMENT;
    *out = NULL;
    if ((rc = hush_init()) != HUSH_OK) return rc;
    if ((v = calloc(1, sizeof *v)) == NULL) return HUSH_ERR_NOMEM;
    v->lock_path = join_path(dir, HUSH_FILE_LOCK);
    v->pages_path = join_path(dir, HUSH_FILE_PAGES);
    v->journal_path = join_path(dir, HUSH_FILE_JOURNAL);
    if (!v->lock_path || !v->pages_path || !v->journal_path) {
        hush_vault_close(v);
        return HUSH_ERR_NOMEM;
    }

    /* Missing or empty: NEW (the host may have pre-created it; a wipe
     * leaves it empty). Read only: a damaged file is left as it is. */
    v->state = HUSH_VAULT_NEW;
    fd = open(v->lock_path, O_RDONLY);
    if (fd < 0) {
        if (errno != ENOENT) rc = HUSH_ERR_IO;
    } else {
        if (fstat(fd, &st) != 0) {
            rc = HUSH_ERR_IO;
        } else if (st.st_size != 0) {
            /* Any size but the one is damage (read one byte more to see it). */
            uint8_t buf[LF_FILE_BYTES + 1];
            n = pread(fd, buf, sizeof buf, 0);
            if (n < 0) {
                rc = HUSH_ERR_IO;
            } else {
                memcpy(v->file, buf, n < (ssize_t) LF_FILE_BYTES ? (size_t) n : LF_FILE_BYTES);
                rc = lf_header_decode(&v->h, v->file, (size_t) n);
                v->state = HUSH_VAULT_LOCKED;
            }
        }
        close(fd);
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
    free(v->pages_path);
    free(v->journal_path);
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
    if (v->state == HUSH_VAULT_NEW) return (int) HUSH_ATTEMPT_LIMIT_DEFAULT;
    /* failed may exceed the limit (attempts killed mid-way): none left. */
    return v->h.failed >= v->h.attempt_limit ? 0 : (int) (v->h.attempt_limit - v->h.failed);
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
    v->clock_back = 0;
    /* A data key is born: the salt is renewed (LOCKFILE.md, "Salt"). */
    randombytes_buf(v->h.salt, sizeof v->h.salt);
    if ((rc = lock_key(key, &v->h, kind, code, code_len)) == HUSH_OK) {
        /* Store files left by a wipe that died before erasing them belong
         * to a dead key: a new vault starts from empty ones. */
        rc = erase_store_files(v);
        if (rc == HUSH_OK) rc = install_new_dek(v, key, 0, NULL, NULL);
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
    int rc;

    if (v == NULL || retry_in_ms == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_LOCKED) return HUSH_ERR_STATE;
    *retry_in_ms = 0;
    /* The count on disk already at the limit: earlier attempts were killed
     * between counting and checking. That is the end of the vault, not a
     * reason to refuse forever. */
    if (v->h.failed >= v->h.attempt_limit) {
        rc = wipe(v);
        return rc == HUSH_OK ? HUSH_UNLOCK_WIPED : rc;
    }
    /* A bound vault without its authenticator's answer: no code could be
     * right, so nothing is counted. */
    if ((v->h.flags & LF_HEADER_BOUND) && !v->factor_set) return HUSH_ERR_FACTOR_NEEDED;
    v->clock_back = 0;
    now = observe_time(v, now_ms);
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
    uint8_t argon[32], key[32], dek[32], canon[HUSH_CODE_CANONICAL_MAX], index = 0;
    size_t canon_len = 0;
    int outcome, rc, rc2;
    uint64_t now;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_LOCKED || !v->attempt_open) return HUSH_ERR_STATE;
    v->attempt_open = 0;
    now = observe_time(v, now_ms);

    rc = lock_key_keep(argon, &v->h, v->h.kind, code, code_len, canon, &canon_len);
    /* The slots' key: bound to the authenticator's answer if the vault is. */
    lf_slot_key(key, argon, v->h.flags & LF_HEADER_BOUND, v->factor);
    if (rc != HUSH_OK) {
        /* A code that breaks its kind's rules cannot be right; it still
         * counts, and costs no Argon2id. */
        memset(key, 0, sizeof key);
        memset(argon, 0, sizeof argon);
        if (rc != HUSH_ERR_CODE_PIN && rc != HUSH_ERR_CODE_PATTERN && rc != HUSH_ERR_CODE_PASSPHRASE) {
            sodium_memzero(canon, sizeof canon);
            return rc;
        }
    }
    outcome = lf_slots_check(v->file + LF_SLOTS_OFFSET, key, v->file, dek, &index);
    if (rc != HUSH_OK) outcome = 0;

    if (outcome == LF_PAYLOAD_UNLOCK) {
        memcpy(v->dek, dek, sizeof dek);
        v->h.failed = 0;
        v->h.not_before_ms = 0;
        rc = lf_meta_open(&v->meta, v->file + LF_META_OFFSET, v->dek, v->file);
        if (rc == HUSH_OK && (v->meta.flags & LF_META_REKEY)) {
            /* A duress unlock's re-key never ran (the app died first): it
             * runs at this session's lock, not here, so this unlock costs
             * what any other does. */
            memcpy(v->rekey_code, canon, canon_len);
            v->rekey_len = canon_len;
        }
        if (rc == HUSH_OK) {
            v->state = HUSH_VAULT_UNLOCKED;
            rc = reseal_and_write(v);
        }
        if (rc == HUSH_OK) {
            outcome = HUSH_UNLOCK_OK;
        } else {
            forget_keys(v);
            v->state = HUSH_VAULT_LOCKED;
        }
    } else if (outcome == LF_PAYLOAD_DURESS) {
        /* The old data key dies with this write; the same write installs a
         * new, empty vault under the duress code's key and the old salt, so
         * no second Argon2id here. The salt is renewed at lock. */
        memcpy(v->rekey_code, canon, canon_len);
        v->rekey_len = canon_len;
        /* Bound: the new vault is bound to the authenticator that answered
         * this attempt (the other one's answer is in the old meta record,
         * which the duress code cannot open; slots in use never show). */
        rc = install_new_dek(v, argon, LF_META_REKEY, (v->h.flags & LF_HEADER_BOUND) ? v->factor : NULL, NULL);
        /* The old store is unreadable from here on; erase its files too. */
        rc2 = erase_store_files(v);
        if (rc == HUSH_OK) rc = rc2;
        outcome = HUSH_UNLOCK_DURESS;
        if (rc != HUSH_OK) {
            rc2 = wipe(v); /* never leave the old data half-dead */
            (void) rc2;
        }
    } else if (v->h.failed >= v->h.attempt_limit) {
        rc = wipe(v);
        outcome = HUSH_UNLOCK_WIPED;
    } else {
        v->h.not_before_ms = now + backoff_ms(v->h.failed);
        rc = write_file(v);
        outcome = HUSH_UNLOCK_WRONG;
    }
    WIPE(key);
    WIPE(argon);
    WIPE(dek);
    forget_factor(v);
    sodium_memzero(canon, sizeof canon);
    return rc == HUSH_OK ? outcome : rc;
}

int
hush_vault_lock(hush_vault *v)
{
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    /* A write like every other while unlocked; after a duress unlock it is
     * the deferred re-key. If the re-key cannot run (out of memory), the
     * flag stays in meta and the next unlock arms it again. */
    rc = (v->meta.flags & LF_META_REKEY) ? finish_rekey(v) : reseal_and_write(v);
    if (rc != HUSH_OK && rc != HUSH_ERR_IO) rc = reseal_and_write(v) == HUSH_OK ? rc : HUSH_ERR_IO;
    forget_keys(v);
    v->clock_back = 0;
    v->state = HUSH_VAULT_LOCKED;
    return rc;
}

int
hush_vault_set_code(hush_vault *v, int kind, const uint8_t *code, size_t code_len)
{
    uint8_t key[32];
    lf_header saved_h;
    lf_meta saved_meta;
    int rc, rekey;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    if (kind < HUSH_CODE_PIN || kind > HUSH_CODE_PASSPHRASE) return HUSH_ERR_CODE_KIND;
    saved_h = v->h;
    saved_meta = v->meta;
    v->h.kind = (uint8_t) kind;
    /* The salt stays (LOCKFILE.md, "Salt"): its schedule must not depend on
     * whether a duress code exists, which a renewal here would. The one
     * exception is a pending duress re-key: this new code completes it. */
    rekey = (v->meta.flags & LF_META_REKEY) != 0;
    if (rekey) randombytes_buf(v->h.salt, sizeof v->h.salt);
    if ((rc = lock_key(key, &v->h, kind, code, code_len)) != HUSH_OK) goto fail;
    if (kind == saved_h.kind && v->meta.duress_slot != LF_NO_SLOT &&
        sodium_memcmp(key, v->meta.duress_key, 32) == 0) {
        rc = HUSH_ERR_DURESS_SAME;
        goto fail;
    }
    if (kind != saved_h.kind) {
        /* The duress code was entered as the old kind; it cannot be typed
         * on the new entry screen, so it goes. */
        v->meta.duress_slot = LF_NO_SLOT;
        WIPE(v->meta.duress_key);
    }
    memcpy(v->meta.unlock_key, key, 32);
    v->meta.flags &= (uint8_t) ~LF_META_REKEY;
    if ((rc = reseal_and_write(v)) != HUSH_OK) goto fail;
    if (rekey) forget_rekey(v);
    WIPE(key);
    WIPE(saved_meta);
    return HUSH_OK;

fail:
    v->h = saved_h;
    v->meta = saved_meta;
    WIPE(key);
    WIPE(saved_meta);
    return rc;
}

int
hush_vault_set_duress(hush_vault *v, const uint8_t *code, size_t code_len)
{
    uint8_t key[32];
    lf_meta saved;
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    /* A duress key must be derived under the salt the vault keeps: finish a
     * pending re-key first (one Argon2id, off any unlock's clock). */
    if ((rc = finish_rekey(v)) != HUSH_OK) return rc;
    saved = v->meta;
    if (code == NULL) {
        v->meta.duress_slot = LF_NO_SLOT;
        WIPE(v->meta.duress_key);
    } else {
        if ((rc = lock_key(key, &v->h, v->h.kind, code, code_len)) != HUSH_OK) {
            WIPE(key);
            WIPE(saved);
            return rc;
        }
        if (sodium_memcmp(key, v->meta.unlock_key, 32) == 0) {
            WIPE(key);
            WIPE(saved);
            return HUSH_ERR_DURESS_SAME;
        }
        memcpy(v->meta.duress_key, key, 32);
        v->meta.duress_slot = 0; /* in use; lf_reseal picks its index */
        WIPE(key);
    }
    if ((rc = reseal_and_write(v)) != HUSH_OK) v->meta = saved;
    WIPE(saved);
    return rc;
}

int
hush_vault_set_attempt_limit(hush_vault *v, uint32_t limit)
{
    uint32_t old;
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    if (limit < HUSH_ATTEMPT_LIMIT_MIN || limit > HUSH_ATTEMPT_LIMIT_MAX) return HUSH_ERR_ATTEMPT_LIMIT;
    old = v->h.attempt_limit;
    v->h.attempt_limit = limit;
    if ((rc = reseal_and_write(v)) != HUSH_OK) v->h.attempt_limit = old;
    return rc;
}

int
hush_vault_destroy_keys(hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    return wipe(v);
}

/* ---- for the store (vault_internal.h) ---------------------------------- */

const uint8_t *
hush_vault_dek(const hush_vault *v)
{
    return v != NULL && v->state == HUSH_VAULT_UNLOCKED ? v->dek : NULL;
}

const char *
hush_vault_pages_path(const hush_vault *v)
{
    return v->pages_path;
}

const char *
hush_vault_journal_path(const hush_vault *v)
{
    return v->journal_path;
}

uint64_t
hush_vault_store_counter(const hush_vault *v)
{
    return v != NULL && v->state == HUSH_VAULT_UNLOCKED ? v->meta.store_counter : 0;
}

int
hush_vault_store_committed(hush_vault *v, uint64_t counter, uint64_t clock_ms)
{
    uint64_t old;
    int rc;

    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    /* The counter only grows: a lower one would hide a rollback. */
    if (counter < v->meta.store_counter) return HUSH_ERR_ARGUMENT;
    old = v->meta.store_counter;
    v->meta.store_counter = counter;
    if (clock_ms > v->h.clock_ms) v->h.clock_ms = clock_ms;
    if ((rc = reseal_and_write(v)) != HUSH_OK) v->meta.store_counter = old;
    return rc;
}

int
hush_vault_clock_set_back(const hush_vault *v)
{
    return v != NULL && v->state == HUSH_VAULT_UNLOCKED && v->clock_back;
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

/* ---- trustee slots (trust.c) ------------------------------------------- */

const uint8_t *
hush_vault_trustee_region(const hush_vault *v)
{
    return v && v->state != HUSH_VAULT_NEW ? v->file + LF_TRUSTEES_OFFSET : NULL;
}

int
hush_vault_trustee_secret(const hush_vault *v, unsigned slot, uint8_t secret[32])
{
    static const uint8_t zero[32];

    if (v == NULL || v->state != HUSH_VAULT_UNLOCKED || slot >= LF_TRUSTEES) return HUSH_ERR_STATE;
    if (sodium_memcmp(v->meta.trustee_secret[slot], zero, 32) == 0) return HUSH_ERR_TRUST_FULL;
    memcpy(secret, v->meta.trustee_secret[slot], 32);
    return HUSH_OK;
}

int
hush_vault_trustee_forget(hush_vault *v, unsigned slot)
{
    static const uint8_t zero[32];

    if (v == NULL || v->state != HUSH_VAULT_UNLOCKED || slot >= LF_TRUSTEES) return HUSH_ERR_STATE;
    if (sodium_memcmp(v->meta.trustee_secret[slot], zero, 32) == 0) return HUSH_OK;
    sodium_memzero(v->meta.trustee_secret[slot], 32);
    return reseal_and_write(v);
}

int
hush_vault_trustee_renew(hush_vault *v, unsigned slot)
{
    if (v == NULL || v->state != HUSH_VAULT_UNLOCKED || slot >= LF_TRUSTEES) return HUSH_ERR_STATE;
    lf_trustee_renew(v->file, &v->meta, slot);
    return reseal_and_write(v);
}

/* ---- binding to an authenticator (LOCKFILE.md, "Bound vaults") --------- */

int
hush_vault_bound(const hush_vault *v)
{
    return v != NULL && v->state != HUSH_VAULT_NEW && (v->h.flags & LF_HEADER_BOUND) ? 1 : 0;
}

int
hush_vault_prf_salt(const hush_vault *v, uint8_t salt[32])
{
    if (v == NULL || salt == NULL) return HUSH_ERR_ARGUMENT;
    if (!hush_vault_bound(v)) return HUSH_ERR_STATE;
    memcpy(salt, v->h.prf_salt, 32);
    return HUSH_OK;
}

int
hush_vault_set_factor(hush_vault *v, const uint8_t factor[32])
{
    if (v == NULL || factor == NULL) return HUSH_ERR_ARGUMENT;
    memcpy(v->factor, factor, 32);
    v->factor_set = 1;
    return HUSH_OK;
}

int
hush_vault_bind(hush_vault *v, const uint8_t prf_salt[32], const uint8_t factor[32])
{
    lf_header saved_h;
    int rc;

    if (v == NULL || prf_salt == NULL || factor == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    saved_h = v->h;
    v->h.flags |= LF_HEADER_BOUND;
    memcpy(v->h.prf_salt, prf_salt, 32);
    memcpy(v->meta.factor, factor, 32);
    v->meta.flags &= (uint8_t) ~LF_META_SECOND; /* a new binding replaces both */
    WIPE(v->meta.factor2);
    if ((rc = reseal_and_write(v)) != HUSH_OK) {
        v->h = saved_h;
        WIPE(v->meta.factor);
    }
    return rc;
}

int
hush_vault_bind_second(hush_vault *v, const uint8_t factor[32])
{
    lf_meta saved;
    int rc;

    if (v == NULL || factor == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED || !(v->h.flags & LF_HEADER_BOUND)) return HUSH_ERR_STATE;
    if (sodium_memcmp(factor, v->meta.factor, 32) == 0) return HUSH_ERR_ARGUMENT; /* the same authenticator */
    saved = v->meta;
    memcpy(v->meta.factor2, factor, 32);
    v->meta.flags |= LF_META_SECOND;
    if ((rc = reseal_and_write(v)) != HUSH_OK) v->meta = saved;
    WIPE(saved);
    return rc;
}

int
hush_vault_unbind(hush_vault *v)
{
    if (v == NULL) return HUSH_ERR_ARGUMENT;
    if (v->state != HUSH_VAULT_UNLOCKED) return HUSH_ERR_STATE;
    if (!(v->h.flags & LF_HEADER_BOUND)) return HUSH_OK;
    v->h.flags &= (uint8_t) ~LF_HEADER_BOUND;
    sodium_memzero(v->h.prf_salt, sizeof v->h.prf_salt);
    WIPE(v->meta.factor);
    return reseal_and_write(v);
}
