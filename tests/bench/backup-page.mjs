// The page side of the backup benchmark (tests/bench/backup.mjs), on OPFS
// in headless Chromium through the facade: a vault holding `mb` MiB (8 MiB
// attachments and their messages) is exported whole to a Blob, and the Blob
// imported into a fresh vault; each is timed, and the importing Worker's
// wasm memory read before and after. The anchor, in the same page:
// libsodium.js's crypto_secretstream_xchacha20poly1305 push and pull over
// the same number of bytes in 64 KiB messages (no store, no I/O).
import sodium from 'libsodium-wrappers-sumo';
import { Hush } from '../../web/src/hush.js';

const KDF = { opslimit: 1, memlimitKib: 8 };

export async function backupTrial({ name, mb }) {
  const source = await Hush.open({ name: `${name}-s`, kdf: KDF, autoLockMs: 0 });
  await source.create('2580', { kind: 'pin' });
  const me = await source.createIdentity({ name: 'me' });
  const blob = new Uint8Array(8 << 20);
  let fillMs = 0; // the store's own write rate, for comparison: addAttachment of the same bytes
  for (let i = 0; i < mb / 8; i++) {
    for (let at = 0; at < blob.length; at += 65536) crypto.getRandomValues(blob.subarray(at, at + 65536));
    const { id } = await source.addMessage(me.id, { conversation: 'peer', sender: 'peer', body: `m${i}`, sentAt: Date.now() });
    const started = performance.now();
    await source.addAttachment(me.id, id, { name: 'v.mp4', type: 'video/mp4', data: blob });
    fillMs += performance.now() - started;
  }
  let t = performance.now();
  const backup = await source.exportBackupBlob(me.id);
  const exportMs = performance.now() - t;
  source.close();

  const target = await Hush.open({ name: `${name}-t`, kdf: KDF, autoLockMs: 0 });
  await target.create('1111', { kind: 'pin' });
  const memoryBefore = await target.wasmMemoryBytes();
  t = performance.now();
  await target.importBackup(backup, me.phrase);
  const importMs = performance.now() - t;
  const memoryAfter = await target.wasmMemoryBytes();
  target.close();
  return { bytes: backup.size, fillBytes: mb << 20, fillMs, exportMs, importMs, memoryBefore, memoryAfter };
}

export async function secretstreamAnchor({ mb }) {
  await sodium.ready;
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const chunk = crypto.getRandomValues(new Uint8Array(65536));
  const n = (mb << 20) / 65536;
  let t = performance.now();
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const sealed = [];
  for (let i = 0; i < n; i++) {
    sealed.push(sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, null, i === n - 1 ? 3 : 0));
  }
  const pushMs = performance.now() - t;
  t = performance.now();
  const pull = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
  for (const c of sealed) {
    if (!sodium.crypto_secretstream_xchacha20poly1305_pull(pull, c)) throw new Error('anchor: pull failed');
  }
  const pullMs = performance.now() - t;
  return { bytes: n * 65536, pushMs, pullMs };
}
