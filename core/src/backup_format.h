/* The backup stream (core/BACKUP.md): key, header, sealed chunks and the
 * records inside them. Knows nothing of the store: backup.c feeds it rows
 * (export) and takes records from it (import into the vault), and the CLI
 * takes the same records into a plain SQLite file. */
#ifndef HUSH_BACKUP_FORMAT_H
#define HUSH_BACKUP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "hush.h"

#define BK_HEADER_BYTES 64
#define BK_CHUNK_PLAIN 65536                        /* every chunk's plaintext */
#define BK_CHUNK_SEALED (BK_CHUNK_PLAIN + 17)       /* + secretstream's ABYTES */
#define BK_PAYLOAD_MAX (BK_CHUNK_PLAIN - 4)         /* after the length prefix */
#define BK_DATA_PIECE (32 * 1024)                   /* attachment bytes per record */
#define BK_RECORD_MAX (HUSH_BODY_MAX + 2048)        /* the largest valid record body */

enum {
    BK_IDENTITY = 1,
    BK_CONVERSATION = 2,
    BK_MESSAGE = 3,
    BK_ATTACHMENT = 4,
    BK_ATTACHMENT_DATA = 5,
    BK_PROTECTED = 6,
    BK_END = 7,
};

/* The backup key of the identity with this 16-byte seed. */
void bk_key(uint8_t key[32], const uint8_t seed[HUSH_SEED_BYTES]);

/* ---- records, as the decoder hands them over (strings NUL-terminated,
 * validated as BACKUP.md says) ---- */
typedef struct {
    uint8_t seed[HUSH_SEED_BYTES];
    int64_t created_at;
    char name[65];
} bk_identity;

typedef struct {
    char id[257];
    int mode;
    int64_t seconds;
} bk_conversation;

typedef struct {
    char conversation[257];
    char sender[257];
    const uint8_t *body;
    size_t body_len;
    int64_t sent_at, received_at, read_at; /* read_at 0: not read */
    int outgoing;
} bk_message;

typedef struct {
    char name[256];
    char mime[128];
    int64_t size;
} bk_attachment;

typedef struct {
    char person[HUSH_SESSION_ID_CHARS + 1];
    uint8_t secret[32];
    int64_t paired_at;
} bk_protected;

/* Where decoded records go. Each callback returns HUSH_OK or a status that
 * stops the decoder (and is what it then returns). Called in stream order:
 * identity first, attachments after their message, data after its
 * attachment; `end` after everything has been checked, just before the
 * decoder reports success. */
typedef struct {
    void *ctx;
    int (*identity)(void *ctx, const bk_identity *r);
    int (*conversation)(void *ctx, const bk_conversation *r);
    int (*message)(void *ctx, const bk_message *r);
    int (*attachment)(void *ctx, const bk_attachment *r);
    int (*attachment_data)(void *ctx, const uint8_t *data, size_t len);
    int (*protected_person)(void *ctx, const bk_protected *r);
} bk_sink;

/* ---- decoding: bytes in, in pieces of any size ---- */
typedef struct bk_decoder bk_decoder;

/* Checks a header (at least BK_HEADER_BYTES) against key: HUSH_OK,
 * HUSH_ERR_BACKUP_FORMAT, _VERSION or _KEY. */
int bk_header_check(const uint8_t *header, size_t len, const uint8_t key[32]);

int bk_decoder_new(bk_decoder **d, const uint8_t key[32], const bk_sink *sink);
/* Feeds the next len bytes. An error is sticky: every later call returns it. */
int bk_decoder_write(bk_decoder *d, const uint8_t *data, size_t len);
/* The stream ended: HUSH_OK only if the FINAL chunk and the END record
 * came and nothing followed. */
int bk_decoder_finish(bk_decoder *d);
/* Bytes taken so far. */
uint64_t bk_decoder_position(const bk_decoder *d);
void bk_decoder_free(bk_decoder *d);

/* ---- encoding: records in, sealed pieces out ---- */
typedef struct bk_encoder bk_encoder;

int bk_encoder_new(bk_encoder **e, const uint8_t key[32]);
void bk_encoder_free(bk_encoder *e);
/* Appends a record (the encoder checks nothing; the store holds valid rows). */
int bk_put_identity(bk_encoder *e, const bk_identity *r);
int bk_put_conversation(bk_encoder *e, const bk_conversation *r);
int bk_put_message(bk_encoder *e, const bk_message *r);
int bk_put_attachment(bk_encoder *e, const bk_attachment *r);
int bk_put_attachment_data(bk_encoder *e, const uint8_t *data, size_t len);
int bk_put_protected(bk_encoder *e, const bk_protected *r);
/* Appends bytes that need not be a record (tests and fuzzing only). */
int bk_put_raw(bk_encoder *e, const uint8_t *data, size_t len);
/* Bytes of records waiting to be sealed; a chunk is ready from
 * BK_PAYLOAD_MAX on. */
size_t bk_encoder_pending(const bk_encoder *e);
/* Seals the next chunk (the first with the header in front) of up to
 * BK_PAYLOAD_MAX pending bytes. final: appends the END record first and
 * seals everything left, tagged FINAL in the last chunk; call it until
 * *done. *out stays valid until the next call. */
int bk_encoder_seal(bk_encoder *e, int final, const uint8_t **out, size_t *out_len, int *done);

#endif
