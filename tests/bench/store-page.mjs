// The page side of the store and expiry benchmarks (tests/bench/store.mjs
// drives it): imported into tests/bench/page.html, one function per step,
// state kept in this module between page.evaluate calls of one page.
//
// Our store runs in a dedicated Worker (tests/bench/store-worker.mjs: core.js,
// the shipped web/dist/hush-core-simd.wasm, the vault folder on OPFS through
// web/src/opfs-fs.js or on the IndexedDB fallback, as web/src/worker.js runs
// it). The anchors: the official build's opfs-sahpool in a Worker
// (sahpool-worker.mjs), and build/wasm/bench-store (our SQLite without the
// encrypting VFS: a naive single file on Emscripten's IDBFS, and MEMFS). The
// page-encryption overhead and the sweep's CPU figures run on MEMFS here.
import { Core, loadCore } from '../../web/src/core.js';
import { BASE_MS, conversationId, dueTimes, enc, loadBench, message, messageMode, rpcWorker } from './messages.mjs';

export { BASE_MS, conversationId, dueTimes, message };

// ---- what IndexedDB is handed -------------------------------------------------
// IDBFS puts { timestamp, mode, contents } per changed file; contents is a
// view of MEMFS's buffer, and the structured clone serialises the view's
// whole ArrayBuffer: `bytes` counts that, `viewBytes` the file's length.
export const puts = { count: 0, bytes: 0, viewBytes: 0 };
let putWrapped = false;
function countPuts() {
  if (putWrapped) return;
  putWrapped = true;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, key) {
    puts.count++;
    const contents = value?.contents;
    if (ArrayBuffer.isView(contents)) {
      puts.bytes += contents.buffer.byteLength;
      puts.viewBytes += contents.byteLength;
    }
    return put.call(this, value, key);
  };
}

function syncfs(FS, populate) {
  return new Promise((resolve, reject) => FS.syncfs(populate, (error) => (error ? reject(error) : resolve())));
}

function filesUnder(FS, dir) {
  return FS.readdir(dir).filter((name) => name !== '.' && name !== '..');
}

const SQL_NAMES = ['schema', 'pragmas', 'conv', 'mode', 'msg', 'last'];
export async function benchSql() {
  const m = await loadBench();
  return Object.fromEntries(SQL_NAMES.map((name, i) => [name, m.UTF8ToString(m._bench_sql(i))]));
}

// Our message generator must match bench_store.c's.
export async function checkGenerator(n) {
  const m = await loadBench();
  const out = m._malloc(16);
  try {
    for (let i = 0; i < n; i += 7) {
      const mode = m._bench_message_mode(i, n, 1, out, out + 8);
      const seconds = Number(new DataView(m.HEAPU8.buffer).getBigInt64(out + 8, true));
      const js = messageMode(i, n, 1);
      if (mode !== js.mode || seconds !== js.seconds) return `message ${i}: C says ${mode}/${seconds}, JS ${js.mode}/${js.seconds}`;
    }
  } finally {
    m._free(out);
  }
  return null;
}

const state = {};

// ---- ours: tests/bench/store-worker.mjs ---------------------------------------------
const storeWorker = () => rpcWorker(new URL('./store-worker.mjs', import.meta.url), 'store worker');

// A bench-core Worker fills the vault `name` (creating it when identity is
// null) with messages from..to-1, 1000 per transaction, then lets go of it.
export async function oursFill({ name, persistence, kdf, code, identity = null, from, to, n = 0, pattern = 0, now }) {
  const w = storeWorker();
  try {
    await w.call('open', { name, persistence, which: 'bench' });
    if (identity === null) ({ identity } = await w.call('create', { code, kdf }));
    else await w.call('unlock', { code, identity, now });
    const fill = await w.call('bulkFill', { from, to, n, pattern, now });
    const sizes = await w.call('fileSizes');
    await w.call('close');
    return { identity, fill, sizes };
  } finally {
    w.terminate();
  }
}

