/* Stack scrubbing (internal). libsodium leaves some intermediate values in
 * its stack frames (blake2b_final's output buffer, for one: the Argon2id
 * result, our lock key). In wasm the shadow stack is ordinary linear memory
 * that outlives the call, so after each secret computation the core zeroes
 * the stack area below the caller's frame. tests/js/vault.test.mjs scans
 * wasm memory for the keys to prove it. */
#ifndef HUSH_SCRUB_H
#define HUSH_SCRUB_H

void hush_scrub_stack(void);

#endif
