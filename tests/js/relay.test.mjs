// The relay (web/relay) over real HTTP on loopback: Session's storage RPC
// subset, its signatures and hashes checked independently (node:crypto
// Ed25519, libsodium.js for the X25519 ID and BLAKE2b), every bound with its
// status and JSON reason, clients that go away mid-request, a restart with
// messages pending, and 1,000 concurrent long polls.
// Needs `npm ci` in web/relay (its libsodium.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as edSign, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodiumModule from 'libsodium-wrappers-sumo';
import { startRelay, WIPE_NAMESPACE } from '../../web/relay/server.mjs';

let sodium;
const dirs = [];
const relays = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  await sodiumModule.ready;
  sodium = sodiumModule;
});
after(async () => {
  await Promise.all(relays.map((r) => r.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'hush-relay-'));
  dirs.push(d);
  return d;
}

// A relay with a clock the test moves (clock.t), torn down at the end.
async function relay({ limits = {}, dataDir, t = Date.now(), ...rest } = {}) {
  const clock = { t };
  const r = await startRelay({ dataDir, limits: { rate: 1e6, burst: 1e6, ...limits }, now: () => clock.t, ...rest });
  relays.push(r);
  return Object.assign(r, { clock });
}

// A mailbox owner: an Ed25519 key pair, and its Session ID "05" ‖ X25519 pk.
function identity() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const ed = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const x = Buffer.from(sodium.crypto_sign_ed25519_pk_to_curve25519(ed));
  return {
    id: `05${x.toString('hex')}`,
    edHex: ed.toString('hex'),
    sign: (text) => edSign(null, Buffer.from(text), privateKey).toString('base64'),
  };
}