// The shipped core in a fresh Worker: open, unlock, the last 50 (the
// memory after that), then warmUp + count durable messages, one after
// another as hush.addMessage stores them.
export async function oursDurable({ name, persistence, code, identity, from, warmUp, count, which = 'shipped' }) {
  const w = storeWorker();
  try {
    const open = await w.call('open', { name, persistence, which });
    const unlock = await w.call('unlock', { code, identity });
    const last = await w.call('last50');
    await w.call('durable', { from, count: warmUp });
    const samples = await w.call('durable', { from: from + warmUp, count });
    await w.call('close');
    return { open, unlock, last, samples };
  } finally {
    w.terminate();
  }
}

// A fresh page: Worker + module start, storage, unlock, the last 50.
export async function oursLoad({ name, persistence, code, identity, which = 'shipped' }) {
  const t0 = performance.now();
  const w = storeWorker();
  try {
    const open = await w.call('open', { name, persistence, which });
    const t1 = performance.now();
    const unlock = await w.call('unlock', { code, identity });
    const t2 = performance.now();
    const last = await w.call('last50');
    const t3 = performance.now();
    await w.call('close');
    // module start as sahpool's: from the page, Worker creation included.
    return { moduleMs: t1 - t0 - open.storageMs, storageMs: open.storageMs, openMs: t1 - t0,
      unlockMs: t2 - t1, argon2idMs: unlock.ms, queryMs: t3 - t2, totalMs: t3 - t0, memoryBytes: last.memoryBytes, heldBytes: last.heldBytes };
  } finally {
    w.terminate();
  }
}

// The memory of a vault of n messages (pattern 1), opened as for a load,
// at times of that vault; at the largest, one sweep of `cohort` (durable).
export async function oursMemory({ name, persistence, code, identity, n, now, sweep = null }) {
  const w = storeWorker();
  try {
    const open = await w.call('open', { name, persistence });
    await w.call('unlock', { code, identity, now });
    const last = await w.call('last50', { now });
    const due = await w.call('nextDue', { now });
    const swept = sweep ? await w.call('sweep', { n, ...sweep }) : null;
    await w.call('close');
    return { openMemoryBytes: open.memoryBytes, memoryBytes: Math.max(last.memoryBytes, due.memoryBytes), heldBytes: last.heldBytes, swept };
  } finally {
    w.terminate();
  }
}

// A fresh page: the same through the facade (web/src/hush.js and its
// Worker): Hush.open, hush.unlock, then identities() and the last 50.
export async function facadeLoad({ name, code, identity, kdf, persistence }) {
  const t0 = performance.now();
  const { Hush } = await import('../../web/src/hush.js');
  const hush = await Hush.open({ name, kdf, autoLockMs: 0, persistence: persistence === 'opfs' ? 'auto' : 'idbfs' });
  const t1 = performance.now();
  const { ok } = await hush.unlock(code);
  const t2 = performance.now();
  await hush.identities();
  const list = await hush.messages(identity, conversationId(3), { limit: 50 });
  const t3 = performance.now();
  const info = hush.info?.persistence;
  hush.close();
  if (!ok || list.length !== 50) throw new Error(`facade: ok ${ok}, ${list.length} messages`);
  return { openMs: t1 - t0, unlockMs: t2 - t1, queryMs: t3 - t2, totalMs: t3 - t0, timings: hush.lastTimings, persistence: info };
}

// ---- anchor: one SQLite file on IDBFS, synced after each insert -----------------
export async function naiveCreate() {
  countPuts();
  const m = await loadBench();
  m.FS.mkdir('/naive');
  m.FS.mount(m.FS.filesystems.IDBFS, {}, '/naive');
  await syncfs(m.FS, true);
  const slot = m._bench_open_plain(m.str('/naive/messages.db'));
  if (slot < 0) throw new Error('naive: open failed');
  state.naive = { m, slot, next: 0 };
}

export async function naiveFill(to) {
  const s = state.naive;
  const t0 = performance.now();
  if (s.m._bench_insert(s.slot, s.next, to - s.next, 1000) !== 0) throw new Error('naive: insert failed');
  const t1 = performance.now();
  await syncfs(s.m.FS, false);
  s.next = to;
  return { fillMs: t1 - t0, syncMs: performance.now() - t1, fileBytes: s.m.FS.stat('/naive/messages.db').size };
}

