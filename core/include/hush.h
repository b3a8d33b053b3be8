/* Hush: the one public C API of the core.
 *
 * OVERVIEW
 * The core holds everything that touches key material: key derivation, the
 * duress comparison, the encrypted store, message expiry and backups. It is
 * portable C11 over libsodium and SQLite and knows nothing of browsers; the
 * same code builds natively (tests, fuzzers, the `hush` CLI) and to
 * WebAssembly (wasm/), where a JS host calls the functions listed in
 * wasm/exports.txt.
 *
 * CONVENTIONS
 * Every function returns HUSH_OK (0) or a negative hush_status; none aborts
 * on bad input. Sizes live in the prototypes. Constants reach JS through
 * hush_constants_json(), never as a second hand-kept list.
 */
#ifndef HUSH_H
#define HUSH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HUSH_VERSION_STRING "0.1.0"

/* The one error-code list: name, value, message. Expanded into the enum,
 * hush_strerror() and the JSON blob for JS. Values never change once
 * released: JS and saved test vectors depend on them. */
#define HUSH_STATUS_LIST(X)                                                   \
    X(OK,             0, "ok")                                                \
    X(ERR_INTERNAL,  -1, "internal error")                                    \
    X(ERR_ARGUMENT,  -2, "invalid argument")                                  \
    X(ERR_NOMEM,     -3, "out of memory")                                     \
    X(ERR_CRYPTO,    -4, "the crypto library failed to initialise")           \
    X(ERR_SELFTEST,  -5, "self-test failed: this build computes wrong results") \
    X(ERR_IO,        -6, "could not read or write a vault file")              \
    X(ERR_STATE,     -7, "the vault is not in a state that allows this")      \
    X(ERR_LOCKFILE_FORMAT,  -10, "the lock file is damaged or is not a Hush lock file") \
    X(ERR_LOCKFILE_VERSION, -11, "the lock file has a version this build cannot read") \
    X(ERR_CODE_PIN,         -12, "a PIN must be 4 to 64 digits")              \
    X(ERR_CODE_PATTERN,     -13, "a pattern must join 4 to 9 distinct nodes of the 3x3 grid") \
    X(ERR_CODE_PASSPHRASE,  -14, "a passphrase must be 1 to 1024 bytes of valid UTF-8") \
    X(ERR_CODE_KIND,        -15, "unknown kind of code")                      \
    X(ERR_DURESS_SAME,      -16, "the duress code must differ from the unlock code") \
    X(ERR_BACKOFF,          -17, "too many wrong codes: wait before trying again") \
    X(ERR_KDF_COST,         -18, "key derivation cost out of range")          \
    X(ERR_ATTEMPT_LIMIT,    -19, "the attempt limit must be between 1 and 100") \
    X(ERR_PHRASE_WORD,      -20, "the recovery phrase has a word that is not in the word list") \
    X(ERR_PHRASE_LENGTH,    -21, "a recovery phrase has 13 words")            \
    X(ERR_PHRASE_CHECKSUM,  -22, "the recovery phrase's checksum word does not match") \
    X(ERR_PHRASE_RANGE,     -23, "the recovery phrase has a group of words that encodes no valid number") \
    X(ERR_STORE,            -30, "the encrypted store failed")                \
    X(ERR_STORE_DAMAGED,    -31, "the encrypted store is damaged or was tampered with, or the key is wrong") \
    X(ERR_NOT_FOUND,        -32, "no such identity, conversation or message") \
    X(ERR_MESSAGE,          -33, "a message needs a conversation, a sender, a body of at most 64 KiB and a sent time") \
    X(ERR_NAME,             -34, "a name must be 1 to 64 characters")        \
    X(ERR_DISAPPEARING,     -35, "disappearing messages need a mode (off, after-send, after-read) and 1 s to 4 weeks") \
    X(ERR_IDENTITY_EXISTS,  -36, "this identity is already in the vault")   \
    X(ERR_SESSION_ID,       -37, "a Session ID is 05 followed by 64 hex digits") \
    X(ERR_TRUST_FULL,       -40, "every trustee slot of this vault is in use: revoke a trusted friend first") \
    X(ERR_TRUST_MESSAGE,    -41, "not a pairing message this build can read") \
    X(ERR_TRUST_SIGNATURE,  -42, "the pairing message's signature does not verify") \
    X(ERR_TRUST_PEER,       -43, "the pairing message is from or for another Session ID than expected") \
    X(ERR_TRUST_NO_OFFER,   -44, "no pending offer of this vault matches this reply") \
    X(ERR_BACKUP_FORMAT,    -50, "not a Hush backup, or its header is damaged") \
    X(ERR_BACKUP_VERSION,   -51, "the backup has a version this build cannot read") \
    X(ERR_BACKUP_KEY,       -52, "this backup was not made with this recovery phrase") \
    X(ERR_BACKUP_DAMAGED,   -53, "the backup is damaged: a chunk is altered, missing or out of order") \
    X(ERR_BACKUP_TRUNCATED, -54, "the backup ends before its last chunk: it is truncated") \
    X(ERR_BACKUP_TRAILING,  -55, "the backup has data after its last chunk") \
    X(ERR_BACKUP_CONTENT,   -56, "the backup decrypts but its contents are not a valid Hush store") \
    X(ERR_CANCELLED,        -57, "cancelled") \
    X(ERR_BUSY,             -58, "a backup is being restored: wait until it ends or cancel it") \
    X(ERR_FACTOR_NEEDED,    -60, "this vault needs its security key") \
    X(ERR_INCOMING_SEAL,    -70, "an incoming message does not open for this identity") \
    X(ERR_INCOMING_SIGNATURE, -71, "an incoming message's signature does not verify") \
    X(ERR_INCOMING_PADDING, -72, "an incoming message is not padded as Session pads") \
    X(ERR_INCOMING_ENVELOPE, -73, "an incoming message's envelope is malformed") \
    X(ERR_INCOMING_VERSION, -74, "an incoming message has an envelope version this build cannot read")

