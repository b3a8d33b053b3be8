// The page side of the vault benchmarks (tests/bench/vault.mjs drives it):
// the facade (web/src/hush.js, its Worker and the shipped core) with the
// real interactive cost, and Argon2id alone in the same page as the anchor.
import { Hush } from '../../web/src/hush.js';

export const KDF = { opslimit: 2, memlimitKib: 65536 }; // libsodium's "interactive"
const CODES = { right: '2580', duress: '1397', wrong: '0000' };
const PEER = `05${'ab'.repeat(32)}`;

// Argon2id at the same cost, our SIMD libsodium (build/wasm/bench-simd, as
// tests/bench/suite.mjs loads it) on this page's thread: median of `runs`
// after one warm-up call, in ms.
export async function argon2idAlone(runs) {
  const base = new URL('../../build/wasm/bench-simd', import.meta.url);
  const [{ default: factory }, wasm] = await Promise.all([
    import(`${base}.mjs`), WebAssembly.compileStreaming(fetch(`${base}.wasm`))]);
  const m = await factory({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm));
      return {};
    },
  });
  if (m._bench_init() < 0) throw new Error('bench-simd: sodium_init failed');
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    if (m._bench_argon2id() !== 0) throw new Error('bench-simd: crypto_pwhash failed');
    if (i > 0) times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

async function newVault(name) {
  const hush = await Hush.open({ name, kdf: KDF, autoLockMs: 0 });
  await hush.create(CODES.right, { kind: 'pin' });
  return hush;
}

// One unlock on a fresh vault: unlock code and duress code set, one
// identity with one message (a vault in use), locked; then hush.unlock()
// with the `which` code, timed from the call to its promise resolving.
export async function unlockTrial({ name, which }) {
  const hush = await newVault(name);
  await hush.setDuressCode(CODES.duress);
  const { id } = await hush.createIdentity({ name: 'me' });
  await hush.addMessage(id, { conversation: PEER, sender: PEER, body: 'hello', sentAt: Date.now() });
  await hush.lock();
  const t0 = performance.now();
  const { ok } = await hush.unlock(CODES[which]);
  const ms = performance.now() - t0;
  const timings = hush.lastTimings;
  hush.close();
  if (ok !== (which !== 'wrong')) throw new Error(`unlock with the ${which} code: ok ${ok}`);
  return { ms, timings };
}

// A vault holding `bytes` of attachments (pieces of `piece` bytes, each a
// message's attachment, stored by the facade in 16 KiB encrypted chunk
// files), then hush.wipe(): the time until indexedDB.databases() lists
// nothing (polled every few ms while the wipe runs) and until wipe()
// resolves; the Worker's own timing of "keys destroyed and persisted".
export async function wipeTrial({ name, bytes, piece }) {
  const hush = await newVault(name);
  const { id } = await hush.createIdentity({ name: 'me' });
  const data = new Uint8Array(piece);
  for (let at = 0; at < piece; at += 65536) crypto.getRandomValues(data.subarray(at, Math.min(at + 65536, piece)));
  const t0 = performance.now();
  for (let k = 0; k * piece < bytes; k++) {
    const { id: message } = await hush.addMessage(id, { conversation: PEER, sender: PEER, body: `file ${k}`, sentAt: Date.now() });
    await hush.addAttachment(id, message, { name: `file-${k}.bin`, type: 'application/octet-stream', data });
  }
  const fillMs = performance.now() - t0;
  const { usage } = await navigator.storage.estimate();
  const databases = (await indexedDB.databases()).length;

  const started = performance.now();
  let resolvedMs = null;
  const wiped = hush.wipe().then(() => { resolvedMs = performance.now() - started; });
  let goneMs = null;
  while (goneMs === null) {
    if ((await indexedDB.databases()).length === 0) goneMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await wiped;
  const keysGoneMs = hush.lastTimings?.persistedMs ?? null;
  const errors = hush.lastWipeErrors ?? [];
  hush.close();
  return { fillMs, usage, databases, goneMs, resolvedMs, keysGoneMs, errors };
}