export async function naiveDurable(count) {
  const s = state.naive;
  const out = [];
  for (let k = 0; k < count; k++, s.next++) {
    const before = { bytes: puts.bytes, count: puts.count, viewBytes: puts.viewBytes };
    const t0 = performance.now();
    if (s.m._bench_insert(s.slot, s.next, 1, 1) !== 0) throw new Error('naive: insert failed');
    await syncfs(s.m.FS, false);
    out.push({ ms: performance.now() - t0, bytes: puts.bytes - before.bytes, puts: puts.count - before.count,
      viewBytes: puts.viewBytes - before.viewBytes });
  }
  return out;
}

export async function naiveLoad() {
  const t0 = performance.now();
  const m = await loadBench();
  const t1 = performance.now();
  m.FS.mkdir('/naive');
  m.FS.mount(m.FS.filesystems.IDBFS, {}, '/naive');
  await syncfs(m.FS, true);
  const t2 = performance.now();
  const slot = m._bench_open_plain(m.str('/naive/messages.db'));
  const length = m._bench_last50(slot, 3);
  const t3 = performance.now();
  if (slot < 0 || length <= 0) throw new Error('naive: load failed');
  return { moduleMs: t1 - t0, storageMs: t2 - t1, queryMs: t3 - t2, totalMs: t3 - t0 };
}

// ---- anchor: @sqlite.org/sqlite-wasm, opfs-sahpool, in a Worker ------------------
const sahpoolWorker = () => rpcWorker(new URL('./sahpool-worker.mjs', import.meta.url), 'sahpool');

export async function sahpoolCreate(sql) {
  const w = sahpoolWorker();
  const init = await w.call('init', sql);
  await w.call('open', '/messages.db');
  state.sahpool = { w, next: 0 };
  return init;
}

export async function sahpoolFill(to) {
  const s = state.sahpool;
  const r = await s.w.call('fill', s.next, to - s.next, 1000);
  s.next = to;
  return { fillMs: r.ms, fileBytes: await s.w.call('sizeBytes') };
}

export async function sahpoolDurable(count) {
  const s = state.sahpool;
  const out = await s.w.call('durable', s.next, count);
  s.next += count;
  return out;
}

export async function sahpoolClose() {
  await state.sahpool.w.call('close');
  state.sahpool.w.terminate();
}

// A fresh page: Worker and module start, VFS, open, the last 50.
export async function sahpoolLoad(sql) {
  const t0 = performance.now();
  const w = sahpoolWorker();
  const init = await w.call('init', sql);
  const t1 = performance.now();
  const { openMs } = await w.call('open', '/messages.db');
  const last = await w.call('last50');
  const t2 = performance.now();
  w.terminate();
  return { moduleMs: t1 - t0 - init.vfsMs, storageMs: init.vfsMs + openMs, queryMs: last.ms, openAndQueryMs: t2 - t1 + init.vfsMs,
    totalMs: t2 - t0, version: init.version };
}

