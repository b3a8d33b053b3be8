// The store in the wasm build under Node (MEMFS), through web/src/core.js:
// identities and recovery phrases, messages and isolation, attachments,
// disappearing messages driven by an injected clock, and the delivery state
// of outgoing messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from '../../web/src/core.js';

const T0 = 1_700_000_000_000;
const S = 1000;
const DAY = 86_400 * S;
const CANARY = 'CANARY-node-5c1e-never-in-the-clear';

let counter = 0;
async function unlockedVault(flavour = 'simd') {
  const core = await loadCore({ flavour });
  const dir = `/s${counter++}`;
  core.module.FS.mkdir(dir);
  // The host pre-creates the vault's three files (hush.h).
  for (const name of Object.values(core.constants.files)) core.module.FS.writeFile(`${dir}/${name}`, new Uint8Array(0));
  const vault = core.openVault(dir);
  vault.create('pin', new TextEncoder().encode('1234'), { opslimit: 1, memlimitKib: 8 }, T0);
  return { core, vault, dir };
}

const bodies = (list) => list.map((m) => m.body);

test('identities: Session vectors, restore by phrase or hex, precise phrase errors', async () => {
  const { core, vault } = await unlockedVault();
  const a = vault.createIdentity('vector', core.phraseToSeed('0123456789ABCDEF0123456789abcdef'));
  const [identity] = vault.identities();
  assert.equal(identity.id, a);
  assert.equal(identity.sessionId, '05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72');
  const phrase = vault.identityPhrase(a);
  assert.equal(phrase.split(' ').length, 13);
  assert.deepEqual(core.phraseToSeed(`  ${phrase.toUpperCase().replaceAll(' ', '\t ')}\n`), core.phraseToSeed('0123456789abcdef0123456789abcdef'));
  assert.equal(core.seedToPhrase(new Uint8Array(16)), Array(13).fill('abbey').join(' '));

  const words = phrase.split(' ');
  assert.throws(() => core.phraseToSeed(words.slice(0, 12).join(' ')), { code: 'ERR_PHRASE_LENGTH' });
  assert.throws(() => core.phraseToSeed([...words.slice(0, 4), 'zzzzz', ...words.slice(5)].join(' ')),
    (e) => e.code === 'ERR_PHRASE_WORD' && !/zzzzz/.test(e.message) && /5/.test(e.message)); // the position, never the word
  const other = words[12] === 'abbey' ? 'ability' : 'abbey';
  assert.throws(() => core.phraseToSeed([...words.slice(0, 12), other].join(' ')), { code: 'ERR_PHRASE_CHECKSUM' });
  assert.equal(vault.identities().length, 1, 'a bad phrase added nothing');
});

test('messages persist per identity, newest first, paged, and never leak across identities', async () => {
  const { core, vault, dir } = await unlockedVault('plain');
  const alice = vault.createIdentity('alice');
  const bob = vault.createIdentity('bob');
  for (let i = 0; i < 120; i++) {
    vault.addMessage(alice, { conversation: 'carol', sender: 'carol', body: `${CANARY} ${i}`, sentAt: T0 + i, outgoing: false }, T0);
  }
  vault.addMessage(bob, { conversation: 'dave', sender: 'me', body: 'hi', sentAt: T0, outgoing: true }, T0);
  const page1 = vault.messages(alice, 'carol', { limit: 50 }, T0);
  assert.equal(page1.length, 50);
  assert.equal(page1[0].body, `${CANARY} 119`);
  const page2 = vault.messages(alice, 'carol', { before: page1.at(-1).id, limit: 50 }, T0);
  assert.equal(page2[0].body, `${CANARY} 69`);
  assert.deepEqual(vault.messages(bob, 'carol', {}, T0), []);
  assert.deepEqual(vault.conversations(bob, T0).map((c) => c.id), ['dave']);
  assert.throws(() => vault.addMessage(alice, { conversation: '', sender: 'x', body: 'x', sentAt: T0 }, T0), { code: 'ERR_MESSAGE' });
  assert.throws(() => vault.addMessage(alice, { conversation: 'c', sender: 'x', body: 'x'.repeat(65537), sentAt: T0 }, T0), { code: 'ERR_MESSAGE' });
  assert.throws(() => vault.messages(99, 'carol', {}, T0), { code: 'ERR_NOT_FOUND' });

  // Nothing in the clear in any of the vault's files, and no other file.
  assert.deepEqual(core.module.FS.readdir(dir).filter((f) => !f.startsWith('.')).sort(), ['0', '1', '2']);
  const needle = Buffer.from(CANARY);
  for (const name of ['0', '1', '2']) {
    assert.equal(Buffer.from(core.module.FS.readFile(`${dir}/${name}`)).indexOf(needle), -1, `canary in ${name}`);
  }
  vault.lock();
  assert.throws(() => vault.messages(alice, 'carol', {}, T0), { code: 'ERR_STATE' });
});

