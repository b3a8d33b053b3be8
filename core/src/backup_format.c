/* The backup stream: key, header, chunks and records (core/BACKUP.md is the
 * specification; this file follows it section by section).
 *
 * WHY EVERY CHUNK HAS THE SAME SIZE
 * The last chunk is padded to the full size, so the stream's length is a
 * multiple of the sealed chunk size. A stream cut anywhere is then told
 * apart from a damaged one (TRUNCATED, not DAMAGED), and the file's size
 * says nothing finer than 64 KiB about what it holds.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "backup_format.h"

#define MAGIC "HUSHBKUP"
#define VERSION 1u
#define LABEL_SEED_KDF 1u /* crypto_kdf(subkey 1, "hushbkup", ed25519 seed) */
#define KEY_CHECK_CONTEXT "hush-backup-key-check-v1"

/* Header layout. */
#define H_MAGIC 0
#define H_VERSION 8
#define H_LABEL 9
#define H_RESERVED 10
#define H_STREAM 16
#define H_KEY_CHECK 40
#define H_CHECKSUM 56
_Static_assert(H_STREAM + crypto_secretstream_xchacha20poly1305_HEADERBYTES == H_KEY_CHECK, "header layout");
_Static_assert(H_CHECKSUM + 8 == BK_HEADER_BYTES, "header layout");
_Static_assert(BK_CHUNK_SEALED == BK_CHUNK_PLAIN + crypto_secretstream_xchacha20poly1305_ABYTES, "chunk size");

#define RECORD_HEAD 5 /* type u8, length u32 */

void
bk_key(uint8_t key[32], const uint8_t seed[HUSH_SEED_BYTES])
{
    uint8_t ed_seed[32] = { 0 };

    memcpy(ed_seed, seed, HUSH_SEED_BYTES);
    crypto_kdf_derive_from_key(key, 32, 1, "hushbkup", ed_seed);
    sodium_memzero(ed_seed, sizeof ed_seed);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t
get_u32(const uint8_t *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void
key_check(uint8_t out[16], const uint8_t *header, const uint8_t key[32])
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, key, 32, 16);
    crypto_generichash_update(&st, (const uint8_t *) KEY_CHECK_CONTEXT, sizeof KEY_CHECK_CONTEXT - 1);
    crypto_generichash_update(&st, header, H_KEY_CHECK);
    crypto_generichash_final(&st, out, 16);
    sodium_memzero(&st, sizeof st);
}

static void
checksum(uint8_t out[8], const uint8_t *header)
{
    crypto_generichash(out, 8, header, H_CHECKSUM, NULL, 0);
}

int
bk_header_check(const uint8_t *h, size_t len, const uint8_t key[32])
{
    uint8_t sum[8], check[16];
    int i, ok;

    if (h == NULL || len < BK_HEADER_BYTES || memcmp(h + H_MAGIC, MAGIC, 8) != 0) return HUSH_ERR_BACKUP_FORMAT;
    checksum(sum, h);
    if (memcmp(sum, h + H_CHECKSUM, 8) != 0) return HUSH_ERR_BACKUP_FORMAT;
    if (h[H_VERSION] != VERSION || h[H_LABEL] != LABEL_SEED_KDF) return HUSH_ERR_BACKUP_VERSION;
    for (i = H_RESERVED; i < H_STREAM; i++) {
        if (h[i] != 0) return HUSH_ERR_BACKUP_FORMAT;
    }
    key_check(check, h, key);
    ok = sodium_memcmp(check, h + H_KEY_CHECK, 16) == 0;
    sodium_memzero(check, sizeof check);
    return ok ? HUSH_OK : HUSH_ERR_BACKUP_KEY;
}

