// Relay benchmark (web/relay, issue #11): throughput in messages per second
// through store + retrieve on loopback, and the latency of a long-poll
// delivery (from the sender's store leaving to the waiting retrieve's
// answer arriving), p50 and p99. The anchor, in the same run: a plain echo
// server on the same Node HTTP stack, taking the same bodies, so the figure
// shows the relay's own cost (JSON, signature check, BLAKE2b, the log).
// Each server runs in a child process of its own; this process is the
// clients. On this 2-core machine the clients take as much CPU as the
// server, so beside the rate seen, each server's own CPU time per message
// is measured (process.cpuUsage in the child) and turned into what one
// core of it would sustain: the figure the goal is about.
//
//   node tests/bench/relay.mjs        (or runRelay()/printRelay() from bench.mjs)
import { fork } from 'node:child_process';
import { generateKeyPairSync, sign as edSign, verify as edVerify, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sodiumModule from 'libsodium-wrappers-sumo';
import { runRelayApp, printRelayApp } from './relay-app.mjs';
import { verdict } from './report.mjs';

const RELAY = new URL('../../web/relay/server.mjs', import.meta.url).href;
const THROUGHPUT_MS = 3000;
const CONCURRENCY = 32;
const MAILBOXES = 64;
const LATENCY_ROUNDS = 500;
const MESSAGE_BYTES = 400; // a padded Session message of a few words, sealed
const GOAL_P50_OVER_ECHO_MS = 2;
const GOAL_RATE = 5000;

// The two servers, as child processes announcing their URL.
const CHILD = `
const kind = process.argv[2];
process.on('message', (m) => { if (m === 'cpu') process.send({ cpu: process.cpuUsage() }); });
if (kind === 'relay') {
  const { startRelay } = await import(process.argv[3]);
  const r = await startRelay({ dataDir: process.argv[4], limits: { rate: 1e9, burst: 1e9, maxMailboxBytes: 1e12, maxTotalBytes: 1e12, maxLongPolls: 1e6 } });
  process.send(r.url);
} else {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send('http://127.0.0.1:' + server.address().port));
}
`;

async function spawnServer(kind, ...args) {
  const dir = mkdtempSync(join(tmpdir(), 'hush-bench-relay-'));
  const script = join(dir, 'child.mjs');
  (await import('node:fs')).writeFileSync(script, CHILD);
  const child = fork(script, [kind, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${kind} exited ${code}`)));
  });
  // The child's CPU time so far, in microseconds (user + system).
  const cpu = () => new Promise((resolve) => {
    child.once('message', ({ cpu: { user, system } }) => resolve(user + system));
    child.send('cpu');
  });
  return { url, cpu, stop: () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
}

function post(url, text, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

function identity(sodium) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const ed = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const id = `05${Buffer.from(sodium.crypto_sign_ed25519_pk_to_curve25519(ed)).toString('hex')}`;
  const t = Date.now();
  return { id, edHex: ed.toString('hex'), t, sig: edSign(null, Buffer.from(`retrieve${t}`), privateKey).toString('base64') };
}

const storeBody = (p, data) => JSON.stringify({ method: 'store', params: { pubkey: p.id, timestamp: Date.now(), ttl: 3600_000, data } });
const retrieveBody = (p, lastHash, waitMs = 0) => JSON.stringify({ method: 'retrieve', params: {
  pubkey: p.id, pubkey_ed25519: p.edHex, timestamp: p.t, signature: p.sig, last_hash: lastHash, ...(waitMs ? { wait_ms: waitMs } : {}) } });

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

// Messages per second: CONCURRENCY clients, each storing a message and
// retrieving it (after its last hash) in turn; the echo takes both bodies.
async function throughput({ url, cpu }, people, echo) {
  const cpuBefore = await cpu();
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const base = randomBytes(MESSAGE_BYTES);
  let n = 0;
  const unique = () => { base.writeUInt32BE(n++); return base.toString('base64'); }; // same bytes would be stored once
  let messages = 0;
  let failed = 0;
  const end = Date.now() + THROUGHPUT_MS;
  const start = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let i = 0; Date.now() < end; i++) {
      const p = people[(w + i * CONCURRENCY) % people.length];
      const s = await post(`${url}/storage_rpc/v1`, storeBody(p, unique()), agent);
      const r = await post(`${url}/storage_rpc/v1`, retrieveBody(p, p.last ?? ''), agent);
      if (!echo) {
        const got = s.status === 200 && r.status === 200 && JSON.parse(r.text).messages;
        if (!got || got.length === 0) { if (!failed) console.error(s.status, s.text.slice(0, 200), r.status, r.text.slice(0, 200)); failed++; }
        else p.last = got[got.length - 1].hash;
      }
      messages++;
    }
  }));
  const seconds = (Date.now() - start) / 1000;
  agent.destroy();
  const cpuUs = (await cpu()) - cpuBefore;
  return { rate: messages / seconds, messages, failed, cpuUsPerMessage: cpuUs / messages, perCore: messages / (cpuUs / 1e6) };
}

// Messages as a relay carries them: CONCURRENCY senders storing to
// MAILBOXES mailboxes, each owner holding a long poll that answers with
// everything new (a real client's retrieve brings what waited, not one
// message). Delivered messages per second, with each store counted once and
// none lost or seen twice. The echo anchor takes the same store requests.
async function flow(server, people, echo) {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const base = randomBytes(MESSAGE_BYTES);
  let n = 0;
  const unique = () => { base.writeUInt32BE(n++); return base.toString('base64'); };
  const cpuBefore = await server.cpu();
  const start = Date.now();
  const end = start + THROUGHPUT_MS;
  let stored = 0;
  let retrieves = 0;
  const seen = new Set();
  let duplicates = 0;
  const take = (text) => {
    const got = JSON.parse(text).messages ?? [];
    for (const m of got) {
      if (seen.has(m.hash)) duplicates++;
      seen.add(m.hash);
    }
    return got;
  };
  const owners = echo ? [] : people.map(async (p) => {
    while (Date.now() < end) {
      const got = take((await post(`${server.url}/storage_rpc/v1`, retrieveBody(p, p.flowLast ?? '', 500), agent)).text);
      retrieves++;
      if (got.length) p.flowLast = got[got.length - 1].hash;
    }
  });
  const senders = Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let i = 0; Date.now() < end; i++) {
      const p = people[(w * 7 + i) % people.length];
      const res = await post(`${server.url}/storage_rpc/v1`, storeBody(p, unique()), agent);
      if (res.status === 200) stored++;
    }
  });
  await Promise.all([...owners, ...senders]);
  const seconds = (Date.now() - start) / 1000;
  if (!echo) {
    for (const p of people) { // what arrived after the last polls
      take((await post(`${server.url}/storage_rpc/v1`, retrieveBody(p, p.flowLast ?? ''), agent)).text);
    }
  }
  const cpuUs = (await server.cpu()) - cpuBefore;
  agent.destroy();
  const messages = echo ? stored : seen.size;
  return { rate: messages / seconds, stored, delivered: seen.size, duplicates, retrieves, cpuUsPerMessage: cpuUs / stored, perCore: stored / (cpuUs / 1e6) };
}

// Long-poll delivery: one retrieve waiting, one store; the time from the
// store being sent to the poll's answer. Echo: one request's round trip.
async function latency(url, p, echo) {
  const pollAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sendAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const data = randomBytes(MESSAGE_BYTES).toString('base64');
  const times = [];
  for (let i = 0; i < LATENCY_ROUNDS + 20; i++) {
    let t0;
    if (echo) {
      t0 = performance.now();
      await post(`${url}/storage_rpc/v1`, storeBody(p, data), sendAgent);
    } else {
      const poll = post(`${url}/storage_rpc/v1`, retrieveBody(p, p.last ?? '', 10_000), pollAgent);
      await new Promise((r) => setTimeout(r, 2)); // let the poll reach the relay and wait
      t0 = performance.now();
      const unique = JSON.stringify({ method: 'store', params: { pubkey: p.id, timestamp: Date.now(), ttl: 3600_000, data: randomBytes(MESSAGE_BYTES).toString('base64') } });
      const [res] = await Promise.all([poll, post(`${url}/storage_rpc/v1`, unique, sendAgent)]);
      const got = JSON.parse(res.text).messages;
      if (got.length !== 1) throw new Error(`long poll answered with ${got.length} messages`);
      p.last = got[0].hash;
    }
    if (i >= 20) times.push(performance.now() - t0); // 20 rounds of warm-up
  }
  pollAgent.destroy();
  sendAgent.destroy();
  times.sort((a, b) => a - b);
  return { p50: pct(times, 0.5), p99: pct(times, 0.99) };
}

// One Ed25519 verification, the floor of a signed retrieve: node:crypto
// (what the relay uses) and libsodium.js, in µs.
function verifyCost(sodium, rounds = 2000) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.from(`retrieve${Date.now()}`);
  const signature = edSign(null, message, privateKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const time = (fn) => {
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) fn();
    return ((performance.now() - t0) / rounds) * 1000;
  };
  return {
    node: time(() => edVerify(null, message, publicKey, signature)),
    sodium: time(() => sodium.crypto_sign_verify_detached(signature, message, raw)),
  };
}

export async function runRelay() {
  await sodiumModule.ready;
  const people = Array.from({ length: MAILBOXES }, () => identity(sodiumModule));
  const dataDir = mkdtempSync(join(tmpdir(), 'hush-bench-relay-data-'));
  const relay = await spawnServer('relay', RELAY, dataDir);
  const echo = await spawnServer('echo');
  const out = { verify: verifyCost(sodiumModule) };
  try {
    out.echoRate = await throughput(echo, people, true);
    out.relayRate = await throughput(relay, people, false);
    // Mailboxes of their own, so nothing of the run above is counted.
    const owners = Array.from({ length: MAILBOXES }, () => identity(sodiumModule));
    out.echoFlow = await flow(echo, owners, true);
    out.relayFlow = await flow(relay, owners, false);
    out.echoLatency = await latency(echo.url, people[0], true);
    out.relayLatency = await latency(relay.url, identity(sodiumModule), false);
  } finally {
    relay.stop();
    echo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  out.app = await runRelayApp();
  return out;
}

export function printRelay(r) {
  const f = (v) => `${v.toFixed(2)} ms`;
  console.log(`\nRelay (web/relay, loopback, server in its own process; ${MESSAGE_BYTES}-byte messages, ${CONCURRENCY} clients):`);
  console.log(`  throughput, store + retrieve: relay ${Math.round(r.relayRate.rate)} msg/s (${r.relayRate.failed} failed), ` +
    `echo ${Math.round(r.echoRate.rate)} msg/s (same 2 requests), ratio ${(r.relayRate.rate / r.echoRate.rate).toFixed(2)}x`);
  const us = (x) => `${Math.round(x.cpuUsPerMessage)} µs`;
  console.log(`  server CPU per message: relay ${us(r.relayRate)}, echo ${us(r.echoRate)} (ratio ${(r.relayRate.cpuUsPerMessage / r.echoRate.cpuUsPerMessage).toFixed(2)}x); ` +
    `one core sustains: relay ${Math.round(r.relayRate.perCore)} msg/s, echo ${Math.round(r.echoRate.perCore)} msg/s; ` +
    `${verdict(r.relayRate.perCore >= GOAL_RATE, `goal >= ${GOAL_RATE}/s on one core`)}`);
  console.log(`  one Ed25519 verification (each signed retrieve has one): node:crypto ${r.verify.node.toFixed(0)} µs, ` +
    `libsodium.js ${r.verify.sodium.toFixed(0)} µs; with the echo's own cost, one core could not pass ` +
    `${Math.round(1e6 / (r.echoRate.cpuUsPerMessage + r.verify.node))} store + retrieve pairs per second`);
  const fl = r.relayFlow;
  console.log(`  messages carried (stores, each owner's long poll bringing what waited): relay ${Math.round(fl.rate)} msg/s delivered ` +
    `(${fl.stored} stored, ${fl.delivered} delivered, ${fl.duplicates} twice, ${fl.retrieves} retrieves), ` +
    `server CPU ${us(fl)} per message, one core sustains ${Math.round(fl.perCore)} msg/s; echo of the same stores ${us(r.echoFlow)}, ` +
    `${Math.round(r.echoFlow.perCore)} msg/s per core (ratio ${(fl.cpuUsPerMessage / r.echoFlow.cpuUsPerMessage).toFixed(2)}x); ` +
    `${verdict(fl.perCore >= GOAL_RATE, `goal >= ${GOAL_RATE}/s on one core`)}`);
  const over = r.relayLatency.p50 - r.echoLatency.p50;
  console.log(`  long-poll delivery: p50 ${f(r.relayLatency.p50)}, p99 ${f(r.relayLatency.p99)}; echo round trip p50 ${f(r.echoLatency.p50)}, ` +
    `p99 ${f(r.echoLatency.p99)}; p50 over echo ${f(over)} (ratio ${(r.relayLatency.p50 / r.echoLatency.p50).toFixed(2)}x); ` +
    `${verdict(over <= GOAL_P50_OVER_ECHO_MS, `goal <= ${GOAL_P50_OVER_ECHO_MS} ms over`)}`);
  if (r.app) printRelayApp(r.app);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printRelay(await runRelay());
  process.exit(0);
}
