// Group commit in web/src/persist.js, against a stand-in for Emscripten's
// IDBFS whose syncs we complete or fail by hand: writes never run while a
// sync is in flight, writes that arrive meanwhile share the next sync, a
// call resolves only after its sync, and a failed sync rejects exactly the
// calls that waited on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Persistence } from '../../web/src/persist.js';
import { HushError } from '../../web/src/errors.js';

function fakeModule() {
  const syncs = []; // pending { populate, done }: syncfs (mount) and reconcile (store)
  const noop = () => {};
  const IDBFS = {
    dbs: {},
    syncfs(mount, populate, done) { syncs.push({ populate, done }); },
    getDB(name, done) { done(null, {}); },
    reconcile(src, dst, done) { syncs.push({ populate: false, done }); },
  };
  const MEMFS = { ops_table: { file: { stream: { write: noop }, node: { setattr: noop } },
    dir: { node: { mknod: noop, unlink: noop, rmdir: noop, rename: noop } } } };
  const FS = {
    filesystems: { IDBFS, MEMFS },
    analyzePath: () => ({ exists: true, object: null }),
    mkdir() {},
    mount() {},
    isDir: () => false,
    getPath: () => '/data',
    lookupPath: () => ({ node: { mount: {}, contents: {} } }),
  };
  return { module: { FS }, syncs };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function mounted() {
  const { module, syncs } = fakeModule();
  const persistence = new Persistence(module);
  const mounting = persistence.mount('/data');
  syncs.shift().done(null); // the populate sync at mount
  await mounting;
  return { persistence, syncs };
}

test('writes arriving during a sync wait for it, then share one sync', async () => {
  const { persistence, syncs } = await mounted();
  const log = [];
  const first = persistence.run('/data', () => { log.push('write 1'); return 1; });
  await tick();
  assert.equal(syncs.length, 1, 'first write started a sync');
  const second = persistence.run('/data', () => { log.push('write 2'); return 2; });
  const third = persistence.run('/data', () => { log.push('write 3'); return 3; });
  await tick();
  assert.deepEqual(log, ['write 1'], 'no write runs while a sync is in flight');
  let settled = false;
  first.then(() => { settled = true; });
  await tick();
  assert.equal(settled, false, 'not resolved before its sync completed');
  syncs.shift().done(null);
  assert.equal(await first, 1);
  await tick();
  assert.deepEqual(log, ['write 1', 'write 2', 'write 3']);
  assert.equal(syncs.length, 1, 'the two later writes share one sync');
  syncs.shift().done(null);
  assert.deepEqual(await Promise.all([second, third]), [2, 3]);
});

test('a failed sync rejects the calls waiting on it with ERR_PERSIST, and only those', async () => {
  const { persistence, syncs } = await mounted();
  const doomed = persistence.run('/data', () => 'a');
  await tick();
  const next = persistence.run('/data', () => 'b');
  syncs.shift().done(new Error('QuotaExceededError'));
  await assert.rejects(doomed, (error) => error instanceof HushError && error.code === 'ERR_PERSIST' && /Quota/.test(error.message));
  await tick();
  syncs.shift().done(null);
  assert.equal(await next, 'b');
});

test('a write that throws rejects alone; reads do not trigger a sync', async () => {
  const { persistence, syncs } = await mounted();
  const bad = persistence.run('/data', () => { throw new HushError('ERR_MESSAGE', 'bad message'); });
  const read = persistence.run('/data', () => 'read', { persist: false });
  await assert.rejects(bad, { code: 'ERR_MESSAGE' });
  assert.equal(await read, 'read');
  await tick();
  assert.equal(syncs.length, 0);
  await assert.rejects(persistence.run('/elsewhere', () => 1), { code: 'ERR_STATE' });
});

test('under Node there is no IndexedDB: mounting fails with a clear error', async () => {
  const { loadCore } = await import('../../web/src/core.js');
  const core = await loadCore({ flavour: 'plain' });
  const persistence = new Persistence(core.module);
  await assert.rejects(persistence.mount('/hush-node'), (error) => error.code === 'ERR_PERSIST' || /indexedDB/i.test(error.message));
});
