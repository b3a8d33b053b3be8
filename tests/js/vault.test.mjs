// The vault in the wasm build under Node (MEMFS): the same behaviour as the
// C units, through web/src/core.js, plus what only the wasm build can show:
// after a wipe or a lock, no byte of the data key is left anywhere in wasm
// memory. The data key is recovered independently with libsodium.js from
// the lock file and the code, so the test needs no hook into the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sodiumModule from 'libsodium-wrappers-sumo';
import { loadCore } from '../../web/src/core.js';
import { HushError } from '../../web/src/errors.js';

const sodium = sodiumModule.default ?? sodiumModule;
await sodium.ready;

const CHEAP = { opslimit: 1, memlimitKib: 8 };
const T0 = 1_700_000_000_000;
const pin = (text) => new TextEncoder().encode(text);

let counter = 0;
function freshVault(core) {
  const dir = `/t${counter++}`;
  core.module.FS.mkdir(dir);
  // The host pre-creates the vault's three files (hush.h).
  for (const name of Object.values(core.constants.files)) core.module.FS.writeFile(`${dir}/${name}`, new Uint8Array(0));
  return { vault: core.openVault(dir), dir };
}

const sizes = (core, dir) => ['0', '1', '2'].map((name) => core.module.FS.stat(`${dir}/${name}`).size);
const names = (core, dir) => core.module.FS.readdir(dir).filter((f) => !f.startsWith('.')).sort();

// Data key from the lock file and the canonical code, with libsodium.js.
function dekFromLockFile(file, canonical) {
  const view = new DataView(file.buffer, file.byteOffset);
  const key = sodium.crypto_pwhash(32, canonical, file.slice(24, 40), view.getUint32(16, true),
    view.getUint32(20, true) * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
  for (let i = 0; i < 8; i++) {
    const slot = file.slice(128 + i * 80, 128 + (i + 1) * 80);
    const ad = new Uint8Array(49);
    ad.set(file.slice(0, 48));
    ad[48] = i;
    try {
      const payload = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, slot.slice(24), ad, slot.slice(0, 24), key);
      if (payload[0] === 1) return { dek: payload.slice(8, 40), key };
    } catch { /* not this slot */ }
  }
  return null;
}