/* ---- records: field readers -------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t left;
    int bad;
} reader;

static int64_t
r_i64(reader *r)
{
    uint64_t v = 0;
    if (r->left < 8) { r->bad = 1; return 0; }
    for (int i = 0; i < 8; i++) v |= (uint64_t) r->p[i] << (8 * i);
    r->p += 8;
    r->left -= 8;
    return (int64_t) v;
}

static int
r_u8(reader *r)
{
    if (r->left < 1) { r->bad = 1; return 0; }
    r->left--;
    return *r->p++;
}

static const uint8_t *
r_bytes(reader *r, size_t n)
{
    const uint8_t *p = r->p;
    if (r->left < n) { r->bad = 1; return NULL; }
    r->p += n;
    r->left -= n;
    return p;
}

/* A u16-length string of 1..max bytes without NUL, copied NUL-terminated. */
static void
r_text(reader *r, char *out, size_t max)
{
    const uint8_t *p;
    size_t n;

    if (r->left < 2) { r->bad = 1; out[0] = 0; return; }
    n = (size_t) r->p[0] | (size_t) r->p[1] << 8;
    r->p += 2;
    r->left -= 2;
    if (n < 1 || n > max || (p = r_bytes(r, n)) == NULL || memchr(p, 0, n) != NULL) {
        r->bad = 1;
        out[0] = 0;
        return;
    }
    memcpy(out, p, n);
    out[n] = 0;
}

static int
valid_session_id(const char *id)
{
    if (strlen(id) != HUSH_SESSION_ID_CHARS || id[0] != '0' || id[1] != '5') return 0;
    for (int i = 2; i < HUSH_SESSION_ID_CHARS; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return 0;
    }
    return 1;
}

static int
valid_time(int64_t t)
{
    return t > 0 && t <= INT64_C(253402300799999);
}

/* ---- decoder ------------------------------------------------------------ */

struct bk_decoder {
    uint8_t key[32];
    bk_sink sink;
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t header[BK_HEADER_BYTES];
    uint8_t sealed[BK_CHUNK_SEALED];
    uint8_t plain[BK_CHUNK_PLAIN];
    uint8_t carry[RECORD_HEAD + BK_RECORD_MAX + BK_PAYLOAD_MAX];
    size_t have;        /* bytes of the header, then of the current chunk */
    size_t carry_len;
    uint64_t position;
    uint64_t chunks;
    int header_done, final_seen, end_seen;
    int status;         /* sticky error */
    /* what the records so far allow */
    int identity_seen, in_message;
    int64_t attachment_left;  /* bytes still owed to the open attachment, -1: none */
    int64_t messages, attachments, data_bytes;
};

int
bk_decoder_new(bk_decoder **out, const uint8_t key[32], const bk_sink *sink)
{
    bk_decoder *d;

    if (out == NULL || key == NULL || sink == NULL) return HUSH_ERR_ARGUMENT;
    if ((d = calloc(1, sizeof *d)) == NULL) return HUSH_ERR_NOMEM;
    memcpy(d->key, key, 32);
    d->sink = *sink;
    d->attachment_left = -1;
    *out = d;
    return HUSH_OK;
}

void
bk_decoder_free(bk_decoder *d)
{
    if (d == NULL) return;
    sodium_memzero(d, sizeof *d);
    free(d);
}

uint64_t
bk_decoder_position(const bk_decoder *d)
{
    return d ? d->position : 0;
}

#define CALL(fn, arg) (d->sink.fn ? d->sink.fn(d->sink.ctx, arg) : HUSH_OK)

/* One record: checks its fields and its place in the stream, then hands
 * it to the sink. */