typedef enum {
#define HUSH_ENUM_ITEM(name, value, message) HUSH_##name = value,
    HUSH_STATUS_LIST(HUSH_ENUM_ITEM)
#undef HUSH_ENUM_ITEM
} hush_status;

/* ---- Vault: the lock file, codes, duress, wipe ------------------------
 * One fixed-size lock file per vault (format: core/LOCKFILE.md) holds the
 * data key (DEK) wrapped under an Argon2id key of the unlock code, and,
 * indistinguishably, an optional duress marker under the duress code's key.
 * Time comes from the caller (milliseconds since the epoch) so tests can
 * drive it; the vault keeps a high-water mark so it never goes backwards. */

#define HUSH_CODE_KINDS(X) X(PIN, 1) X(PATTERN, 2) X(PASSPHRASE, 3)
#define HUSH_VAULT_STATES(X) X(NEW, 0) X(LOCKED, 1) X(UNLOCKED, 2)
/* Outcomes of hush_vault_unlock. DURESS leaves a new, empty vault unlocked
 * under the duress code; WIPED means the attempt limit destroyed the keys. */
#define HUSH_UNLOCK_OUTCOMES(X) X(WRONG, 0) X(OK, 1) X(DURESS, 2) X(WIPED, 3)

enum {
#define HUSH_KIND_ITEM(name, value) HUSH_CODE_##name = value,
    HUSH_CODE_KINDS(HUSH_KIND_ITEM)
#undef HUSH_KIND_ITEM
#define HUSH_STATE_ITEM(name, value) HUSH_VAULT_##name = value,
    HUSH_VAULT_STATES(HUSH_STATE_ITEM)
#undef HUSH_STATE_ITEM
#define HUSH_OUTCOME_ITEM(name, value) HUSH_UNLOCK_##name = value,
    HUSH_UNLOCK_OUTCOMES(HUSH_OUTCOME_ITEM)
#undef HUSH_OUTCOME_ITEM
};

#define HUSH_LOCKFILE_BYTES 1736             /* the lock file's size (v3), whatever it holds */
#define HUSH_KDF_OPSLIMIT_MIN 1u
#define HUSH_KDF_OPSLIMIT_MAX 64u
#define HUSH_KDF_MEMLIMIT_KIB_MIN 8u          /* tests only; create() wants >= 64 MiB unless told */
#define HUSH_KDF_MEMLIMIT_KIB_MAX (1024u * 1024u)
#define HUSH_KDF_MEMLIMIT_KIB_DEFAULT (64u * 1024u)
#define HUSH_ATTEMPT_LIMIT_DEFAULT 10
#define HUSH_ATTEMPT_LIMIT_MIN 1
#define HUSH_ATTEMPT_LIMIT_MAX 100
#define HUSH_BACKOFF_AFTER 5u                 /* failures before the first delay */

