// Our store in a dedicated Worker, as web/src/worker.js runs it: the core
// (web/src/core.js), the vault folder /vault on OPFS through the host's
// filesystem over sync access handles (web/src/opfs-fs.js, opened once, the
// core's fsync = handle.flush), or on the IndexedDB fallback
// (web/src/persist.js IdbVault, group commit). The same folder name as the
// facade's (vaultDirName), so Hush.open can load a vault filled here.
// Driven by tests/bench/store-page.mjs; times are taken here, around the
// calls, as sahpool-worker.mjs times the anchor.
//
// core 'shipped': web/dist/hush-core-simd (the figures); core 'bench':
// build/wasm/bench-store (the same core + bench_store.c), only to fill a
// vault fast (bench_bulk_fill, 1000 messages per transaction).
//
// I/O counted: every FileSystemSyncAccessHandle write (calls, bytes),
// flush and truncate of this Worker; every IDBObjectStore.put (calls, bytes).
import { Core, loadCore } from '../../web/src/core.js';
import { IdbVault } from '../../web/src/persist.js';
import { createOpfsFS, openOpfsVault, vaultDirName } from '../../web/src/opfs-fs.js';
import { BASE_MS, conversationId, dueTimes, enc, loadBench, message, serve } from './messages.mjs';

const started = performance.now();
// random: Module.getRandomValue calls (libsodium's Emscripten randombytes_buf
// makes one per random BYTE).
const io = { writes: 0, bytes: 0, flushes: 0, truncates: 0, puts: 0, putBytes: 0, random: 0, byFile: {} };
const H = globalThis.FileSystemSyncAccessHandle?.prototype;
if (H) {
  const { write, flush, truncate } = H;
  H.write = function (buffer, options) {
    io.writes++;
    io.bytes += buffer.byteLength;
    const f = (io.byFile[this.benchName ?? '?'] ??= { writes: 0, bytes: 0, flushes: 0 });
    f.writes++;
    f.bytes += buffer.byteLength;
    return write.call(this, buffer, options);
  };
  H.flush = function () {
    io.flushes++;
    const f = (io.byFile[this.benchName ?? '?'] ??= { writes: 0, bytes: 0, flushes: 0 });
    f.flushes++;
    return flush.call(this);
  };
  H.truncate = function (size) {
    io.truncates++;
    return truncate.call(this, size);
  };
}
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (value, key) {
  io.puts++;
  if (ArrayBuffer.isView(value)) io.putBytes += value.byteLength;
  else if (value instanceof ArrayBuffer) io.putBytes += value.byteLength;
  return put.call(this, value, key);
};
const ioNow = () => JSON.parse(JSON.stringify(io));
const ioDelta = (a, b = ioNow()) => ({
  writes: b.writes - a.writes, bytes: b.bytes - a.bytes, flushes: b.flushes - a.flushes,
  truncates: b.truncates - a.truncates, puts: b.puts - a.puts, putBytes: b.putBytes - a.putBytes, random: b.random - a.random,
  byFile: Object.fromEntries(Object.entries(b.byFile).map(([k, v]) => [k, {
    writes: v.writes - (a.byFile[k]?.writes ?? 0), bytes: v.bytes - (a.byFile[k]?.bytes ?? 0),
    flushes: v.flushes - (a.byFile[k]?.flushes ?? 0) }])),
});

let core;
let vault;
let storage; // { kind, run(fn), close() }
let identity = null;
let code = null;

const run = (fn) => storage.run(fn);
const memoryBytes = () => core.module.HEAPU8.buffer.byteLength;
// Bytes of the vault's files held in this Worker's memory: on the fallback
// the three files live in MEMFS (JS ArrayBuffers, outside the wasm memory)
// whole; on OPFS none.
const heldBytes = () => (storage?.kind === 'opfs' ? 0 : Object.values(core.constants.files)
  .reduce((sum, f) => sum + core.module.FS.stat(`/vault/${f}`).size, 0));

