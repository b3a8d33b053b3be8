// Store benchmarks (B) and disappearing messages (C), in headless Chromium.
// The page side is tests/bench/store-page.mjs: our store in a dedicated
// Worker (tests/bench/store-worker.mjs: web/src/core.js on the shipped
// hush-core-simd, the vault folder on OPFS through web/src/opfs-fs.js, or
// on the IndexedDB fallback), and the anchors: the official
// @sqlite.org/sqlite-wasm with opfs-sahpool in a Worker
// (tests/bench/sahpool-worker.mjs), and build/wasm/bench-store's plain
// SQLite (a naive single file on Emscripten's IDBFS; MEMFS).
// tests/bench/bench.mjs calls these.
import { benchBrowser } from './server.mjs';
import { median, ms, us, x, range, verdict, table, progress, kib, mb, count, rate } from './report.mjs';

const PAGE = '/tests/bench/store-page.mjs';
export const STORE_RUNS = {
  small: 1000, large: 100000,
  durable: 50, durableNaiveLarge: 11, warmUp: 5,
  loads: 5,
  overhead: { rounds: 5, single: 1000, batched: 10000 },
  memory: { checkpoints: [10000, 100000, 1000000], batch: 10000 },
};
// bulk: the goal's 1,000,000 messages through the core's VFS, 1000 per
// transaction (bench_bulk_fill), swept by hush_sweep; tx: the fill rate of
// one transaction each through core.js (vault.addMessage), no sweep;
// plain: the anchor, the same rows and statements on plain SQLite.
export const EXPIRY = {
  bulk: { n: 1000000, checkpoints: [10000, 100000, 1000000], sweep: true },
  tx: { n: 10000, checkpoints: [10000], sweep: false },
  plain: { n: 1000000, checkpoints: [10000, 100000, 1000000], sweep: true },
  batch: 10000, sweeps: 3, nextDue: { rounds: 11, batch: 500 },
};
const GOALS = { durableSahpool: 1.0, growth: 1.5, loadSahpool: 1.0, memoryGrowth: 1.5, sweepMs: 100, overhead: 0.5 };
const KDF = { opslimit: 2, memlimitKib: 65536 };
const CODE = '2580';
const PERSISTENCE = ['opfs', 'idbfs'];
const vaultName = (p) => `bench-${p}`;

