/* The store's SQLite VFS: every page encrypted, overwritten in place,
 * every commit atomic through a journal of ciphertext.
 *
 * OVERVIEW
 * A VFS after SQLite's ext/misc/cksumvfs.c that implements the main
 * database file itself and refuses every other kind of file: SQLite's own
 * rollback journal stays in memory and temp files too (SQLITE_TEMP_STORE=3),
 * so nothing SQLite writes reaches storage in the clear. One database lives
 * in one pages file, overwritten in place: in the browser it is an OPFS file
 * behind a sync access handle, where an in-place overwrite leaves the old
 * bytes in no file of the profile, and with secure_delete a deleted row's
 * page is overwritten too. No file is ever created or renamed per database,
 * table or attachment.
 *
 * FILE FORMAT (pages file)
 * Block 0 (4096 bytes) is the header:
 *     nonce (24) ‖ XChaCha20-Poly1305(header key, counter u64 ‖ pages u32 ‖ 0 u32) ‖ tag (16) ‖ random
 * with associated data "hushhead" ‖ file id. Page n (1-based) is block n:
 *     XChaCha20-Poly1305(page key, page[0..4056)) ‖ nonce (24) ‖ tag (16)
 * with a fresh random nonce on every write and associated data
 * file id (16) ‖ n (big-endian u32), so a page cannot be moved within the
 * database or into another; a page that fails authentication reads as
 * SQLITE_IOERR_DATA, never as garbage. The file is sized in classes
 * (hush_vfs_capacity: 16 pages, then steps of a quarter) and every block
 * not holding a live page is random, so its size says little and nothing in
 * it marks where the data ends.
 *
 * COMMITS (journal file)
 * SQLite's writes between two xSync calls are one transaction; they are
 * kept in memory (encrypted) and reach the pages file only at xSync:
 *   1. the journal file gets a header block, a table of page numbers and
 *      the encrypted pages, each at a 4096-aligned offset; the header is
 *      nonce ‖ XChaCha20-Poly1305(journal key, counter u64 ‖ count u32 ‖
 *      pages u32 ‖ BLAKE2b-256(table ‖ pages)) ‖ tag, associated data
 *      "hushjrnl" ‖ file id; what the previous commit left past this one's
 *      end is overwritten with random bytes; fsync;
 *   2. the pages go in place, pages cut by a truncation become random, the
 *      header takes the new counter; fsync.
 * Between commits the journal holds copies of the current pages only (the
 * last commit's, byte for byte as in place), so it keeps no older version
 * of anything: the next commit overwrites them or, past its end, scrubs
 * them before any page goes in place. An open that finds a valid journal
 * whose counter is the header's + 1 (or a header that does not
 * authenticate) replays it; one whose counter is the header's is stale and
 * stays. A crash at any point leaves the old or the new database, never a
 * mix.
 *
 * ROLLBACK
 * The commit counter in the header is also kept in the lock file's meta
 * record (on_commit); a pages file whose counter is lower than that was put
 * back to an older version and reads as damaged. A single page put back to
 * an older version of itself is not detected: in place on OPFS no older
 * version survives in the profile, and see core/LOCKFILE.md.
 *
 * KEYS
 * From the database key (32 bytes, the caller's) crypto_kdf derives the page
 * key (1), the file id (3), the header key (4) and the journal key (5), all
 * with context "hushpage". They live in the open file and are zeroed when it
 * closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "hush.h"
#include "store_vfs.h"

#define PAYLOAD_BYTES (HUSH_PAGE_BYTES - HUSH_PAGE_RESERVE)
#define BLOCK HUSH_PAGE_BYTES
#define HEADER_PLAIN 16
#define JOURNAL_PLAIN 48
#define MAX_PAGES (UINT32_C(1) << 30) /* 4 TiB: far past any browser quota */

typedef struct hush_db_keys {
    uint8_t page_key[32];     /* every page */
    uint8_t head_key[32];     /* the pages file's header block */
    uint8_t jrnl_key[32];     /* the journal's header block */
    uint8_t file_id[16];      /* associated data: which database */
} hush_db_keys;

/* Pages written since the last commit, encrypted, by page number. */
typedef struct dirty_page {
    uint32_t pgno;            /* 0: empty slot */
    uint8_t *block;           /* BLOCK bytes of ciphertext */
} dirty_page;

typedef struct dirty_map {
    dirty_page *slots;
    uint32_t    cap;          /* a power of two, or 0 */
    uint32_t    count;
} dirty_map;

