/* The store's SQLite VFS: every page encrypted, every database in chunks.
 *
 * OVERVIEW
 * A shim over the default VFS, after SQLite's ext/misc/cksumvfs.c. It
 * implements the main database file itself and refuses every other kind of
 * file, so nothing SQLite writes reaches storage in the clear: the journal
 * is kept in memory (crash consistency comes from the host, which persists
 * only between transactions, each sync one IndexedDB transaction) and temp
 * files are in memory too (SQLITE_TEMP_STORE=3).
 *
 * FILE FORMAT
 * Pages are 4096 bytes with 40 reserve bytes that SQLite leaves alone. Page
 * n (1-based) is stored as
 *     XChaCha20-Poly1305(page key, page[0..4056)) ‖ nonce (24) ‖ tag (16)
 * with a fresh random nonce on every write and associated data
 * file id (16) ‖ n (big-endian u32), so a page cannot be moved within its
 * database or into another. A page that fails authentication reads as
 * SQLITE_IOERR_DATA, never as garbage.
 *
 * CHUNKS
 * Four pages make a chunk file of exactly 16 KiB, named by a keyed hash of
 * its index (32 hex digits): Emscripten's IDBFS persists whole changed files,
 * so a transaction costs only the chunks it touched; and the directory
 * holding several databases shows only equal-size, unrelated-looking files.
 * Unused page slots of the last chunk are random. A chunk is written whole
 * when created (so MEMFS keeps its buffer exact-size) and page by page after,
 * each write moving its mtime forward (fileio.h).
 *
 * The database's size lives in page 1 (the header's page count, which is
 * authenticated); a chunk missing below that size reads as SQLITE_IOERR_DATA.
 *
 * KEYS
 * From the database key (32 bytes, the caller's) crypto_kdf derives the page
 * key, the chunk-name key and the file id. They live in the open file and
 * are zeroed when it closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fileio.h"
#include "hush.h"
#include "store_vfs.h"

#define PAYLOAD_BYTES (HUSH_PAGE_BYTES - HUSH_PAGE_RESERVE)
#define NAME_HEX 32

typedef struct hush_db_keys {
    uint8_t page_key[32];     /* XChaCha20-Poly1305 key of every page */
    uint8_t name_key[32];     /* BLAKE2b key naming the chunk files */
    uint8_t file_id[16];      /* associated data: which database */
} hush_db_keys;

typedef struct crypt_file {
    sqlite3_file base;         /* must come first */
    char        *dir;          /* where the chunk files live */
    hush_db_keys keys;
    sqlite3_int64 size;        /* logical size in bytes, whole pages */
    uint8_t      page[HUSH_PAGE_BYTES]; /* scratch for one encrypted page */
} crypt_file;

/* What hush_vfs_open_db hands to xOpen, through a URI parameter holding
 * its address: no key passes through a static buffer or a string. */
typedef struct open_request {
    const char   *dir;
    hush_db_keys  keys;
} open_request;

static void
derive_keys(hush_db_keys *k, const uint8_t db_key[32])
{
    uint8_t id[32];

    crypto_kdf_derive_from_key(k->page_key, 32, 1, "hushpage", db_key);
    crypto_kdf_derive_from_key(k->name_key, 32, 2, "hushpage", db_key);
    crypto_kdf_derive_from_key(id, 32, 3, "hushpage", db_key);
    memcpy(k->file_id, id, sizeof k->file_id);
    sodium_memzero(id, sizeof id);
}

/* dir + "/" + 32 hex digits of BLAKE2b-128(name key, le32(index)). */
static char *
chunk_path(const char *dir, const hush_db_keys *k, uint32_t index)
{
    uint8_t le[4] = { (uint8_t) index, (uint8_t) (index >> 8), (uint8_t) (index >> 16), (uint8_t) (index >> 24) };
    uint8_t h[NAME_HEX / 2];
    size_t n = strlen(dir);
    char *path = malloc(n + 1 + NAME_HEX + 1);

    if (path == NULL) return NULL;
    crypto_generichash(h, sizeof h, le, sizeof le, k->name_key, sizeof k->name_key);
    memcpy(path, dir, n);
    path[n] = '/';
    sodium_bin2hex(path + n + 1, NAME_HEX + 1, h, sizeof h);
    return path;
}