// ---- B: the store -----------------------------------------------------------
export async function runStore(server) {
  const b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  const out = { durable: {}, fill: {}, opened: {}, identity: {}, memory: {}, loads: {} };
  const { small, large, durable, warmUp } = STORE_RUNS;
  const sizes = [small, large];
  try {
    const problem = await b.call(PAGE, 'checkGenerator', 1_000_000);
    if (problem) throw new Error(`store-page.mjs and bench_store.c make different messages: ${problem}`);

    // B1, ours: filled by the bench core, then the shipped core in a fresh
    // Worker for the durable messages; each persistence its own vault.
    for (const p of PERSISTENCE) {
      const name = vaultName(p);
      out.durable[p] = {};
      out.fill[p] = {};
      out.opened[p] = {};
      let identity = null;
      let next = 0;
      for (const n of sizes) {
        progress(`store: ours (${p}), filling to ${count(n)} (bench_bulk_fill, 1000 per transaction)`);
        const f = await b.call(PAGE, 'oursFill', { name, persistence: p, kdf: KDF, code: CODE, identity, from: next, to: n });
        identity = f.identity;
        out.fill[p][n] = f;
        progress(`store: ours (${p}), ${warmUp} + ${durable} durable messages at ${count(n)}`);
        const d = await b.call(PAGE, 'oursDurable', { name, persistence: p, code: CODE, identity, from: n, warmUp, count: durable });
        out.durable[p][n] = d.samples;
        out.opened[p][n] = d;
        // the durable ones count as stored from here on
        next = n + warmUp + durable;
      }
      out.identity[p] = identity;
    }

    progress('store: naive single file on IDBFS');
    await b.fresh();
    await b.call(PAGE, 'naiveCreate');
    out.durable.naive = {};
    out.fill.naive = {};
    for (const n of sizes) {
      out.fill.naive[n] = await b.call(PAGE, 'naiveFill', n);
      await b.call(PAGE, 'naiveDurable', n === large ? 2 : warmUp);
      out.durable.naive[n] = await b.call(PAGE, 'naiveDurable', n === large ? STORE_RUNS.durableNaiveLarge : durable);
    }

    progress('store: @sqlite.org/sqlite-wasm, opfs-sahpool, in a Worker');
    await b.fresh();
    const sql = await b.call(PAGE, 'benchSql');
    out.sahpoolInit = await b.call(PAGE, 'sahpoolCreate', sql);
    out.durable.sahpool = {};
    out.fill.sahpool = {};
    for (const n of sizes) {
      out.fill.sahpool[n] = await b.call(PAGE, 'sahpoolFill', n);
      await b.call(PAGE, 'sahpoolDurable', warmUp);
      out.durable.sahpool[n] = await b.call(PAGE, 'sahpoolDurable', durable);
    }
    await b.call(PAGE, 'sahpoolClose');

    // B2: each load from a fresh page, the contenders in turn.
    const contenders = [];
    for (const p of PERSISTENCE) {
      const arg = { name: vaultName(p), persistence: p, code: CODE, identity: out.identity[p], kdf: KDF };
      contenders.push([`ours-${p}`, 'oursLoad', arg], [`facade-${p}`, 'facadeLoad', arg]);
    }
    contenders.push(['sahpool', 'sahpoolLoad', sql], ['naive', 'naiveLoad', null]);
    for (const [key] of contenders) out.loads[key] = [];
    for (let i = 0; i < STORE_RUNS.loads; i++) {
      progress(`store: loads of ~${count(large)} messages, round ${i + 1}/${STORE_RUNS.loads}`);
      for (const [key, fn, a] of contenders) {
        await b.fresh();
        out.loads[key].push(await b.call(PAGE, fn, a));
      }
    }

    // B3: MEMFS, nothing persisted.
    progress('store: page-encryption overhead (MEMFS)');
    await b.fresh();
    out.overhead = await b.call(PAGE, 'overhead', STORE_RUNS.overhead);

    // B4: wasm memory with 10,000 .. 1,000,000 messages open on OPFS (the
    // sweep's rows, pattern 1); at 1,000,000 one durable sweep of the
    // scattered cohort. IDBFS: the B1 vaults (its files live in memory).
    const { checkpoints } = STORE_RUNS.memory;
    const N = checkpoints.at(-1);
    const name = 'bench-memory';
    let identity = null;
    let next = 0;
    out.memory.opfs = {};
    await b.fresh();
    for (const n of checkpoints) {
      progress(`store: memory (opfs), filling to ${count(n)}`);
      const now = 1767225600000 + n * 1000;
      const f = await b.call(PAGE, 'oursFill', { name, persistence: 'opfs', kdf: KDF, code: CODE, identity, from: next,
        to: n, n: N, pattern: 1, now });
      identity = f.identity;
      next = n;
      const sweep = n === N ? { cohort: 'spread', batch: EXPIRY.batch } : null;
      progress(`store: memory (opfs), open at ${count(n)}${sweep ? ' + one sweep of 10,000 scattered' : ''}`);
      out.memory.opfs[n] = { ...(await b.call(PAGE, 'oursMemory', { name, persistence: 'opfs', code: CODE, identity, n: N, now, sweep })),
        fileBytes: f.sizes['1'], fillMs: f.fill.ms };
    }
  } finally {
    await b.close();
  }
  return out;
}

const per = (samples, key) => median(samples.map((s) => s[key]));
const perIo = (samples, key) => median(samples.map((s) => s.io[key]));
const pct = (v) => `${(v * 100).toFixed(0)}%`;

