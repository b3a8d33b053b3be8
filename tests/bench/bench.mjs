// Runs every benchmark and prints one table per figure: crypto (native
// libsodium (bench_native), then suite.mjs in Node and in a Chromium page,
// the core's .wasm sizes and its instantiation time in Chromium); then, in
// Chromium, the vault (vault.mjs, vault-app.mjs: unlock outcomes through the
// facade and the demo app, OPFS and the IndexedDB fallback; the wipe), the
// store (store.mjs: our store in a dedicated Worker on OPFS and on the
// fallback against opfs-sahpool: durable message, load, memory, durable
// sweep; page-encryption overhead against unencrypted SQLite) and
// disappearing messages (store.mjs: the sweep at 1,000,000 against plain
// SQLite). Each figure is printed with its ratio to the anchors measured in
// this same run, and with its goal where the project has one
// ("meets"/"misses"). Goals are reported, never asserted: the exit status is
// non-zero only if a contender computed a wrong result or a section failed.
//
//   node tests/bench/bench.mjs [--only crypto,vault,store,expiry,trust,backup,relay]
//
// tests/bench/run.sh builds what this needs first.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launch } from '../e2e/browser.mjs';
import { goals, progress, table, verdict } from './report.mjs';
import { startBenchServer } from './server.mjs';
import { runStore, printStore, runExpiry, printExpiry } from './store.mjs';
import { runSuite, CONTENDERS, RUNS, AEAD } from './suite.mjs';
import { runVault, printVault } from './vault.mjs';
import { runTrust, printTrust } from './trust.mjs';
import { runBackup, printBackup } from './backup.mjs';
import { runRelay, printRelay } from './relay.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SECTIONS = ['crypto', 'vault', 'store', 'expiry', 'trust', 'backup', 'relay'];
function parseOnly(argv) {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return SECTIONS;
  const value = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const only = String(value ?? '').split(',').filter(Boolean);
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (!only.length || unknown.length) {
    console.error(`usage: bench.mjs [--only ${SECTIONS.join(',')}] (unknown: ${unknown.join(',') || 'none given'})`);
    process.exit(2);
  }
  return only;
}

const INSTANTIATE_LOADS = 7;
const CORE_FILES = { simd: 'hush-core-simd.wasm', plain: 'hush-core.wasm' };
// MB and KB are decimal here (1.1 MB = 1,100,000 bytes), as are MB/s.
const GOALS = {
  argon2idNative: 2.0, // Chromium time at most 2.0x native
  argon2idLibsodium: 1.0, // and no slower than libsodium.js
  aeadNative: 0.5, // throughput at least 0.5x native
  wasmRaw: 1_100_000,
  wasmGzip: 450_000,
  instantiateMs: 50,
};

// ---- native -----------------------------------------------------------------
async function native() {
  progress('native: bench_native');
  const { stdout } = await run(join(ROOT, 'build/bench_native'), [RUNS.argon2id, RUNS.aead4k, RUNS.aead1m]);
  const r = JSON.parse(stdout);
  for (const figure of Object.keys(AEAD)) {
    if (r[`${figure}_batch`] !== AEAD[figure].batch) throw new Error(`bench_native and suite.mjs disagree on ${figure}'s batch`);
  }
  return { [`libsodium ${r.libsodium}`]: r };
}

