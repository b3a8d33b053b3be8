// The app's own small server: static files from web/ plus the endpoints the
// host needs from a server. Run `node web/serve.mjs` (web/serve.sh builds
// first); tests import startServer() and listen on a free port.
//
//   /                 -> /app/
//   /clear-site-data  answers with Clear-Site-Data: "*" (or ?types=a,b), so the browser drops
//                     what page JS cannot reach (HTTP cache, HttpOnly cookies)
//   /app/index.html   names the relay in <meta name="hush-relay">: the relayUrl given, else
//                     port 8081 (HUSH_RELAY_PORT) of the host the page was asked from, so a
//                     second device on the network reaches the same relay
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const APP_PAGE = join(ROOT, 'app', 'index.html');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};
// wasm needs 'wasm-unsafe-eval'; nothing else runs but our own files.
// connect-src: the relay, and the person's WebDAV folder for backups (any
// https server; plain http on this machine only, as in the tests).
const LOOPBACK = ['http://127.0.0.1:*', 'http://localhost:*'];
const csp = (relayOrigin) => "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
  `connect-src ${['\'self\'', 'https:', ...LOOPBACK, ...(covered(relayOrigin) ? [] : [relayOrigin])].join(' ')}; ` +
  "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const SECURITY_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

const CLEAR_TYPES = ['cache', 'cookies', 'storage', 'executionContexts'];

// Hush's code and the wasm core may come from the HTTP cache: a lock ends
// the Worker and starts a fresh one, which must load its scripts even with
// the network gone (a border, a plane). They hold no secret. A messenger
// serving Hush from elsewhere needs the same (headers, or a service worker).
// Everything else, pages included, is never stored.
function cacheFor(pathname) {
  return pathname.startsWith('/src/') || pathname.startsWith('/dist/') ? { 'Cache-Control': 'max-age=86400' } : {};
}

// A relay on this machine, or over https, is allowed already.
const covered = (origin) => origin.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(origin);

// The relay this page is to use: the one given, else port relayPort of
// the host the browser asked (a name or address, nothing else).
function relayFor(req, { relayUrl, relayPort }) {
  if (relayUrl) return new URL(relayUrl).origin;
  const host = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
  return `http://${/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/.test(host) ? host : '127.0.0.1'}:${relayPort}`;
}

async function handle(req, res, options) {
  const url = new URL(req.url, 'http://localhost');
  const relay = relayFor(req, options);
  const headers = { ...SECURITY_HEADERS, 'Content-Security-Policy': csp(relay) };
  if (url.pathname === '/') {
    res.writeHead(302, { Location: `/app/${url.search}` }).end();
    return;
  }
  if (url.pathname === '/clear-site-data') {
    // ?types=cache,cookies: after a duress unlock the new vault's files
    // must stay, so "storage" is left out.
    const types = (url.searchParams.get('types') ?? '').split(',').filter((t) => CLEAR_TYPES.includes(t));
    res.writeHead(204, { ...headers, 'Clear-Site-Data': types.length ? types.map((t) => `"${t}"`).join(', ') : '"*"' }).end();
    return;
  }
  let path = normalize(join(ROOT, decodeURIComponent(url.pathname)));
  if (!path.startsWith(ROOT) || path.split(sep).includes('node_modules')) {
    res.writeHead(404).end();
    return;
  }
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
    await stat(path);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  if (path === APP_PAGE) {
    const page = (await readFile(path, 'utf8')).replace('<meta name="hush-relay" content="">', `<meta name="hush-relay" content="${relay}">`);
    res.writeHead(200, { ...headers, 'Content-Type': type }).end(page);
    return;
  }
  res.writeHead(200, { ...headers, ...cacheFor(url.pathname), 'Content-Type': type });
  createReadStream(path).pipe(res);
}

// relayUrl: where the app finds the relay (tests start their own);
// otherwise port relayPort of the page's host, where web/serve.sh starts it.
export function startServer({ port = 0, host = '127.0.0.1', relayUrl = null, relayPort = 8081 } = {}) {
  const options = { relayUrl, relayPort };
  const server = createServer((req, res) => handle(req, res, options).catch(() => res.writeHead(500).end()));
  return new Promise((resolve) => server.listen(port, host, () => {
    resolve({ server, url: `http://${host}:${server.address().port}` });
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.HUSH_PORT ?? 8080);
  const relayPort = Number(process.env.HUSH_RELAY_PORT ?? 8081);
  const { url } = await startServer({ port, host: process.env.HUSH_HOST ?? '127.0.0.1', relayPort });
  console.log(`Hush is served at ${url}/`);
}