export function printStore(r) {
  const { small, large } = STORE_RUNS;
  console.log(`\nStore: ONE durable message (its call resolves only after the storage holds it) with ${count(small)} and` +
    ` ${count(large)} messages already stored; median of ${STORE_RUNS.durable} after ${STORE_RUNS.warmUp} warm-up ones` +
    ` (naive at ${count(large)}: ${STORE_RUNS.durableNaiveLarge}). Each message is one transaction of hush_message_add's` +
    ' statements (the conversation\'s setting, INSERT OR IGNORE the conversation, INSERT the message; the store\'s schema and SQL everywhere).');
  console.log('  ours opfs:  tests/bench/store-worker.mjs, a dedicated Worker: web/src/core.js (hush-core-simd) on the host\'s OPFS' +
    ' filesystem (web/src/opfs-fs.js, sync access handles); durable = the core\'s own fsyncs (handle.flush). Timed in the Worker.');
  console.log('  ours idbfs: the same Worker on the IndexedDB fallback (web/src/persist.js IdbVault: changed 16 KiB blocks, group commit).');
  console.log(`  sahpool:    @sqlite.org/sqlite-wasm ${r.sahpoolInit.version} (3.54.1-build1), opfs-sahpool VFS, in a Worker, its defaults` +
    ' (rollback journal). Timed in the Worker.');
  console.log('  naive:      our SQLite (build/wasm/bench-store, no encrypting VFS, the store\'s pragmas) as ONE file on Emscripten\'s IDBFS,' +
    ' FS.syncfs after each message.');
  console.log('Ratios: time / anchor (below 1.00x is faster); growth = the same contender at 100,000 / at 1,000.' +
    ' I/O per message: handle writes (calls), bytes written (the fallback: bytes put), flushes; IDB puts for the fallback;' +
    ' random draws = Module.getRandomValue calls (libsodium\'s Emscripten randombytes_buf makes one per random BYTE).');
  const rows = [['contender', 'stored', 'median', 'x sahpool', 'growth', 'writes', 'written', 'flushes', 'IDB puts', 'random draws', 'goal']];
  const d = r.durable;
  for (const name of ['opfs', 'idbfs', 'sahpool', 'naive']) {
    for (const n of [small, large]) {
      const s = d[name][n];
      const t = per(s, 'ms');
      const ours = name === 'opfs' || name === 'idbfs';
      let goal = '';
      if (name === 'opfs') {
        goal = verdict(t / per(d.sahpool[n], 'ms') <= GOALS.durableSahpool, '<= 1.0x sahpool');
        if (n === large) goal += `; ${verdict(t / per(d.opfs[small], 'ms') <= GOALS.growth, `flat (<= ${GOALS.growth}x at ${count(small)})`)}`;
      }
      rows.push([name === 'opfs' || name === 'idbfs' ? `ours ${name}` : name, count(n), ms(t), x(t / per(d.sahpool[n], 'ms')),
        n === large ? x(t / per(d[name][small], 'ms')) : '',
        name === 'opfs' ? String(perIo(s, 'writes')) : name === 'sahpool' ? String(per(s, 'writes')) : '',
        name === 'opfs' ? kib(perIo(s, 'bytes')) : name === 'idbfs' ? kib(perIo(s, 'putBytes')) : kib(per(s, 'bytes')),
        name === 'opfs' ? String(perIo(s, 'flushes')) : name === 'sahpool' ? String(per(s, 'flushes')) : '', name === 'idbfs' ? String(perIo(s, 'puts')) : name === 'naive' ? String(per(s, 'puts')) : '',
        ours ? count(perIo(s, 'random')) : '', goal]);
    }
  }
  table(rows);
  // Where ours' time goes on OPFS: per file.
  for (const n of [small, large]) {
    const s = d.opfs[n];
    const files = Object.keys(s[0].io.byFile);
    const f = (file, key) => median(s.map((v) => v.io.byFile[file]?.[key] ?? 0));
    console.log(`  ours opfs at ${count(n)}, per message: ` + files.sort().map((file) =>
      `file "${file}" (${{ 0: 'lock', 1: 'pages', 2: 'journal' }[file] ?? '?'}) ${f(file, 'writes')} writes, ${kib(f(file, 'bytes'))}, ${f(file, 'flushes')} flushes`).join('; '));
  }
  const f = r.fill;
  console.log(`  Filling (not part of the figures; 1000 per transaction): ours opfs ${count(large)} in ${ms(f.opfs[small].fill.ms + f.opfs[large].fill.ms)},` +
    ` pages file ${mb(f.opfs[large].sizes['1'])}; ours idbfs ${ms(f.idbfs[small].fill.ms + f.idbfs[large].fill.ms)};` +
    ` sahpool database ${mb(f.sahpool[large].fileBytes)}; naive file ${mb(f.naive[large].fileBytes)}.`);

  // B2
  const L = r.loads;
  const m = (list, key) => median(list.map((l) => l[key]));
  console.log(`\nStore: load ~${count(large)} messages from a fresh page until the vault is unlocked and the last 50 messages of a` +
    ` conversation are returned (hush_messages' query), median of ${STORE_RUNS.loads} fresh pages each. Unlock: Argon2id opslimit 2, 64 MiB` +
    ' (sahpool and naive have no unlock: compare "w/o unlock").');
  console.log('  ours: a new store Worker (module start), the storage (OPFS: 3 sync access handles; idbfs: every block read from' +
    ' IndexedDB into memory), unlock (attempt counted + Argon2id + outcome, both durable), vault.messages (opens the database).' +
    ' facade: Hush.open (its Worker), hush.unlock (then its sweep), identities() + messages().' +
    ' sahpool: new Worker + module, installOpfsSAHPoolVfs + open, the last 50. naive: module, IDBFS mount + populate, open + the last 50.');
  const sah = m(L.sahpool, 'totalMs');
  const loadRows = [['contender', 'module start', 'storage', 'unlock', 'query', 'total', 'x sahpool', 'w/o unlock', 'x sahpool', 'memory', 'goal']];
  for (const p of PERSISTENCE) {
    const o = L[`ours-${p}`];
    const noUnlock = m(o, 'totalMs') - m(o, 'unlockMs');
    loadRows.push([`ours ${p}`, ms(m(o, 'moduleMs')), ms(m(o, 'storageMs')), ms(m(o, 'unlockMs')), ms(m(o, 'queryMs')),
      ms(m(o, 'totalMs')), x(m(o, 'totalMs') / sah), ms(noUnlock), x(noUnlock / sah), mb(m(o, 'memoryBytes')),
      p === 'opfs' ? verdict(noUnlock / sah <= GOALS.loadSahpool, '<= 1.0x sahpool (w/o unlock)') : '']);
    const fa = L[`facade-${p}`];
    loadRows.push([`facade ${p} (${fa[0].persistence ?? '?'})`, `open ${ms(m(fa, 'openMs'))}`, '', ms(m(fa, 'unlockMs')), ms(m(fa, 'queryMs')),
      ms(m(fa, 'totalMs')), x(m(fa, 'totalMs') / sah), '', '', '', '']);
  }
  loadRows.push(['sahpool', ms(m(L.sahpool, 'moduleMs')), ms(m(L.sahpool, 'storageMs')), '-', ms(m(L.sahpool, 'queryMs')),
    ms(sah), '1.00x', ms(sah), '1.00x', '', '(anchor)']);
  loadRows.push(['naive', ms(m(L.naive, 'moduleMs')), ms(m(L.naive, 'storageMs')), '-', ms(m(L.naive, 'queryMs')),
    ms(m(L.naive, 'totalMs')), x(m(L.naive, 'totalMs') / sah), ms(m(L.naive, 'totalMs')), x(m(L.naive, 'totalMs') / sah), '', '']);
  table(loadRows);

  // B3
  const o = r.overhead;
  const { single, batched } = STORE_RUNS.overhead;
  console.log(`\nStore: page-encryption overhead, MEMFS (nothing persisted) for both, rows/s, median of ${STORE_RUNS.overhead.rounds}` +
    ` rounds (${count(single)} rows one transaction each, ${count(batched)} rows 1000 per transaction), interleaved.` +
    ' The same statements (bench_store.c, as hush_message_add) on the same SQLite build; ratios are throughput / plain' +
    ' (SQLCipher documents 5-15% overhead, i.e. 0.85-0.95x).');
  const p1 = median(o.plain1);
  const p1000 = median(o.plain1000);
  table([['contender', 'how', '1 per txn', 'x plain', '1000 per txn', 'x plain', 'goal'],
    ['plain', 'SQLite default VFS on MEMFS (sqlite3_open, the store\'s pragmas)', rate(p1), '1.00x', rate(p1000), '1.00x', '(anchor)'],
    ['encrypted', 'the same through the core\'s VFS (hush_vfs_open_db: journal + in place, no lock file)', rate(median(o.crypt1)),
      x(median(o.crypt1) / p1), rate(median(o.crypt1000)), x(median(o.crypt1000) / p1000), ''],
    ['the store', 'hush_message_add via core.js vault.addMessage (hush-core-simd; + the lock file re-sealed per commit)',
      rate(median(o.store1)), x(median(o.store1) / p1), '-', '', verdict(median(o.store1) / p1 >= GOALS.overhead, '>= 0.5x plain')]]);

  // B4
  const M = r.memory.opfs;
  const cps = Object.keys(M).map(Number);
  console.log('\nStore: memory with the vault open (unlocked, the last 50 read, nextDue) in a fresh store Worker: the core\'s' +
    ' WebAssembly.Memory (before the unlock, and after: Argon2id\'s 64 MiB stays reserved, wasm memory never shrinks), plus the' +
    ' vault\'s files held in JS memory (the fallback keeps all three in MEMFS; OPFS none: only the pages SQLite reads, cache_size' +
    ' 2 MiB). IDBFS: the B1 vaults.');
  const total = (v) => v.memoryBytes + v.heldBytes;
  const memRows = [['storage', 'messages', 'pages file', 'wasm before unlock', 'wasm open', 'files in memory', 'total', 'x at first', 'goal']];
  for (const n of cps) {
    memRows.push(['opfs', count(n), mb(M[n].fileBytes), mb(M[n].openMemoryBytes), mb(M[n].memoryBytes), mb(M[n].heldBytes), mb(total(M[n])),
      x(total(M[n]) / total(M[cps[0]])),
      n === cps.at(-1) ? verdict(total(M[n]) / total(M[cps[0]]) <= GOALS.memoryGrowth, `flat (<= ${GOALS.memoryGrowth}x at ${count(cps[0])})`) : '']);
  }
  const I = (n) => ({ ...r.opened.idbfs[n].last, openMemoryBytes: r.opened.idbfs[n].open.memoryBytes });
  for (const n of [small, large]) {
    memRows.push(['idbfs', count(n), mb(r.fill.idbfs[n].sizes['1']), mb(I(n).openMemoryBytes), mb(I(n).memoryBytes), mb(I(n).heldBytes),
      mb(total(I(n))), x(total(I(n)) / total(I(small))), '']);
  }
  table(memRows);
  const sw = M[cps.at(-1)].swept;
  if (sw) {
    console.log(`  Sweep on OPFS, durable (vault.sweep(now, ${EXPIRY.batch}) in the store Worker, its commit included), ${count(sw.deleted)}` +
      ` scattered due messages among ${count(cps.at(-1))}: ${ms(sw.ms)} (x goal ${x(sw.ms / GOALS.sweepMs)};` +
      ` ${verdict(sw.ms <= GOALS.sweepMs, '<= 100 ms')}); ${sw.io.writes} writes, ${mb(sw.io.bytes)} written, ${sw.io.flushes} flushes.`);
  }
}