typedef struct hush_vault hush_vault;

/* A vault is a folder holding exactly these three files, whatever it
 * stores: the host pre-creates them (OPFS: a pool opened once), and the core
 * never creates or deletes another. An empty file is an absent one. Every
 * write overwrites in place and is flushed (fsync) before the call returns;
 * "erase" truncates to 0 after the secrets were overwritten and flushed. */
#define HUSH_FILE_LOCK "0"       /* the lock file (core/LOCKFILE.md) */
#define HUSH_FILE_PAGES "1"      /* the store's encrypted pages (core/src/store_vfs.c) */
#define HUSH_FILE_JOURNAL "2"    /* the store's commit journal, random between commits */

/* More than this far behind the high-water mark, the caller's clock was
 * set back while the app was closed: the time that passed is unknown. */
#define HUSH_CLOCK_TOLERANCE_MS (2 * 60 * 1000)

/* Opens the vault in dir (HUSH_FILE_*). A missing or empty lock file gives
 * state NEW; a damaged one an error, and nothing is changed on disk. */
int hush_vault_open(hush_vault **vault, const char *dir);
/* Zeroes every key and frees the handle. */
void hush_vault_close(hush_vault *vault);

int hush_vault_state(const hush_vault *vault);
int hush_vault_kind(const hush_vault *vault);       /* 0 when NEW */
int hush_vault_attempts_left(const hush_vault *vault);
int hush_vault_attempt_limit(const hush_vault *vault);

/* Argon2id cost that takes about target_ms here with 64 MiB (>= 2 passes). */
int hush_kdf_calibrate(uint32_t target_ms, uint32_t *opslimit, uint32_t *memlimit_kib);

/* NEW -> UNLOCKED: a new data key, wrapped under the code. */
int hush_vault_create(hush_vault *vault, int kind, const uint8_t *code, size_t code_len,
                      uint32_t opslimit, uint32_t memlimit_kib, uint64_t now_ms);

/* Step 1 of an unlock: refuses with HUSH_ERR_BACKOFF (and *retry_in_ms)
 * while a delay runs; otherwise counts the attempt as failed and writes the
 * lock file (flushed) BEFORE step 2, so killing the app mid-attempt never
 * saves an attempt. If the count on disk had already reached the limit
 * (attempts killed between counting and checking), it wipes instead
 * (as hush_vault_destroy_keys) and returns HUSH_UNLOCK_WIPED (> 0). */
int hush_vault_begin_attempt(hush_vault *vault, uint64_t now_ms, uint64_t *retry_in_ms);
/* Step 2: one Argon2id, every slot tried. Returns a HUSH_UNLOCK_* outcome
 * (>= 0) or an error. WRONG and WIPED, DURESS and OK cost the same here.
 * DURESS: the old data key is destroyed and a new empty vault installed in
 * one flushed write, then the store files are erased; the re-key of the new
 * vault under a fresh salt happens at hush_vault_lock (or, if the app died
 * first, the next OK unlock with that code arms it again and it runs at
 * that session's lock: no unlock ever runs a second Argon2id). WIPED: as
 * hush_vault_destroy_keys. */
int hush_vault_unlock(hush_vault *vault, const uint8_t *code, size_t code_len, uint64_t now_ms);
/* Milliseconds until the next attempt may be checked (0: now). */
uint64_t hush_vault_retry_in_ms(const hush_vault *vault, uint64_t now_ms);

/* UNLOCKED -> LOCKED: zeroes the data key (and first finishes a pending
 * re-key after a duress unlock: one Argon2id). */
int hush_vault_lock(hush_vault *vault);
/* Re-wraps the data key under a new code. Like every write while unlocked
 * (create, unlock, set_code, set_duress, set_attempt_limit, the store's
 * commits, lock), it re-seals every used slot under a fresh nonce at a fresh
 * random index and re-randomises every unused slot, the meta record and the
 * trustee region. SALT SCHEDULE: the salt is renewed only when a data key
 * is born (create, and the deferred re-key after a duress unlock), never by
 * set_code, set_duress or set_attempt_limit, so it never depends on whether
 * a duress code exists (if a duress re-key is pending, the new code
 * completes it under a fresh salt). A change of kind also clears the duress
 * code. */
