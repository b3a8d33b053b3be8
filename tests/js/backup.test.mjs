// Backups in the wasm build under Node (core/BACKUP.md): the key's test
// vector and a whole backup decoded by an independent decoder written
// from BACKUP.md on libsodium.js alone; round trips of a small store and
// of a 200 MB one into a fresh vault from the phrase alone, with the wasm
// heap of the importing core the same size after a 16 MB and a 200 MB
// import (flat in the backup's size); corrupt backups refused with their
// own code and the vault's files byte for byte unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sodiumModule from 'libsodium-wrappers-sumo';
import { loadCore } from '../../web/src/core.js';

const T0 = 1_700_000_000_000;
const KEY_VECTOR = '4970546d162bf15f14e1b094c328d6ccda4a3cea26897fbb053ccb3d2af8b740';
let counter = 0;

async function device() {
  const core = await loadCore({ flavour: 'simd' });
  const dir = `/b${counter++}`;
  core.module.FS.mkdir(dir);
  for (const name of Object.values(core.constants.files)) core.module.FS.writeFile(`${dir}/${name}`, new Uint8Array(0));
  const vault = core.openVault(dir);
  vault.create('pin', new TextEncoder().encode('1234'), { opslimit: 1, memlimitKib: 8 }, T0);
  const files = () => Object.values(core.constants.files).map((name) => Buffer.from(core.module.FS.readFile(`${dir}/${name}`)));
  return { core, vault, files };
}

function exportAll(vault, identity) {
  const { handle, estimate } = vault.exportBegin(identity, T0);
  const pieces = [];
  try {
    for (let piece = vault.exportNext(handle); piece; piece = vault.exportNext(handle)) pieces.push(piece);
  } finally {
    vault.exportEnd(handle);
  }
  return { bytes: Buffer.concat(pieces), estimate };
}

function importAll(vault, phrase, bytes, piece = 65536) {
  const handle = vault.importBegin(phrase, T0);
  try {
    for (let at = 0; at < bytes.length; at += piece) vault.importWrite(handle, bytes.subarray(at, at + piece));
  } catch (error) {
    vault.importAbort(handle);
    throw error;
  }
  return vault.importFinish(handle);
}