// ---- page-encryption overhead: MEMFS, nothing persisted ----------------------------
// The same statements (bench_store.c insert_range) through the core's VFS
// and through SQLite's default VFS, interleaved; and the store's own
// hush_message_add through core.js (shipped core, MEMFS). Rates in rows/s.
export async function overhead({ rounds, single, batched }) {
  const m = await loadBench();
  m.FS.mkdir('/enc');
  const slots = { crypt: m._bench_open_crypt(m.str('/enc')), plain: m._bench_open_plain(m.str('/plain.db')) };
  if (slots.crypt < 0 || slots.plain < 0) throw new Error('overhead: open failed');
  const next = { crypt: 0, plain: 0 };
  const run = (which, count, perTxn) => {
    const t0 = performance.now();
    if (m._bench_insert(slots[which], next[which], count, perTxn) !== 0) throw new Error('overhead: insert failed');
    next[which] += count;
    return count / ((performance.now() - t0) / 1000);
  };
  // Warm-up: tier-up, and a few thousand rows in each.
  for (const which of ['crypt', 'plain']) run(which, 3000, 1);
  // Random bytes drawn per row (libsodium's Emscripten randombytes_buf calls
  // Module.getRandomValue once per BYTE), one transaction each and batched.
  const draw = m.getRandomValue;
  let drawn = 0;
  m.getRandomValue = () => { drawn++; return draw(); };
  run('crypt', 100, 1);
  const random1 = drawn / 100;
  drawn = 0;
  run('crypt', 10000, 1000);
  const random1000 = drawn / 10000;
  m.getRandomValue = draw;
  // What one such call costs from JS alone (the wasm side adds its
  // emscripten_asm_const_int dispatch): ns per call over 1,000,000.
  let t0 = performance.now();
  for (let k = 0; k < 1e6; k++) draw();
  const drawNs = (performance.now() - t0) * 1e6 / 1e6;
  const rates = { crypt1: [], plain1: [], crypt1000: [], plain1000: [], store1: [], random1, random1000, drawNs };
  const core = await loadCore({ flavour: 'simd' });
  core.module.FS.mkdir('/mem');
  const vault = core.openVault('/mem');
  vault.create('pin', enc('1234'), { opslimit: 1, memlimitKib: 8 }, BASE_MS);
  const identity = vault.createIdentity('bench');
  let i = 0;
  const storeRun = (count) => {
    const t0 = performance.now();
    for (let k = 0; k < count; k++, i++) vault.addMessage(identity, message(i), BASE_MS + i * 1000);
    return count / ((performance.now() - t0) / 1000);
  };
  storeRun(3000);
  {
    const drawCore = core.module.getRandomValue;
    let n = 0;
    core.module.getRandomValue = () => { n++; return drawCore(); };
    storeRun(100);
    core.module.getRandomValue = drawCore;
    rates.randomStore1 = n / 100;
  }
  for (let r = 0; r < rounds; r++) {
    rates.crypt1.push(run('crypt', single, 1));
    rates.plain1.push(run('plain', single, 1));
    rates.store1.push(storeRun(single));
    rates.crypt1000.push(run('crypt', batched, 1000));
    rates.plain1000.push(run('plain', batched, 1000));
  }
  return rates;
}

// ---- disappearing messages ---------------------------------------------------------
// MEMFS only (nothing persisted). `how`: 'tx' fills through core.js
// vault.addMessage, one transaction each, on the shipped core; 'bulk' fills
// through bench_bulk_fill (1000 per transaction, the core's VFS) on
// build/wasm/bench-store's copy of the core, whose Vault is core.js's;
// 'plain' is the anchor: the same rows (1000 per transaction) and the
// sweep's statements (bench_sweep) on plain SQLite, one MEMFS file.
export async function expiryCreate({ how, n }) {
  if (how === 'plain') {
    const m = await loadBench();
    const slot = m._bench_open_plain(m.str('/plain.db'));
    if (slot < 0) throw new Error('plain: open failed');
    state.expiry = { how, n, m, slot, next: 0 };
    return;
  }
  let core;
  if (how === 'tx') {
    core = await loadCore({ flavour: 'simd' });
  } else {
    const m = await loadBench();
    core = new Core(m, 'bench-store', 0);
  }
  const FS = core.module.FS;
  FS.mkdir('/x');
  const vault = core.openVault('/x');
  vault.create('pin', enc('1234'), { opslimit: 1, memlimitKib: 8 }, BASE_MS);
  const identity = vault.createIdentity('bench');
  state.expiry = { how, n, core, vault, identity, next: 0 };
}

const nowAt = (count) => BASE_MS + count * 1000;

function relock(s, now) {
  if (s.vault.state === 'unlocked') s.vault.lock();
  if (s.vault.beginAttempt(now) !== null) throw new Error('backoff');
  if (s.vault.unlock(enc('1234'), now) !== 'ok') throw new Error('unlock failed');
}