static void
page_ad(uint8_t ad[20], const hush_db_keys *k, uint32_t pgno)
{
    memcpy(ad, k->file_id, 16);
    ad[16] = (uint8_t) (pgno >> 24); ad[17] = (uint8_t) (pgno >> 16);
    ad[18] = (uint8_t) (pgno >> 8);  ad[19] = (uint8_t) pgno;
}

/* Reads and authenticates page pgno (1-based) into out (plaintext, reserve
 * bytes zero). SQLITE_IOERR_DATA if missing, short or not authentic. */
static int
read_page(crypt_file *f, uint32_t pgno, uint8_t out[HUSH_PAGE_BYTES])
{
    uint32_t index = (pgno - 1) / HUSH_PAGES_PER_CHUNK;
    off_t at = (off_t) ((pgno - 1) % HUSH_PAGES_PER_CHUNK) * HUSH_PAGE_BYTES;
    char *path = chunk_path(f->dir, &f->keys, index);
    uint8_t ad[20];
    ssize_t got = -1;
    int fd, rc = SQLITE_OK;

    if (path == NULL) return SQLITE_NOMEM;
    fd = open(path, O_RDONLY);
    free(path);
    if (fd >= 0) {
        got = pread(fd, f->page, HUSH_PAGE_BYTES, at);
        close(fd);
    }
    if (got != HUSH_PAGE_BYTES) return SQLITE_IOERR_DATA;
    page_ad(ad, &f->keys, pgno);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            out, NULL, f->page, PAYLOAD_BYTES, f->page + PAYLOAD_BYTES + 24, ad, sizeof ad,
            f->page + PAYLOAD_BYTES, f->keys.page_key) != 0) {
        rc = SQLITE_IOERR_DATA;
        sodium_memzero(out, HUSH_PAGE_BYTES);
    } else {
        memset(out + PAYLOAD_BYTES, 0, HUSH_PAGE_RESERVE);
    }
    return rc;
}