static int
take_record(bk_decoder *d, int type, const uint8_t *body, size_t len)
{
    reader r = { body, len, 0 };
    int rc = HUSH_OK;

    if (d->end_seen) return HUSH_ERR_BACKUP_CONTENT;
    if (!d->identity_seen && type != BK_IDENTITY) return HUSH_ERR_BACKUP_CONTENT;
    if (d->attachment_left > 0 && type != BK_ATTACHMENT_DATA) return HUSH_ERR_BACKUP_CONTENT;
    if (type != BK_ATTACHMENT && type != BK_ATTACHMENT_DATA) d->in_message = 0;

    switch (type) {
    case BK_IDENTITY: {
        bk_identity v;
        const uint8_t *seed;
        if (d->identity_seen) return HUSH_ERR_BACKUP_CONTENT;
        seed = r_bytes(&r, HUSH_SEED_BYTES);
        v.created_at = r_i64(&r);
        r_text(&r, v.name, 256);
        if (r.bad || r.left || !valid_time(v.created_at)) return HUSH_ERR_BACKUP_CONTENT;
        memcpy(v.seed, seed, HUSH_SEED_BYTES);
        d->identity_seen = 1;
        rc = CALL(identity, &v);
        sodium_memzero(&v, sizeof v);
        return rc;
    }
    case BK_CONVERSATION: {
        bk_conversation v;
        r_text(&r, v.id, 256);
        v.mode = r_u8(&r);
        v.seconds = r_i64(&r);
        if (r.bad || r.left) return HUSH_ERR_BACKUP_CONTENT;
        if (v.mode == HUSH_DISAPPEAR_OFF ? v.seconds != 0
            : (v.mode > HUSH_DISAPPEAR_AFTER_READ || v.seconds < HUSH_DISAPPEAR_MIN_SECONDS ||
               v.seconds > HUSH_DISAPPEAR_MAX_SECONDS)) {
            return HUSH_ERR_BACKUP_CONTENT;
        }
        return CALL(conversation, &v);
    }
    case BK_MESSAGE: {
        bk_message v;
        size_t n;
        r_text(&r, v.conversation, 256);
        r_text(&r, v.sender, 256);
        n = r.left >= 4 ? get_u32(r.p) : 0;
        r_bytes(&r, 4);
        v.body_len = n;
        v.body = n <= HUSH_BODY_MAX ? r_bytes(&r, n) : (r.bad = 1, NULL);
        v.sent_at = r_i64(&r);
        v.received_at = r_i64(&r);
        v.read_at = r_i64(&r);
        v.outgoing = r_u8(&r);
        if (r.bad || r.left || !valid_time(v.sent_at) || !valid_time(v.received_at) ||
            (v.read_at != 0 && !valid_time(v.read_at)) || (v.outgoing != 0 && v.outgoing != 1)) {
            return HUSH_ERR_BACKUP_CONTENT;
        }
        d->in_message = 1;
        d->messages++;
        return CALL(message, &v);
    }
    case BK_ATTACHMENT: {
        bk_attachment v;
        if (!d->in_message) return HUSH_ERR_BACKUP_CONTENT;
        r_text(&r, v.name, 255);
        r_text(&r, v.mime, 127);
        v.size = r_i64(&r);
        if (r.bad || r.left || v.size < 0 || v.size > HUSH_ATTACHMENT_MAX) return HUSH_ERR_BACKUP_CONTENT;
        d->attachment_left = v.size;
        d->attachments++;
        return CALL(attachment, &v);
    }
    case BK_ATTACHMENT_DATA:
        if (d->attachment_left <= 0 || len < 1 || len > BK_DATA_PIECE || (int64_t) len > d->attachment_left) {
            return HUSH_ERR_BACKUP_CONTENT;
        }
        d->attachment_left -= (int64_t) len;
        d->data_bytes += (int64_t) len;
        return d->sink.attachment_data ? d->sink.attachment_data(d->sink.ctx, body, len) : HUSH_OK;
    case BK_PROTECTED: {
        bk_protected v;
        const uint8_t *secret;
        r_text(&r, v.person, HUSH_SESSION_ID_CHARS);
        secret = r_bytes(&r, 32);
        v.paired_at = r_i64(&r);
        if (r.bad || r.left || !valid_session_id(v.person) || !valid_time(v.paired_at)) return HUSH_ERR_BACKUP_CONTENT;
        memcpy(v.secret, secret, 32);
        rc = CALL(protected_person, &v);
        sodium_memzero(&v, sizeof v);
        return rc;
    }
    case BK_END: {
        int64_t messages = r_i64(&r), attachments = r_i64(&r), data_bytes = r_i64(&r);
        if (r.bad || r.left || messages != d->messages || attachments != d->attachments ||
            data_bytes != d->data_bytes) {
            return HUSH_ERR_BACKUP_CONTENT;
        }
        d->end_seen = 1;
        return HUSH_OK;
    }
    default:
        return HUSH_ERR_BACKUP_CONTENT;
    }
}