// An independent decoder of BACKUP.md on libsodium.js: no code of the core.
function decodeIndependently(sodium, bytes, seed16) {
  const seed = new Uint8Array(32);
  seed.set(seed16);
  const key = sodium.crypto_kdf_derive_from_key(32, 1, 'hushbkup', seed);
  const header = bytes.subarray(0, 64);
  assert.equal(Buffer.from(header.subarray(0, 8)).toString(), 'HUSHBKUP');
  assert.deepEqual([header[8], header[9]], [1, 1]);
  assert.deepEqual(Buffer.from(sodium.crypto_generichash(8, header.subarray(0, 56))), Buffer.from(header.subarray(56, 64)));
  const check = sodium.crypto_generichash(16, Buffer.concat([Buffer.from('hush-backup-key-check-v1'), header.subarray(0, 40)]), key);
  assert.deepEqual(Buffer.from(check), Buffer.from(header.subarray(40, 56)));
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.subarray(16, 40), key);
  const SEALED = 65536 + 17;
  assert.equal((bytes.length - 64) % SEALED, 0);
  const payload = [];
  let final = false;
  for (let at = 64, n = 0; at < bytes.length; at += SEALED, n++) {
    assert.ok(!final, 'nothing after FINAL');
    const r = sodium.crypto_secretstream_xchacha20poly1305_pull(state, bytes.subarray(at, at + SEALED), n === 0 ? header : null);
    assert.ok(r, `chunk ${n} opens`);
    const used = new DataView(r.message.buffer, r.message.byteOffset).getUint32(0, true);
    payload.push(Buffer.from(r.message.subarray(4, 4 + used)));
    final = r.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  }
  assert.ok(final, 'the last chunk is FINAL');
  const stream = Buffer.concat(payload);
  const records = [];
  for (let at = 0; at < stream.length;) {
    const type = stream[at];
    const len = stream.readUInt32LE(at + 1);
    records.push({ type, body: stream.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return records;
}

test('the key vector of BACKUP.md, and a backup decoded from BACKUP.md alone with libsodium.js', async () => {
  await sodiumModule.ready;
  const sodium = sodiumModule;
  const seed32 = new Uint8Array(32);
  for (let i = 0; i < 16; i++) seed32[i] = i;
  assert.equal(sodium.to_hex(sodium.crypto_kdf_derive_from_key(32, 1, 'hushbkup', seed32)), KEY_VECTOR);

  const { core, vault } = await device();
  const seed = Uint8Array.from({ length: 16 }, (_, i) => i);
  const id = vault.createIdentity('Vector', seed);
  const m = vault.addMessage(id, { conversation: '05aa', sender: '05aa', body: 'kept, says the decoder', sentAt: T0, outgoing: false, mode: 0 }, T0);
  vault.addAttachment(id, m, { name: 'a.bin', type: 'application/octet-stream', data: new Uint8Array(70000).fill(5) });
  vault.addMessage(id, { conversation: '05aa', sender: '05aa', body: 'timed', sentAt: T0, outgoing: false, mode: 1, seconds: 60 }, T0);
  const { bytes } = exportAll(vault, id);
  const records = decodeIndependently(sodium, bytes, seed);
  assert.deepEqual(records.map((r) => r.type), [1, 2, 3, 4, 5, 5, 5, 7]);
  assert.ok(records[0].body.subarray(0, 16).equals(Buffer.from(seed)), 'the identity record starts with the seed');
  assert.ok(records[2].body.includes(Buffer.from('kept, says the decoder')));
  assert.ok(!Buffer.concat(records.map((r) => r.body)).includes(Buffer.from('timed')));
  assert.equal(records[4].body.length + records[5].body.length + records[6].body.length, 70000);
  assert.equal(core.backupCheck(core.seedToPhrase(seed), bytes.subarray(0, 64)), true);
});

test('round trip into a fresh vault from the phrase alone; corrupt backups change nothing', async () => {
  const a = await device();
  const seed = crypto.getRandomValues(new Uint8Array(16));
  const id = a.vault.createIdentity('Bob', seed);
  const { sessionId } = a.vault.identities()[0];
  const phrase = a.core.seedToPhrase(seed);
  const photo = new Uint8Array(300_000);
  for (let at = 0; at < photo.length; at += 65536) crypto.getRandomValues(photo.subarray(at, at + 65536));
  const m = a.vault.addMessage(id, { conversation: '05aa', sender: '05aa', body: 'untimed', sentAt: T0, outgoing: false, mode: 0 }, T0);
  a.vault.addAttachment(id, m, { name: 'photo.jpg', type: 'image/jpeg', data: photo });
  a.vault.addMessage(id, { conversation: '05aa', sender: 'me', body: 'timed 4 weeks', sentAt: T0, outgoing: true, mode: 1, seconds: 2419200 }, T0);
  // Read by the peer; restored it reads sent (1), never pending (0), which
  // would have the messenger send it again.
  a.vault.addMessage(id, { conversation: '05bb', sender: 'me', body: 'mine, untimed', sentAt: T0 + 1, outgoing: true, mode: 0 }, T0);
  a.vault.markPeerState(id, '05bb', [T0 + 1], 3, T0);
  const { bytes, estimate } = exportAll(a.vault, id);
  assert.ok(Math.abs(bytes.length - estimate) <= 65553, `estimate ${estimate} for ${bytes.length}`);

  const b = await device();
  b.vault.createIdentity('someone else');
  const before = b.files();
  const C = 65553;
  const bad = (edit) => { const copy = Buffer.from(bytes); edit(copy); return copy; };
  const cases = [
    ['ERR_BACKUP_TRUNCATED', bytes.subarray(0, bytes.length - C)],
    ['ERR_BACKUP_TRUNCATED', bytes.subarray(0, 64 + C + 1000)],
    ['ERR_BACKUP_DAMAGED', bad((c) => { c[64 + C + 5] ^= 1; })],
    ['ERR_BACKUP_DAMAGED', Buffer.concat([bytes.subarray(0, 64), bytes.subarray(64 + C, 64 + 2 * C), bytes.subarray(64, 64 + C), bytes.subarray(64 + 2 * C)])],
    ['ERR_BACKUP_TRAILING', Buffer.concat([bytes, Buffer.from([0])])],
    ['ERR_BACKUP_FORMAT', bad((c) => { c[20] ^= 1; })],
    ['ERR_BACKUP_FORMAT', Buffer.from('not a backup at all')],
  ];
  for (const [code, input] of cases) {
    assert.throws(() => importAll(b.vault, phrase, input), (e) => e.code === code, code);
  }
  assert.throws(() => importAll(b.vault, a.core.seedToPhrase(new Uint8Array(16).fill(9)), bytes), (e) => e.code === 'ERR_BACKUP_KEY');
  assert.throws(() => b.core.backupCheck(a.core.seedToPhrase(new Uint8Array(16).fill(9)), bytes.subarray(0, 64)), (e) => e.code === 'ERR_BACKUP_KEY');
  const after = b.files();
  after.forEach((file, i) => assert.ok(file.equals(before[i]), `vault file ${i} unchanged`));

  const restored = importAll(b.vault, phrase, bytes, 12_345);
  const identity = b.vault.identities().find((x) => x.id === restored);
  assert.equal(identity.sessionId, sessionId);
  const messages = b.vault.messages(restored, '05aa', {}, T0);
  assert.deepEqual(messages.map((x) => x.body), ['untimed']);
  assert.equal(messages[0].peerState, null, 'received: no delivery state');
  assert.deepEqual(b.vault.messages(restored, '05bb', {}, T0).map((x) => [x.body, x.peerState]), [['mine, untimed', 1]]);
  assert.deepEqual(Buffer.from(b.vault.attachment(restored, messages[0].attachments[0].id)), Buffer.from(photo));
  assert.throws(() => importAll(b.vault, phrase, bytes), (e) => e.code === 'ERR_IDENTITY_EXISTS');
});

// A store of `mb` MiB in one core, exported; imported into a fresh core:
// that core's wasm heap size after the import.
async function heapAfterImport(mb) {
  const a = await device();
  const seed = crypto.getRandomValues(new Uint8Array(16));
  const id = a.vault.createIdentity('large', seed);
  const blob = new Uint8Array(8 << 20);
  for (let i = 0; i < mb / 8; i++) {
    for (let at = 0; at < blob.length; at += 65536) crypto.getRandomValues(blob.subarray(at, at + 65536));
    const m = a.vault.addMessage(id, { conversation: '05aa', sender: '05aa', body: `m${i}`, sentAt: T0 + i, outgoing: false, mode: 0 }, T0);
    a.vault.addAttachment(id, m, { name: 'v.mp4', type: 'video/mp4', data: blob });
  }
  const { bytes } = exportAll(a.vault, id);
  a.vault.close();
  const b = await device();
  const heapBefore = b.core.module.HEAPU8.length;
  const restored = importAll(b.vault, a.core.seedToPhrase(seed), bytes);
  assert.equal(b.vault.messages(restored, '05aa', { limit: 500 }, T0).length, mb / 8);
  const heap = b.core.module.HEAPU8.length;
  b.vault.close();
  return { heapBefore, heap, bytes: bytes.length };
}

test('200 MB round trip; the importing heap is as large after 200 MB as after 16 MB', async () => {
  const small = await heapAfterImport(16);
  const large = await heapAfterImport(200);
  console.log(`# wasm heap: ${small.heapBefore / 2 ** 20} MiB before; after a ${(small.bytes / 2 ** 20).toFixed(0)} MiB import ${small.heap / 2 ** 20} MiB, after ${(large.bytes / 2 ** 20).toFixed(0)} MiB ${large.heap / 2 ** 20} MiB`);
  assert.equal(large.heap, small.heap, 'the heap does not grow with the backup');
});
