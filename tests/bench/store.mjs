// Store benchmarks (B) and disappearing messages (C), in headless Chromium.
// The page side is tests/bench/store-page.mjs (our store on the page's
// thread through web/src/core.js + web/src/persist.js, and the anchors:
// build/wasm/bench-store's plain SQLite, naive on IDBFS and on MEMFS; the
// official @sqlite.org/sqlite-wasm with opfs-sahpool in a Worker,
// tests/bench/sahpool-worker.mjs). tests/bench/bench.mjs calls these.
import { benchBrowser } from './server.mjs';
import { median, ms, us, x, range, verdict, table, progress, kib, mb, count, rate } from './report.mjs';

const PAGE = '/tests/bench/store-page.mjs';
export const STORE_RUNS = {
  small: 1000, large: 100000,
  durable: 50, durableNaiveLarge: 11, warmUp: 5,
  loads: 5,
  overhead: { rounds: 5, single: 1000, batched: 10000 },
};
// tx: the goal's store, filled one transaction each through core.js on the
// shipped core (about 75 s for 1,000,000 here); bulk: only its fill rate.
export const EXPIRY = {
  tx: { n: 1000000, checkpoints: [10000, 100000, 1000000], sweep: true },
  bulk: { n: 200000, checkpoints: [200000], sweep: false },
  plain: { n: 1000000, checkpoints: [10000, 100000, 1000000], sweep: true },
  batch: 10000, sweeps: 3, nextDue: { rounds: 11, batch: 500 },
};
const GOALS = { growth: 1.5, bytesPerMessage: 128 * 1024, sweepMs: 100 };
const VAULT = { name: 'bench', code: '2580', kdf: { opslimit: 2, memlimitKib: 65536 } };