/* Takes every complete record out of carry. */
static int
take_records(bk_decoder *d)
{
    size_t pos = 0;
    int rc = HUSH_OK;

    while (rc == HUSH_OK && d->carry_len - pos >= RECORD_HEAD) {
        uint32_t len = get_u32(d->carry + pos + 1);
        if (len > BK_RECORD_MAX) { rc = HUSH_ERR_BACKUP_CONTENT; break; }
        if (d->carry_len - pos - RECORD_HEAD < len) break;
        rc = take_record(d, d->carry[pos], d->carry + pos + RECORD_HEAD, len);
        pos += RECORD_HEAD + len;
    }
    memmove(d->carry, d->carry + pos, d->carry_len - pos);
    d->carry_len -= pos;
    return rc;
}

/* A whole sealed chunk is in d->sealed. */
static int
open_chunk(bk_decoder *d)
{
    unsigned char tag = 0;
    unsigned long long plain_len = 0;
    uint32_t n;
    size_t i;
    int rc;

    if (crypto_secretstream_xchacha20poly1305_pull(&d->st, d->plain, &plain_len, &tag, d->sealed, BK_CHUNK_SEALED,
                                                   d->chunks == 0 ? d->header : NULL,
                                                   d->chunks == 0 ? BK_HEADER_BYTES : 0) != 0) {
        return HUSH_ERR_BACKUP_DAMAGED;
    }
    d->chunks++;
    n = get_u32(d->plain);
    if (plain_len != BK_CHUNK_PLAIN || n > BK_PAYLOAD_MAX ||
        (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
         tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)) {
        return HUSH_ERR_BACKUP_CONTENT;
    }
    for (i = 4 + n; i < BK_CHUNK_PLAIN; i++) {
        if (d->plain[i] != 0) return HUSH_ERR_BACKUP_CONTENT;
    }
    memcpy(d->carry + d->carry_len, d->plain + 4, n);
    d->carry_len += n;
    rc = take_records(d);
    sodium_memzero(d->plain, sizeof d->plain);
    if (rc != HUSH_OK) return rc;
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        d->final_seen = 1;
        if (d->carry_len != 0 || !d->end_seen) return HUSH_ERR_BACKUP_CONTENT;
    }
    return HUSH_OK;
}

int
bk_decoder_write(bk_decoder *d, const uint8_t *data, size_t len)
{
    if (d == NULL || (data == NULL && len != 0)) return HUSH_ERR_ARGUMENT;
    while (d->status == HUSH_OK && len > 0) {
        size_t want, take;
        if (d->final_seen) { d->status = HUSH_ERR_BACKUP_TRAILING; break; }
        want = d->header_done ? BK_CHUNK_SEALED : BK_HEADER_BYTES;
        take = want - d->have < len ? want - d->have : len;
        memcpy((d->header_done ? d->sealed : d->header) + d->have, data, take);
        d->have += take;
        d->position += take;
        data += take;
        len -= take;
        if (d->have < want) break;
        d->have = 0;
        if (!d->header_done) {
            d->status = bk_header_check(d->header, BK_HEADER_BYTES, d->key);
            if (d->status == HUSH_OK &&
                crypto_secretstream_xchacha20poly1305_init_pull(&d->st, d->header + H_STREAM, d->key) != 0) {
                d->status = HUSH_ERR_BACKUP_FORMAT;
            }
            d->header_done = 1;
        } else {
            d->status = open_chunk(d);
        }
    }
    return d->status;
}

int
bk_decoder_finish(bk_decoder *d)
{
    if (d == NULL) return HUSH_ERR_ARGUMENT;
    if (d->status != HUSH_OK) return d->status;
    if (!d->header_done) {
        /* An empty or foreign file is not a backup; a cut one is. */
        d->status = d->have >= 8 && memcmp(d->header, MAGIC, 8) == 0 ? HUSH_ERR_BACKUP_TRUNCATED
                                                                     : HUSH_ERR_BACKUP_FORMAT;
    } else if (!d->final_seen) {
        d->status = HUSH_ERR_BACKUP_TRUNCATED;
    }
    return d->status;
}

