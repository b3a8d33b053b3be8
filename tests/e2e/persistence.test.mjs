// The host's persistence and the Worker's life, end to end in Chromium:
// OPFS in place by default and nothing in IndexedDB; the IndexedDB
// fallback on request, with the app's plain notice; a lock ends the Worker
// that held the keys; a duress unlock in one tab wipes another tab's vault
// within seconds; a deletion blocked by a connection that ignores
// versionchange is reported, not awaited forever.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, server, stopServer } from './browser.mjs';
import { blankPage, call, openHush, originStorage } from './harness.mjs';
import { opfsTree, spyOnWorkers, vaultDirName, vaultFiles, workerAnswers } from './vault-files.mjs';

after(stopServer);

const settled = (page) => page.evaluate(() => window.hush.whenSettled());

test('OPFS by default: the vault is its three files in a neutral directory, and IndexedDB stays empty', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page, { name: 'work-secrets' });
    assert.equal(await page.evaluate(() => window.hush.info.persistence), 'opfs');
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'alice' });
    for (let i = 0; i < 10; i++) await call(page, 'addMessage', id, { conversation: 'bob', sender: 'bob', body: `hi ${i}`, sentAt: Date.now() });
    await call(page, 'lock');
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.equal((await call(page, 'messages', id, 'bob')).length, 10);
    const stored = await originStorage(page);
    assert.deepEqual(stored.indexedDB, {}, 'nothing of Hush in IndexedDB');
    const dir = vaultDirName('work-secrets');
    assert.match(dir, /^[0-9a-f]{16}$/);
    assert.deepEqual(await opfsTree(page), { [dir]: ['0', '1', '2'] });
    const files = await vaultFiles(page, 'work-secrets');
    assert.equal(files['0'].length, await page.evaluate(() => window.hush.info.constants.lockfileBytes));
    assert.ok(files['1'].length > 0, 'the store has pages');
  } finally {
    await browser.close();
  }
});

test('a stray entry in the vault directory is removed at unlock', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page);
    await call(page, 'create', '2580', { kind: 'pin' });
    await call(page, 'lock');
    await page.evaluate(async (dirName) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(dirName);
      const writable = await (await dir.getFileHandle('3', { create: true })).createWritable();
      await writable.write('left over');
      await writable.close();
    }, vaultDirName());
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.deepEqual((await opfsTree(page))[vaultDirName()], ['0', '1', '2']);
  } finally {
    await browser.close();
  }
});

test('a lock ends the Worker that held the keys; a fresh one serves the lock screen and the next unlock', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await spyOnWorkers(page);
    await openHush(page);
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'me' });
    assert.equal(await workerAnswers(page, 0), true, 'the spy sees the live Worker');
    await call(page, 'lock');
    assert.equal(await page.evaluate(() => window.hush.state), 'locked');
    // Workers: 0 held the keys, 1 was the spare loaded ahead (hush.js
    // #spawn) and now serves the lock screen, 2 is the next spare.
    assert.equal(await page.evaluate(() => window.hushWorkers.length), 3, 'a fresh Worker after the lock, and a new spare');
    assert.equal(await workerAnswers(page, 0), false, 'the Worker that held the keys is gone');
    assert.equal(await workerAnswers(page, 1), true, 'the fresh one serves');
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.equal((await call(page, 'identities'))[0].id, id);
    await call(page, 'wipe');
    await settled(page);
    assert.equal(await page.evaluate(() => window.hushWorkers.length), 4, 'a fresh Worker after the wipe');
    assert.equal(await workerAnswers(page, 1), false, 'the Worker that held the keys is gone');
    assert.equal(await page.evaluate(() => window.hush.state), 'new');
    await call(page, 'create', '1111', { kind: 'pin' });
    assert.deepEqual(await call(page, 'identities'), []);
  } finally {
    await browser.close();
  }
});

