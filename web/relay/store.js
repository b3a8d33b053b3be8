// Where messages wait: in memory for speed, and in an append-only log under
// dataDir so that they survive a restart, until they are deleted or their
// TTL ends.
//
// Why a log and not a file per message or a database: an append is one
// write() per store or delete, with no dependency; a torn last line (a crash
// in the middle of a write) is simply skipped when the log is read back. At
// start the log is compacted: the live, unexpired messages are written to a
// temporary file, fsynced, and renamed over the log, so a crash during
// compaction leaves either the old log or the new one, never half of one.
// The same compaction runs when deleted and expired lines outnumber the
// live ones.
//
// Log lines (JSON arrays, one a line, in arrival order):
//   ["p", pubkey, namespace, hash, timestamp, expiry, data base64]
//   ["d", hash]
// What is stored is what Session's storage servers store: the recipient's
// mailbox, the ciphertext, its hash and its times. No sender, no address.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MESSAGE_OVERHEAD } from './limits.js';
import { mailboxFull, relayFull, storageFailed } from './errors.js';

const LOG = 'messages.jsonl';

export class MessageStore {
  #boxes = new Map(); // `${pubkey}/${namespace}` -> Map(hash -> message), in arrival order
  #byHash = new Map(); // hash -> message (a hash covers its pubkey, so it names one message)
  #mailboxBytes = new Map(); // pubkey -> bytes held, all namespaces
  #total = 0;
  #dead = 0; // log lines that no longer describe a live message
  #dir;
  #fd = null;
  #limits;
  #now;

