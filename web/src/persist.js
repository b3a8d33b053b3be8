// The fallback persistence, where FileSystemSyncAccessHandle is missing:
// the vault's three files live in MEMFS and are stored in ONE IndexedDB
// database per vault (neutral name: the same hex as the OPFS directory) as
// fixed-size blocks keyed [file, block index], plus each file's length.
// Only changed blocks are written; no time is stored. IndexedDB is LevelDB
// in Chromium, which keeps overwritten records until it compacts: erasure
// here depends on the Clear-Site-Data endpoint (the app says so).
//
// Group commit: run(fn) runs fn (one whole core call, synchronous) only
// while no store is in flight, so a store never sees half a call's writes;
// calls arriving meanwhile wait, then run together and share the next
// store. A call that changed something resolves only after the IndexedDB
// transaction holding its blocks completed, and rejects if it failed.
import { HushError } from './errors.js';

export const BLOCK_BYTES = 16 * 1024;
const BLOCKS = 'blocks'; // [file, index] -> Uint8Array (the last one of a file may be short)
const SIZES = 'sizes'; // file -> length in bytes

// Runs synchronous jobs between stores; store() persists what they changed.
export class GroupCommit {
  #store;
  #running = null;
  #scheduled = false;
  #waiting = [];

  constructor(store) {
    this.#store = store;
  }

  // Runs fn between stores; with persist (the default) resolves after the
  // store that holds fn's changes.
  run(fn, { persist = true } = {}) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ fn, persist, resolve, reject });
      this.#schedule();
    });
  }

  #schedule() {
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  async #flush() {
    this.#scheduled = false;
    const stored = [];
    for (const job of this.#waiting.splice(0)) {
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
      this.#running = this.#store();
      try {
        await this.#running;
        for (const { job, value } of stored) job.resolve(value);
      } catch (error) {
        const failure = error instanceof HushError ? error
          : new HushError('ERR_PERSIST', `could not store the vault in IndexedDB: ${error?.message ?? error}`);
        for (const { job } of stored) job.reject(failure);
      } finally {
        this.#running = null;
      }
    }
    if (this.#waiting.length) this.#schedule();
  }
}

// The three MEMFS files of the vault folder, with the blocks each core call
// changed. takeChanges() hands them over as IndexedDB operations;
// restore(changes) marks them again after a failed store.
export class BlockFiles {
  #FS;
  #nodes = {};
  #dirty = {}; // file -> Set of block indices
  #resized = new Set(); // files whose length changed

  // contents: file -> Uint8Array as loaded.
  constructor(FS, path, names, contents = {}) {
    this.#FS = FS;
    if (!FS.analyzePath(path).exists) FS.mkdir(path);
    for (const name of names) {
      const file = `${path}/${name}`;
      FS.writeFile(file, contents[name] ?? new Uint8Array(0));
      const node = FS.lookupPath(file).node;
      this.#nodes[name] = node;
      this.#dirty[name] = new Set();
      this.#track(name, node);
    }
  }

  // Marks before each write or resize of this node; its own copies of
  // MEMFS's shared operation tables, so no other file is affected.
  #track(name, node) {
    const mark = (from, to) => {
      for (let i = Math.floor(from / BLOCK_BYTES); i * BLOCK_BYTES < to; i++) this.#dirty[name].add(i);
    };
    const resized = () => this.#resized.add(name);
    const { node_ops: nodeOps, stream_ops: streamOps } = node;
    node.node_ops = {
      ...nodeOps,
      setattr(n, attr) {
        if (attr.size !== undefined && attr.size !== n.usedBytes) {
          // Growing leaves zeros where older blocks may still be stored.
          mark(Math.min(attr.size, n.usedBytes), Math.max(attr.size, n.usedBytes));
          resized();
        }
        return nodeOps.setattr(n, attr);
      },
    };
    node.stream_ops = {
      ...streamOps,
      write(stream, buffer, offset, length, position, canOwn) {
        const at = position ?? stream.position;
        const before = stream.node.usedBytes;
        const written = streamOps.write(stream, buffer, offset, length, position, canOwn);
        mark(at, at + written);
        if (stream.node.usedBytes !== before) resized();
        return written;
      },
      allocate(stream, offset, length) {
        const before = stream.node.usedBytes;
        streamOps.allocate(stream, offset, length);
        if (stream.node.usedBytes !== before) {
          mark(before, stream.node.usedBytes);
          resized();
        }
      },
      mmap() { throw new HushError('ERR_IO', 'the vault files are not mapped'); },
    };
  }

  // { sizes: [[file, length]], puts: [[[file, index], bytes]], deleteFrom: [[file, index]] }:
  // the blocks to store, and where each resized file's stale blocks start.
  takeChanges() {
    const changes = { sizes: [], puts: [], deleteFrom: [] };
    for (const [name, node] of Object.entries(this.#nodes)) {
      const dirty = this.#dirty[name];
      const resized = this.#resized.has(name);
      if (!dirty.size && !resized) continue;
      const size = node.usedBytes;
      for (const i of [...dirty].sort((a, b) => a - b)) {
        if (i * BLOCK_BYTES >= size) continue;
        changes.puts.push([[name, i], node.contents.slice(i * BLOCK_BYTES, Math.min(size, (i + 1) * BLOCK_BYTES))]);
      }
      if (resized) {
        changes.sizes.push([name, size]);
        changes.deleteFrom.push([name, Math.ceil(size / BLOCK_BYTES)]);
      }
      dirty.clear();
      this.#resized.delete(name);
    }
    return changes;
  }

  // After a failed store: what it held is still to be stored.
  restore(changes) {
    for (const [[name, i]] of changes.puts) this.#dirty[name].add(i);
    for (const [name] of changes.sizes) this.#resized.add(name);
  }
}