test('attachments round-trip encrypted and go with their message', async () => {
  const { vault } = await unlockedVault();
  const me = vault.createIdentity('me');
  const data = new Uint8Array(40_000).map((_, i) => i * 13);
  const msg = vault.addMessage(me, { conversation: 'c', sender: 'me', body: 'file', sentAt: T0, outgoing: true,
    mode: 1, seconds: 5 }, T0);
  const att = vault.addAttachment(me, msg, { name: 'a.bin', type: 'application/octet-stream', data });
  assert.deepEqual(vault.attachment(me, att), data);
  assert.deepEqual(vault.messages(me, 'c', {}, T0)[0].attachments, [{ id: att, name: 'a.bin', type: 'application/octet-stream', size: 40000 }]);
  assert.equal(vault.sweep(T0 + 6 * S).deleted, 1);
  assert.throws(() => vault.attachment(me, att), { code: 'ERR_NOT_FOUND' });
});

test('disappearing: each mode and start rule, hard limit, setting change, rollback', async () => {
  const { vault } = await unlockedVault();
  const me = vault.createIdentity('me');
  const seen = (conv, now) => bodies(vault.messages(me, conv, { limit: 500 }, now));

  // after send: sender from sending, receiver from the sender's sent time
  vault.addMessage(me, { conversation: 's', sender: 'me', body: 'mine', sentAt: T0, outgoing: true, mode: 1, seconds: 10 }, T0);
  vault.addMessage(me, { conversation: 's', sender: 'x', body: 'theirs', sentAt: T0 - 4 * S, outgoing: false, mode: 1, seconds: 10 }, T0);
  assert.deepEqual(seen('s', T0 + 5 * S), ['theirs', 'mine']);
  assert.deepEqual(seen('s', T0 + 6 * S), ['mine']);
  assert.deepEqual(seen('s', T0 + 10 * S), []);

  // after read: from markRead; unread hard limit 14 days
  const t = T0 + 20 * S;
  const read = vault.addMessage(me, { conversation: 'r', sender: 'x', body: 'read', sentAt: t, outgoing: false, mode: 2, seconds: 60 }, t);
  vault.addMessage(me, { conversation: 'r', sender: 'x', body: 'unread', sentAt: t, outgoing: false, mode: 2, seconds: 60 }, t);
  const [withTimer] = vault.messages(me, 'r', { limit: 1 }, t);
  assert.equal(withTimer.expiresAt, t + 14 * DAY, 'unread: the hard limit');
  vault.markRead(me, [read], t + DAY);
  assert.equal(vault.messages(me, 'r', {}, t + DAY).find((m) => m.id === read).expiresAt, t + DAY + 60 * S);
  assert.deepEqual(seen('r', t + DAY + 60 * S), ['unread']);
  assert.deepEqual(seen('r', t + 14 * DAY), []);

  // setting changes mid-conversation: existing messages keep theirs
  const u = T0 + 30 * DAY;
  vault.setDisappearing(me, 'c', 1, 100, u);
  assert.deepEqual(vault.disappearing(me, 'c'), { mode: 1, seconds: 100 });
  vault.addMessage(me, { conversation: 'c', sender: 'me', body: 'old', sentAt: u, outgoing: true }, u);
  vault.setDisappearing(me, 'c', 0, 0, u);
  vault.addMessage(me, { conversation: 'c', sender: 'me', body: 'new', sentAt: u, outgoing: true }, u);
  assert.deepEqual(seen('c', u + 100 * S), ['new']);
  assert.throws(() => vault.setDisappearing(me, 'c', 1, 0, u), { code: 'ERR_DISAPPEARING' });
  assert.throws(() => vault.setDisappearing(me, 'c', 2, 2_419_201, u), { code: 'ERR_DISAPPEARING' });

  // the clock set back after seeing a later time: nothing comes back
  assert.deepEqual(seen('s', T0), []);
  assert.deepEqual(seen('c', u), ['new']);
});

