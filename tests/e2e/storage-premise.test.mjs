// The premise Hush's persistence rests on (DESIGN.md, "Persistence"),
// measured in each browser on the profile's raw files after the browser has
// exited: IndexedDB keeps an overwritten value, even after deleteDatabase
// (Chromium's LevelDB appends; Firefox measured below); OPFS through a
// FileSystemSyncAccessHandle in a dedicated Worker overwrites in place, and
// removeEntry leaves the old bytes in no file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BROWSERS, launch, server, stopServer } from './browser.mjs';
import { blankPage, evaluate } from './harness.mjs';
import { filesContaining } from './forensics.mjs';

after(stopServer);

const marker = () => randomBytes(64);

// put A, put B over it, delete the database; K in another database that
// stays.
function indexedDbOverwriteThenDelete(page, [a, b, k]) {
  return evaluate(page, async ([hexA, hexB, hexK]) => {
    const bytes = (hex) => Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('premise', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('values');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const put = (value) => new Promise((resolve, reject) => {
      const tx = db.transaction('values', 'readwrite', { durability: 'strict' });
      tx.objectStore('values').put(value, 'key');
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    await put(bytes(hexA));
    await put(bytes(hexB));
    db.close();
    // Control: a value in a database that stays, which the scan must find.
    await new Promise((resolve, reject) => {
      const request = indexedDB.open('premise-kept', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('values');
      request.onsuccess = () => {
        const tx = request.result.transaction('values', 'readwrite', { durability: 'strict' });
        tx.objectStore('values').put(bytes(hexK), 'key');
        tx.oncomplete = () => { request.result.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
      request.onerror = () => reject(request.error);
    });
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase('premise');
      request.onsuccess = resolve;
      request.onerror = () => reject(request.error);
    });
  }, [a.toString('hex'), b.toString('hex'), k.toString('hex')]);
}

// In a dedicated Worker, through sync access handles: A at offset 0,
// flush, B over it in place, flush, close; C in a second file, flush,
// close, removeEntry. `overwrite: false` skips writing B (the fault that
// shows the test can fail).
function opfsInPlace(page, [a, b, c], { overwrite = true } = {}) {
  return evaluate(page, async ([hexA, hexB, hexC, overwrite]) => {
    const source = `onmessage = async ({ data: [hexA, hexB, hexC, overwrite] }) => {
      try {
        const bytes = (hex) => Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
        const root = await navigator.storage.getDirectory();
        const kept = await (await root.getFileHandle('kept', { create: true })).createSyncAccessHandle();
        kept.write(bytes(hexA), { at: 0 });
        kept.flush();
        if (overwrite) kept.write(bytes(hexB), { at: 0 });
        kept.flush();
        const size = kept.getSize();
        kept.close();
        const removed = await (await root.getFileHandle('removed', { create: true })).createSyncAccessHandle();
        removed.write(bytes(hexC), { at: 0 });
        removed.flush();
        removed.close();
        await root.removeEntry('removed');
        const names = [];
        for await (const name of root.keys()) names.push(name);
        postMessage({ size, names });
      } catch (error) {
        postMessage({ error: String(error) });
      }
    };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const answer = await new Promise((resolve) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (event) => resolve({ error: event.message });
      worker.postMessage([hexA, hexB, hexC, overwrite]);
    });
    worker.terminate();
    return answer;
  }, [a.toString('hex'), b.toString('hex'), c.toString('hex'), overwrite]);
}

for (const kind of BROWSERS) {
  test(`IndexedDB keeps what was overwritten and deleted; OPFS sync access handles do not (${kind})`, { timeout: 60_000 }, async () => {
    const { url } = await server();
    const browser = await launch({ browser: kind });
    try {
      const page = await blankPage(browser, url);
      const idb = [marker(), marker(), marker()];
      const opfs = [marker(), marker(), marker()];
      await indexedDbOverwriteThenDelete(page, idb);
      const answer = await opfsInPlace(page, opfs);
      assert.deepEqual(answer, { size: 64, names: ['kept'] });
      await browser.close({ keepProfile: true });

      const hits = await filesContaining(browser.profileDir, [...idb, ...opfs]);
      const found = (i) => hits.filter(([, n]) => n === i).map(([file]) => file.slice(browser.profileDir.length));
      if (kind === 'chromium') {
        // LevelDB appended A and B to its log; deleting the database does
        // not rewrite it. This is why Hush left IndexedDB.
        assert.ok(found(0).length > 0, 'Chromium: the overwritten, deleted IndexedDB value A is still in the profile');
      } else {
        // Measured in Firefox ESR 153: IndexedDB is SQLite there, and
        // deleteDatabase removes its files; neither A nor B is left.
        assert.deepEqual(found(0), [], 'Firefox: the overwritten, deleted IndexedDB value A');
        assert.deepEqual(found(1), [], 'Firefox: the deleted IndexedDB value B');
      }
      assert.ok(found(2).length > 0, 'control: the scan does see a value IndexedDB keeps');
      assert.deepEqual(found(3), [], 'OPFS: A, overwritten in place, is in no file of the profile');
      assert.ok(found(4).length > 0, 'control: the scan does see B, in the OPFS file that holds it');
      assert.deepEqual(found(5), [], 'OPFS: C, removed with removeEntry, is in no file of the profile');
      console.log(`# ${kind}: IndexedDB A in ${JSON.stringify(found(0))}, B in ${JSON.stringify(found(1))}; IndexedDB K in ${JSON.stringify(found(2))}; OPFS B in ${JSON.stringify(found(4))}`);
    } finally {
      await browser.close().catch(() => {});
    }
  });
}
