// Output helpers shared by tests/bench/bench.mjs and its sections: medians,
// number formats, the goal verdicts (counted for the closing line) and the
// aligned tables.

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const ms = (v) => (v == null ? '' : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
export const us = (v) => (v == null ? '' : `${(v * 1000).toFixed(1)} us`);
export const x = (v) => (v == null || !Number.isFinite(v) ? '' : `${v.toFixed(2)}x`);
export const bytes = (n) => n.toLocaleString('en-US');
export const count = (n) => Math.round(n).toLocaleString('en-US');
export const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
export const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
export const rate = (n) => `${count(n)}/s`;
export const range = (values, fmt = (v) => v.toFixed(0)) => `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`;

export const goals = { met: 0, missed: 0 };
export function verdict(ok, text) {
  ok ? goals.met++ : goals.missed++;
  return `${text}: ${ok ? 'meets' : 'misses'}`;
}

// Cells that look like numbers (with a unit) are right-aligned from the
// third column on.
const NUMERIC = /^[\d.,]+(x| ms| us| MB\/s| KiB| MB|\/s|%)?$/;
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const cell = (c, i) => {
    const text = String(c ?? '');
    return i >= 2 && NUMERIC.test(text) ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  };
  for (const [i, r] of rows.entries()) {
    console.log(`  ${r.map(cell).join('  ').trimEnd()}`);
    if (i === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

export const progress = (text) => process.stderr.write(`  ${text}\n`);