/* ---- encoder ------------------------------------------------------------ */

struct bk_encoder {
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t header[BK_HEADER_BYTES];
    uint8_t pending[BK_PAYLOAD_MAX + RECORD_HEAD + BK_RECORD_MAX + 64];
    size_t pending_len;
    uint8_t plain[BK_CHUNK_PLAIN];
    uint8_t out[BK_HEADER_BYTES + BK_CHUNK_SEALED];
    uint64_t chunks;
    int64_t messages, attachments, data_bytes;
    int end_put, done;
};

int
bk_encoder_new(bk_encoder **out, const uint8_t key[32])
{
    bk_encoder *e;
    uint8_t sum[8], check[16];

    if (out == NULL || key == NULL) return HUSH_ERR_ARGUMENT;
    if ((e = calloc(1, sizeof *e)) == NULL) return HUSH_ERR_NOMEM;
    memcpy(e->header + H_MAGIC, MAGIC, 8);
    e->header[H_VERSION] = VERSION;
    e->header[H_LABEL] = LABEL_SEED_KDF;
    crypto_secretstream_xchacha20poly1305_init_push(&e->st, e->header + H_STREAM, key);
    key_check(check, e->header, key);
    memcpy(e->header + H_KEY_CHECK, check, 16);
    checksum(sum, e->header);
    memcpy(e->header + H_CHECKSUM, sum, 8);
    *out = e;
    return HUSH_OK;
}

void
bk_encoder_free(bk_encoder *e)
{
    if (e == NULL) return;
    sodium_memzero(e, sizeof *e);
    free(e);
}

size_t
bk_encoder_pending(const bk_encoder *e)
{
    return e->pending_len;
}

/* A record is built in place at the end of pending. */
typedef struct {
    bk_encoder *e;
    size_t start, pos;
    int bad;
} writer;

static writer
w_begin(bk_encoder *e, int type)
{
    writer w = { e, e->pending_len, e->pending_len + RECORD_HEAD, 0 };
    if (e->pending_len + RECORD_HEAD + BK_RECORD_MAX > sizeof e->pending || e->end_put) w.bad = 1;
    else e->pending[w.start] = (uint8_t) type;
    return w;
}

static void
w_bytes(writer *w, const void *p, size_t n)
{
    if (w->bad || w->pos + n - w->start - RECORD_HEAD > BK_RECORD_MAX) { w->bad = 1; return; }
    memcpy(w->e->pending + w->pos, p, n);
    w->pos += n;
}

static void
w_i64(writer *w, int64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t) ((uint64_t) v >> (8 * i));
    w_bytes(w, b, 8);
}

static void
w_u8(writer *w, int v)
{
    uint8_t b = (uint8_t) v;
    w_bytes(w, &b, 1);
}

static void
w_text(writer *w, const char *s)
{
    size_t n = strlen(s);
    uint8_t b[2] = { (uint8_t) n, (uint8_t) (n >> 8) };
    if (n > 0xffff) { w->bad = 1; return; }
    w_bytes(w, b, 2);
    w_bytes(w, s, n);
}

static int
w_end(writer *w)
{
    if (w->bad) return HUSH_ERR_INTERNAL;
    put_u32(w->e->pending + w->start + 1, (uint32_t) (w->pos - w->start - RECORD_HEAD));
    w->e->pending_len = w->pos;
    return HUSH_OK;
}

int
bk_put_identity(bk_encoder *e, const bk_identity *r)
{
    writer w = w_begin(e, BK_IDENTITY);
    w_bytes(&w, r->seed, HUSH_SEED_BYTES);
    w_i64(&w, r->created_at);
    w_text(&w, r->name);
    return w_end(&w);
}