int hush_vault_set_code(hush_vault *vault, int kind, const uint8_t *code, size_t code_len);
/* Sets (code != NULL) or clears (code == NULL) the duress code. With a
 * duress re-key pending, that re-key runs first (one more Argon2id). */
int hush_vault_set_duress(hush_vault *vault, const uint8_t *code, size_t code_len);
int hush_vault_set_attempt_limit(hush_vault *vault, uint32_t limit);

/* The wipe, in this order: overwrites every slot, the meta record and the
 * trustee region with random bytes and flushes that (from there the data
 * key is unrecoverable), zeroes every key, then erases the three files
 * (truncated to 0). State becomes NEW. */
int hush_vault_destroy_keys(hush_vault *vault);

/* Binding to an authenticator (WebAuthn PRF; LOCKFILE.md, "Bound
 * vaults"). A bound vault's slots are sealed under BLAKE2b(key: the
 * authenticator's 32-byte PRF output for the vault's PRF salt,
 * "hush-bound-v1" | Argon2id of the code), so an image without the
 * authenticator gives nothing to guess a code against. The duress code is
 * bound the same way and works unchanged. */
int hush_vault_bound(const hush_vault *vault);                 /* 1 or 0 */
/* The salt to ask the authenticator's PRF for (bound vaults). */
int hush_vault_prf_salt(const hush_vault *vault, uint8_t salt[32]);
/* The PRF output for the next attempt; zeroed when the attempt is checked.
 * A bound vault's begin_attempt without it: HUSH_ERR_FACTOR_NEEDED, and
 * nothing is counted. */
int hush_vault_set_factor(hush_vault *vault, const uint8_t factor[32]);
/* UNLOCKED: bind to (or re-bind to another) authenticator, whose PRF
 * answered factor for prf_salt; unbind. Both re-seal every slot. */
int hush_vault_bind(hush_vault *vault, const uint8_t prf_salt[32], const uint8_t factor[32]);
/* UNLOCKED and bound: a second authenticator (its PRF output for the same
 * PRF salt) opens the vault too, the duress code included; a spare for a
 * lost key. A new hush_vault_bind replaces both. */
int hush_vault_bind_second(hush_vault *vault, const uint8_t factor[32]);
int hush_vault_unbind(hush_vault *vault);

/* ---- Identities: Session-compatible recovery phrase and keys ----------
 * An identity is only a key pair from a 16-byte seed. Phrase: 13 words from
 * the 1626-word list (12 + a checksum word), as Session and Monero encode
 * them; the ed25519 seed is the 16 bytes followed by 16 zero bytes; the
 * Session ID is "05" + hex(X25519 public key). */
#define HUSH_SEED_BYTES 16
#define HUSH_PHRASE_WORDS 13
#define HUSH_PHRASE_MAX 192          /* 13 words of at most 12 letters, spaces, NUL */
#define HUSH_SESSION_ID_CHARS 66     /* "05" + 64 hex digits (+ NUL in buffers) */
#define HUSH_MESSAGE_MAX 160         /* detailed error messages, with NUL */

/* Writes the 13 words, lower case, separated by single spaces. */
int hush_phrase_encode(char phrase[HUSH_PHRASE_MAX], const uint8_t seed[HUSH_SEED_BYTES]);
/* Accepts a phrase in any case with any whitespace between words, or a
 * 32-digit hex seed (Session's QR codes). On error returns
 * HUSH_ERR_PHRASE_* and, if message is not NULL, writes a message that names
 * the problem, e.g. "unknown word \"zzz\" at position 3"; seed is then
 * untouched. */
int hush_phrase_decode(uint8_t seed[HUSH_SEED_BYTES], const char *phrase, char message[HUSH_MESSAGE_MAX]);
/* Keys of the identity with this seed; any output may be NULL. */
int hush_identity_keys(const uint8_t seed[HUSH_SEED_BYTES], uint8_t ed25519_pk[32], uint8_t ed25519_sk[64],
                       uint8_t x25519_pk[32], uint8_t x25519_sk[32]);
/* "05" + hex X25519 public key, NUL-terminated. */
int hush_session_id(char id[HUSH_SESSION_ID_CHARS + 1], const uint8_t seed[HUSH_SEED_BYTES]);