// ---- C: disappearing messages -----------------------------------------------------
export async function runExpiry(server) {
  const out = {};
  for (const how of ['tx', 'bulk', 'plain']) {
    const { n, checkpoints } = EXPIRY[how];
    const b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
    try {
      await b.call(PAGE, 'expiryCreate', { how, n });
      const r = (out[how] = { fills: [], nextDue: {}, sweeps: {} });
      for (const to of checkpoints) {
        progress(`expiry: ${LABEL[how]}, filling to ${count(to)}`);
        r.fills.push(await b.call(PAGE, 'expiryFill', to));
        r.nextDue[to] = await b.call(PAGE, 'expiryNextDue', EXPIRY.nextDue);
      }
      for (const cohort of EXPIRY[how].sweep ? ['spread', 'block'] : []) {
        progress(`expiry: ${how}, sweep (${cohort}) x ${EXPIRY.sweeps}`);
        r.sweeps[cohort] = await b.call(PAGE, 'expirySweep', { cohort, samples: EXPIRY.sweeps, batch: EXPIRY.batch });
      }
    } finally {
      await b.close();
    }
  }
  return out;
}

const LABEL = { tx: 'one txn each', bulk: 'ours (bulk-filled)', plain: 'plain SQLite' };

export function printExpiry(r) {
  const rateOf = (fills) => fills.reduce((a, f) => a + f.count, 0) / (fills.reduce((a, f) => a + f.ms, 0) / 1000);
  const txRate = rateOf(r.tx.fills);
  const bulkRate = rateOf(r.bulk.fills);
  const plainRate = rateOf(r.plain.fills);
  const n = EXPIRY.bulk.n;
  console.log(`\nDisappearing messages, in Chromium (MEMFS, nothing persisted; core.js Vault on the page's thread): ${count(n)} messages` +
    ' in one identity, 20 conversations; every 100th message after-send 1 h ("spread": due together, each in another table page),' +
    ' a block of 10,000 consecutive ones after-send 2 days ("block"), every 100th + 50 after-send 4 weeks (not due), the rest off.' +
    ' Ours ("bulk"): filled by bench_bulk_fill (the core\'s VFS, 1000 per transaction) on build/wasm/bench-store\'s copy of the core' +
    ' (same sources and flags as hush-core-simd), then swept by its hush_sweep through core.js.' +
    ' Anchor ("plain SQLite"): the same rows, the same sweep statements (bench_sweep, as hush_sweep) and the same' +
    ' next-due query on our SQLite without the encrypting VFS (build/wasm/bench-store, the store\'s pragmas, one MEMFS file).' +
    ' The durable sweep on OPFS is in the store section (B4).');
  console.log(`  Filling: one transaction each (vault.addMessage, hush-core-simd, MEMFS, the lock file re-sealed per commit):` +
    ` ${rate(txRate)} (${count(EXPIRY.tx.n)} messages); bulk: ${rate(bulkRate)} (${x(bulkRate / txRate)} of it);` +
    ` plain SQLite, 1000 per transaction: ${rate(plainRate)} (bulk is ${x(bulkRate / plainRate)} of it).`);
  const nd = [['store', 'messages', 'nextDue', 'x at 10,000', 'x plain', 'log2 n / log2 10,000']];
  for (const how of ['bulk', 'plain']) {
    const base = r[how].nextDue[10000].ms;
    for (const [m, v] of Object.entries(r[how].nextDue)) {
      nd.push([LABEL[how], count(Number(m)), us(v.ms), x(v.ms / base), r.plain.nextDue[m] ? x(v.ms / r.plain.nextDue[m].ms) : '',
        x(Math.log2(Number(m)) / Math.log2(10000))]);
    }
  }
  console.log(`  vault.nextDue(now) per call (median of ${EXPIRY.nextDue.rounds} batches of ${EXPIRY.nextDue.batch} after a warm-up of 300 ms or more):` +
    ' O(log n) shows as a nearly flat line; the last column is what log n alone would give.');
  table(nd);
  console.log(`  vault.sweep(now, ${EXPIRY.batch}) = hush_sweep (the store already open: vault.nextDue first) with every message of one` +
    ` cohort due; median of ${EXPIRY.sweeps}, each on the same files (restored from a copy under a new vault handle, unlocked again;` +
    ' plain: the file restored and reopened). Ratios: time / plain SQLite on the same rows, and time / the goal\'s 100 ms.');
  const rows = [['store', 'messages', 'due', 'deleted', 'median', 'min-max', 'x plain', 'x goal', 'goal']];
  for (const how of ['bulk', 'plain']) {
    for (const cohort of ['spread', 'block']) {
      const s = r[how].sweeps[cohort];
      const t = median(s.map((v) => v.ms));
      const plain = median(r.plain.sweeps[cohort].map((v) => v.ms));
      rows.push([`${LABEL[how]}, ${cohort}`, count(EXPIRY[how].n), count(cohort === 'spread' ? EXPIRY[how].n / 100 : 10000),
        count(median(s.map((v) => v.deleted))), ms(t), `${range(s.map((v) => v.ms))} ms`, x(t / plain), x(t / GOALS.sweepMs),
        how === 'bulk' && cohort === 'spread' ? verdict(t <= GOALS.sweepMs, '<= 100 ms') : how === 'plain' ? '(anchor)' : '']);
    }
  }
  table(rows);
}