test('delivery state: outgoing only, raised never lowered, bad batches refused', async () => {
  const { vault } = await unlockedVault();
  const me = vault.createIdentity('me');
  const other = vault.createIdentity('other');
  const add = (identity, conversation, sentAt, outgoing) =>
    vault.addMessage(identity, { conversation, sender: outgoing ? 'me' : conversation, body: 'x', sentAt, outgoing }, T0);
  const mine = [add(me, 'bob', T0 + 1, true), add(me, 'bob', T0 + 2, true)];
  const theirs = add(me, 'bob', T0 + 1, false);
  const elsewhere = [add(me, 'carol', T0 + 1, true), add(other, 'bob', T0 + 1, true)];
  const state = (identity, conversation, id) => vault.messages(identity, conversation, {}, T0).find((m) => m.id === id).peerState;

  assert.equal(state(me, 'bob', mine[0]), 0, 'pending');
  assert.equal(state(me, 'bob', theirs), null, 'a received message has none');
  assert.equal(vault.markPeerState(me, 'bob', [T0 + 1, T0 + 2], 1, T0), 2);
  assert.equal(vault.markPeerState(me, 'bob', [T0 + 2], 3, T0), 1);
  assert.equal(vault.markPeerState(me, 'bob', [T0 + 1, T0 + 2], 2, T0), 1, 'read stays read');
  assert.deepEqual(mine.map((id) => state(me, 'bob', id)), [2, 3]);
  assert.equal(state(me, 'bob', theirs), null);
  assert.equal(state(me, 'carol', elsewhere[0]), 0);
  assert.equal(state(other, 'bob', elsewhere[1]), 0);

  for (const [times, value] of [[[], 1], [Array(101).fill(T0 + 1), 3], [[T0 + 1], 0], [[T0 + 1], 4]]) {
    assert.throws(() => vault.markPeerState(me, 'bob', times, value, T0), { code: 'ERR_ARGUMENT' });
  }
  assert.throws(() => vault.markPeerState(me, 'bob', [T0 + 1.5], 3, T0), { code: 'ERR_ARGUMENT' });
  assert.throws(() => vault.markPeerState(me, 'bob\0', [T0 + 1], 3, T0), { code: 'ERR_ARGUMENT' });
  assert.deepEqual(mine.map((id) => state(me, 'bob', id)), [2, 3], 'nothing changed');
  assert.equal(vault.markPeerState(me, 'bob', Array(100).fill(T0 + 1), 3, T0), 1, 'a full batch');
});

test('a NUL inside a string is refused, not cut short by C', async () => {
  const { vault } = await unlockedVault();
  assert.throws(() => vault.createIdentity('ali\0ce'), (e) => e.code === 'ERR_ARGUMENT' && /name must not contain a NUL/.test(e.message));
  const me = vault.createIdentity('me');
  const message = { conversation: 'bob', sender: 'bob', body: 'x', sentAt: T0, outgoing: false };
  assert.throws(() => vault.addMessage(me, { ...message, conversation: 'bob\0evil' }, T0), /conversation must not contain a NUL/);
  assert.throws(() => vault.addMessage(me, { ...message, sender: 'b\0' }, T0), /sender must not contain a NUL/);
  assert.throws(() => vault.messages(me, 'bob\0', {}, T0), { code: 'ERR_ARGUMENT' });
  assert.throws(() => vault.addConversation(me, '\0'), { code: 'ERR_ARGUMENT' });
  assert.deepEqual(vault.conversations(me, T0), [], 'nothing was stored');
});

test('result strings are zeroed in wasm memory before they are freed', async () => {
  const { core } = await unlockedVault('debug');
  const text = `{"secret":"${'s'.repeat(200)}"}`;
  const bytes = new TextEncoder().encode(`${text}\0`);
  const ptr = core.module._malloc(bytes.length);
  core.module.HEAPU8.set(bytes, ptr);
  assert.equal(core.takeString(ptr), text);
  // The allocator may write its own bookkeeping at the start of the block.
  assert.ok(core.module.HEAPU8.subarray(ptr + 32, ptr + bytes.length - 1).every((b) => b === 0), 'text left in the heap');
});