typedef struct crypt_file {
    sqlite3_file base;         /* must come first */
    int          fd;           /* the pages file */
    int          jfd;          /* the journal */
    hush_db_keys keys;
    uint32_t     pages;        /* logical size in pages, with uncommitted writes */
    uint32_t     disk_pages;   /* logical size as committed */
    uint32_t     capacity;     /* pages the pages file has room for */
    uint64_t     counter;      /* commits so far */
    uint64_t     journal_end;  /* journal blocks that may hold pages of the last commit */
    hush_vfs_commit_fn on_commit;
    void        *ctx;
    dirty_map    dirty;
    int          failed;       /* a commit failed: only a reopen knows the state */
    uint8_t      block[BLOCK]; /* scratch for one encrypted block */
} crypt_file;

int hush_vfs_fault_step = -1;

/* What hush_vfs_open_db hands to xOpen, through a URI parameter holding
 * its address: no key passes through a static buffer or a string. */
typedef struct open_request {
    const hush_vfs_files *files;
    hush_db_keys          keys;
    int                   status;  /* HUSH status of the open, for the caller */
} open_request;

static void
derive_keys(hush_db_keys *k, const uint8_t db_key[32])
{
    uint8_t id[32];

    crypto_kdf_derive_from_key(k->page_key, 32, 1, "hushpage", db_key);
    crypto_kdf_derive_from_key(id, 32, 3, "hushpage", db_key);
    crypto_kdf_derive_from_key(k->head_key, 32, 4, "hushpage", db_key);
    crypto_kdf_derive_from_key(k->jrnl_key, 32, 5, "hushpage", db_key);
    memcpy(k->file_id, id, sizeof k->file_id);
    sodium_memzero(id, sizeof id);
}

uint32_t
hush_vfs_capacity(uint32_t pages)
{
    uint32_t cap = 16;

    while (cap < pages && cap < MAX_PAGES) cap += cap / 4 > 16 ? cap / 4 : 16;
    return cap;
}

/* ---- raw I/O ------------------------------------------------------------ */

static int
pwrite_all(int fd, const uint8_t *buf, size_t n, off_t at)
{
    while (n > 0) {
        ssize_t put = pwrite(fd, buf, n, at);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return -1;
        buf += put; n -= (size_t) put; at += put;
    }
    return 0;
}

static int
pread_all(int fd, uint8_t *buf, size_t n, off_t at)
{
    while (n > 0) {
        ssize_t got = pread(fd, buf, n, at);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        buf += got; n -= (size_t) got; at += got;
    }
    return 0;
}

/* Overwrites blocks [from, to) with random bytes. */
static int
randomize_blocks(int fd, uint64_t from, uint64_t to)
{
    uint8_t noise[16 * BLOCK];
    int rc = 0;

    while (rc == 0 && from < to) {
        uint64_t n = to - from > 16 ? 16 : to - from;
        randombytes_buf(noise, (size_t) n * BLOCK);
        rc = pwrite_all(fd, noise, (size_t) n * BLOCK, (off_t) (from * BLOCK));
        from += n;
    }
    return rc;
}

static off_t
file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* ---- pages -------------------------------------------------------------- */

static void
page_ad(uint8_t ad[20], const hush_db_keys *k, uint32_t pgno)
{
    memcpy(ad, k->file_id, 16);
    ad[16] = (uint8_t) (pgno >> 24); ad[17] = (uint8_t) (pgno >> 16);
    ad[18] = (uint8_t) (pgno >> 8);  ad[19] = (uint8_t) pgno;
}

static void
seal_page(uint8_t block[BLOCK], const hush_db_keys *k, uint32_t pgno, const uint8_t *plain)
{
    uint8_t ad[20];

    page_ad(ad, k, pgno);
    randombytes_buf(block + PAYLOAD_BYTES, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(block, block + PAYLOAD_BYTES + 24, NULL, plain,
                                                        PAYLOAD_BYTES, ad, sizeof ad, NULL,
                                                        block + PAYLOAD_BYTES, k->page_key);
}

/* Plaintext page (reserve bytes zero) or SQLITE_IOERR_DATA; out zeroed then. */
static int
open_page(uint8_t out[BLOCK], const hush_db_keys *k, uint32_t pgno, const uint8_t block[BLOCK])
{
    uint8_t ad[20];

    page_ad(ad, k, pgno);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, NULL, block, PAYLOAD_BYTES,
                                                            block + PAYLOAD_BYTES + 24, ad, sizeof ad,
                                                            block + PAYLOAD_BYTES, k->page_key) != 0) {
        sodium_memzero(out, BLOCK);
        return SQLITE_IOERR_DATA;
    }
    memset(out + PAYLOAD_BYTES, 0, HUSH_PAGE_RESERVE);
    return SQLITE_OK;
}

