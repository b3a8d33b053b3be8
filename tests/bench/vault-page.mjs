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

const facadePersistence = (p) => (p === 'idbfs' ? 'idbfs' : 'auto');

async function newVault(name, persistence) {
  const hush = await Hush.open({ name, kdf: KDF, autoLockMs: 0, persistence: facadePersistence(persistence) });
  await hush.create(CODES.right, { kind: 'pin' });
  return hush;
}

// One unlock on a fresh vault: unlock code and duress code set, one
// identity with one message (a vault in use), locked; then hush.unlock()
// with the `which` code, timed from the call to its promise resolving
// (ms), and on to the first identities() call resolving (firstViewMs: what
// the app needs to draw its first view; for a wrong code the same call is
// refused, ERR_STATE, and timed too).
export async function unlockTrial({ name, which, persistence = 'opfs' }) {
  const hush = await newVault(name, persistence);
  await hush.setDuressCode(CODES.duress);
  const { id } = await hush.createIdentity({ name: 'me' });
  await hush.addMessage(id, { conversation: PEER, sender: PEER, body: 'hello', sentAt: Date.now() });
  await hush.lock();
  const t0 = performance.now();
  const { ok } = await hush.unlock(CODES[which]);
  const ms = performance.now() - t0;
  let identities = null;
  try {
    identities = (await hush.identities()).length;
  } catch (error) {
    identities = error?.code ?? String(error);
  }
  const firstViewMs = performance.now() - t0;
  const timings = hush.lastTimings;
  const used = hush.info?.persistence;
  hush.close();
  if (ok !== (which !== 'wrong')) throw new Error(`unlock with the ${which} code: ok ${ok}`);
  return { ms, firstViewMs, identities, timings, persistence: used };
}

// Bytes held by the origin's storage: every OPFS file's size (a file the
// Worker still holds open counts as not gone) and whether any IndexedDB
// database exists.
async function stored() {
  let bytes = 0;
  async function walk(dir) {
    for await (const [, handle] of dir.entries()) {
      if (handle.kind === 'directory') await walk(handle);
      else {
        try { bytes += (await handle.getFile()).size; } catch { bytes += 1; }
      }
    }
  }
  try {
    await walk(await navigator.storage.getDirectory());
  } catch (error) {
    // A directory removed while it was walked: not gone yet, look again.
    if (error?.name !== 'NotFoundError') throw error;
    bytes += 1;
  }
  return { bytes, databases: (await indexedDB.databases()).length };
}

// A vault holding `bytes` of attachments (pieces of `piece` bytes, each a
// message's attachment: rows of 32 KiB chunks in the pages file), then
// hush.wipe(): the time until the origin's storage holds nothing (no OPFS
// file with a byte in it, no IndexedDB database; polled every few ms while
// the wipe runs) and until wipe() resolves; the Worker's own timing of
// "keys destroyed and flushed".
export async function wipeTrial({ name, bytes, piece, persistence = 'opfs' }) {
  const hush = await newVault(name, persistence);
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
  const before = await stored();

  const started = performance.now();
  let resolvedMs = null;
  const wiped = hush.wipe().then(() => { resolvedMs = performance.now() - started; });
  let goneMs = null;
  while (goneMs === null) {
    const now = await stored();
    if (now.bytes === 0 && now.databases === 0) goneMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await wiped;
  await hush.whenSettled?.();
  const keysGoneMs = hush.lastTimings?.persistedMs ?? null;
  const errors = hush.lastWipeErrors ?? [];
  const used = hush.info?.persistence;
  hush.close();
  return { fillMs, usage, before, goneMs, resolvedMs, keysGoneMs, errors, persistence: used };
}
