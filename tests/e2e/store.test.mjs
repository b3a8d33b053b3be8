// The store end to end in Chromium: nothing in the clear in the vault's
// three OPFS files and nothing in IndexedDB, identities isolated, and crash
// consistency under SIGKILL of the whole browser during a stream of writes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, server, stopServer } from './browser.mjs';
import { killHard, startChromium } from './crash.mjs';
import { blankPage, call, filesContaining, openHush, originStorage } from './harness.mjs';
import { opfsTree, vaultDirName, vaultFiles } from './vault-files.mjs';

after(stopServer);

test('nothing in the clear in the vault files, no other file, nothing in IndexedDB; identities isolated', async () => {
  const canary = `CANARY-store-${Date.now()}`;
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page);
    await call(page, 'create', 'a long passphrase', { kind: 'passphrase' });
    const alice = await call(page, 'createIdentity', { name: `alice ${canary}` });
    const bob = await call(page, 'createIdentity', { name: 'bob' });
    for (let i = 0; i < 60; i++) {
      await call(page, 'addMessage', alice.id, { conversation: `carol ${canary}`, sender: 'carol', body: `${canary} ${i}`, sentAt: Date.now() });
    }
    await call(page, 'addMessage', bob.id, { conversation: 'dave', sender: 'me', body: 'hello dave', sentAt: Date.now(), outgoing: true });
    await call(page, 'addAttachment', alice.id, 1, { name: `${canary}.txt`, type: 'text/plain', data: new TextEncoder().encode(canary.repeat(100)) });

    // Isolation through the API.
    assert.deepEqual((await call(page, 'conversations', bob.id)).map((c) => c.id), ['dave']);
    assert.deepEqual(await call(page, 'messages', bob.id, `carol ${canary}`), []);
    assert.equal((await call(page, 'messages', alice.id, `carol ${canary}`, { limit: 100 })).length, 60);

    assert.deepEqual((await originStorage(page)).indexedDB, {});
    assert.deepEqual(await opfsTree(page), { [vaultDirName()]: ['0', '1', '2'] });
    const needle = Buffer.from(canary);
    for (const [name, bytes] of Object.entries(await vaultFiles(page))) {
      assert.equal(Buffer.from(bytes).indexOf(needle), -1, `canary in file ${name}`);
    }
    await browser.close({ keepProfile: true });
    assert.deepEqual(await filesContaining(browser.profileDir, [needle]), []);
  } finally {
    await browser.close().catch(() => {});
  }
});

test('SIGKILL during a stream of writes, 8 times: the store opens, passes integrity_check, keeps every acknowledged message', async () => {
  const { url } = await server();
  const profileDir = await mkdtemp(join(tmpdir(), 'hush-crash-'));
  const acknowledged = new Set();
  let identity = null;
  try {
    for (let round = 0; round < 8; round++) {
      const { child, browser, page } = await startChromium(profileDir);
      try {
        await page.goto(`${url}/harness`);
        if (round === 0) {
          assert.equal(await openHush(page), 'new');
          await call(page, 'create', '2580', { kind: 'pin' });
          identity = (await call(page, 'createIdentity', { name: 'crash' })).id;
        } else {
          assert.equal(await openHush(page), 'locked');
          assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
          assert.equal(await call(page, 'checkStore', identity), true, 'integrity_check');
          const stored = new Set();
          let before = 0;
          for (;;) {
            const batch = await call(page, 'messages', identity, 'stream', { before, limit: 500 });
            batch.forEach((m) => stored.add(m.body));
            if (batch.length < 500) break;
            before = batch.at(-1).id;
          }
          const lost = [...acknowledged].filter((body) => !stored.has(body));
          assert.deepEqual(lost, [], `round ${round}: acknowledged messages lost`);
        }
        await page.exposeFunction('hushAck', (body) => acknowledged.add(body));
        // Four writers at once, so group commit is in play.
        await page.evaluate(([id, round]) => {
          for (let w = 0; w < 4; w++) {
            (async () => {
              for (let i = 0; ; i++) {
                const body = `round ${round} writer ${w} message ${i}`;
                await window.hush.addMessage(id, { conversation: 'stream', sender: 'me', body, sentAt: Date.now(), outgoing: true });
                window.hushAck(body);
              }
            })();
          }
        }, [identity, round]);
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 700));
      } finally {
        await killHard(child);
        await browser.close().catch(() => {});
      }
    }
    assert.ok(acknowledged.size > 50, `${acknowledged.size} messages acknowledged`);
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
});
