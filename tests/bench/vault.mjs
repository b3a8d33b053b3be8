// Vault benchmarks (A): unlock and wipe in headless Chromium, with the real
// interactive cost (Argon2id opslimit 2, 64 MiB): through the facade
// (tests/bench/vault-page.mjs: hush.unlock, then the first identities()
// call) on OPFS and on the IndexedDB fallback, and through the demo app
// (tests/bench/vault-app.mjs: Enter on the lock screen to the first frame
// of the outcome). tests/bench/bench.mjs calls runVault() and printVault().
import { benchBrowser } from './server.mjs';
import { median, ms, x, range, verdict, table, progress, mb, count } from './report.mjs';
import { runApp } from './vault-app.mjs';

const PAGE = '/tests/bench/vault-page.mjs';
export const VAULT_RUNS = { unlock: { opfs: 5, idbfs: 3 }, app: { opfs: 5, idbfs: 3 }, wipe: 3 };
const WIPE = { bytes: 50_000_000, piece: 5_000_000 };
const GOALS = { overArgon2idMs: 50, spread: 0.10, wipeMs: 1000 };
const GRAPHENEOS_MS = 1000; // GrapheneOS's duress test: keys gone 1 s after the code
const KDF = { opslimit: 2, memlimitKib: 65536 };
const WHICH = [['right', 'unlocked'], ['duress', 'wiped, new vault'], ['wrong', 'refused']];

export async function runVault(server) {
  const out = { argon2id: [], unlock: {}, app: {}, wipe: [] };
  // Unlocks: a fresh page per trial, the three codes in turn; before each
  // round, Argon2id alone in the same page (one warm-up, two timed).
  let b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  try {
    for (const [p, rounds] of Object.entries(VAULT_RUNS.unlock)) {
      const u = (out.unlock[p] = { right: [], duress: [], wrong: [] });
      for (let round = 0; round < rounds; round++) {
        progress(`vault: facade unlock (${p}) round ${round + 1}/${rounds}`);
        for (const [k, [which]] of WHICH.entries()) {
          await b.fresh();
          if (k === 0) out.argon2id.push(await b.call(PAGE, 'argon2idAlone', 2));
          u[which].push(await b.call(PAGE, 'unlockTrial', { name: `unlock-${p}-${round}-${which}`, which, persistence: p }));
        }
      }
    }
  } finally {
    await b.close();
  }
  for (const [p, rounds] of Object.entries(VAULT_RUNS.app)) {
    out.app[p] = await runApp({ rounds, kdf: KDF, persistence: p, log: progress });
  }
  // Wipes: a new profile, so the origin holds only the vault being wiped.
  b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  try {
    for (let i = 0; i < VAULT_RUNS.wipe; i++) {
      progress(`vault: wipe ${i + 1}/${VAULT_RUNS.wipe} (filling ${mb(WIPE.bytes)}, OPFS)`);
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
  console.log(`\nVault unlock, Argon2id opslimit 2, 64 MiB, a fresh vault per trial (unlock and duress codes set, one identity with` +
    ' one message, locked). Facade: web/src/hush.js, its Worker, hush-core-simd; "unlock" = hush.unlock() to its promise resolving,' +
    ' "first view" = on to the first identities() call resolving (refused, ERR_STATE, after a wrong code). App: web/app on' +
    ' web/serve.mjs, Enter on the lock screen to the first frame showing the outcome (the vault with its identity; the empty' +
    ' vault; "Wrong code"). Medians, min-max beside them.');
  console.log(`Anchor: Argon2id alone at the same cost, our SIMD libsodium (build/wasm/bench-simd) on the page's thread,` +
    ` ${ms(argon)} (median of ${r.argon2id.length} rounds, each the median of 2 after a warm-up; range ${range(r.argon2id)} ms).` +
    ' The Worker\'s own split (hush.lastTimings, ms from the start of its unlock op): checked = attempt counted (durable) +' +
    ' Argon2id + outcome (durable), swept = after the sweep that follows a right code.');
  const rows = [['path', 'storage', 'code', 'outcome', 'median', 'min-max', 'x Argon2id', '- Argon2id', 'checked', 'swept', 'goal']];
  const spreads = [];
  const add = (path, p, trials, key, withSplit) => {
    const medians = {};
    for (const [which, outcome] of WHICH) {
      const list = trials[which];
      const t = (medians[which] = median(list.map((u) => u[key])));
      const split = (k) => (withSplit && list.every((u) => u.timings?.[k] != null) ? ms(median(list.map((u) => u.timings[k]))) : '');
      rows.push([path, p, which, outcome, ms(t), `${range(list.map((u) => u[key]))} ms`, x(t / argon), ms(t - argon),
        split('checkedMs'), split('sweptMs'), verdict(t <= argon + GOALS.overArgon2idMs, `<= Argon2id + ${GOALS.overArgon2idMs} ms`)]);
    }
    const values = Object.values(medians);
    spreads.push([path, p, values, Math.max(...values) / Math.min(...values) - 1, trials.right.length]);
  };
  for (const [p, trials] of Object.entries(r.unlock)) {
    add('facade: unlock', p, trials, 'ms', true);
    add('facade: first view', p, trials, 'firstViewMs', false);
  }
  for (const [p, trials] of Object.entries(r.app)) add('app: Enter to frame', trials.persistence ?? p, trials, 'frameMs', false);
  table(rows);
  console.log('  Spread of the three medians (slowest / fastest - 1; goal: within 10%):');
  table([['path', 'storage', 'right / duress / wrong', 'spread', 'n', 'goal'],
    ...spreads.map(([path, p, v, spread, n]) => [path, p, v.map((t) => t.toFixed(0)).join(' / ') + ' ms', `${(spread * 100).toFixed(0)}%`,
      String(n), verdict(spread <= GOALS.spread, 'within 10%')])]);

  const w = r.wipe;
  console.log(`\nWipe of a vault holding ${mb(WIPE.bytes)} of attachments (${WIPE.bytes / WIPE.piece} x ${mb(WIPE.piece)}` +
    ` through hush.addAttachment: rows of 32 KiB chunks in the pages file, OPFS; navigator.storage.estimate() said` +
    ` ${mb(median(w.map((t) => t.usage)))} used), from the hush.wipe() call; median of ${w.length} fresh vaults.` +
    ` Filling took ${(median(w.map((t) => t.fillMs)) / 1000).toFixed(1)} s each.`);
  const gone = median(w.map((t) => t.goneMs));
  table([['figure', 'until', 'median', 'min-max', 'x GrapheneOS 1 s', 'goal'],
    ['keys', 'destroyed + flushed (Worker)', ms(median(w.map((t) => t.keysGoneMs))), `${range(w.map((t) => t.keysGoneMs), (v) => v.toFixed(1))} ms`,
      x(median(w.map((t) => t.keysGoneMs)) / GRAPHENEOS_MS), ''],
    ['storage', 'no OPFS file holds a byte, no IndexedDB database', ms(gone), `${range(w.map((t) => t.goneMs))} ms`, x(gone / GRAPHENEOS_MS),
      verdict(gone < GOALS.wipeMs, 'under 1 s')],
    ['wipe()', 'its promise resolved', ms(median(w.map((t) => t.resolvedMs))), `${range(w.map((t) => t.resolvedMs))} ms`,
      x(median(w.map((t) => t.resolvedMs)) / GRAPHENEOS_MS), '']]);
  const errors = w.flatMap((t) => t.errors);
  if (errors.length) console.log(`  Wipe errors: ${errors.join('; ')}`);
}
