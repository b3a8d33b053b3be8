// The benchmarks' static server. Our own instead of web/serve.mjs, which
// serves web/ only: the pages need tests/bench, tests/node_modules and
// build/wasm too. Only these folders are reachable. COOP + COEP make the
// page cross-origin isolated, which gives performance.now() microsecond
// resolution instead of Chromium's coarse 100 us (and lets the official
// SQLite build use OPFS in a Worker).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVED = ['tests/bench/', 'tests/node_modules/', 'build/wasm/', 'web/src/', 'web/dist/'].map((p) => join(ROOT, p));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

export function startBenchServer() {
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = normalize(join(ROOT, decodeURIComponent(new URL(req.url, 'http://localhost').pathname)));
      if (!SERVED.some((dir) => path.startsWith(dir)) || !(await stat(path)).isFile()) throw new Error('not served');
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      // Every load fetches and compiles afresh, as a first visit does.
      'Cache-Control': 'no-store',
    });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Headless Chromium (tests/e2e/browser.mjs: Debian's chromium, a fresh
// profile directory per launch) on the bench page. call(module, fn, arg)
// imports module into the page and returns (await fn(arg)); fresh() loads
// the page again (a new JS realm, same profile and storage).
export async function benchBrowser(server, { log = () => {} } = {}) {
  const { launch } = await import('../e2e/browser.mjs');
  const url = `http://127.0.0.1:${server.address().port}/tests/bench/page.html`;
  const browser = await launch();
  browser.page.on('console', (msg) => msg.type() === 'log' && log(msg.text()));
  await browser.page.goto(url);
  return {
    page: browser.page,
    url,
    fresh: () => browser.page.goto(url),
    call: (module, fn, arg) => browser.page.evaluate(async ([m, f, a]) => (await import(m))[f](a), [module, fn, arg]),
    async close() {
      const [error] = browser.errors;
      await browser.close();
      if (error) throw error;
    },
  };
}