test('a duress unlock in one tab wipes the vault another tab has open, within seconds', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const a = await blankPage(browser, url);
    await openHush(a);
    await call(a, 'create', '2580', { kind: 'pin' });
    await call(a, 'setDuressCode', '0000');
    await call(a, 'createIdentity', { name: 'old' });
    await call(a, 'lock');

    const b = await browser.context.newPage();
    await b.goto(`${url}/harness`);
    await openHush(b, { name: 'other' });
    await call(b, 'create', '4444', { kind: 'pin' });
    await call(b, 'createIdentity', { name: 'in other' });
    const reloaded = b.waitForEvent('load', { timeout: 10_000 });

    const started = Date.now();
    assert.deepEqual(await call(a, 'unlock', '0000'), { ok: true });
    await settled(a);
    const took = Date.now() - started;
    assert.ok(took < 4000, `the duress unlock and its wipe took ${took} ms`);
    await reloaded;
    assert.deepEqual(await a.evaluate(() => window.hush.lastWipeErrors), []);
    assert.deepEqual(await opfsTree(a), { [vaultDirName()]: ['0', '1', '2'] }, 'the other vault is gone');
    assert.deepEqual((await originStorage(a)).indexedDB, {});
    assert.deepEqual(await call(a, 'identities'), [], 'tab A serves the new empty vault');
  } finally {
    await browser.close();
  }
});

test('a wipe blocked by an IndexedDB connection that ignores versionchange is reported, not awaited', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const a = await blankPage(browser, url);
    await openHush(a);
    await call(a, 'create', '2580', { kind: 'pin' });
    const b = await browser.context.newPage();
    await b.goto(`${url}/harness`);
    await b.evaluate(() => new Promise((resolve) => {
      const request = indexedDB.open('stubborn');
      request.onupgradeneeded = () => request.result.createObjectStore('s');
      request.onsuccess = () => {
        window.stubborn = request.result; // never closed; no onversionchange
        resolve();
      };
    }));
    const started = Date.now();
    await call(a, 'wipe');
    assert.equal(await a.evaluate(() => window.hush.state), 'new');
    await settled(a);
    const took = Date.now() - started;
    assert.ok(took < 6000, `the wipe took ${took} ms`);
    const errors = await a.evaluate(() => window.hush.lastWipeErrors);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /stubborn.*held open/);
  } finally {
    await browser.close();
  }
});

test('the IndexedDB fallback: neutral database, blocks and lengths only, data kept across a reload', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page, { persistence: 'idbfs' });
    assert.equal(await page.evaluate(() => window.hush.info.persistence), 'idbfs');
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'alice' });
    await call(page, 'addMessage', id, { conversation: 'bob', sender: 'bob', body: 'kept', sentAt: Date.now() });
    const stored = await originStorage(page);
    assert.deepEqual(Object.keys(stored.indexedDB), [vaultDirName()]);
    const { blocks, sizes } = stored.indexedDB[vaultDirName()];
    assert.ok(blocks.every((key) => /^[012],\d+$/.test(key)), blocks.join(' '));
    assert.deepEqual(sizes.sort(), ['0', '1', '2']);
    assert.deepEqual(await opfsTree(page), {}, 'nothing in OPFS');
    await page.reload();
    await openHush(page, { persistence: 'idbfs' });
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.equal((await call(page, 'messages', id, 'bob'))[0].body, 'kept');
  } finally {
    await browser.close();
  }
});

test('on the IndexedDB fallback the app says plainly that erasure depends on Clear-Site-Data', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = browser.page;
    const notice = 'This browser cannot overwrite files in place: erasing your data depends on the Clear-Site-Data endpoint being reached.';
    await page.goto(`${url}/app/?kdf=test`);
    await page.locator('#screen-first-run hush-lock').waitFor();
    assert.equal(await page.locator('#screen-first-run .persistence-notice').isVisible(), false, 'no notice on OPFS');
    await page.goto(`${url}/app/?kdf=test&persistence=idbfs`);
    await page.locator('#screen-first-run hush-lock').waitFor();
    const first = page.locator('#screen-first-run .persistence-notice');
    assert.equal(await first.isVisible(), true);
    assert.equal((await first.textContent()).replace(/\s+/g, ' '), notice);
    await screenshot(page, 'idbfs-notice-first-run');
    // Create a PIN vault on the pad, then open the settings.
    for (const step of ['Choose', 'Confirm']) {
      await page.keyboard.type('2580');
      await page.keyboard.press('Enter');
      if (step === 'Choose') await page.locator('hush-lock h2', { hasText: 'Confirm your PIN' }).waitFor();
    }
    await page.locator('#screen-vault').waitFor();
    await page.locator('#settings-button').click();
    const inSettings = page.locator('#settings-dialog .persistence-notice');
    await inSettings.waitFor();
    assert.equal(await inSettings.isVisible(), true);
    assert.equal(await page.locator('#core-persistence').textContent(), 'IndexedDB (cannot overwrite in place)');
    await inSettings.scrollIntoViewIfNeeded();
    await screenshot(page, 'idbfs-notice-settings');
  } finally {
    await browser.close();
  }
});
