// Backup benchmark (issue #10): export and import throughput of a 200 MB
// store in headless Chromium on OPFS (tests/bench/backup-page.mjs), against
// raw secretstream throughput (libsodium.js, same page, same run), goal at
// least 50% of it; and the importing Worker's wasm memory after a 16 MB and
// after a 200 MB import, goal: the same (flat in the backup's size).
// bench.mjs calls runBackup()/printBackup().
import { benchBrowser } from './server.mjs';
import { median, x, verdict, table, progress } from './report.mjs';

const PAGE = '/tests/bench/backup-page.mjs';
const ROUNDS = 3;
const MB = 200;
const SMALL_MB = 16;
const mbps = (bytes, ms) => bytes / 2 ** 20 / (ms / 1000);

export async function runBackup(server) {
  const out = { large: [], small: null, anchor: [] };
  const b = await benchBrowser(server, { log: (t) => progress(`chromium: ${t}`) });
  try {
    await b.fresh();
    progress(`backup: ${SMALL_MB} MB`);
    out.small = await b.call(PAGE, 'backupTrial', { name: 'backup-small', mb: SMALL_MB });
    for (let round = 0; round < ROUNDS; round++) {
      progress(`backup: round ${round + 1}/${ROUNDS}, ${MB} MB`);
      await b.fresh();
      out.large.push(await b.call(PAGE, 'backupTrial', { name: `backup-${round}`, mb: MB }));
      out.anchor.push(await b.call(PAGE, 'secretstreamAnchor', { mb: MB }));
    }
  } finally {
    await b.close();
  }
  return out;
}

export function printBackup(r) {
  const exportRate = median(r.large.map((t) => mbps(t.bytes, t.exportMs)));
  const importRate = median(r.large.map((t) => mbps(t.bytes, t.importMs)));
  const pushRate = median(r.anchor.map((a) => mbps(a.bytes, a.pushMs)));
  const pullRate = median(r.anchor.map((a) => mbps(a.bytes, a.pullMs)));
  const fillRate = median(r.large.map((t) => mbps(t.fillBytes, t.fillMs)));
  console.log(`\nBackups (OPFS, Chromium): a ${MB} MiB store exported to a Blob and imported into a fresh vault, through the` +
    ` facade, median of ${r.large.length}; anchor: libsodium.js secretstream push / pull of the same bytes in 64 KiB messages.`);
  table([
    ['case', 'MB/s', 'anchor MB/s', 'x anchor', 'goal'],
    ['export (read store, seal)', exportRate.toFixed(0), `${pushRate.toFixed(0)} (push)`, x(exportRate / pushRate),
      verdict(exportRate / pushRate >= 0.5, '>= 0.50x')],
    ['import (open, write store)', importRate.toFixed(0), `${pullRate.toFixed(0)} (pull)`, x(importRate / pullRate),
      verdict(importRate / pullRate >= 0.5, '>= 0.50x')],
    ['(the store itself: addAttachment)', fillRate.toFixed(0), '', `import ${x(importRate / fillRate)} of it`, ''],
  ]);
  const mem = (v) => `${(v / 2 ** 20).toFixed(0)} MiB`;
  const large = Math.max(...r.large.map((t) => t.memoryAfter));
  table([
    ['importing Worker wasm memory', 'before', 'after', 'goal'],
    [`${SMALL_MB} MiB backup`, mem(r.small.memoryBefore), mem(r.small.memoryAfter), ''],
    [`${MB} MiB backup`, mem(Math.min(...r.large.map((t) => t.memoryBefore))), mem(large),
      verdict(large <= r.small.memoryAfter, `flat: <= the ${SMALL_MB} MiB import's`)],
  ]);
}