/* ---- The store: identities, conversations, messages, attachments ------
 * Needs an UNLOCKED vault; locking or wiping it closes the store and zeroes
 * its keys. One SQLite database per vault holds every identity, encrypted
 * page by page and overwritten in place (core/src/store_vfs.c), so nothing
 * on disk says how many identities exist; with secure_delete, a deleted
 * message or attachment leaves no older page version behind.
 * Times are ms since the epoch and never go backwards (a persisted
 * high-water mark). Lists come back as JSON text allocated by the core;
 * free them with hush_free(). */

#define HUSH_DISAPPEARING_MODES(X) X(OFF, 0) X(AFTER_SEND, 1) X(AFTER_READ, 2)
enum {
#define HUSH_DM_ITEM(name, value) HUSH_DISAPPEAR_##name = value,
    HUSH_DISAPPEARING_MODES(HUSH_DM_ITEM)
#undef HUSH_DM_ITEM
};
#define HUSH_DISAPPEAR_MIN_SECONDS 1
#define HUSH_DISAPPEAR_MAX_SECONDS 2419200        /* 4 weeks */
#define HUSH_UNREAD_LIMIT_SECONDS 1209600         /* 14 days: unread messages still go */
#define HUSH_BODY_MAX 65536
#define HUSH_ATTACHMENT_MAX (64 * 1024 * 1024)

void hush_free(void *p);

/* A new identity from seed (16 bytes), or from a random seed if NULL.
 * HUSH_ERR_IDENTITY_EXISTS if the vault already holds that seed. */
int hush_identity_create(hush_vault *vault, const char *name, const uint8_t *seed, int64_t *id);
/* [{"id":1,"name":"...","sessionId":"05...","createdAt":...}, ...] */
int hush_identity_list(hush_vault *vault, char **json);
int hush_identity_phrase(hush_vault *vault, int64_t id, char phrase[HUSH_PHRASE_MAX]);
/* Destroys the identity's keys (persisted by the host), then its files. */
int hush_identity_remove(hush_vault *vault, int64_t id);

/* Adds a message. mode < 0: the conversation's disappearing setting. */
int hush_message_add(hush_vault *vault, int64_t identity, const char *conversation, const char *sender,
                     const uint8_t *body, size_t body_len, int64_t sent_at, int outgoing,
                     int mode, int64_t seconds, int64_t now_ms, int64_t *id);
/* Newest first, at most limit (1..500), ids below before_id (0: from the
 * newest). Expired messages are never returned. */
int hush_messages(hush_vault *vault, int64_t identity, const char *conversation, int64_t before_id,
                  int limit, int64_t now_ms, char **json);
/* ids_json: a JSON array of message ids. Starts after-read timers. */
int hush_messages_mark_read(hush_vault *vault, int64_t identity, const char *ids_json, int64_t now_ms);
/* Delivery state of an outgoing message (its peerState in hush_messages;
 * a received message has none). PENDING: stored here, the relay has not
 * accepted it yet; SENT: the relay accepted it; DELIVERED, READ: the
 * peer's delivery and read receipts. */
#define HUSH_PEER_STATES(X) X(PENDING, 0) X(SENT, 1) X(DELIVERED, 2) X(READ, 3)
enum {
#define HUSH_PS_ITEM(name, value) HUSH_PEER_##name = value,
    HUSH_PEER_STATES(HUSH_PS_ITEM)
#undef HUSH_PS_ITEM
};
#define HUSH_PEER_STATE_BATCH 100  /* sent times per call */
/* Raises to state (SENT..READ) the outgoing messages of the conversation
 * whose sent time is one of sent_times (1..HUSH_PEER_STATE_BATCH of them;
 * receipts name messages by sent time). A state never goes down, and an
 * expired message is never touched. Returns how many messages changed
 * (>= 0), or HUSH_ERR_ARGUMENT (bad count or state: nothing changed). */
int hush_messages_mark_peer_state(hush_vault *vault, int64_t identity, const char *conversation,
                                  const int64_t *sent_times, size_t count, int state, int64_t now_ms);
int hush_conversations(hush_vault *vault, int64_t identity, int64_t now_ms, char **json);
/* Starts a conversation with no messages (nothing if it exists). */
int hush_conversation_add(hush_vault *vault, int64_t identity, const char *conversation);
int hush_disappearing_set(hush_vault *vault, int64_t identity, const char *conversation, int mode,
                          int64_t seconds, int64_t now_ms);
