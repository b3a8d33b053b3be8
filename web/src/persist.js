// IndexedDB persistence of the vault's folders (Emscripten IDBFS), inside
// the Worker. Each folder is its own IDBFS mount, so its own IndexedDB
// database: the small lock folder loads first and the lock screen can show
// before the data has loaded.
//
// Group commit: run(path, fn) runs fn (one whole transaction, synchronous)
// only while no sync of that folder is in flight, so a sync never sees a
// half-changed set of files; changes made meanwhile wait, then run together
// and share the next sync. A call that changed something resolves only after
// that sync completed, and rejects if it failed: nothing is reported stored
// that was not stored.
import { HushError } from './errors.js';

export class Persistence {
  #FS;
  #IDBFS;
  #mounts = new Map(); // path -> { running, scheduled, waiting, stored: Map path -> mtime, dirty: Set }

  constructor(module) {
    this.#FS = module.FS;
    this.#IDBFS = module.FS.filesystems.IDBFS;
    this.#track();
  }

  // Every MEMFS change under a mounted folder marks its path, so a sync
  // stores or deletes just those paths: IDBFS.syncfs instead stats every
  // file of the folder and reads every key back from IndexedDB, each time
  // (40 ms per sync at 2,000 files). MEMFS's operation tables are shared by
  // all its nodes; the marks are made before each operation runs.
  #track() {
    const FS = this.#FS;
    const ops = FS.filesystems.MEMFS.ops_table;
    const mark = (node, name) => {
      const state = this.#mounts.get(node.mount.mountpoint);
      if (!state) return;
      const path = FS.getPath(node);
      state.dirty.add(name === undefined ? path : `${path}/${name}`);
    };
    const before = (table, op, fn) => {
      const original = table[op];
      table[op] = function (...args) {
        fn(...args);
        return original.apply(this, args);
      };
    };
    before(ops.file.stream, 'write', (stream) => mark(stream.node));
    before(ops.file.node, 'setattr', (node) => mark(node));
    before(ops.dir.node, 'mknod', (parent, name) => mark(parent, name));
    before(ops.dir.node, 'unlink', (parent, name) => mark(parent, name));
    before(ops.dir.node, 'rmdir', (parent, name) => mark(parent, name));
    before(ops.dir.node, 'rename', (node, dir, name) => { mark(node); mark(dir, name); });
  }

  // Mounts path (creating it) and loads what IndexedDB holds for it.
  async mount(path) {
    const FS = this.#FS;
    if (!FS.analyzePath(path).exists) FS.mkdir(path);
    FS.mount(this.#IDBFS, {}, path);
    const state = { running: null, scheduled: false, waiting: [], stored: null, dirty: new Set() };
    this.#mounts.set(path, state);
    await this.#sync(path, true);
    // IndexedDB holds exactly what the folder now holds.
    state.stored = this.#storedNow(path);
    state.dirty.clear();
  }

  // path -> mtime of every file and folder under path (what IDBFS stores).
  #storedNow(path) {
    const FS = this.#FS;
    const stored = new Map();
    const walk = (dir, at) => {
      for (const [name, node] of Object.entries(dir.contents)) {
        stored.set(`${at}/${name}`, node.timestamp);
        if (FS.isDir(node.mode)) walk(node, `${at}/${name}`);
      }
    };
    walk(FS.lookupPath(path).node, path);
    return stored;
  }

  // Stores the marked paths that changed and deletes those that went, in
  // one IndexedDB transaction (IDBFS.reconcile over just those paths).
  #store(path, state) {
    if (!state.stored) {
      return this.#sync(path, false).then(() => { state.stored = this.#storedNow(path); state.dirty.clear(); });
    }
    const FS = this.#FS;
    const paths = [...state.dirty];
    state.dirty.clear();
    const local = {};
    const remote = {};
    for (const p of paths) {
      const node = FS.analyzePath(p).object;
      if (node) local[p] = { timestamp: new Date(node.timestamp) };
      if (state.stored.has(p)) remote[p] = { timestamp: new Date(state.stored.get(p)) };
    }
    return new Promise((resolve, reject) => {
      const fail = (error) => {
        for (const p of paths) state.dirty.add(p);
        reject(new HushError('ERR_PERSIST', `could not store the vault in IndexedDB: ${error?.message ?? error}`));
      };
      this.#IDBFS.getDB(path, (error, db) => {
        if (error) return fail(error);
        this.#IDBFS.reconcile({ type: 'local', entries: local }, { type: 'remote', db, entries: remote }, (err) => {
          if (err) return fail(err);
          for (const p of paths) {
            if (local[p]) state.stored.set(p, local[p].timestamp.getTime());
            else state.stored.delete(p);
          }
          resolve();
        });
      });
    });
  }

  #sync(path, populate) {
    const { mount } = this.#FS.lookupPath(path).node;
    return new Promise((resolve, reject) => {
      this.#IDBFS.syncfs(mount, populate, (error) => {
        if (error) reject(new HushError('ERR_PERSIST', `could not store the vault in IndexedDB: ${error.message ?? error}`));
        else resolve();
      });
    });
  }

  // Runs fn between syncs; with persist (the default) resolves after the
  // sync that stores fn's changes.
  run(path, fn, { persist = true } = {}) {
    const state = this.#mounts.get(path);
    if (!state) return Promise.reject(new HushError('ERR_STATE', `${path} is not mounted`));
    return new Promise((resolve, reject) => {
      state.waiting.push({ fn, persist, resolve, reject });
      this.#schedule(path, state);
    });
  }

  persist(path) {
    return this.run(path, () => undefined);
  }

  #schedule(path, state) {
    if (state.running || state.scheduled) return;
    state.scheduled = true;
    queueMicrotask(() => this.#flush(path, state));
  }

  async #flush(path, state) {
    state.scheduled = false;
    const stored = [];
    for (const job of state.waiting.splice(0)) {
      let value;
      try {
        value = job.fn();
      } catch (error) {
        job.reject(error);
        continue;
      }
      if (job.persist) stored.push({ job, value });
      else job.resolve(value);
    }
    if (stored.length) {
      state.running = this.#store(path, state);
      try {
        await state.running;
        for (const { job, value } of stored) job.resolve(value);
      } catch (error) {
        for (const { job } of stored) job.reject(error);
      } finally {
        state.running = null;
      }
    }
    if (state.waiting.length) this.#schedule(path, state);
  }

  // Closes IDBFS's IndexedDB connections so the databases can be deleted;
  // the next persist() opens them again.
  release() {
    for (const state of this.#mounts.values()) state.stored = null;
    for (const [name, db] of Object.entries(this.#IDBFS.dbs)) {
      db.close();
      delete this.#IDBFS.dbs[name];
    }
  }
}
