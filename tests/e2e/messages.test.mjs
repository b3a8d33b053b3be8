// Messages through the facade in Chromium: Alice's vault seals to Bob's
// Session ID and Bob's opens it naming Alice; junk and a message for
// someone else resolve to null and are counted by reason; the relay's
// time, observed while unlocked, is taken into the clock's high-water
// mark and deletes a timed message due by then, though the local clock
// says it has an hour left; while locked nothing is written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, server, stopServer } from './browser.mjs';
import { TEST_KDF, blankPage, evaluate } from './harness.mjs';

after(stopServer);

test('seal, open, drop by reason, and network time', { timeout: 60_000 }, async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    const r = await evaluate(page, async ({ kdf }) => {
      const { Hush } = await import('/src/hush.js');
      const alice = await Hush.open({ name: 'alice', kdf, clearSiteDataUrl: null });
      const bob = await Hush.open({ name: 'bob', kdf, clearSiteDataUrl: null });
      await alice.create('2580', { kind: 'pin' });
      await bob.create('1111', { kind: 'pin' });
      const a = await alice.createIdentity({ name: 'Alice' });
      const b = await bob.createIdentity({ name: 'Bob' });
      const c = await bob.createIdentity({ name: 'Carol' });
      const out = {};
      const sealed = await alice.sealMessage(a.id, b.sessionId, { body: 'hi Bob', disappearing: { mode: 'after-read', seconds: 300 } });
      const opened = await bob.openMessage(b.id, sealed);
      out.opened = { sender: opened.sender === a.sessionId, type: opened.type, body: new TextDecoder().decode(opened.body), disappearing: opened.disappearing };
      out.forCarol = await bob.openMessage(c.id, sealed);
      out.junk = await bob.openMessage(b.id, crypto.getRandomValues(new Uint8Array(400)));
      out.dropped = bob.droppedMessages;
      const receipt = await bob.openMessage(b.id, await alice.sealMessage(a.id, b.sessionId, { type: 'read', body: [opened.sentAt] }));
      out.receipt = { type: receipt.type, sentAt: Number(new BigInt64Array(receipt.body.buffer.slice(receipt.body.byteOffset, receipt.body.byteOffset + 8))[0]) === opened.sentAt };

      // network time
      const now = Date.now();
      await bob.addMessage(b.id, { conversation: a.sessionId, sender: a.sessionId, body: 'timed', sentAt: now, disappearing: { mode: 'after-send', seconds: 3600 } });
      out.before = (await bob.messages(b.id, a.sessionId)).length;
      out.observed = await bob.observeNetworkTime(now + 2 * 3600_000);
      out.after = (await bob.messages(b.id, a.sessionId)).length;
      await alice.lock();
      out.locked = await alice.observeNetworkTime(now);
      alice.close();
      bob.close();
      return out;
    }, { kdf: TEST_KDF });
    assert.deepEqual(r.opened, { sender: true, type: 'text', body: 'hi Bob', disappearing: { mode: 'after-read', seconds: 300 } });
    assert.equal(r.forCarol, null);
    assert.equal(r.junk, null);
    assert.deepEqual(r.dropped, { ERR_INCOMING_SEAL: 2 });
    assert.deepEqual(r.receipt, { type: 'read', sentAt: true });
    assert.equal(r.before, 1);
    assert.deepEqual(r.observed, { observed: true, deleted: 1 });
    assert.equal(r.after, 0, 'the relay\'s time expired it');
    assert.deepEqual(r.locked, { observed: false });
  } finally {
    await browser.close();
  }
});