/* {"mode":0|1|2,"seconds":n} */
int hush_disappearing_get(hush_vault *vault, int64_t identity, const char *conversation, char **json);
/* Deletes up to `batch` expired messages (and attachments) of every
 * identity; *next_due_ms: the next expiry (0: none), or now_ms if more
 * expired messages remain. Returns the number deleted. */
int hush_sweep(hush_vault *vault, int64_t now_ms, int batch, int64_t *next_due_ms);
/* PRAGMA integrity_check of the vault database and of the identity's:
 * HUSH_OK or HUSH_ERR_STORE_DAMAGED. */
int hush_store_check(hush_vault *vault, int64_t identity);
/* The next expiry after now_ms over every identity (0: none); reads only. */
int hush_next_due(hush_vault *vault, int64_t now_ms, int64_t *next_due_ms);

int hush_attachment_add(hush_vault *vault, int64_t identity, int64_t message, const char *name,
                        const char *mime, const uint8_t *data, size_t len, int64_t *id);
/* The attachment's bytes (allocated; free with hush_free) and length. */
int hush_attachment_get(hush_vault *vault, int64_t identity, int64_t id, uint8_t **data, size_t *len);

/* ---- Remote deletion by trusted friends (core/TRUST.md) ---------------
 * The person (P) makes a friend (F) a trustee: P offers, F accepts (and
 * keeps the wipe secret in its store), P completes; both show the same
 * confirmation code to compare in person. Each of the lock file's trustee
 * slots holds a wipe mailbox seed and a one-way verifier of a secret made
 * with the vault's data key, so pairing and unlocked writes never change
 * the trustee region (nothing on disk, in any version of it, tells whether
 * a slot is in use); the device gives the secret away in the offer and
 * keeps no copy. Wipe and drill messages are HUSH_WIPE_MESSAGE_BYTES
 * long, look like a sealed Session message, and are checked while locked
 * against every slot in constant time. */
#define HUSH_TRUSTEE_SLOTS 8
#define HUSH_WIPE_MESSAGE_BYTES 304   /* crypto_box_seal of one 160-byte padded Session message */
#define HUSH_CONFIRM_CODE_CHARS 7     /* "123 456" */
#define HUSH_TRUST_OFFER_BYTES 234
#define HUSH_TRUST_REPLY_BYTES 162
/* What hush_trust_receive found (> 0 is a match, by one slot). */
#define HUSH_TRUST_OUTCOMES(X) X(NONE, 0) X(WIPED, 1) X(DRILL, 2)
enum {
#define HUSH_TRUST_ITEM(name, value) HUSH_TRUST_##name = value,
    HUSH_TRUST_OUTCOMES(HUSH_TRUST_ITEM)
#undef HUSH_TRUST_ITEM
};

/* P: an offer to make friend_session_id a trusted friend of this vault,
 * signed by identity; it takes a free trustee slot (pending until the reply
 * comes). *offer: HUSH_TRUST_OFFER_BYTES, allocated (hush_free). */
int hush_trust_offer(hush_vault *vault, int64_t identity, const char *friend_session_id, int64_t now_ms,
                     uint8_t **offer, size_t *offer_len, int64_t *trustee_id);
/* F: accepts an offer addressed to identity; keeps the wipe secret in the
 * store. *reply: HUSH_TRUST_REPLY_BYTES, allocated (hush_free). */
int hush_trust_accept(hush_vault *vault, int64_t identity, const uint8_t *offer, size_t offer_len,
                      int64_t now_ms, uint8_t **reply, size_t *reply_len,
                      char code[HUSH_CONFIRM_CODE_CHARS + 1], int64_t *pairing_id);
/* P: completes the pending offer the reply answers. */
int hush_trust_complete(hush_vault *vault, const uint8_t *reply, size_t reply_len, int64_t now_ms,
                        char code[HUSH_CONFIRM_CODE_CHARS + 1], int64_t *trustee_id);
/* P: [{"id":1,"identity":1,"friend":"05...","state":"pending"|"paired","offeredAt":..,
 * "pairedAt":..|null,"drillAt":..|null}, ...] */
