// Remote deletion in the wasm build under Node, through web/src/core.js:
// two vaults as two people pair and compare codes; a drill is only a
// drill; junk and a revoked friend's wipe change no byte of any file; the
// wipe, checked while locked, leaves three empty files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from '../../web/src/core.js';

const T0 = 1_700_000_000_000;
let counter = 0;

async function device(flavour, seedByte) {
  const core = await loadCore({ flavour });
  const dir = `/t${counter++}`;
  core.module.FS.mkdir(dir);
  for (const name of Object.values(core.constants.files)) core.module.FS.writeFile(`${dir}/${name}`, new Uint8Array(0));
  const vault = core.openVault(dir);
  const pin = new TextEncoder().encode('1234');
  vault.create('pin', pin, { opslimit: 1, memlimitKib: 8 }, T0);
  const seed = new Uint8Array(16).fill(seedByte);
  const identity = vault.createIdentity('me', seed);
  const { sessionId } = vault.identities()[0];
  const files = () => Object.values(core.constants.files).map((name) => Buffer.from(core.module.FS.readFile(`${dir}/${name}`)));
  const unlock = () => {
    vault.beginAttempt(T0 + 10);
    return vault.unlock(new TextEncoder().encode('1234'), T0 + 10);
  };
  return { core, vault, identity, sessionId, files, unlock };
}

function pair(person, friend) {
  const { id, offer } = person.vault.offerTrust(person.identity, friend.sessionId, T0);
  assert.equal(offer.length, 234);
  const accepted = friend.vault.acceptTrust(friend.identity, offer, T0);
  const completed = person.vault.completeTrust(accepted.reply, T0);
  assert.match(completed.code, /^\d{3} \d{3}$/);
  assert.equal(completed.code, accepted.code, 'both sides show the same code');
  assert.equal(completed.id, id);
  return { trusteeId: id, pairingId: accepted.pairingId };
}

for (const flavour of ['simd', 'plain']) {
  test(`${flavour}: pair, drill, junk, revoke, wipe while locked`, async () => {
    const p = await device(flavour, 1);
    const f1 = await device(flavour, 2);
    const f2 = await device(flavour, 3);
    const mailboxes = p.vault.wipeMailboxes();
    assert.equal(mailboxes.length, 8);
    assert.equal(new Set(mailboxes).size, 8);

    const one = pair(p, f1);
    const two = pair(p, f2);
    assert.deepEqual(p.vault.trustees().map((t) => [t.friend, t.state]), [[f1.sessionId, 'paired'], [f2.sessionId, 'paired']]);
    assert.deepEqual(f1.vault.protectedBy().map((t) => t.person), [p.sessionId]);
    assert.deepEqual(p.vault.wipeMailboxes(), mailboxes, 'pairing moved no mailbox');

    const drill = f1.vault.makeWipeMessage(one.pairingId, true);
    assert.equal(drill.bytes.length, p.core.constants.wipeMessageBytes);
    assert.ok(mailboxes.includes(drill.mailbox));
    assert.equal(p.vault.receive(drill.bytes, T0 + 5).outcome, 'drill');
    assert.equal(p.vault.trustees()[0].drillAt, T0 + 5);
    assert.equal(p.vault.state, 'unlocked');

    p.vault.revokeTrust(two.trusteeId);
    const revoked = f2.vault.makeWipeMessage(two.pairingId, false);
    const wipe = f1.vault.makeWipeMessage(one.pairingId, false);
    p.vault.lock();

    const before = p.files();
    const junk = [revoked.bytes, wipe.bytes.subarray(0, 303), new Uint8Array(304), crypto.getRandomValues(new Uint8Array(304)),
      Uint8Array.from(wipe.bytes, (b, i) => (i === 200 ? b ^ 1 : b)), new Uint8Array(0)];
    for (const bytes of junk) assert.equal(p.vault.receive(bytes, T0 + 20).outcome, 'none');
    assert.equal(p.vault.receive(drill.bytes, T0 + 20).outcome, 'drill'); // locked: reported, not written
    assert.deepEqual(p.files(), before, 'nothing written while locked');

    assert.equal(p.vault.receive(wipe.bytes, T0 + 30).outcome, 'wiped');
    assert.equal(p.vault.state, 'new');
    assert.deepEqual(p.files().map((b) => b.length), [0, 0, 0]);
    assert.equal(p.vault.receive(wipe.bytes, T0 + 31).outcome, 'none', 'a replay finds nothing');
  });
}

test('bad pairing input: a clear error, nothing changes', async () => {
  const p = await device('simd', 7);
  const f = await device('simd', 8);
  assert.throws(() => p.vault.offerTrust(p.identity, 'not a session id', T0), { code: 'ERR_SESSION_ID' });
  assert.throws(() => p.vault.offerTrust(p.identity, p.sessionId, T0), { code: 'ERR_TRUST_PEER' });
  const { offer } = p.vault.offerTrust(p.identity, f.sessionId, T0);
  const before = f.files();
  assert.throws(() => f.vault.acceptTrust(f.identity, offer.subarray(1), T0), { code: 'ERR_TRUST_MESSAGE' });
  assert.throws(() => f.vault.acceptTrust(f.identity, Uint8Array.from(offer, (b, i) => (i === 150 ? b ^ 4 : b)), T0),
    { code: 'ERR_TRUST_SIGNATURE' });
  assert.deepEqual(f.files(), before);
  const { reply } = f.vault.acceptTrust(f.identity, offer, T0);
  p.vault.completeTrust(reply, T0);
  assert.throws(() => p.vault.completeTrust(reply, T0), { code: 'ERR_TRUST_NO_OFFER' });
  for (let i = 0; i < 7; i++) p.vault.offerTrust(p.identity, f.sessionId, T0);
  assert.throws(() => p.vault.offerTrust(p.identity, f.sessionId, T0), { code: 'ERR_TRUST_FULL' });
});