// ---- Chromium -----------------------------------------------------------------
// tests/bench/server.mjs serves the page (cross-origin isolated).
async function chromium() {
  const server = await startBenchServer();
  const page = `http://127.0.0.1:${server.address().port}/tests/bench/page.html`;
  const browser = await launch();
  try {
    // Progress lines from suite.mjs; the browser's own messages (a favicon
    // 404) are not ours.
    browser.page.on('console', (msg) => msg.type() === 'log' && progress(`chromium: ${msg.text()}`));
    await browser.page.goto(page);
    // The user agent string says 156.0.0.0; the full version is asked for.
    const version = await browser.page.evaluate(async () => (await navigator.userAgentData
      .getHighEntropyValues(['fullVersionList'])).fullVersionList.find((b) => b.brand === 'Chromium')?.version);
    const isolated = await browser.page.evaluate(() => crossOriginIsolated);
    // A fresh page per contender: in one page, the others' wasm memories
    // (hundreds of MB) make V8 collect garbage far more often, which halved
    // libsodium.js's AEAD figure (it allocates each output).
    const results = {};
    for (const name of Object.keys(CONTENDERS)) {
      await browser.page.goto(page);
      Object.assign(results, await browser.page.evaluate(async ([names, runs]) => {
        const { runSuite: suite } = await import('/tests/bench/suite.mjs');
        return suite({ names, runs, log: (text) => console.log(text) });
      }, [[name], RUNS]));
    }

    // The core as the app loads it (web/src/core.js); a fresh page per load.
    const instantiate = {};
    for (const flavour of Object.keys(CORE_FILES)) {
      progress(`chromium: ${CORE_FILES[flavour]}: ${INSTANTIATE_LOADS} fresh loads`);
      const loads = [];
      for (let i = 0; i < INSTANTIATE_LOADS; i++) {
        await browser.page.goto(page);
        loads.push(await browser.page.evaluate(async (f) => {
          const { loadCore } = await import('/web/src/core.js');
          const started = performance.now();
          const core = await loadCore({ flavour: f });
          return { instantiateMs: core.instantiateMs, loadMs: performance.now() - started };
        }, flavour));
      }
      instantiate[flavour] = {
        instantiateMs: median(loads.map((l) => l.instantiateMs)),
        loadMs: median(loads.map((l) => l.loadMs)),
      };
    }
    if (browser.errors.length) throw browser.errors[0];
    return { version, isolated, results, instantiate };
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- sizes --------------------------------------------------------------------
async function sizes() {
  const out = {};
  for (const [flavour, file] of Object.entries(CORE_FILES)) {
    const path = join(ROOT, 'web/dist', file);
    const raw = (await readFile(path)).length;
    // gzip -9 itself, as a server would precompress it.
    const { stdout } = await run('gzip', ['-9', '-c', path], { encoding: 'buffer', maxBuffer: 64 << 20 });
    out[flavour] = { file, raw, gzip: stdout.length };
  }
  return out;
}

// ---- output -------------------------------------------------------------------
// (tests/bench/report.mjs has the helpers shared with the other sections;
// these keep the crypto tables' own formats.)
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const ms = (v) => (v == null ? '' : v.toFixed(v < 10 ? 2 : 1));
const x = (v) => (v == null || !Number.isFinite(v) ? '' : `${v.toFixed(2)}x`);
const bytes = (n) => n.toLocaleString('en-US');

// rows of [env, contender, result] in the order they are printed.
function contenders(nativeResults, node, chrome) {
  const rows = [];
  for (const [name, r] of Object.entries(nativeResults)) rows.push(['native', name, r]);
  for (const [env, results] of [['node', node], ['chromium', chrome]]) {
    for (const [name, r] of Object.entries(results)) rows.push([env, name, r]);
  }
  return rows;
}

function argon2idTable(rows, anchors) {
  console.log(`\nArgon2id, opslimit 2, 64 MiB (libsodium's "interactive"): median of ${RUNS.argon2id} after warm-up.`);
  console.log('Ratios are time / anchor: below 1.00x is faster than the anchor. libsodium.js and hash-wasm ratios are within the same engine.');
  const out = [['env', 'contender', 'median', 'x native', 'x libsodium.js', 'x hash-wasm', 'goal (Chromium, ours)']];
  for (const [env, name, r] of rows) {
    const t = r.argon2id_ms;
    const lib = anchors[env]?.['libsodium.js']?.argon2id_ms;
    const hw = anchors[env]?.['hash-wasm']?.argon2id_ms;
    let goal = '';
    if (env === 'chromium' && name.startsWith('hush')) {
      goal = [verdict(t / anchors.native <= GOALS.argon2idNative, `<= ${GOALS.argon2idNative.toFixed(1)}x native`),
        verdict(t / lib <= GOALS.argon2idLibsodium, 'no slower than libsodium.js')].join('; ');
    }
    out.push([env, name, `${ms(t)} ms`, x(t / anchors.native), env === 'native' ? '' : x(t / lib), env === 'native' ? '' : x(t / hw), goal]);
  }
  table(out);
}

function aeadTable(rows, anchors, figure) {
  const { len, batch } = AEAD[figure];
  const mbps = (r) => (r[`${figure}_ms`] == null ? null : (len * batch) / (r[`${figure}_ms`] / 1000) / 1e6);
  const label = len >= 1 << 20 ? `${len >> 20} MiB` : `${len >> 10} KiB`;
  console.log(`\nXChaCha20-Poly1305 encrypt, ${label} messages: median of ${RUNS[figure]} ${batch > 1 ? `batches of ${batch}` : 'calls'} after warm-up, MB/s.`);
  console.log('Ratios are throughput / anchor: above 1.00x is faster than the anchor.');
  const out = [['env', 'contender', 'MB/s', 'x native', 'x libsodium.js', 'goal (Chromium, ours)']];
  const nativeMbps = mbps(anchors.nativeResult);
  for (const [env, name, r] of rows) {
    const v = mbps(r);
    if (v == null) continue; // hash-wasm has no AEAD
    const lib = anchors[env]?.['libsodium.js'];
    const goal = env === 'chromium' && name.startsWith('hush')
      ? verdict(v / nativeMbps >= GOALS.aeadNative, `>= ${GOALS.aeadNative.toFixed(1)}x native`) : '';
    out.push([env, name, `${v.toFixed(0)} MB/s`, x(v / nativeMbps), env === 'native' ? '' : x(v / mbps(lib)), goal]);
  }
  table(out);
}

// Every contender must compute the same Argon2id hash and 1 MiB tag.
function sameOutputs(rows) {
  const wrong = [];
  const [, , ref] = rows[0];
  for (const [env, name, r] of rows) {
    if (r.argon2id_hex !== ref.argon2id_hex) wrong.push(`${env} ${name}: Argon2id ${r.argon2id_hex}`);
    if (r.aead1m_tag && r.aead1m_tag !== ref.aead1m_tag) wrong.push(`${env} ${name}: AEAD tag ${r.aead1m_tag}`);
  }
  if (wrong.length) {
    console.log(`\nOUTPUTS DIFFER from native (Argon2id ${ref.argon2id_hex}, 1 MiB tag ${ref.aead1m_tag}):`);
    for (const w of wrong) console.log(`  ${w}`);
  } else {
    console.log(`\nOutputs: all ${rows.length} contenders computed the same Argon2id hash and 1 MiB AEAD tag as native.`);
  }
  return wrong.length === 0;
}

const only = parseOnly(process.argv.slice(2));
const started = performance.now();
const load = loadavg()[0];
let correct = true;
let failed = 0;

console.log(`\nHush benchmarks, ${new Date().toISOString()}: ${cpus().length} CPUs, load average ${load.toFixed(2)} at start` +
  ` (other work on the machine skews every figure; the ratios less so). Sections: ${only.join(', ')}.`);

if (only.includes('crypto')) {
  const nativeResults = await native();
  // Node runs all contenders in one process: unlike Chromium (below), its
  // figures match each contender run alone.
  progress('node: suite.mjs');
  const nodeResults = await runSuite({ log: (text) => progress(`node: ${text}`) });
  progress('chromium: suite.mjs');
  const chrome = await chromium();
  const size = await sizes();

  const nativeResult = Object.values(nativeResults)[0];
  const lib = nodeResults['libsodium.js'];
  console.log(`native: Debian libsodium ${nativeResult.libsodium}; libsodium.js: libsodium-wrappers-sumo (libsodium ${lib.version}); ` +
    `hash-wasm; Node ${process.versions.node}; Chromium ${chrome.version} (page, main thread, cross-origin isolated: ${chrome.isolated}).`);
  console.log('hush plain / hush simd: our libsodium 1.0.18 flavours (build/wasm/bench-*.mjs, linked like web/dist/hush-core*.wasm).');

  const rows = contenders(nativeResults, nodeResults, chrome.results);
  const anchors = { native: nativeResult.argon2id_ms, nativeResult, node: nodeResults, chromium: chrome.results };
  argon2idTable(rows, anchors);
  aeadTable(rows, anchors, 'aead4k');
  aeadTable(rows, anchors, 'aead1m');

  console.log('\nCore .wasm size (web/dist; gzip -9). MB/KB are decimal.');
  const sizeRows = [['file', 'raw bytes', 'gzip bytes', 'goal']];
  for (const s of Object.values(size)) {
    sizeRows.push([s.file, bytes(s.raw), bytes(s.gzip),
      `${verdict(s.raw <= GOALS.wasmRaw, '<= 1.1 MB raw')}; ${verdict(s.gzip <= GOALS.wasmGzip, '<= 450 KB gzip')}`]);
  }
  table(sizeRows);

  console.log(`\nCore instantiation in Chromium: core.instantiateMs from web/src/core.js's loadCore, median of ${INSTANTIATE_LOADS} fresh page loads;` +
    ' "whole load" adds importing the loader and compiling the .wasm.');
  const instRows = [['file', 'instantiate', 'whole load', 'goal']];
  for (const [flavour, r] of Object.entries(chrome.instantiate)) {
    instRows.push([CORE_FILES[flavour], `${ms(r.instantiateMs)} ms`, `${ms(r.loadMs)} ms`,
      verdict(r.instantiateMs <= GOALS.instantiateMs, `<= ${GOALS.instantiateMs} ms`)]);
  }
  table(instRows);
  correct = sameOutputs(rows);
}

// The Chromium sections, each printed as soon as it is measured; one that
// fails is reported and the others still run.
const server = await startBenchServer();
for (const [name, runSection, printSection] of [['vault', runVault, printVault], ['store', runStore, printStore],
  ['expiry', runExpiry, printExpiry], ['trust', runTrust, printTrust], ['backup', runBackup, printBackup],
  ['relay', runRelay, printRelay]]) {
  if (!only.includes(name)) continue;
  const t0 = performance.now();
  try {
    const result = await runSection(server);
    printSection(result);
    console.log(`  (${name}: measured in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } catch (error) {
    failed++;
    console.log(`\n${name}: FAILED: ${error?.stack ?? error}`);
  }
}
server.close();

console.log(`\nGoals: ${goals.met} met, ${goals.missed} missed (reported, not asserted).` +
  ` Took ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()[0].toFixed(2)} at the end.`);
process.exit(correct && !failed ? 0 : 1);
