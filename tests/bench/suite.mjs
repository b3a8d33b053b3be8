// The figures measured inside a JS engine, the same code in Node and in a
// Chromium page (tests/bench/bench.mjs runs both): our two libsodium
// flavours (build/wasm/bench-{plain,simd}.mjs) next to libsodium.js
// (libsodium-wrappers-sumo) and hash-wasm.
//
// Timing is done here, in JS, with performance.now() around each call, for
// every contender alike; a 4 KiB encryption is too short for a browser clock,
// so it is timed in batches. Each figure is a median after a warm-up, which
// also lets the engine tier hot wasm code up from its baseline compiler.
import sodium from 'libsodium-wrappers-sumo';
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { compileWasm } from '../../web/src/core.js';

// bench_common.h holds the same parameters for the C side.
const PASSWORD = 'correct horse battery staple';
const OPSLIMIT = 2;
const MEMLIMIT = 64 << 20;
const OUTLEN = 32;
const SEED = { salt: 1, key: 2, nonce: 3, msg: 4 };
export const AEAD = {
  aead4k: { len: 4096, batch: 256 },
  aead1m: { len: 1 << 20, batch: 1 },
};
export const RUNS = { argon2id: 7, aead4k: 30, aead1m: 30 };
// Warm-up: at least this many calls and this long, whichever takes longer.
const WARMUP = { calls: 2, ms: 250 };

// bench_fill() in bench_common.h.
function fill(len, seed) {
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = (seed * 37 + i * 13) & 0xff;
  return bytes;
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function hushContender(flavour) {
  const base = new URL(`../../build/wasm/bench-${flavour}`, import.meta.url);
  const [{ default: factory }, wasmModule] = await Promise.all([import(`${base}.mjs`), compileWasm(`${base}.wasm`)]);
  const m = await factory({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
      return {};
    },
  });
  if (m._bench_init() < 0) throw new Error(`bench-${flavour}: sodium_init failed`);
  return {
    name: `hush ${flavour}`,
    argon2id() {
      if (m._bench_argon2id() !== 0) throw new Error(`bench-${flavour}: crypto_pwhash failed`);
    },
    argon2idHex: () => m.UTF8ToString(m._bench_argon2id_hex()),
    aeadPrepare(len) {
      if (m._bench_aead_prepare(len) !== 0) throw new Error(`bench-${flavour}: out of memory`);
    },
    aead: (count) => m._bench_aead(count),
    aeadTagHex: () => m.UTF8ToString(m._bench_aead_tag_hex()),
  };
}

// libsodium.js's API copies every input into its heap and the output out of
// it; that is part of what using it costs, so it stays in the timed call.
async function libsodiumContender() {
  await sodium.ready;
  const salt = fill(sodium.crypto_pwhash_SALTBYTES, SEED.salt);
  const key = fill(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES, SEED.key);
  const nonce = fill(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, SEED.nonce);
  let hash, msg, ct;
  return {
    name: 'libsodium.js',
    version: sodium.SODIUM_VERSION_STRING,
    argon2id() {
      hash = sodium.crypto_pwhash(OUTLEN, PASSWORD, salt, OPSLIMIT, MEMLIMIT, sodium.crypto_pwhash_ALG_ARGON2ID13);
    },
    argon2idHex: () => hex(hash),
    aeadPrepare(len) {
      msg = fill(len, SEED.msg);
    },
    aead(count) {
      for (let i = 0; i < count; i++) ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(msg, null, null, nonce, key);
    },
    aeadTagHex: () => hex(ct.subarray(ct.length - 16)),
  };
}

// hash-wasm has Argon2id but no XChaCha20-Poly1305.
function hashWasmContender() {
  const salt = fill(16, SEED.salt);
  let hash;
  return {
    name: 'hash-wasm',
    async argon2id() {
      hash = await hashWasmArgon2id({
        password: PASSWORD, salt, parallelism: 1, iterations: OPSLIMIT, memorySize: MEMLIMIT >> 10,
        hashLength: OUTLEN, outputType: 'binary',
      });
    },
    argon2idHex: () => hex(hash),
  };
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

async function timeOnce(fn) {
  const t0 = performance.now();
  const result = fn();
  if (result instanceof Promise) await result;
  return performance.now() - t0;
}

// The median of `runs` calls after the warm-up, in ms. (A single cold call
// is not reported: it swings 1.3-4x with the engine's background tier-up.)
async function measure(runs, fn) {
  const started = performance.now();
  for (let calls = 0; calls < WARMUP.calls || performance.now() - started < WARMUP.ms; calls++) await timeOnce(fn);
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(fn));
  return median(times);
}

export const CONTENDERS = {
  'hush plain': () => hushContender('plain'),
  'hush simd': () => hushContender('simd'),
  'libsodium.js': libsodiumContender,
  'hash-wasm': hashWasmContender,
};

// Runs every figure for the named contenders, one contender at a time.
// Returns { [contender]: { argon2id_ms, aead4k_ms, aead1m_ms, argon2id_hex,
// aead1m_tag, version? } }; the AEAD times are per batch (AEAD[..].batch
// calls).
export async function runSuite({ names = Object.keys(CONTENDERS), runs = RUNS, log = () => {} } = {}) {
  const results = {};
  for (const name of names) {
    const c = await CONTENDERS[name]();
    const r = (results[c.name] = {});
    if (c.version) r.version = c.version;
    log(`${c.name}: Argon2id`);
    r.argon2id_ms = await measure(runs.argon2id, () => c.argon2id());
    r.argon2id_hex = c.argon2idHex();
    if (!c.aead) continue;
    for (const [figure, { len, batch }] of Object.entries(AEAD)) {
      log(`${c.name}: ${figure}`);
      c.aeadPrepare(len);
      r[`${figure}_ms`] = await measure(runs[figure], () => c.aead(batch));
    }
    r.aead1m_tag = c.aeadTagHex();
  }
  return results;
}
