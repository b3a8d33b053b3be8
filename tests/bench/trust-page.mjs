// The page side of the remote-deletion benchmark (tests/bench/trust.mjs):
// two vaults of one origin through the facade, the person's and the
// friend's, paired; then the person's vault, locked or unlocked, receives
// the friend's wipe. Timed from hush.receive() to its promise resolving:
// by then the Worker's core has overwritten the slots, meta record and
// trustee region, flushed, zeroed the keys and truncated the three files
// (the keys destroyed and persisted); the Worker's own timing of that is
// lastTimings.persistedMs. The anchor in the same page: hush.wipe() (the
// same destroy, asked for by the user) on an identical vault.
import { Hush } from '../../web/src/hush.js';

const KDF = { opslimit: 1, memlimitKib: 8 }; // no Argon2id on these paths; set-up only
const PEER = `05${'cd'.repeat(32)}`;

async function personVault(name) {
  const hush = await Hush.open({ name, kdf: KDF, autoLockMs: 0 });
  await hush.create('2580', { kind: 'pin' });
  const { id } = await hush.createIdentity({ name: 'me' });
  for (let i = 0; i < 20; i++) await hush.addMessage(id, { conversation: PEER, sender: PEER, body: `message ${i}`, sentAt: Date.now() });
  return { hush, id };
}

// how: 'remote-locked' | 'remote-unlocked' | 'manual' | 'junk-locked'
export async function wipeTrial({ name, how }) {
  const person = await personVault(name);
  let bytes = null;
  if (how !== 'manual') {
    const friend = await Hush.open({ name: `${name}-f`, kdf: KDF, autoLockMs: 0 });
    await friend.create('1111', { kind: 'pin' });
    const f = await friend.createIdentity({ name: 'friend' });
    const offer = await person.hush.offerTrust(person.id, f.sessionId);
    const { bytes: reply } = await friend.acceptTrust(f.id, offer);
    await person.hush.completeTrust(person.id, reply);
    const [pairing] = await friend.protectedBy();
    bytes = how === 'junk-locked' ? crypto.getRandomValues(new Uint8Array(304)) : (await friend.makeRemoteWipe(pairing.id)).bytes;
    friend.close();
  }
  if (how.endsWith('-locked')) await person.hush.lock();
  const started = performance.now();
  if (how === 'manual') await person.hush.wipe();
  else await person.hush.receive(bytes);
  const ms = performance.now() - started;
  const workerMs = person.hush.lastTimings?.persistedMs ?? null;
  const state = person.hush.state;
  await person.hush.whenSettled?.();
  person.hush.close();
  return { ms, workerMs, state };
}
