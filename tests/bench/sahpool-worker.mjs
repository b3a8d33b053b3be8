// The official SQLite wasm build (@sqlite.org/sqlite-wasm, pinned in
// tests/package.json) with its opfs-sahpool VFS, in a Worker as its docs
// require: the anchor of tests/bench/store.mjs. Answers {id, op, args} with
// {id, result} or {id, error}. Times are taken here, around the synchronous
// calls, as store.mjs times our store around its calls in the page.
//
// Bytes written, write calls and flushes: every FileSystemSyncAccessHandle
// write and flush of this Worker (the database, its journal and the pool's
// own file headers) is counted.
import sqlite3InitModule from '../node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs';

const started = performance.now();
let sqlite3, pool, db, sql;
let written = 0;

let writes = 0;
let flushes = 0;
const { write, flush } = FileSystemSyncAccessHandle.prototype;
FileSystemSyncAccessHandle.prototype.write = function (buffer, options) {
  written += buffer.byteLength;
  writes++;
  return write.call(this, buffer, options);
};
FileSystemSyncAccessHandle.prototype.flush = function () {
  flushes++;
  return flush.call(this);
};

// The same message as bench_store.c's insert_one (pattern 0), in the
// store's schema (every row carries its identity: 1, as bench_store.c's).
const BASE_MS = 1767225600000;
const IDENTITY = 1;
const conversationId = (k) => `05c0ffee${'0'.repeat(54)}${k.toString(16).padStart(4, '0')}`;

function insertOne(i) {
  const conv = conversationId(i % 20);
  const outgoing = i % 3 === 0 ? 1 : 0;
  const sentAt = BASE_MS + i * 1000;
  db.selectValue(sql.mode, [IDENTITY, conv]);
  db.exec({ sql: sql.conv, bind: [IDENTITY, conv] });
  db.exec({
    sql: sql.msg,
    bind: [IDENTITY, conv, outgoing ? '05me' : conv,
      `Message ${i}: the quick brown fox jumps over the lazy dog, then checks the time twice.`,
      sentAt, sentAt, outgoing, outgoing ? sentAt : null, 0, 0, null],
  });
}

const ops = {
  // Module start and VFS install; the SQL texts come from bench_store.c.
  async init(texts) {
    sql = texts;
    const t0 = performance.now();
    sqlite3 = await sqlite3InitModule();
    const t1 = performance.now();
    pool = await sqlite3.installOpfsSAHPoolVfs({});
    const t2 = performance.now();
    return { version: sqlite3.version.libVersion, workerStartMs: t0 - started, moduleMs: t1 - t0, vfsMs: t2 - t1 };
  },
  // Opens (creating) the database with the store's schema; its own defaults
  // otherwise (rollback journal in the pool, as an app would use it).
  open(name) {
    const t0 = performance.now();
    db = new pool.OpfsSAHPoolDb(name);
    if (db.selectValue('PRAGMA user_version') === 0) db.exec(sql.schema);
    return { openMs: performance.now() - t0 };
  },
  // Messages first..first+count-1, per transaction `batch` of them.
  fill(first, count, batch) {
    const t0 = performance.now();
    for (let i = 0; i < count; i += batch) {
      db.exec('BEGIN');
      for (let j = i; j < Math.min(i + batch, count); j++) insertOne(first + j);
      db.exec('COMMIT');
    }
    return { ms: performance.now() - t0 };
  },
  // One message per transaction, each timed: [{ ms, bytes }].
  durable(first, count) {
    const out = [];
    for (let i = 0; i < count; i++) {
      const before = { written, writes, flushes };
      const t0 = performance.now();
      db.exec('BEGIN');
      insertOne(first + i);
      db.exec('COMMIT');
      out.push({ ms: performance.now() - t0, bytes: written - before.written, writes: writes - before.writes,
        flushes: flushes - before.flushes });
    }
    return out;
  },
  // hush_messages' query: the newest 50 of conversation 3, as JSON text.
  last50() {
    const t0 = performance.now();
    const json = db.selectValue(sql.last, [IDENTITY, conversationId(3), 0, BASE_MS, 50]);
    return { ms: performance.now() - t0, length: json.length };
  },
  sizeBytes: () => db.selectValue('SELECT page_count * page_size FROM pragma_page_count, pragma_page_size'),
  close() {
    db?.close();
    db = null;
  },
};

self.onmessage = async ({ data: { id, op, args = [] } }) => {
  try {
    self.postMessage({ id, result: await ops[op](...args) });
  } catch (error) {
    self.postMessage({ id, error: String(error?.stack ?? error) });
  }
};
