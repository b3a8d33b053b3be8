// The relay's cryptography: checking who may read a mailbox, and naming
// messages the way Session's storage servers name them. The relay never
// decrypts anything; it only verifies signatures and hashes ciphertext.
//
// Ed25519 verification uses node:crypto. libsodium.js is needed for two
// things node:crypto cannot do:
//  - BLAKE2b with a 32-byte output. Session's message hash is
//    crypto_generichash with outlen 32, and BLAKE2b puts the output length
//    in its parameter block, so node's blake2b512 truncated to 32 bytes is a
//    different function (the test suite checks this).
//  - crypto_sign_ed25519_pk_to_curve25519, to check that the Ed25519 key a
//    request is signed with is the one behind the mailbox's X25519 Session ID.
import { createPublicKey, verify } from 'node:crypto';
import sodiumModule from 'libsodium-wrappers-sumo';

let sodium = null;

// libsodium.js compiles its wasm asynchronously; startRelay awaits this once.
export async function cryptoReady() {
  if (!sodium) {
    await sodiumModule.ready;
    sodium = sodiumModule;
  }
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): node:crypto
// builds KeyObjects from DER, not from the raw 32 bytes.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// A client polls with the same key again and again, and building a
// KeyObject or converting a key costs more than the verification itself,
// so both are kept for the most recent keys (public values only; bounded,
// the oldest entry goes first).
const CACHE_SIZE = 4096;
function cached(map, key, make) {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    if (map.size >= CACHE_SIZE) map.delete(map.keys().next().value);
    map.set(key, value);
  }
  return value;
}
const keyObjects = new Map();
const x25519Keys = new Map();

export function verifyEd25519(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = cached(keyObjects, publicKey.toString('hex'), () =>
      createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }));
    return verify(null, message, key, signature);
  } catch {
    return false; // not a point on the curve
  }
}

// The X25519 public key for an Ed25519 public key, or null when the bytes
// are no valid Ed25519 key (libsodium refuses small-order and invalid points).
export function ed25519ToX25519(publicKey) {
  return cached(x25519Keys, publicKey.toString('hex'), () => {
    try {
      return Buffer.from(sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey));
    } catch {
      return null;
    }
  });
}

// A message's hash as oxen-storage-server computes it
// (oxen-io/oxen-storage-server, oxenss/rpc/request_handler.cpp,
// computeMessageHash and compute_hash_blake2b_b64): unkeyed BLAKE2b with a
// 32-byte output over
//     network id byte (0x05 for Session IDs) ‖ the 32 raw pubkey bytes ‖
//     namespace as base-10 ASCII, empty for namespace 0 ‖ the decoded data,
// encoded as base64 with its '=' padding removed.
export function messageHash(pubkeyBytes33, namespace, data) {
  const ns = namespace === 0 ? '' : String(namespace);
  const input = Buffer.concat([pubkeyBytes33, Buffer.from(ns, 'ascii'), data]);
  const hash = sodium.crypto_generichash(32, input, null);
  return Buffer.from(hash).toString('base64').replace(/=+$/, '');
}
