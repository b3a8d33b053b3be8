// The examiner (forensics.mjs) on data made here with libsodium.js, so it is
// known to open what it should and nothing else before any browser result
// that rests on it is trusted. No browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodiumModule from 'libsodium-wrappers-sumo';
import { BLOCK, LOCKFILE_BYTES, decryptablePages, filesContaining, findLockFiles, parseLockFile, windows } from './forensics.mjs';

const sodium = sodiumModule.default ?? sodiumModule;

// A lock file as core/LOCKFILE.md describes it, with the unlock slot at
// `slot` and random bytes in the others.
async function makeLockFile({ code, kind = 'pin', dek, slot = 5, type = 1 }) {
  await sodium.ready;
  const file = Buffer.from(sodium.randombytes_buf(LOCKFILE_BYTES));
  file.fill(0, 0, 128);
  file.write('HUSHLOCK', 0, 'latin1');
  file.writeUInt32LE(2, 8);
  file[12] = { pin: 1, pattern: 2, passphrase: 3 }[kind];
  file.writeUInt32LE(1, 16);
  file.writeUInt32LE(8, 20);
  Buffer.from(sodium.randombytes_buf(16)).copy(file, 24);
  const canonical = `${kind}:${code}`;
  const lockKey = sodium.crypto_pwhash(32, canonical, file.subarray(24, 40), 1, 8 * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
  const payload = new Uint8Array(40);
  payload[0] = type;
  payload.set(dek, 8);
  const nonce = sodium.randombytes_buf(24);
  const ad = Buffer.concat([file.subarray(0, 48), Buffer.from([slot])]);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(payload, ad, null, nonce, lockKey);
  Buffer.concat([nonce, sealed]).copy(file, 128 + slot * 80);
  return file;
}

// The store's keys and page blocks, written out here from the format in
// the brief (not with the examiner's own helpers, so a shared mistake
// cannot pass): db_key = kdf(1, "hushvdb_", DEK), page_key = kdf(1,
// "hushpage", db_key), file_id = kdf(3, "hushpage", db_key)[0:16]; a block
// = ciphertext(4056) | nonce(24) | tag(16), AD = file_id | n (u32 BE).
function storeKeys(dek) {
  const dbKey = sodium.crypto_kdf_derive_from_key(32, 1, 'hushvdb_', dek);
  return { pageKey: sodium.crypto_kdf_derive_from_key(32, 1, 'hushpage', dbKey),
    fileId: sodium.crypto_kdf_derive_from_key(32, 3, 'hushpage', dbKey).subarray(0, 16) };
}
function sealPage({ pageKey, fileId }, n, plaintext) {
  const n32 = Buffer.alloc(4);
  n32.writeUInt32BE(n);
  const nonce = sodium.randombytes_buf(24);
  const { ciphertext, mac } = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt_detached(plaintext,
    Buffer.concat([fileId, n32]), null, nonce, pageKey);
  return Buffer.concat([ciphertext, nonce, mac]);
}

const text = (s) => Buffer.concat([Buffer.from(s), Buffer.alloc(4056 - Buffer.byteLength(s))]);

test('the examiner opens the pages a lock file and code unlock, wherever they lie, and nothing else', async () => {
  await sodium.ready;
  const dir = await mkdtemp(join(tmpdir(), 'hush-examiner-'));
  try {
    const dek = sodium.randombytes_buf(32);
    const lock = await makeLockFile({ code: '2580', dek });
    assert.equal(parseLockFile(lock).salt.length, 16);
    const keys = storeKeys(dek);
    const other = storeKeys(sodium.randombytes_buf(32));

    // The pages file: header block, then pages 1..3 at 4096 n.
    const pages = Buffer.concat([Buffer.from(sodium.randombytes_buf(BLOCK)),
      sealPage(keys, 1, text('page one')), sealPage(keys, 2, text('page two')), sealPage(keys, 3, text('page three'))]);
    // Elsewhere in the profile: an old copy of page 2 at an aligned offset
    // of an unrelated file (must be found), a page sealed as page 2 but
    // stored misaligned (not looked for), a page under another key (not
    // found), and a page with one flipped bit (not found).
    const stale = sealPage(keys, 2, text('old page two'));
    const flipped = sealPage(keys, 1, text('tampered'));
    flipped[100] ^= 1;
    const cache = Buffer.concat([Buffer.alloc(BLOCK * 2, 7), stale, Buffer.alloc(10), sealPage(keys, 1, text('misaligned')),
      Buffer.alloc(BLOCK - 10), sealPage(other, 1, text('other key')), flipped]);
    await mkdir(join(dir, 'storage', 'deep'), { recursive: true });
    await writeFile(join(dir, 'storage', 'deep', 'pages'), pages);
    await writeFile(join(dir, 'cache-file'), cache);
    await writeFile(join(dir, 'lockfile'), lock);
    await writeFile(join(dir, 'small'), stale.subarray(0, 4000));

    const found = await decryptablePages(dir, { lockFile: lock, code: '2580', kind: 'pin' });
    assert.ok(found.dataKey);
    assert.equal(found.pageCount, 3, 'the page count of the pages file it located');
    assert.deepEqual(found.pagesFiles, [join(dir, 'storage', 'deep', 'pages')]);
    const opened = found.pages.map((p) => [p.path.slice(dir.length), p.offset, p.page, p.plaintext.toString().replace(/\0+$/, '')]).sort();
    assert.deepEqual(opened, [
      ['/cache-file', 2 * BLOCK, 2, 'old page two'],
      ['/storage/deep/pages', BLOCK, 1, 'page one'],
      ['/storage/deep/pages', 2 * BLOCK, 2, 'page two'],
      ['/storage/deep/pages', 3 * BLOCK, 3, 'page three'],
    ].sort());
    assert.ok(found.ms >= 0 && found.blocks > 8);

    // A wrong code, the right code as another kind, or a duress-type slot
    // give no data key and no pages.
    assert.equal((await decryptablePages(dir, { lockFile: lock, code: '2581', kind: 'pin' })).dataKey, null);
    assert.equal((await decryptablePages(dir, { lockFile: lock, code: '2580', kind: 'passphrase' })).pages.length, 0);
    const duress = await makeLockFile({ code: '2580', dek, type: 2 });
    assert.equal((await decryptablePages(dir, { lockFile: duress, code: '2580' })).dataKey, null);
    // A lock file read from a path, and an explicit page count.
    const byPath = await decryptablePages(dir, { lockFile: join(dir, 'lockfile'), code: '2580', pageCount: 1 });
    assert.deepEqual(byPath.pages.map((p) => p.page), [1]);

    assert.deepEqual((await findLockFiles(dir)).map((f) => f.path), [join(dir, 'lockfile')]);
    assert.deepEqual(await filesContaining(dir, [Buffer.from('nowhere'), lock.subarray(24, 40)]), [[join(dir, 'lockfile'), 1]]);
    assert.equal(windows(pages, { count: 4 }).length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
