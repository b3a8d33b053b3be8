// Messages against an independent implementation (core/MESSAGES.md): a
// ciphertext built with libsodium.js alone, as libsession-util's
// encrypt_for_recipient builds it (padded envelope, detached signature
// over M || A || Y, sealed box), opens in the core (wasm, both flavours)
// naming the right sender; and the core's ciphertext opens, verifies and
// unpads in libsodium.js with the fields the core was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sodiumModule from 'libsodium-wrappers-sumo';
import { loadCore } from '../../web/src/core.js';

const T0 = 1_700_000_000_000;
let counter = 0;

async function vaultWith(flavour, seed) {
  const core = await loadCore({ flavour });
  const dir = `/m${counter++}`;
  core.module.FS.mkdir(dir);
  for (const name of Object.values(core.constants.files)) core.module.FS.writeFile(`${dir}/${name}`, new Uint8Array(0));
  const vault = core.openVault(dir);
  vault.create('pin', new TextEncoder().encode('1234'), { opslimit: 1, memlimitKib: 8 }, T0);
  const id = vault.createIdentity('me', seed);
  return { core, vault, id, sessionId: vault.identities()[0].sessionId };
}

function keysOf(sodium, seed16) {
  const seed = new Uint8Array(32);
  seed.set(seed16);
  const { publicKey, privateKey } = sodium.crypto_sign_seed_keypair(seed);
  return { edPk: publicKey, edSk: privateKey, xPk: sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey),
    xSk: sodium.crypto_sign_ed25519_sk_to_curve25519(privateKey) };
}

function envelope({ type, sentAt, mode, seconds, body }) {
  const head = new Uint8Array(15);
  const view = new DataView(head.buffer);
  head[0] = 1;
  head[1] = type;
  view.setBigInt64(2, BigInt(sentAt), true);
  head[10] = mode;
  view.setUint32(11, seconds, true);
  const raw = Buffer.concat([head, body, Buffer.from([0x80])]);
  return Buffer.concat([raw, Buffer.alloc((160 - (raw.length % 160)) % 160)]);
}

for (const flavour of ['simd', 'plain']) {
  test(`${flavour}: libsodium.js to the core, and the core to libsodium.js`, async () => {
    await sodiumModule.ready;
    const sodium = sodiumModule;
    const aliceSeed = new Uint8Array(16).fill(0xa1);
    const bob = await vaultWith(flavour, new Uint8Array(16).fill(0xb0));
    const alice = keysOf(sodium, aliceSeed);
    const bobKeys = keysOf(sodium, new Uint8Array(16).fill(0xb0));
    assert.equal(bob.sessionId, `05${sodium.to_hex(bobKeys.xPk)}`);

    // libsodium.js -> core
    const m = envelope({ type: 1, sentAt: T0, mode: 1, seconds: 60, body: Buffer.from('built in JS') });
    const sig = sodium.crypto_sign_detached(Buffer.concat([m, alice.edPk, bobKeys.xPk]), alice.edSk);
    const ct = sodium.crypto_box_seal(Buffer.concat([m, alice.edPk, sig]), bobKeys.xPk);
    const opened = bob.vault.openMessage(bob.id, ct);
    assert.equal(opened.sender, `05${sodium.to_hex(alice.xPk)}`, 'the sender is 05 || X25519(A)');
    assert.deepEqual({ type: opened.type, sentAt: opened.sentAt, disappearing: opened.disappearing },
      { type: 'text', sentAt: T0, disappearing: { mode: 1, seconds: 60 } });
    assert.equal(Buffer.from(opened.body).toString(), 'built in JS');
    // the same bytes with the signature made for another recipient: refused
    const other = keysOf(sodium, new Uint8Array(16).fill(0xcc));
    const forwarded = sodium.crypto_box_seal(Buffer.concat([m, alice.edPk,
      sodium.crypto_sign_detached(Buffer.concat([m, alice.edPk, other.xPk]), alice.edSk)]), bobKeys.xPk);
    assert.throws(() => bob.vault.openMessage(bob.id, forwarded), (e) => e.code === 'ERR_INCOMING_SIGNATURE');

    // core -> libsodium.js
    const aliceVault = await vaultWith(flavour, aliceSeed);
    const sealed = aliceVault.vault.sealMessage(aliceVault.id, bob.sessionId,
      { type: 'read', sentAt: T0 + 5, mode: 2, seconds: 300, body: new Uint8Array(new BigInt64Array([BigInt(T0)]).buffer) });
    const plain = sodium.crypto_box_seal_open(sealed, bobKeys.xPk, bobKeys.xSk);
    const M = plain.subarray(0, plain.length - 96);
    const A = plain.subarray(plain.length - 96, plain.length - 64);
    const S = plain.subarray(plain.length - 64);
    assert.equal(M.length % 160, 0, 'padded to 160');
    assert.deepEqual(Buffer.from(A), Buffer.from(alice.edPk));
    assert.ok(sodium.crypto_sign_verify_detached(S, Buffer.concat([M, A, bobKeys.xPk]), A), 'signed over M || A || Y');
    let end = M.length;
    while (M[end - 1] === 0) end--;
    assert.equal(M[end - 1], 0x80);
    const env = Buffer.from(M.subarray(0, end - 1));
    assert.deepEqual([env[0], env[1], Number(env.readBigInt64LE(2)), env[10], env.readUInt32LE(11)], [1, 3, T0 + 5, 2, 300]);
    assert.equal(Number(env.readBigInt64LE(15)), T0);
  });
}