export async function expiryFill(to) {
  const s = state.expiry;
  const from = s.next;
  const t0 = performance.now();
  if (s.how === 'plain') {
    if (s.m._bench_fill(s.slot, from, to - from, 1000, s.n, 1) !== 0) throw new Error('plain fill failed');
    s.next = to;
    return { count: to - from, to, ms: performance.now() - t0, bytes: s.m.FS.stat('/plain.db').size };
  }
  if (s.how === 'tx') {
    for (let i = from; i < to; i++) s.vault.addMessage(s.identity, message(i, s.n, 1), BASE_MS + i * 1000);
  } else {
    const m = s.core.module;
    if (m._bench_bulk_fill(s.vault.handle, BigInt(s.identity), from, to - from, 1000, s.n, 1) !== 0) {
      throw new Error('bulk fill failed');
    }
    relock(s, nowAt(to)); // bench_bulk_fill leaves the vault locked
  }
  const ms = performance.now() - t0;
  s.next = to;
  return { count: to - from, to, ms, files: filesUnder(s.core.module.FS, '/x').length };
}

// vault.nextDue(now): per call, median of `rounds` batches of `batch` calls.
export function expiryNextDue({ rounds, batch }) {
  const s = state.expiry;
  const now = nowAt(s.next);
  const nextDue = s.how === 'plain' ? () => s.m._bench_next_due(s.slot, now) : () => s.vault.nextDue(now);
  let due;
  // Warm-up: at least two batches and 300 ms, so the engine has tiered the
  // code up (the first checkpoint otherwise reads slower than the later).
  const warm = performance.now();
  for (let k = 0; k < 2 * batch || performance.now() - warm < 300; k++) due = nextDue();
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) due = nextDue();
    times.push((performance.now() - t0) / batch);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], due };
}

function snapshot(FS, dir) {
  return new Map(filesUnder(FS, dir).map((name) => [name, FS.readFile(`${dir}/${name}`)]));
}

function restore(FS, dir, files) {
  for (const name of filesUnder(FS, dir)) if (!files.has(name)) FS.unlink(`${dir}/${name}`);
  for (const [name, bytes] of files) FS.writeFile(`${dir}/${name}`, bytes);
}

// vault.sweep(now, batch) on `cohort` ('spread' or 'block'), `samples`
// times: each on the same files (restored from a copy, the vault locked
// and reopened so SQLite starts from them), the store opened first
// (nextDue) so the figure is the sweep alone. The last sweep is kept.
export function expirySweep({ cohort, samples, batch }) {
  const s = state.expiry;
  if (s.how === 'plain') return plainSweep({ cohort, samples, batch });
  const FS = s.core.module.FS;
  const now = dueTimes(s.n)[cohort];
  const before = samples > 1 ? snapshot(FS, '/x') : null;
  const out = [];
  for (let k = 0; k < samples; k++) {
    if (k > 0) {
      // A new vault handle on the restored files: the old one remembers the
      // newer commit counter and would (rightly) call the store rolled back.
      s.vault.lock();
      s.vault.close();
      restore(FS, '/x', before);
      s.vault = s.core.openVault('/x');
      // At the sweep's own time: an earlier one than the restored lock
      // file's high-water mark (a previous cohort's sweep) would read as
      // the clock set back, which expires every started timer.
      relock(s, now);
    }
    s.vault.nextDue(now);
    const t0 = performance.now();
    const r = s.vault.sweep(now, batch);
    out.push({ ms: performance.now() - t0, deleted: r.deleted, nextDueAt: r.nextDueAt });
  }
  return out;
}

// The anchor's sweep: the file restored and the connection reopened before
// each sample; bench_next_due first, as vault.nextDue before ours.
function plainSweep({ cohort, samples, batch }) {
  const s = state.expiry;
  const { m } = s;
  const now = dueTimes(s.n)[cohort];
  const before = samples > 1 ? m.FS.readFile('/plain.db') : null;
  const out = [];
  for (let k = 0; k < samples; k++) {
    if (k > 0) {
      m._bench_close(s.slot);
      m.FS.writeFile('/plain.db', before);
      s.slot = m._bench_open_plain(m.str('/plain.db'));
    }
    m._bench_next_due(s.slot, now);
    const t0 = performance.now();
    const deleted = m._bench_sweep(s.slot, now, batch);
    out.push({ ms: performance.now() - t0, deleted });
    if (deleted < 0) throw new Error('plain sweep failed');
  }
  return out;
}
