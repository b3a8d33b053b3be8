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
    X(ERR_SELFTEST,  -5, "self-test failed: this build computes wrong results")

typedef enum {
#define HUSH_ENUM_ITEM(name, value, message) HUSH_##name = value,
    HUSH_STATUS_LIST(HUSH_ENUM_ITEM)
#undef HUSH_ENUM_ITEM
} hush_status;

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
