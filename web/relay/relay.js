// The relay's HTTP side: routing, CORS, body limits, the rate limit, and
// the Clear-Site-Data endpoint. Plain node:http, no framework.
//
//   POST    /storage_rpc/v1   the storage RPC (rpc.js)
//   GET     /clear-site-data  answers Clear-Site-Data: "*" (or ?types=a,b), as web/serve.mjs does
//   OPTIONS *                 CORS preflight, for the origins allowed
//
// Privacy: the relay logs nothing, neither requests nor content nor
// addresses. Remote addresses live only in the rate limiter's memory.
import { createServer } from 'node:http';
import * as E from './errors.js';
import { cryptoReady } from './crypto.js';
import { RateLimiter, resolveLimits } from './limits.js';
import { LongPolls } from './polls.js';
import { StorageRpc } from './rpc.js';
import { MessageStore } from './store.js';

export { WIPE_NAMESPACE } from './rpc.js';

// The app's own server (web/serve.mjs) listens on 8080.
export const DEFAULT_ORIGINS = ['http://127.0.0.1:8080', 'http://localhost:8080'];
const CLEAR_TYPES = ['cache', 'cookies', 'storage', 'executionContexts'];
const BASE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

// An allowed origin is exact, or http://*:PORT (any host on that scheme and
// port: the app served to the local network, reached by whatever address
// each device uses).
function allows(pattern, origin) {
  if (pattern === origin) return true;
  const any = /^(https?):\/\/\*:(\d+)$/.exec(pattern);
  if (!any) return false;
  try {
    const url = new URL(origin);
    return url.protocol === `${any[1]}:` && url.port === any[2] && url.origin === origin;
  } catch {
    return false;
  }
}

function corsHeaders(origin, allowed) {
  if (!origin || !(allowed === '*' || allowed.some((pattern) => allows(pattern, origin)))) return null;
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

function sendJson(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res, error, headers = {}) {
  if (!(error instanceof E.RelayError)) error = new E.RelayError(500, 'internal', 'internal error');
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, { ...headers, ...error.headers });
}

// After refusing a body (too large) the rest of it is read and thrown
// away, so the client gets the answer instead of a reset connection; the
// connection then closes. A client that keeps sending is cut off.
function refuseBody(req, res, error, headers) {
  sendError(res, error, { ...headers, Connection: 'close' });
  req.removeAllListeners('data');
  req.resume();
  setTimeout(() => req.socket.destroy(), 2000).unref();
}

// Reads the body up to `max` bytes. Resolves to a Buffer, or to null when
// the request ended otherwise (the client went away, or it was too large
// and has been answered).
function readBody(req, res, max, headers) {
  const declared = Number(req.headers['content-length']);
  if (declared > max) {
    refuseBody(req, res, E.bodyTooLarge(max), headers);
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        refuseBody(req, res, E.bodyTooLarge(max), headers);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = () => {
      cleanup();
      resolve(null);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onGone);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onGone);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

export async function startRelay({
  port = 0, host = '127.0.0.1', dataDir, limits = {}, now = Date.now, origins = DEFAULT_ORIGINS,
} = {}) {
  await cryptoReady();
  const bounds = resolveLimits(limits);
  const store = new MessageStore({ dataDir, limits: bounds, now });
  const polls = new LongPolls(bounds.maxLongPolls);
  const rpc = new StorageRpc({ store, polls, limits: bounds, now });
  const rate = new RateLimiter(bounds, now);

  async function handle(req, res) {
    const cors = corsHeaders(req.headers.origin, origins);
    if (req.headers.origin && !cors) return sendError(res, E.originNotAllowed());
    const headers = cors ?? {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...BASE_HEADERS,
        ...headers,
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Max-Age': '600',
        // Chromium's Private Network Access: a page may call a relay on
        // this machine or this network.
        ...(req.headers['access-control-request-private-network'] ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
      }).end();
      return;
    }
    const wait = rate.take(req.socket.remoteAddress ?? '');
    if (wait) return refuseOrSend(req, res, E.rateLimited(wait), headers);

    const url = new URL(req.url, 'http://relay');
    if (url.pathname === '/clear-site-data') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuseOrSend(req, res, E.methodNotAllowed('GET'), headers);
      // ?types=cache,cookies leaves the origin's storage (after a duress
      // unlock the new vault must stay); the default clears everything.
      const types = (url.searchParams.get('types') ?? '').split(',').filter((t) => CLEAR_TYPES.includes(t));
      res.writeHead(204, { ...BASE_HEADERS, ...headers, 'Clear-Site-Data': types.length ? types.map((t) => `"${t}"`).join(', ') : '"*"' }).end();
      return;
    }
    if (url.pathname !== '/storage_rpc/v1') return refuseOrSend(req, res, E.notFound(), headers);
    if (req.method !== 'POST') return refuseOrSend(req, res, E.methodNotAllowed('POST'), headers);

    const raw = await readBody(req, res, bounds.maxBodyBytes, headers);
    if (raw === null) return;
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(res, E.badJson(), headers);
    }
    // The client going away (socket closed before the answer) aborts a long poll.
    // (Only then: abort() makes a DOMException, which cost 5% of the relay's
    // time when every answered request fired it.)
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      const result = await rpc.call(body, gone.signal);
      sendJson(res, 200, result, headers); // no-op when the client is gone
    } catch (error) {
      sendError(res, error, headers);
    }
  }

  // Answers a request whose body is not wanted: drains it first if any.
  function refuseOrSend(req, res, error, headers) {
    if (req.headers['content-length'] > 0 || req.headers['transfer-encoding']) refuseBody(req, res, error, headers);
    else sendError(res, error, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => sendError(res, null));
  });
  // A body must arrive within bodyTimeoutMs of the request's start (node
  // answers 408); long polls wait after the body and are not affected.
  server.requestTimeout = bounds.bodyTimeoutMs;
  server.headersTimeout = Math.min(bounds.bodyTimeoutMs, 60_000);

  const sweeper = setInterval(() => {
    store.sweep();
    rate.sweep();
  }, bounds.sweepMs);
  sweeper.unref();

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let closing = null;
  function close() {
    closing ??= new Promise((resolve) => {
      clearInterval(sweeper);
      server.close(() => {
        store.close();
        resolve();
      });
      polls.wakeAll(); // pending polls answer with what there is
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
    return closing;
  }

  // For tests and the benchmark: what the relay holds right now.
  const stats = () => ({ longPolls: polls.size, messages: store.count, bytes: store.totalBytes, rateBuckets: rate.size });
  return { url, server, close, stats, limits: bounds };
}