/* ---- header blocks (pages file and journal) ----------------------------- */

static void
block_ad(uint8_t ad[24], const char label[8], const hush_db_keys *k)
{
    memcpy(ad, label, 8);
    memcpy(ad + 8, k->file_id, 16);
}

/* block = nonce ‖ AEAD(key, plain) ‖ tag ‖ random. */
static void
seal_block(uint8_t block[BLOCK], const uint8_t key[32], const char label[8], const hush_db_keys *k,
           const uint8_t *plain, size_t len)
{
    uint8_t ad[24];

    block_ad(ad, label, k);
    randombytes_buf(block, BLOCK);
    crypto_aead_xchacha20poly1305_ietf_encrypt(block + 24, NULL, plain, len, ad, sizeof ad, NULL, block, key);
}

static int
open_block(uint8_t *plain, size_t len, const uint8_t key[32], const char label[8], const hush_db_keys *k,
           const uint8_t block[BLOCK])
{
    uint8_t ad[24];

    block_ad(ad, label, k);
    return crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, block + 24, len + 16, ad, sizeof ad,
                                                      block, key);
}

static void
put_le32(uint8_t *p, uint32_t x) { p[0] = (uint8_t) x; p[1] = (uint8_t) (x >> 8); p[2] = (uint8_t) (x >> 16); p[3] = (uint8_t) (x >> 24); }
static uint32_t
get_le32(const uint8_t *p) { return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24; }
static void
put_le64(uint8_t *p, uint64_t x) { put_le32(p, (uint32_t) x); put_le32(p + 4, (uint32_t) (x >> 32)); }
static uint64_t
get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t) get_le32(p + 4) << 32; }

/* The pages file's header: 0 and *counter, *pages, or -1. */
static int
read_header(crypt_file *f, uint64_t *counter, uint32_t *pages)
{
    uint8_t plain[HEADER_PLAIN];

    if (file_size(f->fd) < BLOCK || pread_all(f->fd, f->block, BLOCK, 0) != 0 ||
        open_block(plain, sizeof plain, f->keys.head_key, "hushhead", &f->keys, f->block) != 0) {
        return -1;
    }
    *counter = get_le64(plain);
    *pages = get_le32(plain + 8);
    return *pages <= MAX_PAGES ? 0 : -1;
}

/* ---- the dirty map ------------------------------------------------------ */

static dirty_page *
dirty_find(dirty_map *m, uint32_t pgno)
{
    uint32_t i;

    if (m->cap == 0) return NULL;
    for (i = (pgno * 2654435761u) & (m->cap - 1); m->slots[i].pgno != 0; i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].pgno == pgno) return &m->slots[i];
    }
    return NULL;
}

static int
dirty_grow(dirty_map *m)
{
    dirty_map bigger = { NULL, m->cap ? m->cap * 2 : 64, 0 };
    uint32_t i, j;

    if ((bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)) == NULL) return -1;
    for (i = 0; i < m->cap; i++) {
        if (m->slots[i].pgno == 0) continue;
        for (j = (m->slots[i].pgno * 2654435761u) & (bigger.cap - 1); bigger.slots[j].pgno != 0;
             j = (j + 1) & (bigger.cap - 1)) {}
        bigger.slots[j] = m->slots[i];
        bigger.count++;
    }
    free(m->slots);
    *m = bigger;
    return 0;
}

/* The block for pgno, added (uninitialised) if absent. */
static uint8_t *
dirty_put(dirty_map *m, uint32_t pgno)
{
    dirty_page *p = dirty_find(m, pgno);
    uint32_t i;

    if (p != NULL) return p->block;
    if ((m->count + 1) * 2 > m->cap && dirty_grow(m) != 0) return NULL;
    for (i = (pgno * 2654435761u) & (m->cap - 1); m->slots[i].pgno != 0; i = (i + 1) & (m->cap - 1)) {}
    if ((m->slots[i].block = malloc(BLOCK)) == NULL) return NULL;
    m->slots[i].pgno = pgno;
    m->count++;
    return m->slots[i].block;
}