int
bk_put_conversation(bk_encoder *e, const bk_conversation *r)
{
    writer w = w_begin(e, BK_CONVERSATION);
    w_text(&w, r->id);
    w_u8(&w, r->mode);
    w_i64(&w, r->seconds);
    return w_end(&w);
}

int
bk_put_message(bk_encoder *e, const bk_message *r)
{
    writer w = w_begin(e, BK_MESSAGE);
    uint8_t n[4];
    put_u32(n, (uint32_t) r->body_len);
    w_text(&w, r->conversation);
    w_text(&w, r->sender);
    w_bytes(&w, n, 4);
    w_bytes(&w, r->body, r->body_len);
    w_i64(&w, r->sent_at);
    w_i64(&w, r->received_at);
    w_i64(&w, r->read_at);
    w_u8(&w, r->outgoing);
    e->messages++;
    return w_end(&w);
}

int
bk_put_attachment(bk_encoder *e, const bk_attachment *r)
{
    writer w = w_begin(e, BK_ATTACHMENT);
    w_text(&w, r->name);
    w_text(&w, r->mime);
    w_i64(&w, r->size);
    e->attachments++;
    return w_end(&w);
}

int
bk_put_attachment_data(bk_encoder *e, const uint8_t *data, size_t len)
{
    writer w = w_begin(e, BK_ATTACHMENT_DATA);
    if (len < 1 || len > BK_DATA_PIECE) return HUSH_ERR_INTERNAL;
    w_bytes(&w, data, len);
    e->data_bytes += (int64_t) len;
    return w_end(&w);
}

int
bk_put_protected(bk_encoder *e, const bk_protected *r)
{
    writer w = w_begin(e, BK_PROTECTED);
    w_text(&w, r->person);
    w_bytes(&w, r->secret, 32);
    w_i64(&w, r->paired_at);
    return w_end(&w);
}

int
bk_put_raw(bk_encoder *e, const uint8_t *data, size_t len)
{
    if (e->end_put || len > BK_RECORD_MAX || e->pending_len + len > sizeof e->pending) return HUSH_ERR_ARGUMENT;
    memcpy(e->pending + e->pending_len, data, len);
    e->pending_len += len;
    return HUSH_OK;
}

int
bk_encoder_seal(bk_encoder *e, int final, const uint8_t **out, size_t *out_len, int *done)
{
    size_t n, at = 0;
    unsigned char tag;
    int rc;

    if (e == NULL || out == NULL || out_len == NULL || done == NULL || e->done) return HUSH_ERR_ARGUMENT;
    if (final && !e->end_put) {
        writer w = w_begin(e, BK_END);
        w_i64(&w, e->messages);
        w_i64(&w, e->attachments);
        w_i64(&w, e->data_bytes);
        if ((rc = w_end(&w)) != HUSH_OK) return rc;
        e->end_put = 1;
    }
    if (!final && e->pending_len < BK_PAYLOAD_MAX) return HUSH_ERR_ARGUMENT;
    n = e->pending_len < BK_PAYLOAD_MAX ? e->pending_len : BK_PAYLOAD_MAX;
    tag = final && e->pending_len <= BK_PAYLOAD_MAX ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                                   : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    memset(e->plain, 0, sizeof e->plain);
    put_u32(e->plain, (uint32_t) n);
    memcpy(e->plain + 4, e->pending, n);
    memmove(e->pending, e->pending + n, e->pending_len - n);
    e->pending_len -= n;
    if (e->chunks == 0) {
        memcpy(e->out, e->header, BK_HEADER_BYTES);
        at = BK_HEADER_BYTES;
    }
    crypto_secretstream_xchacha20poly1305_push(&e->st, e->out + at, NULL, e->plain, BK_CHUNK_PLAIN,
                                               e->chunks == 0 ? e->header : NULL,
                                               e->chunks == 0 ? BK_HEADER_BYTES : 0, tag);
    sodium_memzero(e->plain, sizeof e->plain);
    e->chunks++;
    e->done = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    *done = e->done;
    *out = e->out;
    *out_len = at + BK_CHUNK_SEALED;
    return HUSH_OK;
}