export const isEmpty = (changes) => !changes.sizes.length && !changes.puts.length && !changes.deleteFrom.length;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function openDatabase(name) {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(BLOCKS);
    open.result.createObjectStore(SIZES);
  };
  const db = await request(open);
  // A wipe from another tab deletes this database: never block it.
  db.onversionchange = () => db.close();
  return db;
}

// Reads every file of the vault: file -> Uint8Array.
async function load(db, names) {
  const tx = db.transaction([BLOCKS, SIZES]);
  const contents = {};
  await Promise.all(names.map(async (name) => {
    const size = (await request(tx.objectStore(SIZES).get(name))) ?? 0;
    const bytes = new Uint8Array(size);
    const range = IDBKeyRange.bound([name, 0], [name, Infinity]);
    const [keys, blocks] = await Promise.all([
      request(tx.objectStore(BLOCKS).getAllKeys(range)), request(tx.objectStore(BLOCKS).getAll(range))]);
    keys.forEach(([, i], k) => {
      if (i * BLOCK_BYTES < size) bytes.set(blocks[k].subarray(0, size - i * BLOCK_BYTES), i * BLOCK_BYTES);
    });
    contents[name] = bytes;
  }));
  return contents;
}

function store(db, changes) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction([BLOCKS, SIZES], 'readwrite', { durability: 'strict' });
    const blocks = tx.objectStore(BLOCKS);
    for (const [name, size] of changes.sizes) tx.objectStore(SIZES).put(size, name);
    for (const [name, from] of changes.deleteFrom) blocks.delete(IDBKeyRange.bound([name, from], [name, Infinity]));
    for (const [key, bytes] of changes.puts) blocks.put(bytes, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

// The vault folder at path, loaded from IndexedDB database dbName.
export class IdbVault {
  kind = 'idbfs';
  #db;
  #files;
  #commit;
  #names;

  static async open(FS, path, dbName, names) {
    if (!globalThis.indexedDB) throw new HushError('ERR_PERSIST', 'no IndexedDB here');
    try {
      const db = await openDatabase(dbName);
      return new IdbVault(db, new BlockFiles(FS, path, names, await load(db, names)), names);
    } catch (error) {
      if (error instanceof HushError) throw error;
      throw new HushError('ERR_PERSIST', `could not load the vault from IndexedDB: ${error?.message ?? error}`);
    }
  }

  constructor(db, files, names) {
    this.#db = db;
    this.#files = files;
    this.#names = names;
    this.#commit = new GroupCommit(async () => {
      const changes = this.#files.takeChanges();
      if (isEmpty(changes)) return;
      try {
        await store(this.#db, changes);
      } catch (error) {
        this.#files.restore(changes);
        throw error;
      }
    });
  }

  run(fn, options) {
    return this.#commit.run(fn, options);
  }

  // Every record that is not part of the three files as they now are.
  async removeOrphans() {
    const tx = this.#db.transaction([BLOCKS, SIZES], 'readwrite');
    const sizes = new Map();
    for (const name of this.#names) sizes.set(name, (await request(tx.objectStore(SIZES).get(name))) ?? 0);
    for (const key of await request(tx.objectStore(SIZES).getAllKeys())) {
      if (!sizes.has(key)) tx.objectStore(SIZES).delete(key);
    }
    for (const key of await request(tx.objectStore(BLOCKS).getAllKeys())) {
      const [name, i] = Array.isArray(key) ? key : [];
      if (!sizes.has(name) || !(i * BLOCK_BYTES < sizes.get(name))) tx.objectStore(BLOCKS).delete(key);
    }
    return [];
  }

  close() {
    this.#db.close();
  }
}