static void
dirty_clear(dirty_map *m)
{
    uint32_t i;

    for (i = 0; i < m->cap; i++) free(m->slots[i].block);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* Drops pages above `pages` (a truncation). Rebuilds the map. */
static int
dirty_cut(dirty_map *m, uint32_t pages)
{
    dirty_map kept = { NULL, 0, 0 };
    uint32_t i;
    int rc = 0;

    for (i = 0; i < m->cap; i++) {
        uint8_t *block;
        if (m->slots[i].pgno == 0) continue;
        if (m->slots[i].pgno > pages || rc != 0) { free(m->slots[i].block); continue; }
        if ((block = dirty_put(&kept, m->slots[i].pgno)) == NULL) { rc = -1; free(m->slots[i].block); continue; }
        memcpy(block, m->slots[i].block, BLOCK);
        free(m->slots[i].block);
    }
    free(m->slots);
    *m = kept;
    return rc;
}

static int
by_pgno(const void *a, const void *b)
{
    uint32_t x = ((const dirty_page *) a)->pgno, y = ((const dirty_page *) b)->pgno;
    return x < y ? -1 : x > y;
}

/* ---- commit and replay ---------------------------------------------------- */

/* Step 2 of a commit (also the replay): the n pages in place, the file
 * grown to its size class with random blocks, pages cut since the last
 * commit randomised, the header; fsync. */
static int
apply(crypt_file *f, const dirty_page *list, uint32_t n, uint32_t pages, uint64_t counter)
{
    uint8_t plain[HEADER_PLAIN] = { 0 };
    uint32_t cap = hush_vfs_capacity(pages), i;
    off_t have = file_size(f->fd);

    if (have < 0) return SQLITE_IOERR_FSTAT;
    /* Capacity from the file itself: after a crash the header may lag. */
    f->capacity = have >= BLOCK ? (uint32_t) ((have - BLOCK) / BLOCK) : 0;
    if (cap > f->capacity) {
        if (randomize_blocks(f->fd, (uint64_t) f->capacity + 1, (uint64_t) cap + 1) != 0) return SQLITE_IOERR_WRITE;
        f->capacity = cap;
    }
    for (i = 0; i < n; i++) {
        if (hush_vfs_fault_step == 2 && i == n / 2) return SQLITE_IOERR_WRITE;
        if (pwrite_all(f->fd, list[i].block, BLOCK, (off_t) list[i].pgno * BLOCK) != 0) return SQLITE_IOERR_WRITE;
    }
    if (pages < f->disk_pages &&
        randomize_blocks(f->fd, (uint64_t) pages + 1, (uint64_t) f->disk_pages + 1) != 0) {
        return SQLITE_IOERR_WRITE;
    }
    put_le64(plain, counter);
    put_le32(plain + 8, pages);
    seal_block(f->block, f->keys.head_key, "hushhead", &f->keys, plain, sizeof plain);
    if (pwrite_all(f->fd, f->block, BLOCK, 0) != 0) return SQLITE_IOERR_WRITE;
    if (fsync(f->fd) != 0) return SQLITE_IOERR_FSYNC;
    f->disk_pages = pages;
    f->counter = counter;
    return SQLITE_OK;
}

static uint32_t
table_blocks(uint32_t n)
{
    return (n * 4 + BLOCK - 1) / BLOCK;
}

static int
commit(crypt_file *f)
{
    uint32_t n = f->dirty.count, t = table_blocks(n), i, k = 0;
    uint8_t plain[JOURNAL_PLAIN], *table = NULL;
    crypto_generichash_state hash;
    dirty_page *list = NULL;
    int rc = SQLITE_OK;

    if (n == 0 && f->pages == f->disk_pages) return SQLITE_OK;
    if ((list = malloc((n ? n : 1) * sizeof *list)) == NULL ||
        (table = malloc((size_t) (t ? t : 1) * BLOCK)) == NULL) {
        free(list);
        return SQLITE_NOMEM;
    }
    for (i = 0; i < f->dirty.cap; i++) {
        if (f->dirty.slots[i].pgno != 0) list[k++] = f->dirty.slots[i];
    }
    qsort(list, n, sizeof *list, by_pgno);

    /* 1. The journal: table, pages, then the header that vouches for them. */
    randombytes_buf(table, (size_t) t * BLOCK);
    for (i = 0; i < n; i++) put_le32(table + 4 * i, list[i].pgno);
    crypto_generichash_init(&hash, NULL, 0, 32);
    crypto_generichash_update(&hash, table, (size_t) t * BLOCK);
    if (t && pwrite_all(f->jfd, table, (size_t) t * BLOCK, BLOCK) != 0) rc = SQLITE_IOERR_WRITE;
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        crypto_generichash_update(&hash, list[i].block, BLOCK);
        if (pwrite_all(f->jfd, list[i].block, BLOCK, (off_t) (1 + t + i) * BLOCK) != 0) rc = SQLITE_IOERR_WRITE;
    }
    if (hush_vfs_fault_step == 0) rc = SQLITE_IOERR_WRITE;
    put_le64(plain, f->counter + 1);
    put_le32(plain + 8, n);
    put_le32(plain + 12, f->pages);
    crypto_generichash_final(&hash, plain + 16, 32);
    if (rc == SQLITE_OK) {
        seal_block(f->block, f->keys.jrnl_key, "hushjrnl", &f->keys, plain, sizeof plain);
        if (pwrite_all(f->jfd, f->block, BLOCK, 0) != 0) rc = SQLITE_IOERR_WRITE;
    }
    /* The last commit's copies past this one's end: the pages they copy
     * are about to change in place, and then the copies would be older
     * versions. */
    if (rc == SQLITE_OK && f->journal_end > (uint64_t) 1 + t + n && hush_vfs_fault_step != 4 &&
        randomize_blocks(f->jfd, (uint64_t) 1 + t + n, f->journal_end) != 0) {
        rc = SQLITE_IOERR_WRITE;
    }
    if (rc == SQLITE_OK && fsync(f->jfd) != 0) rc = SQLITE_IOERR_FSYNC;
    if (rc == SQLITE_OK) f->journal_end = (uint64_t) 1 + t + n;
    if (rc == SQLITE_OK && hush_vfs_fault_step == 1) rc = SQLITE_IOERR_WRITE;
    /* 2. In place. */
    if (rc == SQLITE_OK) rc = apply(f, list, n, f->pages, f->counter + 1);
    if (rc == SQLITE_OK && hush_vfs_fault_step == 3) rc = SQLITE_IOERR_WRITE;
    free(list);
    free(table);
    if (rc != SQLITE_OK) {
        /* The journal may or may not be durable: the next open decides. */
        f->failed = 1;
        return rc;
    }
    dirty_clear(&f->dirty);
    if (f->on_commit != NULL && f->on_commit(f->ctx, f->counter) != 0) return SQLITE_IOERR_FSYNC;
    return SQLITE_OK;
}