// POST { method, params } and the parsed answer.
function post(url, body, { agent, headers = {}, raw } = {}) {
  const text = raw ?? JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/storage_rpc/v1`, {
      method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const s = Buffer.concat(chunks).toString();
        let json = null;
        try { json = JSON.parse(s); } catch { /* not json */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text: s });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}
const rpc = (r, method, params, opts) => post(r.url, { method, params }, opts);

function storeParams(to, data, { t, ttl = 3600_000, namespace } = {}) {
  return { pubkey: to, timestamp: t, ttl, data: Buffer.from(data).toString('base64'), ...(namespace === undefined ? {} : { namespace }) };
}
function retrieveParams(who, t, { namespace = 0, ...more } = {}) {
  const ns = namespace === 0 ? '' : String(namespace);
  return { pubkey: who.id, pubkey_ed25519: who.edHex, timestamp: t, signature: who.sign(`retrieve${ns}${t}`), ...(namespace ? { namespace } : {}), ...more };
}
function deleteParams(who, hashes) {
  return { pubkey: who.id, pubkey_ed25519: who.edHex, messages: hashes, signature: who.sign(`delete${hashes.join('')}`) };
}
function assertError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.error?.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
}
async function until(cond, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

// Session's message hash, built here from oxen-storage-server's description
// (request_handler.cpp computeMessageHash): BLAKE2b-256 of 0x05 ‖ pubkey ‖
// namespace digits (none for 0) ‖ data, unpadded base64.
function sessionHash(id, namespace, data) {
  const input = Buffer.concat([Buffer.from(id, 'hex'), Buffer.from(namespace ? String(namespace) : ''), Buffer.from(data)]);
  return Buffer.from(sodium.crypto_generichash(32, input, null)).toString('base64').replace(/=+$/, '');
}

test('store, retrieve, last_hash, delete: the round trip, with Session\'s hashes', async () => {
  const r = await relay();
  const t = r.clock.t;
  const bob = identity();
  const stored = [];
  for (const text of ['one', 'two', 'three']) {
    const res = await rpc(r, 'store', storeParams(bob.id, text, { t }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.hash, sessionHash(bob.id, 0, text));
    assert.equal(res.json.expiry, t + 3600_000);
    stored.push(res.json.hash);
  }
  // BLAKE2b's output length is in its parameter block: a 512-bit hash cut
  // to 32 bytes is another function, so node:crypto's blake2b512 would not do.
  const cut = createHash('blake2b512').update(Buffer.concat([Buffer.from(bob.id, 'hex'), Buffer.from('one')])).digest().subarray(0, 32);
  assert.notEqual(cut.toString('base64').replace(/=+$/, ''), stored[0]);
  // Same bytes to the same mailbox: stored once, as Session does.
  const again = await rpc(r, 'store', storeParams(bob.id, 'one', { t }));
  assert.equal(again.json.hash, stored[0]);
  assert.equal(again.json.already, true);

  const all = await rpc(r, 'retrieve', retrieveParams(bob, t));
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.json.messages.map((m) => m.hash), stored);
  assert.deepEqual(all.json.messages.map((m) => Buffer.from(m.data, 'base64').toString()), ['one', 'two', 'three']);
  assert.equal(all.json.messages[0].timestamp, t);
  assert.equal(all.json.messages[0].expiry, t + 3600_000);
  assert.equal(all.json.more, false);

  const later = await rpc(r, 'retrieve', retrieveParams(bob, t, { last_hash: stored[0] }));
  assert.deepEqual(later.json.messages.map((m) => m.hash), stored.slice(1));
  const none = await rpc(r, 'retrieve', retrieveParams(bob, t, { last_hash: stored[2] }));
  assert.deepEqual(none.json.messages, []);
  const page = await rpc(r, 'retrieve', retrieveParams(bob, t, { max_count: 2 }));
  assert.equal(page.json.messages.length, 2);
  assert.equal(page.json.more, true);

  // Another namespace is another box, and its hash has the namespace in it.
  const other = await rpc(r, 'store', storeParams(bob.id, 'one', { t, namespace: 10 }));
  assert.equal(other.json.hash, sessionHash(bob.id, 10, 'one'));
  assert.equal((await rpc(r, 'retrieve', retrieveParams(bob, t))).json.messages.length, 3);

  // delete: only the owner, only their messages.
  const eve = identity();
  const eveTry = await rpc(r, 'delete', deleteParams(eve, [stored[0]]));
  assert.equal(eveTry.status, 200);
  assert.deepEqual(eveTry.json.deleted, []);
  assertError(await rpc(r, 'delete', { ...deleteParams(eve, [stored[0]]), required: true }), 404, 'not_found');
  const forged = { ...deleteParams(bob, [stored[0]]), signature: bob.sign(`delete${stored[1]}`) };
  assertError(await rpc(r, 'delete', forged), 401, 'bad_signature');
  const del = await rpc(r, 'delete', deleteParams(bob, [stored[1], stored[0]]));
  assert.equal(del.status, 200, del.text);
  assert.deepEqual(del.json.deleted, [stored[0], stored[1]].sort());
  const left = await rpc(r, 'retrieve', retrieveParams(bob, t));
  assert.deepEqual(left.json.messages.map((m) => m.hash), [stored[2]]);
  // A last_hash that is gone gives everything, as oxen-storage-server does.
  const gone = await rpc(r, 'retrieve', retrieveParams(bob, t, { last_hash: stored[0] }));
  assert.deepEqual(gone.json.messages.map((m) => m.hash), [stored[2]]);

  const info = await rpc(r, 'info', {});
  assert.equal(info.json.timestamp, t);
  assert.ok(Array.isArray(info.json.version));
});

test('signatures: required, checked, by the key behind the Session ID, within ±60 s', async () => {
  const r = await relay();
  const t = r.clock.t;
  const bob = identity();
  const eve = identity();
  await rpc(r, 'store', storeParams(bob.id, 'secret', { t }));

  const { signature, ...unsigned } = retrieveParams(bob, t);
  assertError(await rpc(r, 'retrieve', unsigned), 401, 'signature_required');
  // Eve's signature with Eve's key, claiming Bob's mailbox.
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(eve, t), pubkey: bob.id }), 401, 'wrong_pubkey_ed25519');
  // Bob's key named, Eve's signature.
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(bob, t), signature: eve.sign(`retrieve${t}`) }), 401, 'bad_signature');
  // Signed over another timestamp or namespace than the one sent.
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(bob, t), timestamp: t + 1 }), 401, 'bad_signature');
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(bob, t), namespace: 10 }), 401, 'bad_signature');
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(bob, t), pubkey_ed25519: undefined }), 400, 'bad_params');
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(bob, t), signature: 'AAAA' }), 400, 'bad_params');

  // The clock: ±60 s of the relay's time, not the client's.
  assert.equal((await rpc(r, 'retrieve', retrieveParams(bob, t - 59_000))).status, 200);
  assert.equal((await rpc(r, 'retrieve', retrieveParams(bob, t + 60_000))).status, 200);
  assertError(await rpc(r, 'retrieve', retrieveParams(bob, t - 61_000)), 406, 'stale_timestamp');
  assertError(await rpc(r, 'retrieve', retrieveParams(bob, t + 61_000)), 406, 'stale_timestamp');
  r.clock.t = t + 120_000;
  assertError(await rpc(r, 'retrieve', retrieveParams(bob, t)), 406, 'stale_timestamp');
  const ok = await rpc(r, 'retrieve', retrieveParams(bob, r.clock.t));
  assert.equal(ok.status, 200);
  assert.equal(Buffer.from(ok.json.messages[0].data, 'base64').toString(), 'secret');

  // Namespaces not divisible by 10 take stores from their owner only.
  const ns = 7;
  const sigTs = r.clock.t;
  assertError(await rpc(r, 'store', storeParams(bob.id, 'x', { t: sigTs, namespace: ns })), 401, 'signature_required');
  const signedStore = { ...storeParams(bob.id, 'x', { t: sigTs, namespace: ns }), pubkey_ed25519: bob.edHex, sig_timestamp: sigTs, signature: bob.sign(`store${ns}${sigTs}`) };
  assert.equal((await rpc(r, 'store', signedStore)).status, 200);
  assertError(await rpc(r, 'store', { ...signedStore, signature: eve.sign(`store${ns}${sigTs}`) }), 401, 'bad_signature');
});

test('wipe mailboxes: their namespace needs no signature to retrieve; others do', async () => {
  const r = await relay();
  const t = r.clock.t;
  const mailbox = identity(); // a wipe mailbox is a Session ID like any other
  const wipe = randomBytes(304);
  const stored = await rpc(r, 'store', storeParams(mailbox.id, wipe, { t, namespace: WIPE_NAMESPACE }));
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.json.hash, sessionHash(mailbox.id, WIPE_NAMESPACE, wipe));
  const got = await rpc(r, 'retrieve', { pubkey: mailbox.id, namespace: WIPE_NAMESPACE });
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(Buffer.from(got.json.messages[0].data, 'base64'), wipe);
  // A signature that is given is still checked.
  assertError(await rpc(r, 'retrieve', { ...retrieveParams(mailbox, t, { namespace: WIPE_NAMESPACE }), timestamp: t + 5 }), 401, 'bad_signature');
  assert.equal((await rpc(r, 'retrieve', retrieveParams(mailbox, t, { namespace: WIPE_NAMESPACE }))).status, 200);
  // The same message in the default namespace stays closed without one.
  await rpc(r, 'store', storeParams(mailbox.id, wipe, { t }));
  assertError(await rpc(r, 'retrieve', { pubkey: mailbox.id }), 401, 'signature_required');
  assertError(await rpc(r, 'retrieve', { pubkey: mailbox.id, namespace: 10 }), 401, 'signature_required');
});

test('bad requests: JSON, method, params, paths', async () => {
  const r = await relay();
  const t = r.clock.t;
  assertError(await post(r.url, null, { raw: '{"method":' }), 400, 'bad_json');
  assertError(await post(r.url, null, { raw: '[1,2]' }), 400, 'bad_json');
  assertError(await post(r.url, null, { raw: '\xff\xfe' }), 400, 'bad_json');
  assertError(await rpc(r, 'get_swarm', {}), 400, 'unknown_method');
  assertError(await post(r.url, { method: 'store', params: [] }), 400, 'bad_params');
  const bob = identity();
  assertError(await rpc(r, 'store', { ...storeParams(bob.id, 'x', { t }), pubkey: bob.id.slice(2) }), 400, 'bad_params');
  assertError(await rpc(r, 'store', { ...storeParams(bob.id, 'x', { t }), data: 'not base64!' }), 400, 'bad_params');
  assertError(await rpc(r, 'store', { ...storeParams(bob.id, 'x', { t }), namespace: 40000 }), 400, 'bad_params');
  assertError(await rpc(r, 'store', { ...storeParams(bob.id, 'x', { t }), timestamp: 'soon' }), 400, 'bad_params');
  assertError(await rpc(r, 'store', { ...storeParams(bob.id, 'x', { t }), ttl: undefined }), 400, 'bad_params');
  assertError(await rpc(r, 'store', storeParams(bob.id, 'x', { t: t + 11_000 })), 406, 'bad_timestamp');
  assertError(await rpc(r, 'store', storeParams(bob.id, 'x', { t: t - 3600_000 - 11_000 })), 406, 'bad_timestamp');
  assertError(await rpc(r, 'delete', { ...deleteParams(bob, ['a']), messages: [] }), 400, 'bad_params');
  const get = await fetch(`${r.url}/storage_rpc/v1`);
  assert.equal(get.status, 405);
  assert.equal((await get.json()).error.code, 'method_not_allowed');
  const nowhere = await fetch(`${r.url}/nowhere`);
  assert.equal(nowhere.status, 404);
  assert.equal((await nowhere.json()).error.code, 'not_found');
});

test('bounds: body, data, ttl, per mailbox, in total, rate, long polls', async () => {
  const t = Date.now();
  const bob = identity();
  const alice = identity();

  // Body size: refused before it is read, with the reason.
  const small = await relay({ t, limits: { maxBodyBytes: 1000 } });
  assertError(await rpc(small, 'store', storeParams(bob.id, Buffer.alloc(1000), { t })), 413, 'body_too_large');
  assert.equal((await rpc(small, 'info', {})).status, 200);
  // The same, chunked (no Content-Length): cut off once over the bound.
  const chunked = await new Promise((resolve, reject) => {
    const req = request(`${small.url}/storage_rpc/v1`, { method: 'POST' }, (res) => {
      let s = '';
      res.on('data', (c) => { s += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(s), text: s }));
    });
    req.on('error', reject);
    for (let i = 0; i < 4; i++) req.write(Buffer.alloc(400, 0x20));
    req.end();
  });
  assertError(chunked, 413, 'body_too_large');

  const r = await relay({ t });
  // Data: 76,800 bytes decoded is the most (Session's MAX_MESSAGE_BODY).
  assert.equal((await rpc(r, 'store', storeParams(bob.id, Buffer.alloc(76_800, 1), { t }))).status, 200);
  assertError(await rpc(r, 'store', storeParams(bob.id, Buffer.alloc(76_801, 1), { t })), 413, 'data_too_large');
  // TTL: 14 days at most, 10 s at least.
  const day = 24 * 3600_000;
  assert.equal((await rpc(r, 'store', storeParams(bob.id, 'a', { t, ttl: 14 * day }))).status, 200);
  assertError(await rpc(r, 'store', storeParams(bob.id, 'b', { t, ttl: 14 * day + 1 })), 403, 'bad_ttl');
  assertError(await rpc(r, 'store', storeParams(bob.id, 'c', { t, ttl: 5000 })), 403, 'bad_ttl');

  // Per mailbox and in total (decoded bytes + 128 per message).
  const full = await relay({ t, limits: { maxMailboxBytes: 3 * (1000 + 128), maxTotalBytes: 5 * (1000 + 128) } });
  for (let i = 0; i < 3; i++) assert.equal((await rpc(full, 'store', storeParams(bob.id, Buffer.alloc(1000, i), { t }))).status, 200);
  assertError(await rpc(full, 'store', storeParams(bob.id, Buffer.alloc(1000, 9), { t })), 507, 'mailbox_full');
  for (let i = 0; i < 2; i++) assert.equal((await rpc(full, 'store', storeParams(alice.id, Buffer.alloc(1000, i), { t }))).status, 200);
  assertError(await rpc(full, 'store', storeParams(alice.id, Buffer.alloc(1000, 9), { t })), 507, 'relay_full');
  // Deleting makes room again.
  const held = await rpc(full, 'retrieve', retrieveParams(bob, t));
  await rpc(full, 'delete', deleteParams(bob, [held.json.messages[0].hash]));
  assert.equal((await rpc(full, 'store', storeParams(alice.id, Buffer.alloc(1000, 9), { t }))).status, 200);

  // Rate per address: a burst, then 429 with Retry-After, then refilled.
  const slow = await relay({ t, limits: { rate: 10, burst: 5 } });
  for (let i = 0; i < 5; i++) assert.equal((await rpc(slow, 'info', {})).status, 200);
  const limited = await rpc(slow, 'info', {});
  assertError(limited, 429, 'rate_limited');
  assert.equal(limited.headers['retry-after'], '1');
  slow.clock.t += 200; // two tokens
  assert.equal((await rpc(slow, 'info', {})).status, 200);
  assert.equal((await rpc(slow, 'info', {})).status, 200);
  assertError(await rpc(slow, 'info', {}), 429, 'rate_limited');

  // Long polls held at once.
  const few = await relay({ t, limits: { maxLongPolls: 2 } });
  const waiting = [rpc(few, 'retrieve', retrieveParams(bob, t, { wait_ms: 5000 })), rpc(few, 'retrieve', retrieveParams(alice, t, { wait_ms: 5000 }))];
  await until(() => few.stats().longPolls === 2);
  assertError(await rpc(few, 'retrieve', retrieveParams(bob, t, { wait_ms: 5000 })), 503, 'too_many_polls');
  // A retrieve without wait_ms is still served.
  assert.equal((await rpc(few, 'retrieve', retrieveParams(bob, t))).status, 200);
  await rpc(few, 'store', storeParams(bob.id, 'wake', { t }));
  await rpc(few, 'store', storeParams(alice.id, 'wake', { t }));
  assert.deepEqual((await Promise.all(waiting)).map((w) => w.json.messages.length), [1, 1]);
  assert.equal(few.stats().longPolls, 0);
});

test('long poll: held until a message arrives, or until wait_ms', async () => {
  const r = await relay();
  const t = r.clock.t;
  const bob = identity();
  const start = Date.now();
  const empty = await rpc(r, 'retrieve', retrieveParams(bob, t, { wait_ms: 200 }));
  assert.ok(Date.now() - start >= 190, 'held for wait_ms');
  assert.deepEqual(empty.json.messages, []);

  const pending = rpc(r, 'retrieve', retrieveParams(bob, t, { wait_ms: 10_000 }));
  await until(() => r.stats().longPolls === 1);
  // A store elsewhere does not wake it.
  await rpc(r, 'store', storeParams(identity().id, 'not for bob', { t }));
  await rpc(r, 'store', storeParams(bob.id, 'not this namespace', { t, namespace: 10 }));
  await sleep(50);
  assert.equal(r.stats().longPolls, 1);
  const sent = Date.now();
  const stored = await rpc(r, 'store', storeParams(bob.id, 'hi', { t }));
  const got = await pending;
  assert.ok(Date.now() - sent < 1000);
  assert.deepEqual(got.json.messages.map((m) => m.hash), [stored.json.hash]);
  assert.equal(r.stats().longPolls, 0);
});

test('clients that go away mid-request: the relay keeps serving, nothing leaks', async () => {
  const r = await relay();
  const t = r.clock.t;
  const bob = identity();
  const { port } = new URL(r.url);

  // Mid-body: headers promise 1000 bytes, 20 come, the socket is destroyed.
  for (let i = 0; i < 20; i++) {
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((res) => socket.once('connect', res));
    socket.write(`POST /storage_rpc/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"method":"store",`);
    await sleep(5);
    socket.destroy();
  }
  // Mid-headers.
  const half = connect(Number(port), '127.0.0.1');
  await new Promise((res) => half.once('connect', res));
  half.write('POST /storage_rpc/v1 HTTP/1.1\r\nContent-Le');
  await sleep(5);
  half.destroy();
  const connections = () => new Promise((res) => r.server.getConnections((e, n) => res(n)));
  const end = Date.now() + 2000;
  while ((await connections()) > 0 && Date.now() < end) await sleep(10);
  assert.equal(await connections(), 0, 'the cut requests left no connection behind');

  // During long polls: 50 held, then their sockets destroyed.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const reqs = [];
  for (let i = 0; i < 50; i++) {
    const text = JSON.stringify({ method: 'retrieve', params: retrieveParams(bob, t, { wait_ms: 20_000 }) });
    const req = request(`${r.url}/storage_rpc/v1`, { method: 'POST', agent, headers: { 'Content-Length': Buffer.byteLength(text) } });
    req.on('error', () => {});
    req.end(text);
    reqs.push(req);
  }
  await until(() => r.stats().longPolls === 50);
  for (const req of reqs) req.destroy();
  await until(() => r.stats().longPolls === 0, 2000);
  agent.destroy();

  // Still serving: a store, and a long poll that gets it.
  const pending = rpc(r, 'retrieve', retrieveParams(bob, t, { wait_ms: 5000 }));
  await until(() => r.stats().longPolls === 1);
  const stored = await rpc(r, 'store', storeParams(bob.id, 'still here', { t }));
  assert.equal(stored.status, 200);
  assert.deepEqual((await pending).json.messages.map((m) => m.hash), [stored.json.hash]);
  assert.equal(r.stats().longPolls, 0);
  assert.equal(r.stats().messages, 1);
});

test('restart with messages pending: same hashes, deleted and expired ones gone', async () => {
  const dataDir = tempDir();
  const t = Date.now();
  const bob = identity();
  const wipeBox = identity();
  let r = await relay({ dataDir, t });
  const keep = [];
  for (const text of ['a', 'b', 'c']) keep.push((await rpc(r, 'store', storeParams(bob.id, text, { t, ttl: 24 * 3600_000 }))).json.hash);
  const short = (await rpc(r, 'store', storeParams(bob.id, 'short', { t, ttl: 10_000 }))).json.hash;
  const wipe = (await rpc(r, 'store', storeParams(wipeBox.id, randomBytes(304), { t, namespace: WIPE_NAMESPACE }))).json.hash;
  await rpc(r, 'delete', deleteParams(bob, [keep[1]]));
  const before = await rpc(r, 'retrieve', retrieveParams(bob, t));
  assert.deepEqual(before.json.messages.map((m) => m.hash), [keep[0], keep[2], short]);
  await r.close();
  // Privacy: what is on disk is mailboxes, hashes, times and ciphertext.
  assert.ok(!readFileSync(join(dataDir, 'messages.jsonl'), 'utf8').includes('127.0.0.1'));
  // A torn last line, as after a crash in the middle of a write.
  appendFileSync(join(dataDir, 'messages.jsonl'), '["p","05ab",0,"torn');

  r = await relay({ dataDir, t: t + 30_000 }); // 'short' has expired
  const after = await rpc(r, 'retrieve', retrieveParams(bob, t + 30_000));
  assert.equal(after.status, 200, after.text);
  assert.deepEqual(after.json.messages.map((m) => m.hash), [keep[0], keep[2]]);
  assert.deepEqual(after.json.messages.map((m) => m.data), before.json.messages.slice(0, 2).map((m) => m.data));
  assert.deepEqual(after.json.messages.map((m) => m.expiry), before.json.messages.slice(0, 2).map((m) => m.expiry));
  const w = await rpc(r, 'retrieve', { pubkey: wipeBox.id, namespace: WIPE_NAMESPACE });
  assert.deepEqual(w.json.messages.map((m) => m.hash), [wipe]);
  // It keeps appending after the restart, and a third start sees that too.
  const d = (await rpc(r, 'store', storeParams(bob.id, 'd', { t: t + 30_000 }))).json.hash;
  await r.close();
  r = await relay({ dataDir, t: t + 31_000 });
  const third = await rpc(r, 'retrieve', retrieveParams(bob, t + 31_000));
  assert.deepEqual(third.json.messages.map((m) => m.hash), [keep[0], keep[2], d]);
  // Compacted at start: only the live messages are in the log.
  assert.equal(readFileSync(join(dataDir, 'messages.jsonl'), 'utf8').trim().split('\n').length, 4);
});

test('1,000 concurrent long polls on loopback: each gets exactly its own message', { timeout: 120_000 }, async (tc) => {
  const N = 1000;
  const r = await relay({ limits: { maxLongPolls: N } });
  const t = r.clock.t;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const people = Array.from({ length: N }, () => identity());
  let answeredEarly = 0;
  let storing = false;
  const started = Date.now();
  const polls = people.map((p) => rpc(r, 'retrieve', retrieveParams(p, t, { wait_ms: 20_000 }), { agent }).then((res) => {
    if (!storing) answeredEarly += 1;
    return { res, at: Date.now() };
  }));
  await until(() => r.stats().longPolls === N, 30_000);
  const heldFor = Date.now() - started;
  await sleep(100);
  assert.equal(answeredEarly, 0, 'no poll answered before its message');
  storing = true;
  const storeAt = Date.now();
  const hashes = [];
  for (let i = 0; i < N; i += 100) {
    const batch = people.slice(i, i + 100).map((p, j) => rpc(r, 'store', storeParams(p.id, `message ${i + j}`, { t }), { agent }));
    for (const res of await Promise.all(batch)) {
      assert.equal(res.status, 200, res.text);
      hashes.push(res.json.hash);
    }
  }
  const results = await Promise.all(polls);
  const done = Date.now();
  const seen = new Set();
  results.forEach(({ res }, i) => {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.messages.length, 1, `poll ${i} got ${res.json.messages.length} messages`);
    const [m] = res.json.messages;
    assert.equal(Buffer.from(m.data, 'base64').toString(), `message ${i}`);
    assert.equal(m.hash, hashes[i]);
    assert.ok(!seen.has(m.hash));
    seen.add(m.hash);
  });
  assert.equal(seen.size, N);
  assert.equal(r.stats().longPolls, 0);
  // Bounded: all held within 30 s (asserted by until) and all delivered
  // within 30 s of the first store.
  assert.ok(done - storeAt < 30_000, `delivered in ${done - storeAt} ms`);
  agent.destroy();
  tc.diagnostic(`held ${N} polls after ${heldFor} ms; delivered all in ${done - storeAt} ms`);
});

test('Clear-Site-Data and CORS', async () => {
  const r = await relay({ origins: ['http://127.0.0.1:8080'] });
  const clear = await fetch(`${r.url}/clear-site-data`);
  assert.equal(clear.status, 204);
  assert.equal(clear.headers.get('clear-site-data'), '"*"');
  const some = await fetch(`${r.url}/clear-site-data?types=cache,cookies,bogus`);
  assert.equal(some.headers.get('clear-site-data'), '"cache", "cookies"');

  const pre = await fetch(`${r.url}/storage_rpc/v1`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://127.0.0.1:8080', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  assert.match(pre.headers.get('access-control-allow-headers'), /content-type/i);
  const info = await post(r.url, { method: 'info', params: {} }, { headers: { Origin: 'http://127.0.0.1:8080' } });
  assert.equal(info.status, 200);
  assert.equal(info.headers['access-control-allow-origin'], 'http://127.0.0.1:8080');
  assertError(await post(r.url, { method: 'info', params: {} }, { headers: { Origin: 'http://evil.example' } }), 403, 'origin_not_allowed');
  const badPre = await fetch(`${r.url}/storage_rpc/v1`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
  assert.equal(badPre.status, 403);
  assert.equal(badPre.headers.get('access-control-allow-origin'), null);

  // http://*:8080: the app served to the local network (serve.sh with HUSH_HOST=0.0.0.0).
  const lan = await relay({ origins: ['http://*:8080'] });
  for (const origin of ['http://192.168.1.20:8080', 'http://laptop.local:8080']) {
    const answer = await post(lan.url, { method: 'info', params: {} }, { headers: { Origin: origin } });
    assert.equal(answer.headers['access-control-allow-origin'], origin);
  }
  for (const origin of ['http://192.168.1.20:8081', 'https://192.168.1.20:8080', 'http://192.168.1.20']) {
    assertError(await post(lan.url, { method: 'info', params: {} }, { headers: { Origin: origin } }), 403, 'origin_not_allowed');
  }
});
