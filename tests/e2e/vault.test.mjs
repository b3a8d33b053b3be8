// The vault end to end in Chromium, through the facade: a PIN vault with
// data survives a reload; the duress code leaves an empty vault and nothing
// of the old data anywhere in the origin's storage or in the profile's
// files; so does the attempt limit and the manual wipe; two tabs never both
// hold the vault.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, server, stopServer } from './browser.mjs';
import { blankPage, call, filesContaining, openHush, originStorage, plantCanaries, state } from './harness.mjs';
import { opfsTree, vaultDirName, vaultFiles } from './vault-files.mjs';

after(stopServer);

const OPTIONS = { clearSiteDataUrl: '/clear-site-data' };

// Byte strings that only the old vault had: its lock file's salt and slots,
// and pieces of every encrypted data chunk.
// (The vault's files as OPFS holds them: 0 the lock file, 1 the pages.)
function oldVaultNeedles(files) {
  const lock = files['0'];
  const needles = [Buffer.from(lock.slice(24, 40))];
  for (let i = 0; i < 8; i++) needles.push(Buffer.from(lock.slice(128 + i * 80, 128 + i * 80 + 32)));
  for (let at = 100; at + 32 <= files['1'].length; at += 4096) needles.push(Buffer.from(files['1'].slice(at, at + 32)));
  return needles;
}

async function vaultWithData(page, canary) {
  assert.equal(await openHush(page, OPTIONS), 'new');
  await call(page, 'create', '2580', { kind: 'pin' });
  const { id } = await call(page, 'createIdentity', { name: 'alice' });
  for (let i = 0; i < 20; i++) {
    await call(page, 'addMessage', id, { conversation: 'bob', sender: 'bob', body: `${canary} #${i}`, sentAt: Date.now() });
  }
  await plantCanaries(page, canary);
  return id;
}

// Chromium keeps every origin's localStorage in one LevelDB and drops
// cleared values only when it compacts that database, on its own schedule:
// no page, header or wipe can force it. localStorage is cleared (checked
// by assertOriginHoldsOnly); Hush never writes there, and the README tells
// messengers not to.
function outsideWebStorage(hits) {
  return hits.filter(([file]) => !file.includes('/Local Storage/'));
}

// OPFS may hold only the vault's own directory (an empty vault after a
// wipe: the next open recreates its three empty files).
async function assertOriginHoldsOnly(page, allowedDatabases) {
  const stored = await originStorage(page);
  assert.deepEqual(Object.keys(stored.indexedDB).sort(), allowedDatabases.sort(), JSON.stringify(stored.indexedDB));
  const tree = await opfsTree(page);
  assert.deepEqual(Object.keys(tree).filter((name) => name !== vaultDirName()), [], JSON.stringify(tree));
  stored.opfs = stored.opfs.filter((name) => name !== vaultDirName());
  assert.equal(stored.localStorage, 0);
  assert.equal(stored.sessionStorage, 0);
  assert.equal(stored.cookies, '');
  assert.deepEqual(stored.caches, []);
  assert.deepEqual(stored.opfs, []);
  assert.equal(stored.serviceWorkers, 0);
  return stored;
}

test('a PIN vault keeps its data across a reload; the duress code leaves an empty vault and no trace', async () => {
  const canary = `CANARY-duress-${Date.now()}`;
  const { url } = await server();
  let browser = await launch();
  try {
    let page = await blankPage(browser, url);
    const id = await vaultWithData(page, canary);
    await call(page, 'setDuressCode', '0000');

    await page.reload();
    assert.equal(await openHush(page, OPTIONS), 'locked');
    assert.deepEqual(await call(page, 'unlock', '1111'), { ok: false, attemptsLeft: 9, retryInMs: 0, checked: true });
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    const kept = await call(page, 'messages', id, 'bob', { limit: 50 });
    assert.equal(kept.length, 20);
    assert.equal(kept[0].body, `${canary} #19`);
    const needles = [Buffer.from(canary), ...oldVaultNeedles(await vaultFiles(page))];

    await page.reload();
    assert.equal(await openHush(page, OPTIONS), 'locked');
    assert.deepEqual(await call(page, 'unlock', '0000'), { ok: true }, 'the duress code answers like the right code');
    assert.equal(await state(page), 'unlocked');
    assert.deepEqual(await call(page, 'identities'), []);
    assert.deepEqual(await page.evaluate(() => window.hushEvents.map((e) => e.type)), ['unlocked'],
      'no event says that a wipe happened');
    await page.evaluate(() => window.hush.whenSettled());
    assert.deepEqual(await page.evaluate(() => window.hush.lastWipeErrors), []);
    // The lock re-keys the new vault under a fresh salt: nothing in it
    // matches the old lock file.
    await call(page, 'lock');
    const oldSalt = needles[1].toString('hex');
    const { 0: lock } = await vaultFiles(page);
    assert.notEqual(Buffer.from(lock.slice(24, 40)).toString('hex'), oldSalt, 'the new vault is stored under a fresh salt');
    await browser.close({ keepProfile: true });

    // A fresh browser on the same profile: only the new lock file is left.
    browser = await launch({ profileDir: browser.profileDir });
    page = await blankPage(browser, url);
    await assertOriginHoldsOnly(page, []);
    assert.deepEqual((await opfsTree(page))[vaultDirName()], ['0', '1', '2']);
    assert.equal(await openHush(page, OPTIONS), 'locked');
    assert.deepEqual(await call(page, 'unlock', '0000'), { ok: true }, 'the duress code is the new code');
    assert.deepEqual(await call(page, 'identities'), []);
    await call(page, 'lock');
    assert.equal((await call(page, 'unlock', '2580')).ok, false, 'the old code opens nothing');
    await browser.close({ keepProfile: true });

    assert.deepEqual(await filesContaining(browser.profileDir, needles), [],
      'old data, old keys or a canary left in the profile directory');
  } finally {
    await browser.close().catch(() => {});
  }
});