/* Replays a valid journal of commit `want`, or, when want is 0 (no valid
 * header to say which), of a commit no older than `at_least`: 1 if it did,
 * 2 if the journal is ours but not such a commit's (stale, or put back from
 * an older image), 0 if there is no journal of ours, -1 on an I/O error. */
static int
replay(crypt_file *f, uint64_t want, uint64_t at_least, uint64_t *counter)
{
    uint8_t plain[JOURNAL_PLAIN], digest[32];
    off_t size = file_size(f->jfd);
    uint32_t n, pages, t, i;
    uint64_t c;
    uint8_t *body = NULL;
    dirty_page *list = NULL;
    int rc;

    if (size < BLOCK || pread_all(f->jfd, f->block, BLOCK, 0) != 0 ||
        open_block(plain, sizeof plain, f->keys.jrnl_key, "hushjrnl", &f->keys, f->block) != 0) {
        return 0;
    }
    c = get_le64(plain);
    n = get_le32(plain + 8);
    pages = get_le32(plain + 12);
    t = table_blocks(n);
    if ((want != 0 && c != want) || c < at_least || n > MAX_PAGES / 2 || pages > MAX_PAGES ||
        (uint64_t) size < (uint64_t) (1 + t + n) * BLOCK) {
        return 2;
    }
    if ((body = malloc((size_t) (t + n) * BLOCK + 1)) == NULL || (list = malloc((n ? n : 1) * sizeof *list)) == NULL) {
        free(body);
        return -1;
    }
    rc = pread_all(f->jfd, body, (size_t) (t + n) * BLOCK, BLOCK) == 0 ? 1 : -1;
    crypto_generichash(digest, sizeof digest, body, (size_t) (t + n) * BLOCK, NULL, 0);
    if (rc == 1 && sodium_memcmp(digest, plain + 16, 32) != 0) rc = 2; /* torn: the old database stands */
    for (i = 0; rc == 1 && i < n; i++) {
        list[i].pgno = get_le32(body + 4 * i);
        list[i].block = body + (size_t) (t + i) * BLOCK;
        if (list[i].pgno == 0 || list[i].pgno > pages) rc = 2;
    }
    if (rc == 1 && apply(f, list, n, pages, c) != SQLITE_OK) rc = -1;
    if (rc == 1) *counter = c;
    free(body);
    free(list);
    return rc;
}