  constructor({ dataDir, limits, now }) {
    this.#dir = dataDir ?? null;
    this.#limits = limits;
    this.#now = now;
    if (this.#dir) {
      mkdirSync(this.#dir, { recursive: true });
      this.#load();
      this.#compact();
    }
  }

  get totalBytes() {
    return this.#total;
  }

  get count() {
    return this.#byHash.size;
  }

  mailboxBytes(pubkey) {
    return this.#mailboxBytes.get(pubkey) ?? 0;
  }

  // Stores a message; returns { already, expiry }. A message with the same
  // hash (same mailbox, namespace and bytes) is stored once, as Session does.
  put({ pubkey, namespace, hash, timestamp, expiry, data, size }) {
    const existing = this.#byHash.get(hash);
    if (existing) return { already: true, expiry: existing.expiry };
    const cost = size + MESSAGE_OVERHEAD;
    if (this.mailboxBytes(pubkey) + cost > this.#limits.maxMailboxBytes) throw mailboxFull();
    if (this.#total + cost > this.#limits.maxTotalBytes) throw relayFull();
    const message = { pubkey, namespace, hash, timestamp, expiry, data, cost };
    if (this.#fd !== null) {
      try {
        writeSync(this.#fd, JSON.stringify(['p', pubkey, namespace, hash, timestamp, expiry, data]) + '\n');
      } catch {
        throw storageFailed();
      }
    }
    this.#insert(message);
    return { already: false, expiry };
  }

  // The messages of one mailbox and namespace after `lastHash` (all of them
  // when lastHash is empty or no longer there, as oxen-storage-server does),
  // at most maxCount of them and about maxSize bytes (always at least one).
  after(pubkey, namespace, lastHash, { maxCount = Infinity, maxSize = Infinity } = {}) {
    const box = this.#boxes.get(`${pubkey}/${namespace}`);
    if (!box) return { messages: [], more: false };
    const now = this.#now();
    let started = !lastHash || !box.has(lastHash);
    const messages = [];
    let size = 0;
    for (const message of box.values()) {
      if (!started) {
        if (message.hash === lastHash) started = true;
        continue;
      }
      if (message.expiry <= now) continue;
      const bytes = message.cost - MESSAGE_OVERHEAD;
      if (messages.length > 0 && (messages.length >= maxCount || size + bytes > maxSize)) {
        return { messages, more: true };
      }
      messages.push(message);
      size += bytes;
    }
    return { messages, more: false };
  }

  // Deletes those of `hashes` that are messages of `pubkey`; returns their
  // hashes, sorted (as oxen-storage-server's delete answers).
  delete(pubkey, hashes) {
    const deleted = [];
    for (const hash of new Set(hashes)) {
      const message = this.#byHash.get(hash);
      if (!message || message.pubkey !== pubkey) continue;
      if (this.#fd !== null) {
        try {
          writeSync(this.#fd, JSON.stringify(['d', hash]) + '\n');
        } catch {
          throw storageFailed();
        }
      }
      this.#remove(message);
      this.#dead += 2; // its "p" line and this "d" line
      deleted.push(hash);
    }
    this.#maybeCompact();
    return deleted.sort();
  }

  // Drops the messages whose expiry has passed; returns how many.
  sweep() {
    const now = this.#now();
    let n = 0;
    for (const message of this.#byHash.values()) {
      if (message.expiry <= now) {
        this.#remove(message);
        this.#dead += 1;
        n += 1;
      }
    }
    this.#maybeCompact();
    return n;
  }

  close() {
    if (this.#fd !== null) {
      try {
        fsyncSync(this.#fd);
      } catch { /* best effort */ }
      closeSync(this.#fd);
      this.#fd = null;
    }
  }

  #insert(message) {
    const key = `${message.pubkey}/${message.namespace}`;
    let box = this.#boxes.get(key);
    if (!box) this.#boxes.set(key, (box = new Map()));
    box.set(message.hash, message);
    this.#byHash.set(message.hash, message);
    this.#mailboxBytes.set(message.pubkey, this.mailboxBytes(message.pubkey) + message.cost);
    this.#total += message.cost;
  }

  #remove(message) {
    const key = `${message.pubkey}/${message.namespace}`;
    const box = this.#boxes.get(key);
    box.delete(message.hash);
    if (box.size === 0) this.#boxes.delete(key);
    this.#byHash.delete(message.hash);
    const left = this.mailboxBytes(message.pubkey) - message.cost;
    if (left > 0) this.#mailboxBytes.set(message.pubkey, left);
    else this.#mailboxBytes.delete(message.pubkey);
    this.#total -= message.cost;
  }

  // Replays the log. Lines that do not parse (a torn write at a crash) are
  // skipped; limits are not applied here, so that lowering them never
  // loses what was accepted before.
  #load() {
    let text;
    try {
      text = readFileSync(join(this.#dir, LOG), 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return;
      throw error;
    }
    const now = this.#now();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (!Array.isArray(entry)) continue;
      if (entry[0] === 'p' && entry.length === 7) {
        const [, pubkey, namespace, hash, timestamp, expiry, data] = entry;
        if (typeof data !== 'string' || this.#byHash.has(hash) || expiry <= now) continue;
        const size = Buffer.byteLength(data, 'base64');
        this.#insert({ pubkey, namespace, hash, timestamp, expiry, data, cost: size + MESSAGE_OVERHEAD });
      } else if (entry[0] === 'd') {
        const message = this.#byHash.get(entry[1]);
        if (message) this.#remove(message);
      }
    }
  }

  #maybeCompact() {
    if (this.#fd !== null && this.#dead > 1000 && this.#dead > this.#byHash.size) this.#compact();
  }

  // Writes the live messages to a temporary file and renames it over the
  // log (atomic on POSIX file systems), then appends to the new log.
  #compact() {
    const path = join(this.#dir, LOG);
    const tmp = `${path}.tmp`;
    const lines = [];
    for (const m of this.#byHash.values()) {
      lines.push(JSON.stringify(['p', m.pubkey, m.namespace, m.hash, m.timestamp, m.expiry, m.data]) + '\n');
    }
    const fd = openSync(tmp, 'w', 0o600);
    try {
      // In pieces, so a large store is not one giant string.
      for (let i = 0; i < lines.length; i += 1024) writeSync(fd, lines.slice(i, i + 1024).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.#fd !== null) closeSync(this.#fd);
    renameSync(tmp, path);
    try {
      const dirFd = openSync(this.#dir, 'r');
      fsyncSync(dirFd);
      closeSync(dirFd);
    } catch { /* not every platform can fsync a directory */ }
    this.#fd = openSync(path, 'a', 0o600);
    this.#dead = 0;
  }
}
