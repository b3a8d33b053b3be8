// The core, the relay client and the relay together under Node: Alice's
// core seals a message to Bob, the client stores it in Bob's mailbox; Bob's
// core signs the retrieve (a long poll that the store wakes), opens it
// naming Alice, and deletes it; the relay's time reaches the vault's
// clock; a friend's wipe goes to the person's wipe mailbox and the
// person's locked vault, polling without a signature, is wiped by it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCore } from '../../web/src/core.js';
import { RelayClient } from '../../web/src/relay-client.js';
import { startRelay } from '../../web/relay/relay.js';

const T0 = Date.now();
let counter = 0;
const cleanups = [];
after(async () => { for (const c of cleanups) await c(); });

// A vault in a core, and the small part of the facade the client uses.
async function person(seedByte) {
  const core = await loadCore({ flavour: 'simd' });
  const dir = `/r${counter++}`;
  core.module.FS.mkdir(dir);
  for (const name of Object.values(core.constants.files)) core.module.FS.writeFile(`${dir}/${name}`, new Uint8Array(0));
  const vault = core.openVault(dir);
  vault.create('pin', new TextEncoder().encode('1234'), { opslimit: 1, memlimitKib: 8 }, T0);
  const id = vault.createIdentity('me', new Uint8Array(16).fill(seedByte));
  const { sessionId } = vault.identities()[0];
  const observed = [];
  const hush = {
    get state() { return vault.state; },
    relaySign: async (identity, method, rest) => vault.relaySign(identity, method, rest),
    observeNetworkTime: async (ms) => { observed.push(ms); vault.sweep(ms); },
  };
  return { core, vault, id, sessionId, hush, observed };
}

test('a message through the relay, a signed long poll, delete; a wipe through a wipe mailbox', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hush-relay-client-'));
  const relay = await startRelay({ dataDir });
  cleanups.push(async () => { await relay.close(); await rm(dataDir, { recursive: true, force: true }); });
  const alice = await person(1);
  const bob = await person(2);
  const aliceRelay = new RelayClient({ url: relay.url, hush: alice.hush });
  const bobRelay = new RelayClient({ url: relay.url, hush: bob.hush });

  // Bob waits (long poll); Alice's store wakes him.
  const waiting = bobRelay.retrieve(bob.id, bob.sessionId, { waitMs: 10_000 });
  await new Promise((r) => setTimeout(r, 100));
  const sealed = alice.vault.sealMessage(alice.id, bob.sessionId, { type: 'text', sentAt: T0, body: 'through the relay' });
  const hash = await aliceRelay.store(bob.sessionId, sealed);
  const { messages } = await waiting;
  assert.equal(messages.length, 1);
  assert.equal(messages[0].hash, hash);
  const opened = bob.vault.openMessage(bob.id, messages[0].data);
  assert.equal(opened.sender, alice.sessionId);
  assert.equal(new TextDecoder().decode(opened.body), 'through the relay');
  assert.ok(bob.observed.length >= 1 && Math.abs(bob.observed.at(-1) - Date.now()) < 60_000, 'the relay\'s time was observed');
  // the next retrieve starts after it; delete is signed by the owner
  assert.equal((await bobRelay.retrieve(bob.id, bob.sessionId)).messages.length, 0);
  const deleted = await bobRelay.delete(bob.id, bob.sessionId, [hash]);
  assert.ok(JSON.stringify(deleted).includes(hash));
  // someone else cannot read Bob's mailbox: Alice signs, for Bob's ID
  await assert.rejects(aliceRelay.retrieve(alice.id, bob.sessionId), (e) => e.status >= 400 && e.status < 500);

  // Remote deletion: Bob protects Alice.
  const { id: trusteeId, offer } = alice.vault.offerTrust(alice.id, bob.sessionId, T0);
  const accepted = bob.vault.acceptTrust(bob.id, offer, T0);
  alice.vault.completeTrust(accepted.reply, T0);
  assert.ok(trusteeId > 0);
  const [pairing] = bob.vault.protectedBy();
  const wipe = bob.vault.makeWipeMessage(pairing.id, false);
  await bobRelay.sendWipe(wipe.mailbox, wipe.bytes);
  alice.vault.lock();
  let outcome = null;
  for (const mailbox of alice.vault.wipeMailboxes()) {
    for (const bytes of await aliceRelay.fetchWipeMailbox(mailbox)) outcome = alice.vault.receive(bytes, Date.now()).outcome;
  }
  assert.equal(outcome, 'wiped');
  assert.equal(alice.vault.state, 'new');
});

// A device whose clock is wrong (or a relay's): the client takes its
// offset from the relay's answers, so its signed retrieve and its store
// stay within the relay's bounds; the first request after a jump is made
// again once after an info, and nothing is lost.
test('a clock five minutes off either way: retrieve and store still work', async () => {
  for (const skew of [5 * 60_000, -5 * 60_000]) {
    const dataDir = await mkdtemp(join(tmpdir(), 'hush-relay-client-'));
    const relay = await startRelay({ dataDir, now: () => Date.now() + skew });
    cleanups.push(async () => { await relay.close(); await rm(dataDir, { recursive: true, force: true }); });
    const alice = await person(3);
    const bob = await person(4);
    const aliceRelay = new RelayClient({ url: relay.url, hush: alice.hush });
    const bobRelay = new RelayClient({ url: relay.url, hush: bob.hush });
    const sealed = alice.vault.sealMessage(alice.id, bob.sessionId, { type: 'text', sentAt: T0, body: `skew ${skew}` });
    const hash = await aliceRelay.store(bob.sessionId, sealed); // the first store is refused once when the device is ahead
    const { messages } = await bobRelay.retrieve(bob.id, bob.sessionId); // refused once (stale), then signed with the relay's time
    assert.deepEqual(messages.map((m) => m.hash), [hash], `skew ${skew}: the message arrives`);
    // The offset is kept: a second round is not refused.
    const again = await aliceRelay.store(bob.sessionId, alice.vault.sealMessage(alice.id, bob.sessionId, { type: 'text', sentAt: T0 + 1, body: 'again' }));
    assert.deepEqual((await bobRelay.retrieve(bob.id, bob.sessionId)).messages.map((m) => m.hash), [again]);
  }
});

test('without the offset the same relay refuses the retrieve (the control)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hush-relay-client-'));
  const relay = await startRelay({ dataDir, now: () => Date.now() + 5 * 60_000 });
  cleanups.push(async () => { await relay.close(); await rm(dataDir, { recursive: true, force: true }); });
  const bob = await person(5);
  const t = Date.now();
  const { signature, ed25519Pk } = await bob.hush.relaySign(bob.id, 'retrieve', String(t));
  const response = await fetch(`${relay.url}/storage_rpc/v1`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ method: 'retrieve', params: { pubkey: bob.sessionId, timestamp: t, signature: Buffer.from(signature).toString('base64'), pubkey_ed25519: Buffer.from(ed25519Pk).toString('hex') } }),
  });
  assert.equal(response.status, 406);
  assert.equal((await response.json()).error.code, 'stale_timestamp');
});
