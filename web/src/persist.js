// IndexedDB persistence of the vault's folders (Emscripten IDBFS), inside
// the Worker. Each folder is its own IDBFS mount, so its own IndexedDB
// database: the small lock folder loads first and the lock screen can show
// before the data has loaded.
//
// Group commit: persist() resolves only after a sync that started after the
// call completed, so every change made before the call is stored. Calls that
// arrive while a sync runs share the next one.
import { HushError } from './errors.js';

export class Persistence {
  #FS;
  #IDBFS;
  #mounts = new Map(); // path -> { running, queued }

  constructor(module) {
    this.#FS = module.FS;
    this.#IDBFS = module.FS.filesystems.IDBFS;
  }

  // Mounts path (creating it) and loads what IndexedDB holds for it.
  async mount(path) {
    const FS = this.#FS;
    if (!FS.analyzePath(path).exists) FS.mkdir(path);
    FS.mount(this.#IDBFS, {}, path);
    this.#mounts.set(path, { running: null, queued: null });
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

  persist(path) {
    const state = this.#mounts.get(path);
    if (!state) return Promise.reject(new HushError('ERR_STATE', `${path} is not mounted`));
    if (!state.running) {
      state.running = this.#sync(path, false).finally(() => { state.running = null; });
      return state.running;
    }
    // A sync is running and may have read the files before this change:
    // wait for it, then run one more for everybody who arrived meanwhile.
    state.queued ??= state.running.catch(() => {}).then(() => {
      state.queued = null;
      return this.persist(path);
    });
    return state.queued;
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