test('the attempt limit wipes everything and leaves a first-run app', async () => {
  const canary = `CANARY-limit-${Date.now()}`;
  const { url } = await server();
  let browser = await launch();
  try {
    let page = await blankPage(browser, url);
    await vaultWithData(page, canary);
    await call(page, 'setAttemptLimit', 3);
    const needles = [Buffer.from(canary), ...oldVaultNeedles(await vaultFiles(page))];
    await browser.close({ keepProfile: true });
    // Control: before the wipe, the scan does find the plain canaries the
    // page stored (Web Storage, cookies, Cache Storage, OPFS, IndexedDB).
    assert.ok((await filesContaining(browser.profileDir, needles.slice(0, 1))).length >= 3, 'the scan sees stored data');
    browser = await launch({ profileDir: browser.profileDir });
    page = await blankPage(browser, url);
    assert.equal(await openHush(page, OPTIONS), 'locked');
    assert.deepEqual(await call(page, 'unlock', '1111'), { ok: false, attemptsLeft: 2, retryInMs: 0, checked: true });
    assert.deepEqual(await call(page, 'unlock', '2222'), { ok: false, attemptsLeft: 1, retryInMs: 0, checked: true });
    assert.deepEqual(await call(page, 'unlock', '3333'), { ok: false, attemptsLeft: 0, retryInMs: 0, checked: true });
    assert.equal(await state(page), 'new');
    assert.ok((await page.evaluate(() => window.hushEvents.map((e) => e.type))).includes('wiped'));
    await page.evaluate(() => window.hush.whenSettled());
    await browser.close({ keepProfile: true });

    browser = await launch({ profileDir: browser.profileDir });
    page = await blankPage(browser, url);
    await assertOriginHoldsOnly(page, []);
    assert.equal(await openHush(page, OPTIONS), 'new');
    await browser.close({ keepProfile: true });
    assert.deepEqual(outsideWebStorage(await filesContaining(browser.profileDir, needles)), []);
  } finally {
    await browser.close().catch(() => {});
  }
});

test('backoff after five wrong codes is enforced, and survives a reload', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page, OPTIONS);
    await call(page, 'create', '2580', { kind: 'pin' });
    await call(page, 'lock');
    for (let i = 0; i < 4; i++) assert.equal((await call(page, 'unlock', '0000')).retryInMs, 0);
    const fifth = await call(page, 'unlock', '0000');
    assert.equal(fifth.attemptsLeft, 5);
    assert.ok(fifth.retryInMs > 29_000 && fifth.retryInMs <= 30_000, String(fifth.retryInMs));
    const refused = await call(page, 'unlock', '2580');
    assert.equal(refused.ok, false, 'even the right code waits');
    assert.equal(refused.checked, false, 'and is not checked');
    assert.equal(refused.attemptsLeft, 5, 'a refused attempt does not count');
    await page.reload();
    await openHush(page, OPTIONS);
    assert.ok(await page.evaluate(() => window.hush.retryInMs) > 25_000, 'the wait is known before typing');
    assert.ok((await call(page, 'unlock', '2580')).retryInMs > 25_000);
  } finally {
    await browser.close();
  }
});

test('the manual wipe erases the origin', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await vaultWithData(page, 'CANARY-manual');
    await call(page, 'wipe');
    assert.equal(await state(page), 'new');
    await page.evaluate(() => window.hush.whenSettled());
    await assertOriginHoldsOnly(page, []);
    assert.deepEqual(Object.values(await vaultFiles(page)).map((bytes) => bytes.length), [0, 0, 0], 'an empty vault');
  } finally {
    await browser.close();
  }
});

test('two tabs never both hold the vault', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const first = await blankPage(browser, url);
    await openHush(first, OPTIONS);
    await call(first, 'create', '2580', { kind: 'pin' });
    const second = await browser.context.newPage();
    await second.goto(`${url}/harness`);
    await assert.rejects(openHush(second, OPTIONS), /ERR_VAULT_IN_USE|open in another tab/);
    assert.equal(await state(first), 'unlocked', 'the first tab is undisturbed');
    await first.evaluate(() => window.hush.close());
    assert.equal(await openHush(second, OPTIONS), 'locked', 'free once the first tab lets go');
  } finally {
    await browser.close();
  }
});

test('the vault locks itself after the idle time, zeroing its keys in the Worker', async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page, { ...OPTIONS, autoLockMs: 400 });
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'me' });
    await page.waitForFunction(() => window.hush.state === 'locked', null, { timeout: 5000 });
    assert.ok((await page.evaluate(() => window.hushEvents.map((e) => e.type))).includes('locked'));
    await assert.rejects(call(page, 'identities'), /not in a state/);
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.equal((await call(page, 'identities'))[0].id, id);
  } finally {
    await browser.close();
  }
});
