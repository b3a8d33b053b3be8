// Send to display through the demo app (web/app on web/serve.mjs, the
// project's relay on loopback), in two headless Chromium profiles, Alice
// and Bob: from the Enter key that sends in Alice's composer to the frame
// in which Bob's open conversation shows the message. On the way: Alice's
// durable store of it and its sealing in the core, the relay's store and
// Bob's long poll answering, Bob's core opening it (sender checked) and
// his durable store, then the view. Stamps: a capturing keydown listener in
// Alice's page, a MutationObserver and the next requestAnimationFrame in
// Bob's; both pages share the machine's clock (performance.timeOrigin +
// performance.now()). The anchor, in the same run: a fetch from Alice's
// page to a plain echo server on the same Node HTTP stack, so the figure
// shows what Hush adds to one trip over the same loopback.
// tests/bench/relay.mjs calls it.
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../e2e/browser.mjs';
import { createPin, createIdentity, startConversation, shortId } from '../e2e/app-steps.mjs';
import { startServer } from '../../web/serve.mjs';
import { startRelay } from '../../web/relay/relay.js';

const ROUNDS = 60;
const WARMUP = 5;
const BODY_BYTES = 400;

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function echoServer() {
  const server = createServer((req, res) => {
    const headers = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'content-type', 'Cache-Control': 'no-store' };
    if (req.method === 'OPTIONS') return res.writeHead(204, headers).end();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

async function openApp(browser, url) {
  await browser.page.goto(url);
  await browser.page.waitForSelector('html[data-ready="true"]');
  return browser.page;
}

export async function runRelayApp() {
  const dataDir = await mkdtemp(join(tmpdir(), 'hush-bench-relay-app-'));
  const origins = [];
  const relay = await startRelay({ dataDir, origins });
  const web = await startServer({ relayUrl: relay.url });
  origins.push(web.url);
  const echo = await echoServer();
  const alice = await launch();
  const bob = await launch();
  try {
    const url = `${web.url}/app/?kdf=test`;
    const a = await openApp(alice, url);
    const b = await openApp(bob, url);
    for (const page of [a, b]) await createPin(page);
    await createIdentity(a, 'Alice');
    await createIdentity(b, 'Bob');
    const aliceId = (await a.locator('#current-session-id').innerText()).trim();
    const bobId = (await b.locator('#current-session-id').innerText()).trim();
    await startConversation(a, bobId);
    const composer = a.getByRole('textbox', { name: /^Message to/ });
    await composer.fill('first');
    await composer.press('Enter');
    await b.locator('#conversation-list button', { hasText: shortId(aliceId) }).click();
    await b.locator('#messages li', { hasText: 'first' }).waitFor();

    await a.evaluate(() => {
      window.__sent = [];
      document.getElementById('message-body').addEventListener('keydown', (event) => {
        if (event.key === 'Enter') window.__sent.push(performance.timeOrigin + performance.now());
      }, { capture: true });
    });
    await b.evaluate(() => {
      window.__shown = [];
      const seen = new Set();
      new MutationObserver(() => {
        for (const body of document.querySelectorAll('#messages .body')) {
          const m = /^m(\d+) /.exec(body.textContent);
          if (!m || seen.has(m[1])) continue;
          seen.add(m[1]);
          const at = performance.timeOrigin + performance.now();
          requestAnimationFrame(() => window.__shown.push({ i: Number(m[1]), dom: at, frame: performance.timeOrigin + performance.now() }));
        }
      }).observe(document.getElementById('messages-scroll'), { childList: true, subtree: true });
    });
    const filler = 'x'.repeat(BODY_BYTES - 10);
    for (let i = 0; i < ROUNDS + WARMUP; i++) {
      await composer.fill(`m${i} ${filler}`);
      await composer.press('Enter');
      await b.waitForFunction((n) => window.__shown.length > n, i);
    }
    const sent = await a.evaluate(() => window.__sent);
    const shown = await b.evaluate(() => window.__shown);
    const times = shown.filter((s) => s.i >= WARMUP).map((s) => s.frame - sent[s.i]).sort((x, y) => x - y);

    const echoTimes = await a.evaluate(async ({ url, bytes, rounds }) => {
      const body = JSON.stringify({ method: 'store', params: { data: btoa('y'.repeat(bytes)) } });
      const out = [];
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        await (await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })).text();
        out.push(performance.now() - t0);
      }
      return out.slice(5).sort((x, y) => x - y);
    }, { url: echo.url, bytes: BODY_BYTES, rounds: ROUNDS + WARMUP });
    return {
      rounds: times.length,
      p50: pct(times, 0.5), p99: pct(times, 0.99),
      echoP50: pct(echoTimes, 0.5), echoP99: pct(echoTimes, 0.99),
      dropped: await b.evaluate(() => window.hushDemo?.hush?.droppedMessages ?? null),
    };
  } finally {
    await alice.close();
    await bob.close();
    echo.server.close();
    web.server.close();
    await relay.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function printRelayApp(r) {
  const f = (v) => `${v.toFixed(1)} ms`;
  console.log(`  send to display through the app (Chromium, two profiles, ${r.rounds} messages of ${BODY_BYTES} bytes, one at a time): ` +
    `p50 ${f(r.p50)}, p99 ${f(r.p99)}; in-page fetch to an echo server p50 ${f(r.echoP50)}, p99 ${f(r.echoP99)}; ` +
    `p50 over echo ${f(r.p50 - r.echoP50)} (ratio ${(r.p50 / r.echoP50).toFixed(1)}x)`);
}