int hush_trustees(hush_vault *vault, char **json);
/* P: the slot gets a fresh secret, so the friend's messages match nothing. */
int hush_trust_revoke(hush_vault *vault, int64_t trustee_id);
/* F: [{"id":1,"identity":1,"person":"05...","pairedAt":..}, ...] */
int hush_trust_protected(hush_vault *vault, char **json);
/* F: a wipe (drill = 0) or drill (drill = 1) message for the pairing, and
 * the wipe mailbox (a Session ID) to send it to. */
int hush_trust_make(hush_vault *vault, int64_t pairing_id, int drill,
                    uint8_t message[HUSH_WIPE_MESSAGE_BYTES], char mailbox[HUSH_SESSION_ID_CHARS + 1]);
/* The wipe mailbox of every trustee slot, used or not, locked or not:
 * HUSH_TRUSTEE_SLOTS Session IDs of HUSH_SESSION_ID_CHARS each, no separators. */
int hush_trust_mailboxes(hush_vault *vault, char mailboxes[HUSH_TRUSTEE_SLOTS * HUSH_SESSION_ID_CHARS + 1]);
/* Any incoming message, locked or not. A wipe that matches a slot wipes
 * the vault (hush_vault_destroy_keys) and returns HUSH_TRUST_WIPED; a
 * matching drill returns HUSH_TRUST_DRILL with *slot (recorded in the
 * store if unlocked; while locked nothing is written: the host keeps the
 * slot and time and passes them to hush_trust_drill_seen after unlock).
 * Anything else: HUSH_TRUST_NONE, nothing changed. */
int hush_trust_receive(hush_vault *vault, const uint8_t *message, size_t len, int64_t now_ms, int *slot);
int hush_trust_drill_seen(hush_vault *vault, int slot, int64_t at_ms);

/* ---- Backups of one identity (core/BACKUP.md) ---------------------------
 * A stream under a key derived from the identity's seed alone, so the
 * 13-word phrase restores it on a wiped device. It holds the identity,
 * its conversations and their timers, its messages WITHOUT a timer and
 * their attachments, and the persons it protects (trust, friend side); it
 * never holds a timed message nor this device's trustee slots. Export and
 * import stream chunk by chunk in bounded memory. An import commits
 * nothing unless the whole stream checks out; meanwhile every other store
 * call gets HUSH_ERR_BUSY. Restoring an identity the vault already holds
 * is refused (HUSH_ERR_IDENTITY_EXISTS). */
#define HUSH_BACKUP_HEADER_BYTES 64
#define HUSH_BACKUP_CHUNK_BYTES 65553      /* every sealed chunk; a backup is 64 + n * this */

typedef struct hush_backup_export hush_backup_export;
typedef struct hush_backup_import hush_backup_import;

/* UNLOCKED. *estimate: the backup's size, to within a chunk (may be NULL). */
int hush_backup_export_begin(hush_vault *vault, int64_t identity, int64_t now_ms, hush_backup_export **out,
                             int64_t *estimate);
/* The next piece: the header with the first chunk, then one chunk per
 * call; *len == 0 once the last was given. *data stays valid until the
 * next call. HUSH_ERR_STATE if the vault locked meanwhile. */
int hush_backup_export_next(hush_backup_export *x, const uint8_t **data, size_t *len);
void hush_backup_export_end(hush_backup_export *x);

/* UNLOCKED. phrase: the identity's 13 words (or 32-digit hex seed). */
int hush_backup_import_begin(hush_vault *vault, const char *phrase, int64_t now_ms, hush_backup_import **out);
/* The next bytes of the stream, in pieces of any size. The first error is
 * sticky: FORMAT, VERSION, KEY (another phrase's backup), DAMAGED (a chunk
 * altered, reordered or missing), TRAILING, CONTENT. */
int hush_backup_import_write(hush_backup_import *im, const uint8_t *data, size_t len);
/* The stream ended: checks it is whole (else HUSH_ERR_BACKUP_TRUNCATED),
 * commits, gives the restored identity's id. Frees im, whatever happens. */
int hush_backup_import_finish(hush_backup_import *im, int64_t *identity);
/* Rolls back and frees: nothing of the import remains. */
void hush_backup_import_abort(hush_backup_import *im);
/* Is this (at least HUSH_BACKUP_HEADER_BYTES of a file) a backup made with
 * phrase? HUSH_OK, or HUSH_ERR_BACKUP_FORMAT, _VERSION, _KEY. Finds one's
 * own backups among a folder's random names. */
