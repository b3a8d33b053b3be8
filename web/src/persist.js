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
  #mounts = new Map(); // path -> { running: sync promise, scheduled, waiting: jobs }

  constructor(module) {
    this.#FS = module.FS;
    this.#IDBFS = module.FS.filesystems.IDBFS;
  }

  // Mounts path (creating it) and loads what IndexedDB holds for it.
  async mount(path) {
    const FS = this.#FS;
    if (!FS.analyzePath(path).exists) FS.mkdir(path);
    FS.mount(this.#IDBFS, {}, path);
    this.#mounts.set(path, { running: null, scheduled: false, waiting: [] });
    await this.#sync(path, true);
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
      state.running = this.#sync(path, false);
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
    for (const [name, db] of Object.entries(this.#IDBFS.dbs)) {
      db.close();
      delete this.#IDBFS.dbs[name];
    }
  }
}