/* ---- sqlite3_io_methods ------------------------------------------------ */

static int
crypt_close(sqlite3_file *file)
{
    crypt_file *f = (crypt_file *) file;

    /* Writes not yet committed are a transaction that never happened. */
    dirty_clear(&f->dirty);
    if (f->fd >= 0) close(f->fd);
    if (f->jfd >= 0) close(f->jfd);
    f->fd = f->jfd = -1;
    sodium_memzero(&f->keys, sizeof f->keys);
    sodium_memzero(f->block, sizeof f->block);
    return SQLITE_OK;
}

/* Page pgno's plaintext from the uncommitted writes or the pages file. */
static int
read_page(crypt_file *f, uint32_t pgno, uint8_t out[BLOCK])
{
    dirty_page *d = dirty_find(&f->dirty, pgno);

    if (d != NULL) return open_page(out, &f->keys, pgno, d->block);
    if (pgno > f->disk_pages || pread_all(f->fd, f->block, BLOCK, (off_t) pgno * BLOCK) != 0) {
        return SQLITE_IOERR_DATA; /* below the authenticated size, so it must be there */
    }
    return open_page(out, &f->keys, pgno, f->block);
}

static int
crypt_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
    crypt_file *f = (crypt_file *) file;
    uint8_t plain[BLOCK], *out = buf;
    sqlite3_int64 end = off + amt, pos = off, size = (sqlite3_int64) f->pages * BLOCK;
    int rc = SQLITE_OK;

    if (f->failed) return SQLITE_IOERR_READ;
    while (pos < end && pos < size) {
        uint32_t pgno = (uint32_t) (pos / BLOCK) + 1;
        sqlite3_int64 in_page = pos % BLOCK, n = BLOCK - in_page;
        if (n > end - pos) n = end - pos;
        if ((rc = read_page(f, pgno, plain)) != SQLITE_OK) break;
        memcpy(out + (pos - off), plain + in_page, (size_t) n);
        pos += n;
    }
    sodium_memzero(plain, sizeof plain);
    if (rc != SQLITE_OK) return rc;
    if (pos < end) {
        memset(out + (pos - off), 0, (size_t) (end - pos));
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int
crypt_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
    crypt_file *f = (crypt_file *) file;
    const uint8_t *page = buf;
    uint32_t pgno;
    uint8_t *block;

    if (f->failed) return SQLITE_IOERR_WRITE;
    /* In exclusive, rollback-journal mode SQLite writes whole pages only. */
    if (amt != BLOCK || off % BLOCK != 0 || off / BLOCK >= MAX_PAGES) return SQLITE_IOERR_WRITE;
    /* Page 1 must declare our page size and reserve, so SQLite never puts
     * data where the nonce and tag go. */
    if (off == 0 && (page[16] != 0x10 || page[17] != 0x00 || page[20] != HUSH_PAGE_RESERVE)) {
        return SQLITE_IOERR_WRITE;
    }
    pgno = (uint32_t) (off / BLOCK) + 1;
    if ((block = dirty_put(&f->dirty, pgno)) == NULL) return SQLITE_IOERR_NOMEM;
    seal_page(block, &f->keys, pgno, page);
    if (pgno > f->pages) f->pages = pgno;
    return SQLITE_OK;
}

static int
crypt_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    crypt_file *f = (crypt_file *) file;
    uint32_t keep = (uint32_t) ((size + BLOCK - 1) / BLOCK);

    if (f->failed) return SQLITE_IOERR_TRUNCATE;
    if (keep >= f->pages) return SQLITE_OK;
    if (dirty_cut(&f->dirty, keep) != 0) return SQLITE_IOERR_NOMEM;
    f->pages = keep;
    /* SQLite shrinks the file after the commit's xSync (its phase two):
     * then it is a commit of its own, or the cut pages would wait for the
     * next one, and a close would leave them. Within a transaction they
     * become random at its commit. */
    return f->dirty.count == 0 ? commit(f) : SQLITE_OK;
}

