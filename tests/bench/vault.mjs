// Vault benchmarks (A): unlock and wipe through the facade in headless
// Chromium, with the real interactive cost (Argon2id opslimit 2, 64 MiB).
// The page side is tests/bench/vault-page.mjs; tests/bench/bench.mjs calls
// runVault() and printVault().
import { benchBrowser } from './server.mjs';
import { median, ms, x, range, verdict, table, progress, mb, count } from './report.mjs';

const PAGE = '/tests/bench/vault-page.mjs';
export const VAULT_RUNS = { unlock: 5, wipe: 3 };
const WIPE = { bytes: 50_000_000, piece: 5_000_000 };
const GOALS = { overArgon2idMs: 50, spread: 0.10, wipeMs: 1000 };
const GRAPHENEOS_MS = 1000; // GrapheneOS's duress test: keys gone 1 s after the code

export async function runVault(server) {
  const out = { argon2id: [], unlock: { right: [], duress: [], wrong: [] }, wipe: [] };
  // Unlocks: a fresh page per trial, the three codes in turn; before each
  // round, Argon2id alone in the same page (one warm-up, two timed).
  let b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  try {
    for (let round = 0; round < VAULT_RUNS.unlock; round++) {
      progress(`vault: unlock round ${round + 1}/${VAULT_RUNS.unlock}`);
      for (const [k, which] of ['right', 'duress', 'wrong'].entries()) {
        await b.fresh();
        if (k === 0) out.argon2id.push(await b.call(PAGE, 'argon2idAlone', 2));
        out.unlock[which].push(await b.call(PAGE, 'unlockTrial', { name: `unlock-${round}-${which}`, which }));
      }
    }
  } finally {
    await b.close();
  }
  // Wipes: a new profile, so the origin holds only the vault being wiped.
  b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  try {
    for (let i = 0; i < VAULT_RUNS.wipe; i++) {
      progress(`vault: wipe ${i + 1}/${VAULT_RUNS.wipe} (filling ${mb(WIPE.bytes)})`);
      await b.fresh();
      out.wipe.push(await b.call(PAGE, 'wipeTrial', { name: `wipe-${i}`, ...WIPE }));
    }
  } finally {
    await b.close();
  }
  return out;
}

export function printVault(r) {
  const argon = median(r.argon2id);
  console.log(`\nVault unlock through the facade (web/src/hush.js, its Worker, hush-core-simd), Argon2id opslimit 2, 64 MiB:` +
    ` a fresh vault per unlock (unlock and duress codes set, one identity with one message, locked), ms from` +
    ` hush.unlock() to its promise resolving; median of ${VAULT_RUNS.unlock} each, min-max beside it.`);
  console.log(`Anchor: Argon2id alone at the same cost, our SIMD libsodium (build/wasm/bench-simd) on the same page's thread,` +
    ` ${ms(argon)} (median of ${r.argon2id.length} rounds, each the median of 2 after a warm-up; range ${range(r.argon2id)} ms).` +
    ' The Worker\'s own split' +
    ` (hush.lastTimings, ms from the start of its unlock op): checked = attempt counted and persisted + Argon2id,` +
    ` persisted = outcome persisted, swept = the sweep after a right code.`);
  const rows = [['code', 'outcome', 'median', 'min-max', 'x Argon2id', '- Argon2id', 'Worker: checked', 'persisted', 'swept', 'goal']];
  const medians = {};
  for (const [which, outcome] of [['right', 'unlocked'], ['duress', 'wiped, new vault'], ['wrong', 'refused']]) {
    const trials = r.unlock[which];
    const t = (medians[which] = median(trials.map((u) => u.ms)));
    const split = (key) => (trials.every((u) => u.timings?.[key] != null) ? ms(median(trials.map((u) => u.timings[key]))) : '');
    rows.push([which, outcome, ms(t), `${range(trials.map((u) => u.ms))} ms`, x(t / argon), ms(t - argon),
      split('checkedMs'), split('persistedMs'), split('sweptMs'),
      verdict(t <= argon + GOALS.overArgon2idMs, `<= Argon2id + ${GOALS.overArgon2idMs} ms`)]);
  }
  table(rows);
  const values = Object.values(medians);
  const spread = Math.max(...values) / Math.min(...values) - 1;
  console.log(`  Spread of the three medians (slowest / fastest - 1): ${(spread * 100).toFixed(0)}%;` +
    ` ${verdict(spread <= GOALS.spread, 'all three within 10% of each other')}.`);

  const persisted = median(r.unlock.duress.map((u) => u.timings.persistedMs));
  console.log('\nDuress: from the start of the Worker\'s unlock op until the old data key is destroyed and that lock file is' +
    ` in IndexedDB (hush.lastTimings.persistedMs), median of ${VAULT_RUNS.unlock}.`);
  table([['figure', 'what', 'median', 'x Argon2id', 'x GrapheneOS 1 s', 'goal'],
    ['duress', 'keys destroyed + persisted', ms(persisted), x(persisted / argon), x(persisted / GRAPHENEOS_MS),
      verdict(persisted <= argon + GOALS.overArgon2idMs, `<= Argon2id + ${GOALS.overArgon2idMs} ms`)]]);

  const w = r.wipe;
  const chunks = Math.ceil(WIPE.piece / (16384 - 40)) * Math.ceil(WIPE.bytes / WIPE.piece);
  console.log(`\nWipe of a vault holding ${mb(WIPE.bytes)} of attachments (${WIPE.bytes / WIPE.piece} x ${mb(WIPE.piece)}` +
    ` through hush.addAttachment: ${count(chunks)} encrypted 16 KiB chunk files; navigator.storage.estimate() said` +
    ` ${mb(median(w.map((t) => t.usage)))} used), from the hush.wipe() call; median of ${w.length} fresh vaults.` +
    ` Filling took ${(median(w.map((t) => t.fillMs)) / 1000).toFixed(1)} s each.`);
  const gone = median(w.map((t) => t.goneMs));
  table([['figure', 'until', 'median', 'min-max', 'x GrapheneOS 1 s', 'goal'],
    ['keys', 'destroyed + persisted (Worker)', ms(median(w.map((t) => t.keysGoneMs))), `${range(w.map((t) => t.keysGoneMs), (v) => v.toFixed(1))} ms`,
      x(median(w.map((t) => t.keysGoneMs)) / GRAPHENEOS_MS), ''],
    ['storage', 'indexedDB.databases() is empty', ms(gone), `${range(w.map((t) => t.goneMs))} ms`, x(gone / GRAPHENEOS_MS),
      verdict(gone < GOALS.wipeMs, 'under 1 s')],
    ['wipe()', 'its promise resolved', ms(median(w.map((t) => t.resolvedMs))), `${range(w.map((t) => t.resolvedMs))} ms`,
      x(median(w.map((t) => t.resolvedMs)) / GRAPHENEOS_MS), '']]);
  const errors = w.flatMap((t) => t.errors);
  if (errors.length) console.log(`  Wipe errors: ${errors.join('; ')}`);
}