/* Writes the whole chunk file `index` from buf, exact size, mtime forward. */
static int
write_chunk(crypt_file *f, uint32_t index, const uint8_t *buf)
{
    char *path = chunk_path(f->dir, &f->keys, index);
    struct stat before;
    int had, fd, ok;

    if (path == NULL) return SQLITE_NOMEM;
    had = stat(path, &before) == 0;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ok = fd >= 0 && write(fd, buf, HUSH_CHUNK_BYTES) == HUSH_CHUNK_BYTES;
    if (fd >= 0) ok = close(fd) == 0 && ok;
    ok = ok && hush_mtime_forward(path, had ? &before : NULL) == 0;
    free(path);
    return ok ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

static int
write_page(crypt_file *f, uint32_t pgno, const uint8_t *plain)
{
    uint32_t index = (pgno - 1) / HUSH_PAGES_PER_CHUNK;
    off_t at = (off_t) ((pgno - 1) % HUSH_PAGES_PER_CHUNK) * HUSH_PAGE_BYTES;
    uint8_t ad[20], *chunk;
    char *path;
    struct stat st, before;
    int fd, ok, rc;

    page_ad(ad, &f->keys, pgno);
    randombytes_buf(f->page + PAYLOAD_BYTES, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(f->page, f->page + PAYLOAD_BYTES + 24, NULL, plain,
                                                        PAYLOAD_BYTES, ad, sizeof ad, NULL,
                                                        f->page + PAYLOAD_BYTES, f->keys.page_key);
    if ((path = chunk_path(f->dir, &f->keys, index)) == NULL) return SQLITE_NOMEM;
    if (stat(path, &st) != 0) {
        /* A new chunk: random page slots around this page, written whole. */
        free(path);
        if ((chunk = malloc(HUSH_CHUNK_BYTES)) == NULL) return SQLITE_NOMEM;
        randombytes_buf(chunk, HUSH_CHUNK_BYTES);
        memcpy(chunk + at, f->page, HUSH_PAGE_BYTES);
        rc = write_chunk(f, index, chunk);
        free(chunk);
        return rc;
    }
    if (st.st_size != HUSH_CHUNK_BYTES) {
        free(path);
        return SQLITE_IOERR_DATA;
    }
    before = st;
    fd = open(path, O_WRONLY);
    ok = fd >= 0 && pwrite(fd, f->page, HUSH_PAGE_BYTES, at) == HUSH_PAGE_BYTES;
    if (fd >= 0) ok = close(fd) == 0 && ok;
    ok = ok && hush_mtime_forward(path, &before) == 0;
    free(path);
    return ok ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

/* ---- sqlite3_io_methods ------------------------------------------------ */

static int
crypt_close(sqlite3_file *file)
{
    crypt_file *f = (crypt_file *) file;

    free(f->dir);
    sodium_memzero(&f->keys, sizeof f->keys);
    sodium_memzero(f->page, sizeof f->page);
    return SQLITE_OK;
}

static int
crypt_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
    crypt_file *f = (crypt_file *) file;
    uint8_t plain[HUSH_PAGE_BYTES], *out = buf;
    sqlite3_int64 end = off + amt, pos = off;
    int rc = SQLITE_OK;

    while (pos < end && pos < f->size) {
        uint32_t pgno = (uint32_t) (pos / HUSH_PAGE_BYTES) + 1;
        sqlite3_int64 in_page = pos % HUSH_PAGE_BYTES;
        sqlite3_int64 n = HUSH_PAGE_BYTES - in_page;
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
    int rc;

    /* In exclusive, rollback-journal mode SQLite writes whole pages only. */
    if (amt != HUSH_PAGE_BYTES || off % HUSH_PAGE_BYTES != 0) return SQLITE_IOERR_WRITE;
    /* Page 1 must declare our page size and reserve, so SQLite never puts
     * data where the nonce and tag go. */
    if (off == 0 && (page[16] != 0x10 || page[17] != 0x00 || page[20] != HUSH_PAGE_RESERVE)) {
        return SQLITE_IOERR_WRITE;
    }
    rc = write_page(f, (uint32_t) (off / HUSH_PAGE_BYTES) + 1, page);
    if (rc == SQLITE_OK && off + amt > f->size) f->size = off + amt;
    return rc;
}

static int
crypt_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    crypt_file *f = (crypt_file *) file;
    uint32_t keep_pages = (uint32_t) ((size + HUSH_PAGE_BYTES - 1) / HUSH_PAGE_BYTES);
    uint32_t have_chunks = (uint32_t) ((f->size / HUSH_PAGE_BYTES + HUSH_PAGES_PER_CHUNK - 1) / HUSH_PAGES_PER_CHUNK);
    uint32_t keep_chunks = (keep_pages + HUSH_PAGES_PER_CHUNK - 1) / HUSH_PAGES_PER_CHUNK;
    uint32_t i;
    char *path;

    for (i = keep_chunks; i < have_chunks; i++) {
        if ((path = chunk_path(f->dir, &f->keys, i)) == NULL) return SQLITE_NOMEM;
        unlink(path);
        free(path);
    }
    /* Pages cut from the last kept chunk become random bytes. */
    if (keep_pages % HUSH_PAGES_PER_CHUNK != 0 && keep_pages < f->size / HUSH_PAGE_BYTES) {
        uint32_t pg;
        for (pg = keep_pages + 1; pg <= keep_chunks * HUSH_PAGES_PER_CHUNK && pg <= f->size / HUSH_PAGE_BYTES; pg++) {
            uint8_t noise[HUSH_PAGE_BYTES];
            char *p = chunk_path(f->dir, &f->keys, (pg - 1) / HUSH_PAGES_PER_CHUNK);
            int fd = p ? open(p, O_WRONLY) : -1;
            randombytes_buf(noise, sizeof noise);
            if (fd >= 0) {
                if (pwrite(fd, noise, sizeof noise, (off_t) ((pg - 1) % HUSH_PAGES_PER_CHUNK) * HUSH_PAGE_BYTES) < 0) {
                    close(fd);
                    free(p);
                    return SQLITE_IOERR_TRUNCATE;
                }
                close(fd);
                hush_mtime_forward(p, NULL);
            }
            free(p);
        }
    }
    f->size = (sqlite3_int64) keep_pages * HUSH_PAGE_BYTES;
    return SQLITE_OK;
}

static int
crypt_sync(sqlite3_file *file, int flags)
{
    (void) file; (void) flags;
    return SQLITE_OK; /* durability is the host's: it persists between transactions */
}

static int
crypt_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    *size = ((crypt_file *) file)->size;
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
    return HUSH_PAGE_BYTES;
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

static int
vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    crypt_file *f = (crypt_file *) file;
    const char *ctx = name ? sqlite3_uri_parameter(name, "ctx") : NULL;
    open_request *req = NULL;
    uint8_t plain[HUSH_PAGE_BYTES];
    int rc;

    (void) vfs;
    memset(f, 0, sizeof *f);
    /* Only the main database; journals and temp files stay in memory. */
    if (!(flags & SQLITE_OPEN_MAIN_DB) || ctx == NULL || sscanf(ctx, "%p", (void **) &req) != 1 || req == NULL) {
        return SQLITE_CANTOPEN;
    }
    if ((f->dir = malloc(strlen(req->dir) + 1)) == NULL) return SQLITE_NOMEM;
    strcpy(f->dir, req->dir);
    f->keys = req->keys;
    f->base.pMethods = &crypt_io;
    if (out_flags) *out_flags = flags;

    /* Size from the authenticated page count in page 1, if there is one. */
    f->size = HUSH_PAGE_BYTES;
    rc = read_page(f, 1, plain);
    if (rc == SQLITE_OK) {
        uint32_t pages = (uint32_t) plain[28] << 24 | (uint32_t) plain[29] << 16 | (uint32_t) plain[30] << 8 | plain[31];
        f->size = (sqlite3_int64) (pages ? pages : 1) * HUSH_PAGE_BYTES;
    } else {
        char *path = chunk_path(f->dir, &f->keys, 0);
        struct stat st;
        int exists = path != NULL && stat(path, &st) == 0;
        free(path);
        f->size = 0;
        if (exists) rc = SQLITE_IOERR_DATA; /* there is a page 1, but not ours */
        else rc = SQLITE_OK;
    }
    sodium_memzero(plain, sizeof plain);
    if (rc != SQLITE_OK) {
        crypt_close(file);
        f->base.pMethods = NULL; /* SQLite must not call xClose again */
        return rc;
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
hush_vfs_open_db(sqlite3 **db, const char *dir, const uint8_t db_key[32])
{
    open_request req;
    char uri[96];
    int reserve = HUSH_PAGE_RESERVE, rc;

    *db = NULL;
    if (register_vfs() != SQLITE_OK) return HUSH_ERR_INTERNAL;
    req.dir = dir;
    derive_keys(&req.keys, db_key);
    snprintf(uri, sizeof uri, "file:hush?ctx=%p", (void *) &req);
    rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                                  SQLITE_OPEN_EXRESCODE, HUSH_VFS_NAME);
    sodium_memzero(&req, sizeof req);
    if (rc == SQLITE_OK) {
        /* Before the first page exists: page size and reserve. Harmless on
         * an existing database, whose header decides. */
        sqlite3_file_control(*db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
        rc = sqlite3_exec(*db, "PRAGMA page_size=4096; PRAGMA locking_mode=EXCLUSIVE;"
                               "PRAGMA journal_mode=MEMORY; PRAGMA secure_delete=ON;"
                               "PRAGMA foreign_keys=ON; PRAGMA cache_size=-2048;"
                               "SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return (rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB
                   ? HUSH_ERR_STORE_DAMAGED : HUSH_ERR_STORE;
    }
    return HUSH_OK;
}

uint32_t
hush_vfs_page_count(sqlite3 *db)
{
    sqlite3_file *file = NULL;

    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == NULL ||
        file->pMethods != &crypt_io) {
        return 0;
    }
    return (uint32_t) (((crypt_file *) file)->size / HUSH_PAGE_BYTES);
}

int
hush_vfs_chunk_paths(const char *dir, const uint8_t db_key[32], uint32_t pages,
                     void (*fn)(const char *path, void *ctx), void *ctx)
{
    hush_db_keys keys;
    uint32_t i, chunks = (pages + HUSH_PAGES_PER_CHUNK - 1) / HUSH_PAGES_PER_CHUNK;
    char *path;
    int rc = HUSH_OK;

    derive_keys(&keys, db_key);
    for (i = 0; i < chunks; i++) {
        if ((path = chunk_path(dir, &keys, i)) == NULL) { rc = HUSH_ERR_NOMEM; break; }
        fn(path, ctx);
        free(path);
    }
    sodium_memzero(&keys, sizeof keys);
    return rc;
}