int hush_backup_check(const char *phrase, const uint8_t *header, size_t len);

/* ---- Messages: Session's one-to-one encryption (core/MESSAGES.md) --------
 * Sealed exactly as libsession-util's encrypt_for_recipient: the padded
 * envelope, the sender's Ed25519 key and a signature over them and the
 * recipient's X25519 key, in a crypto_box_seal to the recipient. Inside,
 * Hush's envelope (version 1): type, sent time, disappearing mode and
 * duration, body. Needs an UNLOCKED vault (the identity's keys). */
#define HUSH_MESSAGE_TYPES(X) \
    X(TEXT, 1, "text") X(TIMER, 2, "timer") X(READ, 3, "read") X(DELIVERED, 4, "delivered") \
    X(PAIRING, 5, "pairing") X(TRIGGER, 6, "trigger") X(DRILL, 7, "drill")
enum {
#define HUSH_MSG_ITEM(name, value, text) HUSH_MSG_##name = value,
    HUSH_MESSAGE_TYPES(HUSH_MSG_ITEM)
#undef HUSH_MSG_ITEM
};
#define HUSH_SEALED_MAX 76800   /* the relay's (Session's) largest message */

/* Body by type: text (UTF-8, <= HUSH_BODY_MAX), timer (empty: the new
 * setting is in mode and seconds), read and delivered (1..100 sent times
 * of the messages meant, i64 each), pairing (a trust offer or reply),
 * trigger and drill (a HUSH_WIPE_MESSAGE_BYTES message). HUSH_ERR_MESSAGE
 * for anything else. *out allocated (hush_free). */
int hush_message_seal(hush_vault *vault, int64_t identity, const char *recipient_session_id, int type,
                      int64_t sent_at, int mode, int64_t seconds, const uint8_t *body, size_t body_len,
                      uint8_t **out, size_t *out_len);
/* Opens a message to identity. *json: {"sender":"05..","type":"text",
 * "sentAt":..,"disappearing":{"mode":0,"seconds":0}}; *body its bytes
 * (both allocated, hush_free). A message that fails gets its reason:
 * HUSH_ERR_INCOMING_SEAL, _SIGNATURE, _PADDING, _ENVELOPE, _VERSION. */
int hush_message_open(hush_vault *vault, int64_t identity, const uint8_t *in, size_t len, char **json,
                      uint8_t **body, size_t *body_len);

/* A storage-server request signature, as Session clients make them:
 * Ed25519 by the identity over method || rest, method one of "retrieve",
 * "delete", "delete_all", "expire" and rest printable ASCII (the
 * namespace and timestamp, or the hashes), at most 8 KiB. Also gives the
 * identity's Ed25519 public key (the request's pubkey_ed25519). */
int hush_relay_sign(hush_vault *vault, int64_t identity, const char *method, const char *rest,
                    uint8_t signature[64], uint8_t ed25519_pk[32]);

/* ---- The vault's own settings ---------------------------------------------
 * Text by key (1..64 bytes), in the encrypted store; this device's, never in
 * a backup (e.g. a backup target's address and app password). */
#define HUSH_SETTING_MAX 4096
/* value NULL deletes the key. */
int hush_setting_set(hush_vault *vault, const char *key, const char *value);
/* *value allocated (hush_free); HUSH_ERR_NOT_FOUND if unset. */
int hush_setting_get(hush_vault *vault, const char *key, char **value);

/* Version of the core, e.g. "0.1.0". */
const char *hush_version(void);

/* Initialises libsodium; idempotent. Every other entry point calls it. */
int hush_init(void);

/* Known-answer checks of the primitives this build links (ChaCha20 over
 * 256 bytes and more, XChaCha20-Poly1305, BLAKE2b) and of SQLite.
 * Returns HUSH_OK or HUSH_ERR_SELFTEST. A miscompiled SIMD flavour fails
 * here at load time rather than writing data nobody can read elsewhere. */
int hush_selftest(void);

/* Message for a hush_status; never NULL. */
const char *hush_strerror(int status);

/* {"version":..., "sodium":..., "sqlite":..., "status":{"OK":0,...}, "messages":{...}}
 * A static string; the JS host parses it once. */
const char *hush_constants_json(void);

#ifdef __cplusplus
}
#endif
#endif