static int
crypt_sync(sqlite3_file *file, int flags)
{
    crypt_file *f = (crypt_file *) file;

    (void) flags;
    return f->failed ? SQLITE_IOERR_FSYNC : commit(f);
}

static int
crypt_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    *size = (sqlite3_int64) ((crypt_file *) file)->pages * BLOCK;
    return SQLITE_OK;
}

static int
crypt_lock(sqlite3_file *file, int level)
{
    (void) file; (void) level;
    return SQLITE_OK; /* one connection per database, in one Worker */
}

static int
crypt_check_reserved_lock(sqlite3_file *file, int *out)
{
    (void) file;
    *out = 0;
    return SQLITE_OK;
}

static int
crypt_file_control(sqlite3_file *file, int op, void *arg)
{
    (void) file; (void) op; (void) arg;
    return SQLITE_NOTFOUND;
}

static int
crypt_sector_size(sqlite3_file *file)
{
    (void) file;
    return BLOCK;
}

static int
crypt_device_characteristics(sqlite3_file *file)
{
    (void) file;
    return 0;
}

static const sqlite3_io_methods crypt_io = {
    1, crypt_close, crypt_read, crypt_write, crypt_truncate, crypt_sync, crypt_file_size,
    crypt_lock, crypt_lock, crypt_check_reserved_lock, crypt_file_control, crypt_sector_size,
    crypt_device_characteristics, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* ---- sqlite3_vfs ------------------------------------------------------- */

static sqlite3_vfs *base_vfs(sqlite3_vfs *vfs)
{
    return (sqlite3_vfs *) vfs->pAppData;
}

/* Finds the committed state: header, or a journal to replay, or an orphan
 * to erase. Returns a HUSH status. */
static int
recover(crypt_file *f, const hush_vfs_files *files)
{
    uint64_t counter = 0;
    uint32_t pages = 0;
    int header = read_header(f, &counter, &pages) == 0, journal, replayed;
    off_t size = file_size(f->fd);

    if (header) {
        f->disk_pages = pages;
        f->counter = counter;
    }
    /* A journal one commit ahead means that commit was cut short; with no
     * valid header, any valid journal of ours is the newest state. */
    journal = replay(f, header ? counter + 1 : 0, files->min_counter, &counter);
    if (journal < 0) return HUSH_ERR_IO;
    replayed = journal == 1;
    if (!header && !replayed && size > 0) {
        if (files->min_counter != 0) return HUSH_ERR_STORE_DAMAGED;
        /* Written under a key that no longer exists (a wipe cut short by a
         * kill): nothing can ever read it, so it goes. */
        if (ftruncate(f->fd, 0) != 0 || ftruncate(f->jfd, 0) != 0 || fsync(f->fd) != 0) return HUSH_ERR_IO;
        f->disk_pages = 0;
        f->counter = 0;
    }
    /* What the journal holds is now copies of current pages, or of a
     * commit that never happened; the next commit overwrites or scrubs all
     * of it before a page changes in place. */
    {
        off_t jsize = file_size(f->jfd);
        f->journal_end = jsize > 0 ? (uint64_t) jsize / BLOCK + 1 : 0;
    }
    if (f->counter < files->min_counter) return HUSH_ERR_STORE_DAMAGED; /* rolled back */
    size = file_size(f->fd);
    f->capacity = size >= BLOCK ? (uint32_t) ((size - BLOCK) / BLOCK) : 0;
    if (f->disk_pages > f->capacity) return HUSH_ERR_STORE_DAMAGED;
    f->pages = f->disk_pages;
    return HUSH_OK;
}

static int
vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    crypt_file *f = (crypt_file *) file;
    const char *ctx = name ? sqlite3_uri_parameter(name, "ctx") : NULL;
    open_request *req = NULL;
    int rc;

    (void) vfs;
    memset(f, 0, sizeof *f);
    f->fd = f->jfd = -1;
    /* Only the main database; journals and temp files stay in memory. */
    if (!(flags & SQLITE_OPEN_MAIN_DB) || ctx == NULL || sscanf(ctx, "%p", (void **) &req) != 1 || req == NULL) {
        return SQLITE_CANTOPEN;
    }
    f->keys = req->keys;
    f->on_commit = req->files->on_commit;
    f->ctx = req->files->ctx;
    f->base.pMethods = &crypt_io;
    if (out_flags) *out_flags = flags;
    f->fd = open(req->files->pages, O_RDWR | O_CREAT, 0600);
    f->jfd = open(req->files->journal, O_RDWR | O_CREAT, 0600);
    rc = f->fd < 0 || f->jfd < 0 ? HUSH_ERR_IO : recover(f, req->files);
    if (rc != HUSH_OK) {
        req->status = rc;
        crypt_close(file);
        f->base.pMethods = NULL; /* SQLite must not call xClose again */
        return rc == HUSH_ERR_STORE_DAMAGED ? SQLITE_IOERR_DATA : SQLITE_CANTOPEN;
    }
    return SQLITE_OK;
}