// ---- B: the store -----------------------------------------------------------
export async function runStore(server) {
  const b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  const out = { durable: {}, fill: {}, syncParts: {}, loads: { ours: [], facade: [], sahpool: [], naive: [] } };
  const { small, large, durable, warmUp } = STORE_RUNS;
  const sizes = [small, large];
  try {
    const problem = await b.call(PAGE, 'checkGenerator', 1_000_000);
    if (problem) throw new Error(`store-page.mjs and bench_store.c make different messages: ${problem}`);

    // B1, ours: the vault the facade opens later (same folders and names).
    progress('store: ours, filling 1,000 then 100,000 messages (core.js, one transaction each, then one sync)');
    await b.fresh();
    const { identity } = await b.call(PAGE, 'oursCreate', VAULT);
    out.identity = identity;
    out.durable.ours = {};
    out.fill.ours = {};
    for (const n of sizes) {
      out.fill.ours[n] = await b.call(PAGE, 'oursFill', n);
      out.syncParts[n] = await b.call(PAGE, 'oursSyncParts', 9);
      await b.call(PAGE, 'oursDurable', warmUp);
      progress(`store: ours, ${durable} durable messages at ${count(n)}`);
      out.durable.ours[n] = await b.call(PAGE, 'oursDurable', durable);
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
    const arg = { ...VAULT, identity };
    for (let i = 0; i < STORE_RUNS.loads; i++) {
      progress(`store: loads of ~${count(large)} messages, round ${i + 1}/${STORE_RUNS.loads}`);
      for (const [key, fn, a] of [['ours', 'oursLoad', arg], ['facade', 'facadeLoad', arg],
        ['sahpool', 'sahpoolLoad', sql], ['naive', 'naiveLoad', null]]) {
        await b.fresh();
        out.loads[key].push(await b.call(PAGE, fn, a));
      }
    }

    // B3: MEMFS, nothing persisted.
    progress('store: page-encryption overhead (MEMFS)');
    await b.fresh();
    out.overhead = await b.call(PAGE, 'overhead', STORE_RUNS.overhead);
  } finally {
    await b.close();
  }
  return out;
}

const per = (samples, key) => median(samples.map((s) => s[key]));

export function printStore(r) {
  const { small, large } = STORE_RUNS;
  console.log(`\nStore: ONE durable message (its call resolves only after the storage holds it) with ${count(small)} and` +
    ` ${count(large)} messages already stored; median of ${STORE_RUNS.durable} after ${STORE_RUNS.warmUp} warm-up ones` +
    ` (naive at ${count(large)}: ${STORE_RUNS.durableNaiveLarge}). Each message is stored as hush_message_add does` +
    ` (one transaction: INSERT OR IGNORE the conversation, read its setting, INSERT the message; same schema and SQL everywhere).`);
  console.log('  ours:    web/src/core.js + web/src/persist.js (hush-core-simd, IDBFS, group commit) on the page\'s main thread,' +
    ' as the Worker runs them; bytes = values handed to IDBObjectStore.put (the cloned ArrayBuffers, wrapped in the page).');
  console.log(`  sahpool: @sqlite.org/sqlite-wasm ${r.sahpoolInit.version} (3.54.1-build1), opfs-sahpool VFS, in a Worker, its defaults` +
    ' (rollback journal); bytes = FileSystemSyncAccessHandle.write calls. Timed in the Worker.');
  console.log('  naive:   our SQLite (build/wasm/bench-store, no encrypting VFS, the store\'s pragmas) as ONE file on IDBFS,' +
    ' FS.syncfs after each message (IDBFS rewrites the whole file); bytes as ours.');
  console.log('Ratios: time / anchor (below 1.00x is faster); growth = the same contender at 100,000 / at 1,000.');
  const rows = [['contender', 'stored', 'median', 'x sahpool', 'x naive', 'growth', 'bytes/msg', 'IDB puts', 'goal']];
  const d = r.durable;
  for (const name of ['ours', 'sahpool', 'naive']) {
    for (const n of [small, large]) {
      const t = per(d[name][n], 'ms');
      const bytesPer = per(d[name][n], 'bytes');
      let goal = '';
      if (name === 'ours') {
        goal = n === large
          ? `${verdict(t / per(d.ours[small], 'ms') <= GOALS.growth, `<= ${GOALS.growth}x the ${count(small)} case`)}; ` : '';
        goal += verdict(bytesPer <= GOALS.bytesPerMessage, '<= 128 KiB written');
      }
      rows.push([name, count(n), ms(t), x(t / per(d.sahpool[n], 'ms')), x(t / per(d.naive[n], 'ms')),
        n === large ? x(t / per(d[name][small], 'ms')) : '', kib(bytesPer),
        name === 'sahpool' ? '' : String(per(d[name][n], 'puts')), goal]);
    }
  }
  table(rows);
  const sp = r.syncParts;
  console.log(`  Why ours grows: one persist() of the data folder with NOTHING to store (persist.js -> IDBFS.syncfs), median of 9,` +
    ` and its two scans of the whole folder:`);
  table([['scan', '', `${count(small)} msgs (${sp[small].files} files)`, `${count(large)} msgs (${sp[large].files} files)`, 'growth'],
    ['syncfs, nothing changed', '', ms(sp[small].syncMs), ms(sp[large].syncMs), x(sp[large].syncMs / sp[small].syncMs)],
    ['getLocalSet: FS.stat of each file', '', ms(sp[small].localMs), ms(sp[large].localMs), x(sp[large].localMs / sp[small].localMs)],
    ['getRemoteSet: IDB key cursor', '', ms(sp[small].remoteMs), ms(sp[large].remoteMs), x(sp[large].remoteMs / sp[small].remoteMs)]]);
  const f = r.fill;
  console.log(`  Filling (not part of the figures): ours ${count(large)} at ${rate(large / ((f.ours[small].fillMs + f.ours[large].fillMs) / 1000))}` +
    ` one transaction each in MEMFS + ${ms(f.ours[large].syncMs)} to store ${mb(f.ours[large].syncBytes)} (${f.ours[large].files} files);` +
    ` naive file ${mb(f.naive[large].fileBytes)}; sahpool database ${mb(f.sahpool[large].fileBytes)}.`);

  // B2
  const L = r.loads;
  const m = (list, key) => median(list.map((l) => l[key]));
  console.log(`\nStore: load ~${count(large)} messages from a fresh page until the vault is unlocked and the last 50 messages of a` +
    ` conversation are returned (hush_messages' query), median of ${STORE_RUNS.loads} fresh pages each. Unlock: Argon2id opslimit 2, 64 MiB.`);
  console.log('  ours: loadCore, mount the lock and data folders (IDBFS populate: every file into memory), beginAttempt +' +
    ' persist + Argon2id + persist, vault.messages (opens both databases). facade: Hush.open (Worker, core, lock folder;' +
    ' the data folder loads meanwhile), hush.unlock (waits for the data, then sweeps and persists), hush.messages.' +
    ' sahpool: new Worker + module, installOpfsSAHPoolVfs + open, the last 50. naive: module, mount + populate, open + the last 50.');
  const sah = m(L.sahpool, 'totalMs');
  const naive = m(L.naive, 'totalMs');
  const sahNoStart = m(L.sahpool, 'totalMs') - m(L.sahpool, 'moduleMs');
  const naiveNoStart = m(L.naive, 'totalMs') - m(L.naive, 'moduleMs');
  const loadRows = [['contender', 'module start', 'storage load', 'unlock', 'query', 'total', 'x sahpool', 'x naive', 'w/o start', 'x sahpool', 'x naive']];
  const oursNoStart = m(L.ours, 'totalMs') - m(L.ours, 'moduleMs');
  loadRows.push(['ours (split)', ms(m(L.ours, 'moduleMs')), ms(m(L.ours, 'storageMs')), ms(m(L.ours, 'unlockMs')), ms(m(L.ours, 'queryMs')),
    ms(m(L.ours, 'totalMs')), x(m(L.ours, 'totalMs') / sah), x(m(L.ours, 'totalMs') / naive),
    ms(oursNoStart), x(oursNoStart / sahNoStart), x(oursNoStart / naiveNoStart)]);
  loadRows.push(['ours (facade)', `open ${ms(m(L.facade, 'openMs'))}`, '', ms(m(L.facade, 'unlockMs')), ms(m(L.facade, 'queryMs')),
    ms(m(L.facade, 'totalMs')), x(m(L.facade, 'totalMs') / sah), x(m(L.facade, 'totalMs') / naive), '', '', '']);
  loadRows.push(['sahpool', ms(m(L.sahpool, 'moduleMs')), ms(m(L.sahpool, 'storageMs')), '-', ms(m(L.sahpool, 'queryMs')),
    ms(sah), '1.00x', x(sah / naive), ms(sahNoStart), '1.00x', x(sahNoStart / naiveNoStart)]);
  loadRows.push(['naive', ms(m(L.naive, 'moduleMs')), ms(m(L.naive, 'storageMs')), '-', ms(m(L.naive, 'queryMs')),
    ms(naive), x(naive / sah), '1.00x', ms(naiveNoStart), x(naiveNoStart / sahNoStart), '1.00x']);
  table(loadRows);
  const ft = L.facade.map((l) => l.timings).filter(Boolean);
  if (ft.length) {
    console.log(`  facade unlock, the Worker's split: checked ${ms(median(ft.map((t) => t.checkedMs)))}, persisted` +
      ` ${ms(median(ft.map((t) => t.persistedMs)))}, swept ${ms(median(ft.map((t) => t.sweptMs)))} (the sweep waits for the data folder).`);
  }

  // B3
  const o = r.overhead;
  const { single, batched } = STORE_RUNS.overhead;
  console.log(`\nStore: page-encryption overhead, MEMFS (nothing persisted), rows/s, median of ${STORE_RUNS.overhead.rounds}` +
    ` rounds (${count(single)} rows one transaction each, ${count(batched)} rows 1000 per transaction), interleaved.` +
    ' The same statements (bench_store.c, as hush_message_add) on the same SQLite build; ratios are throughput / plain.');
  const p1 = median(o.plain1);
  const p1000 = median(o.plain1000);
  table([['contender', 'how', '1 per txn', 'x plain', '1000 per txn', 'x plain'],
    ['plain', 'SQLite default VFS on MEMFS (sqlite3_open, the store\'s pragmas)', rate(p1), '1.00x', rate(p1000), '1.00x'],
    ['encrypted', 'the same through the core\'s VFS (hush_vfs_open_db)', rate(median(o.crypt1)), x(median(o.crypt1) / p1),
      rate(median(o.crypt1000)), x(median(o.crypt1000) / p1000)],
    ['the store', 'hush_message_add via core.js vault.addMessage (hush-core-simd)', rate(median(o.store1)),
      x(median(o.store1) / p1), '-', '']]);
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

const LABEL = { tx: 'one txn each', bulk: 'bulk', plain: 'plain SQLite' };

export function printExpiry(r) {
  const rateOf = (fills) => fills.reduce((a, f) => a + f.count, 0) / (fills.reduce((a, f) => a + f.ms, 0) / 1000);
  const txRate = rateOf(r.tx.fills);
  const bulkRate = rateOf(r.bulk.fills);
  const plainRate = rateOf(r.plain.fills);
  const n = EXPIRY.tx.n;
  console.log(`\nDisappearing messages, in Chromium (MEMFS, nothing persisted; core.js Vault on the page's thread): ${count(n)} messages` +
    ' in one identity, 20 conversations; every 100th message after-send 1 h ("spread": due together, each in another table page),' +
    ' a block of 10,000 consecutive ones after-send 2 days ("block"), every 100th + 50 after-send 4 weeks (not due), the rest off.' +
    ' Anchor ("plain SQLite"): the same rows, the same sweep statements (bench_sweep, as sweep_one) and the same' +
    ' next-due query on our SQLite without the encrypting VFS (build/wasm/bench-store, the store\'s pragmas, one MEMFS file).');
  const txSeconds = r.tx.fills.reduce((a, f) => a + f.ms, 0) / 1000;
  console.log(`  Filling, one transaction each (vault.addMessage, hush-core-simd): ${rate(txRate)} (${count(n)} in ${txSeconds.toFixed(0)} s;` +
    ` ${r.tx.fills.map((f) => `${rate(f.count / (f.ms / 1000))} up to ${count(f.to ?? 0)}`).join(', ')}).` +
    ` A bulk insert (bench_bulk_fill: the same statements through the core's VFS, 1000 per transaction, on build/wasm/bench-store's` +
    ` copy of the core, which has no bulk API; ${count(EXPIRY.bulk.n)} messages) gives ${rate(bulkRate)} (${x(bulkRate / txRate)}:` +
    ` ${count(n)} in ${(n / bulkRate).toFixed(0)} s); plain SQLite, 1000 per transaction: ${rate(plainRate)} (bulk is ${x(bulkRate / plainRate)} of it).`);
  const nd = [['store', 'messages', 'nextDue', 'x at 10,000', 'x plain', 'log2 n / log2 10,000']];
  for (const how of ['tx', 'plain']) {
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
    ` cohort due; median of ${EXPIRY.sweeps}, each on the same files (restored from a copy, the vault locked and unlocked;` +
    ' plain: the file restored and reopened). Ratios: time / plain SQLite on the same rows, and time / the goal\'s 100 ms.');
  const rows = [['store', 'messages', 'due', 'deleted', 'median', 'min-max', 'x plain', 'x goal', 'goal']];
  for (const how of ['tx', 'plain']) {
    for (const cohort of ['spread', 'block']) {
      const s = r[how].sweeps[cohort];
      const t = median(s.map((v) => v.ms));
      const plain = median(r.plain.sweeps[cohort].map((v) => v.ms));
      rows.push([`${LABEL[how]}, ${cohort}`, count(EXPIRY[how].n), count(cohort === 'spread' ? EXPIRY[how].n / 100 : 10000),
        count(median(s.map((v) => v.deleted))), ms(t), `${range(s.map((v) => v.ms))} ms`, x(t / plain), x(t / GOALS.sweepMs),
        how === 'tx' ? verdict(t <= GOALS.sweepMs, '<= 100 ms') : '(anchor)']);
    }
  }
  table(rows);
}
