// The examiner's tools: what someone holding an image of the browser profile
// can do with its raw files, offline, after the browser was closed. Nothing
// here uses the Hush core: keys are derived and pages opened with
// libsodium-wrappers-sumo from the formats as written down
// (core/LOCKFILE.md, core/src/store_vfs.c), so a bug in the core cannot hide
// itself from these checks.
import { readdir, readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import sodiumModule from 'libsodium-wrappers-sumo';

const sodium = sodiumModule.default ?? sodiumModule;

// The lock file's size, as the core is built with it (core/include/hush.h).
export const LOCKFILE_BYTES = Number(readFileSync(new URL('../../core/include/hush.h', import.meta.url), 'utf8')
  .match(/#define HUSH_LOCKFILE_BYTES (\d+)/)[1]);

export const BLOCK = 4096;
const TAG = 16;
const NONCE = 24;
const CIPHERTEXT = BLOCK - NONCE - TAG; // 4056

// Every regular file under dir, as { path, size }.
export async function profileFiles(dir) {
  const out = [];
  const walk = async (path) => {
    let entries;
    try { entries = await readdir(path, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        try { out.push({ path: full, size: (await stat(full)).size }); } catch { /* gone meanwhile */ }
      }
    }
  };
  await walk(dir);
  return out;
}

// Files under dir whose bytes contain any needle (Buffers), as
// [file, needle index] pairs.
export async function filesContaining(dir, needles) {
  const hits = [];
  for (const { path } of await profileFiles(dir)) {
    let bytes;
    try { bytes = await readFile(path); } catch { continue; }
    needles.forEach((needle, i) => { if (bytes.indexOf(needle) !== -1) hits.push([path, i]); });
  }
  return hits;
}

// Every file in the profile of exactly the lock file's size, with its bytes.
export async function findLockFiles(profileDir, size = LOCKFILE_BYTES) {
  const out = [];
  for (const file of await profileFiles(profileDir)) {
    if (file.size !== size) continue;
    let bytes;
    try { bytes = await readFile(file.path); } catch { continue; /* gone meanwhile */ }
    // A file may change between stat and read while a browser still runs.
    if (bytes.length === size) out.push({ path: file.path, bytes });
  }
  return out;
}

// The examiner's reading of a lock file (core/LOCKFILE.md): header fields,
// and the slots with their associated data.
// Anything shorter than a lock file parses with an empty magic.
export function parseLockFile(bytes) {
  const b = Buffer.from(bytes);
  if (b.length < 128 + 8 * 80) return { magic: '', slots: [] };
  return {
    magic: b.subarray(0, 8).toString('latin1'),
    version: b.readUInt32LE(8),
    kind: b[12],
    authenticatorBound: (b[13] & 1) === 1,
    prfSalt: b.subarray(72, 104),
    opslimit: b.readUInt32LE(16),
    memlimitKib: b.readUInt32LE(20),
    salt: b.subarray(24, 40),
    bound: b.subarray(0, 48),
    slots: Array.from({ length: 8 }, (_, i) => b.subarray(128 + i * 80, 128 + (i + 1) * 80)),
  };
}

export function canonicalCode(code, kind) {
  if (kind === 'pin') {
    if (!/^[0-9]+$/.test(code)) throw new Error('a PIN is digits');
    return `pin:${code}`;
  }
  if (kind === 'pattern') {
    if (!/^[1-9]+$/.test(code)) throw new Error('a pattern is the digits 1-9');
    return `pattern:${code}`;
  }
  if (kind === 'passphrase') return `passphrase:${code.normalize('NFC')}`;
  throw new Error(`unknown kind ${kind}`);
}

// lock file + code (+ for a bound vault the authenticator's PRF output)
// -> data key (null if no unlock slot opens).
export async function dataKeyFrom(lockBytes, code, kind, factor = null) {
  await sodium.ready;
  const lock = parseLockFile(lockBytes);
  if (lock.magic !== 'HUSHLOCK') throw new Error('not a lock file');
  const argon = sodium.crypto_pwhash(32, new TextEncoder().encode(canonicalCode(code, kind)), lock.salt,
    lock.opslimit, lock.memlimitKib * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
  // LOCKFILE.md, "Bound vaults": BLAKE2b(key: PRF output, "hush-bound-v1" | Argon2id).
  const lockKey = factor
    ? sodium.crypto_generichash(32, Buffer.concat([Buffer.from('hush-bound-v1'), Buffer.from(argon)]), factor)
    : argon;
  let dek = null;
  lock.slots.forEach((slot, i) => {
    const ad = Buffer.concat([lock.bound, Buffer.from([i])]);
    let payload;
    try {
      payload = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, slot.subarray(NONCE), ad, slot.subarray(0, NONCE), lockKey);
    } catch { return; }
    if (payload[0] === 1) dek = payload.slice(8, 40);
  });
  return dek;
}

// data key -> the store's keys (core/src/store_vfs.c).
export async function storeKeys(dek) {
  await sodium.ready;
  const dbKey = sodium.crypto_kdf_derive_from_key(32, 1, 'hushvdb_', dek);
  return {
    pageKey: sodium.crypto_kdf_derive_from_key(32, 1, 'hushpage', dbKey),
    fileId: sodium.crypto_kdf_derive_from_key(32, 3, 'hushpage', dbKey).slice(0, 16),
  };
}

function pageAd(fileId, n) {
  const ad = new Uint8Array(20);
  ad.set(fileId, 0);
  new DataView(ad.buffer).setUint32(16, n, false);
  return ad;
}

// Tries to open one 4096-byte block as page n; the plaintext or null.
function openBlock({ pageKey, fileId }, block, n) {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(null, block.subarray(0, CIPHERTEXT),
      block.subarray(CIPHERTEXT + NONCE), pageAd(fileId, n), block.subarray(CIPHERTEXT, CIPHERTEXT + NONCE), pageKey);
  } catch {
    return null;
  }
}

// Files whose block at offset 4096 opens as page 1: the pages file(s).
async function locatePagesFiles(files, keys) {
  const found = [];
  for (const file of files) {
    if (file.size < 2 * BLOCK) continue;
    let bytes;
    try { bytes = await readFile(file.path); } catch { continue; }
    if (openBlock(keys, bytes.subarray(BLOCK, 2 * BLOCK), 1)) found.push(file);
  }
  return found;
}

// The examiner: derives the keys from a lock file (its bytes or a path) and
// the code, then tries to open EVERY 4096-byte block at every 4096-aligned
// offset of EVERY file of at least 4096 bytes in the profile, as every page
// number 1..pageCount. pageCount defaults to the page count of the pages
// file it finds (a file whose block at 4096 opens as page 1: header block,
// then page n at 4096 n). Returns { dataKey, pages: [{ path, offset, page,
// plaintext }], pageCount, pagesFiles, blocks, ms }; dataKey null (and no
// pages) when the code opens no unlock slot.
export async function decryptablePages(profileDir, { lockFile, code, kind = 'pin', pageCount } = {}) {
  await sodium.ready;
  const started = performance.now();
  const lockBytes = typeof lockFile === 'string' ? await readFile(lockFile) : Buffer.from(lockFile);
  const dataKey = await dataKeyFrom(lockBytes, code, kind);
  const result = { dataKey, pages: [], pageCount: 0, pagesFiles: [], blocks: 0, ms: 0 };
  if (!dataKey) {
    result.ms = performance.now() - started;
    return result;
  }
  const keys = await storeKeys(dataKey);
  const files = (await profileFiles(profileDir)).filter((f) => f.size >= BLOCK);
  result.pagesFiles = (await locatePagesFiles(files, keys)).map((f) => f.path);
  if (pageCount === undefined) {
    pageCount = 0;
    for (const f of files) if (result.pagesFiles.includes(f.path)) pageCount = Math.max(pageCount, Math.floor(f.size / BLOCK) - 1);
  }
  result.pageCount = pageCount;
  for (const file of files) {
    let bytes;
    try { bytes = await readFile(file.path); } catch { continue; }
    for (let offset = 0; offset + BLOCK <= bytes.length; offset += BLOCK) {
      const block = bytes.subarray(offset, offset + BLOCK);
      result.blocks++;
      for (let n = 1; n <= pageCount; n++) {
        const plaintext = openBlock(keys, block, n);
        if (plaintext) {
          result.pages.push({ path: file.path, offset, page: n, plaintext: Buffer.from(plaintext) });
          break; // a block authenticates as one page number only
        }
      }
    }
  }
  result.ms = performance.now() - started;
  return result;
}

// Windows of `size` bytes of a file, spread over it (for "is any of the old
// pages file still here" scans).
export function windows(bytes, { count = 8, size = 64, from = BLOCK } = {}) {
  const out = [];
  const span = bytes.length - from - size;
  for (let i = 0; i < count && span > 0; i++) {
    const at = from + Math.floor((span * i) / Math.max(1, count - 1));
    out.push(Buffer.from(bytes.subarray(at, at + size)));
  }
  return out;
}

// ---- the scan that ends a wipe test -------------------------------------------

// The lock file in the profile: the one file of the lock file's size that
// starts with the magic, or (code given: a profile with more than one
// vault) the one that code opens.
export async function theLockFile(profileDir, { code = null, kind = 'pin' } = {}) {
  const found = [];
  for (const file of await findLockFiles(profileDir)) {
    if (parseLockFile(file.bytes).magic !== 'HUSHLOCK') continue;
    if (code === null || await dataKeyFrom(file.bytes, code, kind)) found.push(file);
  }
  assert.equal(found.length, 1, `lock files${code === null ? '' : ' the code opens'}: ${JSON.stringify(found.map((f) => f.path))}`);
  return found[0];
}

// What an image taken before a wipe gives to look for after it: the
// canary, the old lock file's salt and eight slots, and its trustee
// region's eight slots (indexes 0, 1, 2-9, 10-17).
export function wipeNeedles(lockBytes, canary) {
  const old = parseLockFile(lockBytes);
  const trustees = Buffer.from(lockBytes).subarray(lockBytes.length - 8 * 64);
  return [Buffer.from(canary), Buffer.from(old.salt), ...old.slots.map((s) => Buffer.from(s)),
    ...Array.from({ length: 8 }, (_, i) => trustees.subarray(i * 64, i * 64 + 64))];
}

// The examiner's scan of the closed profile's raw files: no needle in any
// file, and the old lock file with the old code opens no page.
export async function assertProfileClean(profileDir, { needles, oldLock, code, kind = 'pin', pageCount }) {
  const hits = await filesContaining(profileDir, needles);
  assert.deepEqual(hits.map(([file, i]) => [file.slice(profileDir.length), i]), [],
    'needles: 0 canary, 1 old salt, 2-9 old slots, 10-17 old trustee slots');
  const after = await decryptablePages(profileDir, { lockFile: oldLock, code, kind, pageCount });
  assert.deepEqual(after.pages.map((p) => p.path), [], 'the old keys open nothing');
}