static int
vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void) vfs; (void) name; (void) sync_dir;
    return SQLITE_OK; /* no journal or temp file ever reaches storage */
}

static int
vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void) vfs; (void) name; (void) flags;
    *out = 0; /* in particular: there is never a hot journal */
    return SQLITE_OK;
}

static int
vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void) vfs;
    sqlite3_snprintf(n, out, "%s", name);
    return SQLITE_OK;
}

static int vfs_randomness(sqlite3_vfs *v, int n, char *out) { return base_vfs(v)->xRandomness(base_vfs(v), n, out); }
static int vfs_sleep(sqlite3_vfs *v, int us) { return base_vfs(v)->xSleep(base_vfs(v), us); }
static int vfs_current_time(sqlite3_vfs *v, double *t) { return base_vfs(v)->xCurrentTime(base_vfs(v), t); }
static int vfs_last_error(sqlite3_vfs *v, int n, char *out) { return base_vfs(v)->xGetLastError(base_vfs(v), n, out); }
static int vfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *t) { return base_vfs(v)->xCurrentTimeInt64(base_vfs(v), t); }

static sqlite3_vfs hush_vfs = {
    2, sizeof(crypt_file), 1024, NULL, HUSH_VFS_NAME, NULL,
    vfs_open, vfs_delete, vfs_access, vfs_full_pathname, NULL, NULL, NULL, NULL,
    vfs_randomness, vfs_sleep, vfs_current_time, vfs_last_error, vfs_current_time64,
    NULL, NULL, NULL,
};

static int
register_vfs(void)
{
    if (sqlite3_vfs_find(HUSH_VFS_NAME) != NULL) return SQLITE_OK;
    hush_vfs.pAppData = sqlite3_vfs_find(NULL);
    return hush_vfs.pAppData ? sqlite3_vfs_register(&hush_vfs, 0) : SQLITE_ERROR;
}

int
hush_vfs_open_db(sqlite3 **db, const hush_vfs_files *files, const uint8_t db_key[32])
{
    open_request req;
    char uri[96];
    int reserve = HUSH_PAGE_RESERVE, rc, status;

    *db = NULL;
    if (files == NULL || files->pages == NULL || files->journal == NULL) return HUSH_ERR_ARGUMENT;
    if (register_vfs() != SQLITE_OK) return HUSH_ERR_INTERNAL;
    req.files = files;
    req.status = HUSH_OK;
    derive_keys(&req.keys, db_key);
    snprintf(uri, sizeof uri, "file:hush?ctx=%p", (void *) &req);
    rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                                  SQLITE_OPEN_EXRESCODE, HUSH_VFS_NAME);
    sodium_memzero(&req.keys, sizeof req.keys);
    if (rc == SQLITE_OK) {
        /* Before the first page exists: page size and reserve. Harmless on
         * an existing database, whose header decides. synchronous=FULL makes
         * SQLite call xSync at every commit: that is where ours happens. */
        sqlite3_file_control(*db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
        rc = sqlite3_exec(*db, "PRAGMA page_size=4096; PRAGMA locking_mode=EXCLUSIVE;"
                               "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                               "PRAGMA foreign_keys=ON; PRAGMA cache_size=-2048;"
                               "SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
    }
    status = req.status;
    if (rc != SQLITE_OK) {
        sqlite3_close(*db);
        *db = NULL;
        if (status != HUSH_OK) return status;
        return (rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB
                   ? HUSH_ERR_STORE_DAMAGED : HUSH_ERR_STORE;
    }
    return HUSH_OK;
}

uint64_t
hush_vfs_counter(sqlite3 *db)
{
    sqlite3_file *file = NULL;

    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == NULL ||
        file->pMethods != &crypt_io) {
        return 0;
    }
    return ((crypt_file *) file)->counter;
}