function heapContains(core, needle) {
  const heap = core.module.HEAPU8;
  const first = needle[0];
  for (let i = heap.indexOf(first); i !== -1 && i <= heap.length - needle.length; i = heap.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && heap[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

for (const flavour of ['simd', 'plain', 'debug']) {
  test(`${flavour}: create, lock, unlock with each kind of code`, async () => {
    const core = await loadCore({ flavour });
    for (const [kind, code, wrong] of [
      ['pin', pin('2580'), pin('2581')],
      ['pattern', Uint8Array.of(0, 1, 2, 5, 8), Uint8Array.of(0, 1, 2, 5, 7)],
      ['passphrase', pin('caf\u00e9 au lait'.normalize('NFC')), pin('cafe\u0301 au lait')],
    ]) {
      const { vault } = freshVault(core);
      assert.equal(vault.state, 'new');
      vault.create(kind, code, CHEAP, T0);
      assert.equal(vault.state, 'unlocked');
      assert.equal(vault.kind, kind);
      vault.lock();
      assert.equal(vault.state, 'locked');
      assert.equal(vault.beginAttempt(T0), null);
      assert.equal(vault.unlock(wrong, T0), 'wrong');
      assert.equal(vault.attemptsLeft, 9);
      assert.equal(vault.beginAttempt(T0), null);
      assert.equal(vault.unlock(code, T0), 'ok');
      assert.equal(vault.attemptsLeft, 10);
      vault.close();
    }
  });
}

test('duress: the duress code wipes the old key and leaves a new vault under the duress code', async () => {
  const core = await loadCore({ flavour: 'simd' });
  const { vault, dir } = freshVault(core);
  vault.create('pin', pin('1234'), CHEAP, T0);
  assert.throws(() => vault.setDuress(pin('1234')), { code: 'ERR_DURESS_SAME' });
  vault.setDuress(pin('9999'));
  const before = core.module.FS.readFile(`${dir}/0`);
  const { dek: oldDek } = dekFromLockFile(before, 'pin:1234');
  vault.createIdentity('alice');
  assert.ok(sizes(core, dir)[1] > 0, 'the store has pages');
  vault.lock();
  assert.equal(vault.beginAttempt(T0), null);
  assert.equal(vault.unlock(pin('9999'), T0), 'duress');
  assert.equal(vault.state, 'unlocked');
  // The core erased the old store itself; the new vault is empty.
  assert.deepEqual(vault.identities(), []);
  assert.deepEqual(names(core, dir), ['0', '1', '2'], 'no file created or deleted');
  const after = core.module.FS.readFile(`${dir}/0`);
  assert.equal(after.length, before.length);
  assert.equal(dekFromLockFile(after, 'pin:1234'), null);
  assert.notDeepEqual(dekFromLockFile(after, 'pin:9999').dek, oldDek);
  assert.equal(heapContains(core, oldDek), false, 'old data key left in wasm memory');
  vault.close();
});

test('backoff after 5 failures, refused while waiting, clock rollback does not help, limit wipes', async () => {
  const core = await loadCore({ flavour: 'plain' });
  const { vault, dir } = freshVault(core);
  vault.create('pin', pin('1234'), CHEAP, T0);
  vault.setAttemptLimit(7);
  vault.lock();
  for (let i = 0; i < 5; i++) {
    assert.equal(vault.beginAttempt(T0), null);
    assert.equal(vault.unlock(pin('0000'), T0), 'wrong');
  }
  assert.equal(vault.retryInMs(T0), 30_000);
  assert.deepEqual(vault.beginAttempt(T0 + 10_000), { outcome: 'wait', retryInMs: 20_000 });
  assert.deepEqual(vault.beginAttempt(T0 - 86_400_000), { outcome: 'wait', retryInMs: 20_000 });
  assert.equal(vault.beginAttempt(T0 + 30_000), null);
  assert.equal(vault.unlock(pin('0000'), T0 + 30_000), 'wrong');
  assert.equal(vault.attemptsLeft, 1);
  assert.equal(vault.beginAttempt(T0 + 90_000), null);
  assert.equal(vault.unlock(pin('0000'), T0 + 90_000), 'wiped');
  assert.equal(vault.state, 'new');
  assert.deepEqual(sizes(core, dir), [0, 0, 0], 'the core erased the three files');
  assert.deepEqual(names(core, dir), ['0', '1', '2']);
  vault.close();
});

test('attempts counted but never checked (the app killed each time) wipe at the next begin', async () => {
  const core = await loadCore({ flavour: 'plain' });
  const { vault, dir } = freshVault(core);
  vault.create('pin', pin('1234'), CHEAP, T0);
  vault.setAttemptLimit(3);
  vault.lock();
  vault.close();
  for (let i = 0; i < 3; i++) {
    const killed = core.openVault(dir);
    assert.equal(killed.beginAttempt(T0), null);
    killed.close(); // before step 2
  }
  const next = core.openVault(dir);
  assert.deepEqual(next.beginAttempt(T0), { outcome: 'wiped' });
  assert.equal(next.state, 'new');
  assert.deepEqual(sizes(core, dir), [0, 0, 0]);
  next.close();
});

test('bad input changes nothing: wrong kind rules, damaged lock file', async () => {
  const core = await loadCore({ flavour: 'simd' });
  const { vault, dir } = freshVault(core);
  assert.throws(() => vault.create('pin', pin('12'), CHEAP, T0), (e) => e instanceof HushError && e.code === 'ERR_CODE_PIN');
  assert.throws(() => vault.create('pattern', Uint8Array.of(1, 1, 2, 3), CHEAP, T0), { code: 'ERR_CODE_PATTERN' });
  assert.throws(() => vault.create('retina', pin('1234'), CHEAP, T0), { code: 'ERR_CODE_KIND' });
  assert.equal(vault.state, 'new');
  vault.create('pin', pin('1234'), CHEAP, T0);
  vault.close();
  const good = core.module.FS.readFile(`${dir}/0`);
  for (const [mangle, code] of [
    [(f) => f.slice(0, 1000), 'ERR_LOCKFILE_FORMAT'],
    [(f) => { const g = f.slice(); g[8] = 9; return g; }, 'ERR_LOCKFILE_VERSION'],
    [(f) => { const g = f.slice(); g[0] ^= 1; return g; }, 'ERR_LOCKFILE_FORMAT'],
  ]) {
    const bad = mangle(good);
    core.module.FS.writeFile(`${dir}/0`, bad);
    assert.throws(() => core.openVault(dir), { code });
    assert.deepEqual(core.module.FS.readFile(`${dir}/0`), bad);
  }
});

test('after lock and after a wipe no byte of the data key or lock key is left in wasm memory', async () => {
  const core = await loadCore({ flavour: 'debug' });
  const { vault, dir } = freshVault(core);
  vault.create('passphrase', pin('heap scan test'), CHEAP, T0);
  const { dek, key } = dekFromLockFile(core.module.FS.readFile(`${dir}/0`), 'passphrase:heap scan test');
  assert.equal(heapContains(core, dek), true, 'the scan finds the key while unlocked');
  // The lock key stays while unlocked: every write re-seals the lock file.
  vault.lock();
  assert.equal(heapContains(core, dek), false, 'data key left after lock');
  assert.equal(heapContains(core, key), false, 'lock key left after lock');
  assert.equal(vault.beginAttempt(T0), null);
  assert.equal(vault.unlock(pin('heap scan test'), T0), 'ok');
  assert.equal(heapContains(core, dek), true);
  vault.destroyKeys();
  assert.deepEqual(sizes(core, dir), [0, 0, 0]);
  assert.equal(heapContains(core, dek), false, 'data key left after wipe');
  assert.equal(heapContains(core, key), false, 'lock key left after wipe');
  assert.equal(heapContains(core, pin('heap scan test')), false, 'code left in wasm memory');
  vault.close();
});

// The store's secrets too: an identity's seed (as stored, and as the
// ed25519 seed it becomes), its recovery phrase, a message body and an
// attachment, each found in wasm memory while unlocked (the scan works)
// and in none of it after lock, and after a wipe. SQLite's page cache and
// every result string are zeroed when freed (core/src/memory.c, core.js).
test('after lock and after a wipe no seed, phrase, message body or attachment is left in wasm memory', async () => {
  const core = await loadCore({ flavour: 'debug' });
  const { vault } = freshVault(core);
  vault.create('pin', pin('2580'), CHEAP, T0);
  const seed = Uint8Array.from(sodium.randombytes_buf(16));
  const phrase = core.seedToPhrase(seed);
  const body = `heap canary body ${sodium.to_hex(sodium.randombytes_buf(8))}`;
  const attachment = new TextEncoder().encode(`heap canary attachment ${sodium.to_hex(sodium.randombytes_buf(8))}`);
  const needles = () => ({ seed, ed25519Seed: Uint8Array.from([...seed, ...new Uint8Array(16)]),
    phrase: new TextEncoder().encode(phrase), body: new TextEncoder().encode(body), attachment });
  const id = vault.createIdentity('heap', seed);
  const message = vault.addMessage(id, { conversation: 'bob', sender: 'bob', body, sentAt: T0, outgoing: false }, T0);
  vault.addAttachment(id, message, { name: 'a.txt', type: 'text/plain', data: attachment });
  // Read them back, so every path a session takes has run.
  assert.equal(vault.messages(id, 'bob', {}, T0)[0].body, body);
  assert.equal(vault.identityPhrase(id), phrase);
  assert.deepEqual(vault.attachment(id, vault.messages(id, 'bob', {}, T0)[0].attachments[0].id), attachment);
  vault.identities();
  const seen = Object.entries(needles()).filter(([, bytes]) => heapContains(core, bytes)).map(([name]) => name);
  assert.ok(seen.includes('seed') && seen.includes('body'), `the scan finds the store's secrets while unlocked (${seen})`);
  vault.lock();
  for (const [name, bytes] of Object.entries(needles())) assert.equal(heapContains(core, bytes), false, `${name} left after lock`);
  assert.equal(vault.beginAttempt(T0), null);
  assert.equal(vault.unlock(pin('2580'), T0), 'ok');
  assert.equal(vault.messages(id, 'bob', {}, T0)[0].body, body);
  vault.destroyKeys();
  for (const [name, bytes] of Object.entries(needles())) assert.equal(heapContains(core, bytes), false, `${name} left after a wipe`);
  vault.close();
});
