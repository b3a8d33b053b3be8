// The IndexedDB fallback (web/src/persist.js) without IndexedDB:
// - group commit, against a stand-in store whose stores we complete or fail
//   by hand: writes never run while a store is in flight, writes arriving
//   meanwhile share the next store, a call resolves only after its store,
//   and a failed store rejects exactly the calls that waited on it;
// - the block files on the core's own MEMFS: exactly the changed 16 KiB
//   blocks are handed over, a shrink drops the blocks past the end, a grow
//   rewrites the zeros over older blocks, and replaying the changes into a
//   stand-in database gives back the files byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_BYTES, BlockFiles, GroupCommit, isEmpty } from '../../web/src/persist.js';
import { HushError } from '../../web/src/errors.js';
import { loadCore } from '../../web/src/core.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function standIn() {
  const stores = []; // pending { resolve, reject }
  const commit = new GroupCommit(() => new Promise((resolve, reject) => stores.push({ resolve, reject })));
  return { commit, stores };
}

test('writes arriving during a store wait for it, then share one store', async () => {
  const { commit, stores } = standIn();
  const log = [];
  const first = commit.run(() => { log.push('write 1'); return 1; });
  await tick();
  assert.equal(stores.length, 1, 'first write started a store');
  const second = commit.run(() => { log.push('write 2'); return 2; });
  const third = commit.run(() => { log.push('write 3'); return 3; });
  await tick();
  assert.deepEqual(log, ['write 1'], 'no write runs while a store is in flight');
  let settled = false;
  first.then(() => { settled = true; });
  await tick();
  assert.equal(settled, false, 'not resolved before its store completed');
  stores.shift().resolve();
  assert.equal(await first, 1);
  await tick();
  assert.deepEqual(log, ['write 1', 'write 2', 'write 3']);
  assert.equal(stores.length, 1, 'the two later writes share one store');
  stores.shift().resolve();
  assert.deepEqual(await Promise.all([second, third]), [2, 3]);
});

test('a failed store rejects the calls waiting on it with ERR_PERSIST, and only those', async () => {
  const { commit, stores } = standIn();
  const doomed = commit.run(() => 'a');
  await tick();
  const next = commit.run(() => 'b');
  stores.shift().reject(new Error('QuotaExceededError'));
  await assert.rejects(doomed, (error) => error instanceof HushError && error.code === 'ERR_PERSIST' && /Quota/.test(error.message));
  await tick();
  stores.shift().resolve();
  assert.equal(await next, 'b');
});

test('a write that throws rejects alone; reads do not trigger a store', async () => {
  const { commit, stores } = standIn();
  const bad = commit.run(() => { throw new HushError('ERR_MESSAGE', 'bad message'); });
  const read = commit.run(() => 'read', { persist: false });
  await assert.rejects(bad, { code: 'ERR_MESSAGE' });
  assert.equal(await read, 'read');
  await tick();
  assert.equal(stores.length, 0);
});

// A stand-in for the two object stores, fed the changes as store() would.
function apply(db, changes) {
  for (const [name, size] of changes.sizes) db.sizes.set(name, size);
  for (const [name, from] of changes.deleteFrom) {
    for (const key of [...db.blocks.keys()]) if (key.startsWith(`${name}/`) && Number(key.split('/')[1]) >= from) db.blocks.delete(key);
  }
  for (const [[name, i], bytes] of changes.puts) db.blocks.set(`${name}/${i}`, bytes.slice());
}

function loadFrom(db, names) {
  const contents = {};
  for (const name of names) {
    const size = db.sizes.get(name) ?? 0;
    const bytes = new Uint8Array(size);
    for (const [key, block] of db.blocks) {
      const [file, i] = key.split('/');
      if (file === name) bytes.set(block.subarray(0, Math.max(0, size - i * BLOCK_BYTES)), i * BLOCK_BYTES);
    }
    contents[name] = bytes;
  }
  return contents;
}

test('block files: only changed blocks, stale blocks dropped, no times, a faithful round trip', async () => {
  const core = await loadCore({ flavour: 'debug' });
  const { FS } = core.module;
  const names = ['0', '1', '2'];
  const files = new BlockFiles(FS, '/vault', names);
  assert.ok(isEmpty(files.takeChanges()), 'nothing changed yet');
  const db = { sizes: new Map(), blocks: new Map() };

  const pattern = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);
  const stream = FS.open('/vault/1', 'r+');
  FS.write(stream, pattern(5 * BLOCK_BYTES, 1), 0, 5 * BLOCK_BYTES, 0);
  let changes = files.takeChanges();
  assert.deepEqual(changes.puts.map(([key]) => key), [['1', 0], ['1', 1], ['1', 2], ['1', 3], ['1', 4]]);
  assert.deepEqual(changes.sizes, [['1', 5 * BLOCK_BYTES]]);
  assert.ok(changes.puts.every(([, bytes]) => bytes.length === BLOCK_BYTES));
  assert.ok(!JSON.stringify(changes).match(/time|mtime/i));
  apply(db, changes);

  // An in-place overwrite across a block boundary: just those two blocks.
  FS.write(stream, pattern(100, 9), 0, 100, 2 * BLOCK_BYTES - 50);
  changes = files.takeChanges();
  assert.deepEqual(changes.puts.map(([key]) => key), [['1', 1], ['1', 2]]);
  assert.deepEqual(changes.sizes, [], 'the length did not change');
  apply(db, changes);

  // Shrink into block 1, then grow again: block 1 rewritten (zeros), the
  // stale blocks 2..4 dropped, none of the old bytes come back.
  FS.ftruncate(stream.fd, BLOCK_BYTES + 10);
  FS.ftruncate(stream.fd, 3 * BLOCK_BYTES);
  changes = files.takeChanges();
  assert.deepEqual(changes.deleteFrom, [['1', 3]]);
  apply(db, changes);
  FS.close(stream);

  // The lock file: erased to 0 then written whole.
  FS.writeFile('/vault/0', pattern(1352, 5));
  apply(db, files.takeChanges());
  FS.truncate('/vault/0', 0);
  apply(db, files.takeChanges());
  assert.equal([...db.blocks.keys()].filter((key) => key.startsWith('0/')).length, 0, 'an erased file keeps no block');

  const back = loadFrom(db, names);
  for (const name of names) assert.deepEqual(back[name], FS.readFile(`/vault/${name}`), `file ${name}`);
  assert.ok(back['1'].subarray(BLOCK_BYTES + 10).every((b) => b === 0));

  // A failed store: its changes are taken again by the next one.
  FS.writeFile('/vault/2', pattern(10, 3));
  const failed = files.takeChanges();
  files.restore(failed);
  assert.deepEqual(files.takeChanges().puts.map(([key]) => key), [['2', 0]]);
});
