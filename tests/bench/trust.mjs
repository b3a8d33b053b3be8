// Remote deletion benchmark: from a friend's wipe reaching hush.receive()
// to the keys destroyed and persisted, locked and unlocked, on OPFS in
// headless Chromium (tests/bench/trust-page.mjs); the anchors: the user's
// own wipe (hush.wipe()) in the same run, and GrapheneOS's duress test,
// which allows 1 s. A message that matches no slot is timed too: what
// every polled message costs a locked device. bench.mjs calls
// runTrust()/printTrust().
import { benchBrowser } from './server.mjs';
import { median, ms, x, verdict, table, progress } from './report.mjs';

const PAGE = '/tests/bench/trust-page.mjs';
const ROUNDS = 7;
const GOAL_MS = 100;
const GRAPHENEOS_MS = 1000;
const HOW = ['remote-locked', 'remote-unlocked', 'manual', 'junk-locked'];

export async function runTrust(server) {
  const out = Object.fromEntries(HOW.map((h) => [h, []]));
  const b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      progress(`trust: round ${round + 1}/${ROUNDS}`);
      for (const how of HOW) {
        await b.fresh();
        out[how].push(await b.call(PAGE, 'wipeTrial', { name: `trust-${round}-${how}`, how }));
      }
    }
  } finally {
    await b.close();
  }
  return out;
}

export function printTrust(r) {
  const manual = median(r.manual.map((t) => t.ms));
  console.log(`\nRemote deletion (OPFS, Chromium): from hush.receive(wipe) to its promise resolving, the keys destroyed and` +
    ` persisted (Worker: core write + fsync + erase); median of ${r['remote-locked'].length} fresh vaults each.`);
  const rows = [['case', 'median', 'Worker', 'x manual wipe', 'x GrapheneOS 1 s', 'state after', 'goal']];
  for (const how of HOW) {
    const t = median(r[how].map((v) => v.ms));
    const w = median(r[how].map((v) => v.workerMs ?? NaN));
    const states = [...new Set(r[how].map((v) => v.state))].join(',');
    const goal = how.startsWith('remote') ? verdict(t < GOAL_MS, `< ${GOAL_MS} ms`) : '';
    rows.push([how, ms(t), ms(w), x(t / manual), x(t / GRAPHENEOS_MS), states, goal]);
  }
  table(rows);
}