const ops = {
  // Module start, then the storage (OPFS handles or the IndexedDB load),
  // then the vault handle. Times: ms.
  async open({ name, persistence, which = 'shipped' }) {
    const t0 = performance.now();
    if (which === 'bench') core = new Core(await loadBench(), 'bench-store', 0);
    else core = await loadCore({ flavour: 'simd' });
    const t1 = performance.now();
    const draw = core.module.getRandomValue;
    core.module.getRandomValue = () => { io.random++; return draw(); };
    const names = Object.values(core.constants.files);
    const dirName = await vaultDirName(name);
    core.module.FS.mkdir('/vault');
    if (persistence === 'opfs') {
      const opened = await openOpfsVault(dirName, names);
      for (const [file, handle] of Object.entries(opened.handles)) handle.benchName = file;
      core.module.FS.mount(createOpfsFS(core.module.FS), { handles: opened.handles }, '/vault');
      storage = { kind: 'opfs', run: async (fn) => fn(), close: () => opened.close() };
    } else {
      storage = await IdbVault.open(core.module.FS, '/vault', dirName, names);
    }
    const t2 = performance.now();
    vault = core.openVault('/vault');
    return { workerStartMs: t0 - started, moduleMs: t1 - t0, storageMs: performance.now() - t1, state: vault.state,
      memoryBytes: memoryBytes(), files: names };
  },

  async create({ code: c, kdf }) {
    code = c;
    await run(() => vault.create('pin', enc(c), kdf, BASE_MS));
    identity = await run(() => vault.createIdentity('bench'));
    return { identity };
  },

  // One unlock as worker.js does it: the attempt counted (durable), then
  // Argon2id and the outcome (durable). ms for both steps.
  async unlock({ code: c, identity: id, now = Date.now() }) {
    code = c;
    identity = id ?? identity;
    const t0 = performance.now();
    const early = await run(() => vault.beginAttempt(now));
    if (early !== null && early !== undefined) throw new Error(`unlock: begin_attempt said ${JSON.stringify(early)}`);
    const outcome = await run(() => vault.unlock(enc(c), now));
    if (outcome !== 'ok') throw new Error(`unlock: ${outcome}`);
    return { ms: performance.now() - t0 };
  },

  // bench core only: messages from..to-1 (pattern, of n in all), 1000 per
  // transaction, then unlocked again (bench_bulk_fill locks the vault).
  async bulkFill({ from, to, n = 0, pattern = 0, now }) {
    const t0 = performance.now();
    const before = ioNow();
    const rc = await run(() => core.module._bench_bulk_fill(vault.handle, BigInt(identity), from, to - from, 1000, n, pattern));
    if (rc !== 0) throw new Error('bench_bulk_fill failed');
    const ms = performance.now() - t0;
    const io1 = ioDelta(before);
    await ops.unlock({ code, now: now ?? Date.now() });
    return { ms, io: io1, memoryBytes: memoryBytes() };
  },

  // `count` durable messages one after another (one transaction each, as
  // hush.addMessage): [{ ms, io }].
  async durable({ from, count }) {
    const out = [];
    for (let i = from; i < from + count; i++) {
      const before = ioNow();
      const t0 = performance.now();
      await run(() => vault.addMessage(identity, message(i), Date.now()));
      out.push({ ms: performance.now() - t0, io: ioDelta(before) });
    }
    return out;
  },

  // hush_messages: the newest 50 of conversation 3.
  last50({ now = Date.now() } = {}) {
    const t0 = performance.now();
    const list = vault.messages(identity, conversationId(3), { limit: 50 }, now);
    const ms = performance.now() - t0;
    if (list.length !== 50) throw new Error(`last50: ${list.length} messages`);
    return { ms, memoryBytes: memoryBytes(), heldBytes: heldBytes() };
  },

  nextDue({ now }) {
    const t0 = performance.now();
    const at = vault.nextDue(now);
    return { ms: performance.now() - t0, at, memoryBytes: memoryBytes() };
  },

  // Times: the durable and load figures run at Date.now() (pattern 0 has no
// timers); the sweep's vault (pattern 1) is filled and opened at times
// from BASE_MS the page passes, so its cohorts fall due when it says.

// One vault.sweep(now, batch) of `cohort` (durable: its commit included).
  async sweep({ n, cohort, batch }) {
    const now = dueTimes(n)[cohort];
    vault.nextDue(now); // the store open first, as in the MEMFS figure
    const before = ioNow();
    const t0 = performance.now();
    const r = await run(() => vault.sweep(now, batch));
    return { ms: performance.now() - t0, deleted: r.deleted, io: ioDelta(before), memoryBytes: memoryBytes() };
  },

  memory: () => ({ memoryBytes: memoryBytes() }),

  fileSizes() {
    const FS = core.module.FS;
    return Object.fromEntries(Object.values(core.constants.files).map((f) => [f, FS.stat(`/vault/${f}`).size]));
  },

  close() {
    if (vault?.state === 'unlocked') vault.lock();
    vault?.close();
    storage?.close();
    vault = null;
    return true;
  },
};

serve(ops);
