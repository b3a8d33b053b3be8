// The MV3 extension (web/extension), loaded unpacked into Debian's headless
// Chromium as its README says, assembled by web/extension/build.mjs with a
// test relay's address and a 2-second alarm (an unpacked extension may go
// down to 1 s; packed, Chrome's floor is 30 s, the default):
//
// 1. The duress code: a vault with a canary in the extension page, locked
//    from the toolbar popup, the duress code typed on the lock screen; the
//    extension origin's storage is empty but for the new vault, and the
//    profile's raw files hold no canary, no old salt or slot, and no page
//    the old keys open.
// 2. Remote deletion with no window open: a vault paired with a friend
//    (the friend's Hush in a page of the web app's origin), every extension
//    page closed, the friend's wipe sent through the relay; the service
//    worker's alarm opens the offscreen checker, which wipes the vault; the
//    extension's OPFS is then empty and the raw files hold nothing of it.
//
// Screenshots: build/screenshots/ext-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, FLAGS, screenshot, server, stopServer } from './browser.mjs';
import { blankPage, openHush, call, originStorage } from './harness.mjs';
import { PIN, createIdentity, createPin, send, startConversation, typeCode } from './app-steps.mjs';
import { assertProfileClean, decryptablePages, filesContaining, theLockFile, wipeNeedles } from './forensics.mjs';
import { buildExtension, unpackedExtensionId } from '../../web/extension/build.mjs';
import { startRelay } from '../../web/relay/relay.js';
import { RelayClient } from '../../web/src/relay-client.js';

const DURESS = '0000';
const ALARM_SECONDS = 2;
const EXTENSION_DIR = fileURLToPath(new URL('../../build/test-extension/', import.meta.url));
const log = (message) => console.log(`# ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const canaryText = (what) => `CANARY-ext-${what}-${randomBytes(12).toString('hex')}`;

let relay;
let extensionId;

before(async () => {
  // The relay checks the Origin header, which Chrome sends from the
  // extension too: the id is known from the folder before Chrome loads it.
  await rm(EXTENSION_DIR, { recursive: true, force: true });
  await mkdir(EXTENSION_DIR, { recursive: true });
  extensionId = unpackedExtensionId(EXTENSION_DIR);
  relay = await startRelay({ origins: [`chrome-extension://${extensionId}`] });
  buildExtension({ relay: relay.url, alarmSeconds: ALARM_SECONDS, out: EXTENSION_DIR });
});

after(async () => {
  await relay?.close();
  await stopServer();
});

// Chromium with only this extension, in a profile of its own (or the given
// one). Playwright's headless mode is Chromium's new headless, which runs
// extensions.
async function launchWithExtension(profileDir) {
  profileDir ??= await mkdtemp(join(tmpdir(), 'hush-ext-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
    args: [...FLAGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
  });
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: 15_000 });
  assert.equal(new URL(worker.url()).host, extensionId, 'the id build.mjs computed is the one Chrome gave');
  const errors = [];
  let closed = false;
  return {
    context, profileDir, errors,
    origin: `chrome-extension://${extensionId}`,
    // The service worker may have been stopped and restarted meanwhile.
    worker: () => context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`)) ?? worker,
    async page(path) {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(error));
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return page;
    },
    async close({ keepProfile = false } = {}) {
      if (!closed) await context.close();
      closed = true;
      if (!keepProfile) await rm(profileDir, { recursive: true, force: true });
    },
  };
}

async function openApp(browser) {
  const page = await browser.page('app/index.html?kdf=test');
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

// The popup, opened as a page at the size Chrome gives it.
async function openPopup(browser) {
  const page = await browser.page('extension/popup.html');
  await page.setViewportSize({ width: 300, height: 240 });
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

const popupState = (popup) => popup.locator('#state-text').innerText();

// What a messenger's own code might put in the extension origin: every
// store but cookies (an extension page has none to speak of). The Cache
// API takes no chrome-extension: request, so the entry is keyed by an
// https: URL, as a messenger caching an attachment would.
function plantInExtension(page, text) {
  return page.evaluate(async (canary) => {
    localStorage.setItem('draft', canary);
    sessionStorage.setItem('draft', canary);
    await (await caches.open('attachments')).put('https://attachments.invalid/1', new Response(canary));
    const file = await (await navigator.storage.getDirectory()).getFileHandle('note.txt', { create: true });
    const writable = await file.createWritable();
    await writable.write(canary);
    await writable.close();
    await new Promise((resolve, reject) => {
      const request = indexedDB.open('messenger-cache');
      request.onupgradeneeded = () => request.result.createObjectStore('drafts');
      request.onsuccess = () => {
        const tx = request.result.transaction('drafts', 'readwrite');
        tx.objectStore('drafts').put(canary, 'draft');
        tx.oncomplete = () => { request.result.close(); resolve(); };
      };
      request.onerror = () => reject(request.error);
    });
  }, text);
}

// chrome.storage does not exist in the extension at all (it asks for no
// "storage" permission), so nothing can be kept there; and Chrome made no
// "Local Extension Settings" LevelDB for it in the profile.
async function assertNoExtensionStorage(browser, page) {
  assert.equal(await page.evaluate(() => typeof chrome.storage), 'undefined', 'chrome.storage in the page');
  assert.equal(await browser.worker().evaluate(() => typeof chrome.storage), 'undefined', 'chrome.storage in the service worker');
  for (const area of ['Local Extension Settings', 'Sync Extension Settings']) {
    const entries = await readdir(join(browser.profileDir, 'Default', area)).catch(() => []);
    assert.ok(!entries.includes(extensionId), `${area}/${extensionId} in the profile`);
  }
}

// A vault made through the app's screens: a PIN, an identity, a
// conversation with a message holding the canary; the duress code through
// the app's test facade (its Settings dialog is tested in app.test.mjs).
async function vaultWithCanary(page, canary, { duress = false } = {}) {
  await createPin(page);
  await createIdentity(page, 'Source');
  await startConversation(page, 'Editor');
  await send(page, `${canary} the source's name`);
  return page.evaluate(async (withDuress) => {
    const { hush } = window.hushDemo;
    if (withDuress) await hush.setDuressCode(withDuress);
    return (await hush.identities())[0];
  }, duress ? DURESS : null);
}

test('extension: lock from the popup, the duress code, nothing left in the profile', { timeout: 120_000 }, async () => {
  const canary = canaryText('duress');
  const planted = canaryText('planted');
  const browser = await launchWithExtension();
  try {
    // The alarm is armed as the service worker starts, at the period
    // config.json gives (it reads the file first: a moment after start).
    let alarms = [];
    for (const deadline = Date.now() + 5000; !alarms.length && Date.now() < deadline; await sleep(100)) {
      alarms = await browser.worker().evaluate(() => chrome.alarms.getAll());
    }
    assert.deepEqual(alarms.map((a) => [a.name, a.periodInMinutes]), [['hush-wipe-check', ALARM_SECONDS / 60]]);

    const popupFirst = await openPopup(browser);
    assert.equal(await popupState(popupFirst), 'Locked', 'no page open: the vault is locked');
    assert.equal(await popupFirst.locator('#lock-now').isDisabled(), true);
    await screenshot(popupFirst, 'ext-popup-no-page');
    await popupFirst.close();

    const app = await openApp(browser);
    assert.equal(await app.evaluate(() => window.hushDemo.hush.info.persistence), 'opfs', 'the vault is on the extension origin\'s OPFS');
    await vaultWithCanary(app, canary, { duress: true });
    // What a messenger's own code might have put in the extension origin.
    await plantInExtension(app, planted);
    const plantedStorage = await originStorage(app);
    assert.equal(plantedStorage.caches.length, 1, 'control: the planted cache is there');
    assert.equal(plantedStorage.opfs.length, 2, 'control: the vault and the planted file');
    await screenshot(app, 'ext-app-vault');

    // "Open Hush" with Hush open shows its tab rather than a second one,
    // and the popup closes itself, as a real one does.
    const opener = await openPopup(browser);
    const openerClosed = opener.waitForEvent('close');
    await opener.getByRole('button', { name: 'Open Hush' }).click();
    await openerClosed;
    assert.equal(browser.context.pages().filter((p) => p.url().includes('/app/')).length, 1, 'no second Hush tab');

    // 2. Lock from the popup.
    const popup = await openPopup(browser);
    assert.equal(await popupState(popup), 'Unlocked');
    await screenshot(popup, 'ext-popup-unlocked');
    await popup.getByRole('button', { name: 'Lock now' }).click();
    await popup.locator('#state-text', { hasText: /^Locked$/ }).waitFor();
    assert.match(await popup.locator('#state-detail').innerText(), /encrypted/);
    await screenshot(popup, 'ext-popup-locked');
    await popup.emulateMedia({ colorScheme: 'dark' });
    await screenshot(popup, 'ext-popup-locked-dark');
    await app.bringToFront();
    await app.locator('#screen-locked hush-lock').waitFor();
    assert.equal(await app.evaluate(() => window.hushDemo.hush.state), 'locked');
    await screenshot(app, 'ext-app-locked');

    // The image before the wipe, and the control: the examiner reads the canary.
    const oldLock = (await theLockFile(browser.profileDir, { code: PIN })).bytes;
    const beforeScan = await decryptablePages(browser.profileDir, { lockFile: oldLock, code: PIN });
    assert.ok(beforeScan.pages.some((p) => p.plaintext.includes(Buffer.from(canary))), 'control: the canary is readable before');
    const needles = wipeNeedles(oldLock, canary);

    // 3. The duress code on the lock screen: an empty vault, as after a first run.
    await typeCode(app, DURESS);
    await app.locator('#screen-vault').waitFor();
    assert.deepEqual(await app.evaluate(() => window.hushDemo.hush.identities()), []);
    await app.evaluate(() => window.hushDemo.hush.whenSettled());

    // 4. The extension origin holds the new vault and nothing else.
    const stored = await originStorage(app);
    log(`after the duress code: ${JSON.stringify(stored)}`);
    assert.deepEqual(stored.indexedDB, {});
    assert.deepEqual(stored.caches, []);
    assert.equal(stored.localStorage, 0);
    assert.equal(stored.sessionStorage, 0);
    assert.equal(stored.opfs.length, 1, 'only the (new) vault\'s folder in OPFS');
    // The extension's own service worker stays: Chrome refuses to
    // unregister it ("Worker disallowed"), and the wipe goes on past that.
    assert.equal(stored.serviceWorkers, 1);
    await assertNoExtensionStorage(browser, app);

    // Locked again (from the popup), the new vault re-keys under a fresh salt.
    const popupAgain = await openPopup(browser);
    assert.equal(await popupState(popupAgain), 'Unlocked');
    await popupAgain.getByRole('button', { name: 'Lock now' }).click();
    await popupAgain.locator('#state-text', { hasText: /^Locked$/ }).waitFor();
    assert.deepEqual(browser.errors, []);
    await browser.close({ keepProfile: true });

    await assertProfileClean(browser.profileDir, { needles, oldLock, code: PIN, pageCount: beforeScan.pageCount });
    // Deleted IndexedDB and localStorage records can linger in Chromium's
    // LevelDB files until it compacts them; an extension has no
    // Clear-Site-Data to make it delete them. Hush keeps nothing there.
    const plantedLeft = await filesContaining(browser.profileDir, [Buffer.from(planted)]);
    log(`the planted canary (not Hush's) is still in ${plantedLeft.length} raw file(s): ${plantedLeft.map(([f]) => f.slice(browser.profileDir.length)).join(', ')}`);
  } finally {
    await browser.close().catch(() => {});
  }
});

test('extension: a friend\'s remote deletion arrives with no extension page open (alarm, offscreen document)', { timeout: 120_000 }, async () => {
  const canary = canaryText('remote');
  const { url } = await server();
  const browser = await launchWithExtension();
  try {
    const app = await openApp(browser);
    const person = await vaultWithCanary(app, canary);

    // The friend: a Hush of its own, in a page of the web app's origin.
    const friendPage = await browser.context.newPage();
    await blankPage({ page: friendPage }, url);
    assert.equal(await openHush(friendPage, { clearSiteDataUrl: null }), 'new');
    await call(friendPage, 'create', '1397', { kind: 'pin' });
    const friend = await call(friendPage, 'createIdentity', { name: 'friend' });

    // Pairing, the bytes carried by the test as the messenger would.
    const offer = await app.evaluate(([id, sid]) => window.hushDemo.hush.offerTrust(id, sid), [person.id, friend.sessionId]);
    const accepted = await friendPage.evaluate(([id, bytes]) => window.hush.acceptTrust(id, bytes), [friend.id, offer]);
    const code = await app.evaluate(([id, bytes]) => window.hushDemo.hush.completeTrust(id, bytes), [person.id, accepted.bytes]);
    assert.equal(code, accepted.code, 'both see the same code');
    const [pairing] = await call(friendPage, 'protectedBy');
    const wipe = await friendPage.evaluate(async (id) => {
      const { bytes, mailbox } = await window.hush.makeRemoteWipe(id);
      return { mailbox, base64: btoa(String.fromCharCode(...bytes)) };
    }, pairing.id);

    // While the app page is open, the alarm's checker leaves the vault to it.
    await sleep(ALARM_SECONDS * 1000 + 1500);
    const whileOpen = await browser.worker().evaluate(() => globalThis.hushLastCheck);
    assert.equal(whileOpen?.result.outcome, 'page', 'the checker stands aside while a page holds the vault');

    await app.getByRole('button', { name: 'Lock', exact: true }).click();
    await app.locator('#screen-locked hush-lock').waitFor();
    const oldLock = (await theLockFile(browser.profileDir, { code: PIN })).bytes;
    const beforeScan = await decryptablePages(browser.profileDir, { lockFile: oldLock, code: PIN });
    assert.ok(beforeScan.pages.some((p) => p.plaintext.includes(Buffer.from(canary))), 'control: the canary is readable before');
    const needles = wipeNeedles(oldLock, canary);

    // Every extension page closed; the friend's web page stays.
    await app.close();
    const contexts = await browser.worker().evaluate(() => chrome.runtime.getContexts({ contextTypes: ['TAB', 'POPUP', 'OFFSCREEN_DOCUMENT'] }));
    assert.deepEqual(contexts, [], 'no extension page is open');
    // A check with nothing for it yet: the vault stays.
    const quiet = await waitForCheck(browser, (r) => r.outcome === 'checked');
    assert.deepEqual([quiet.mailboxes, quiet.messages, quiet.errors], [8, 0, []], 'all eight mailboxes read, nothing there');

    // The friend sends the wipe through the relay, from its own client.
    await new RelayClient({ url: relay.url }).sendWipe(wipe.mailbox, Uint8Array.from(Buffer.from(wipe.base64, 'base64')));
    const sentAt = Date.now();
    const wiped = await waitForCheck(browser, (r) => r.outcome === 'wiped');
    log(`the alarm's check wiped the vault ${Date.now() - sentAt} ms after the wipe was sent: ${JSON.stringify(wiped)}`);
    assert.equal(wiped.messages, 1);
    const left = await browser.worker().evaluate(() => chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] }));
    assert.deepEqual(left, [], 'the offscreen document is closed after its check');

    // The extension's OPFS holds no byte (looked at from the popup, which
    // opens no vault): the host's fresh Worker after the wipe re-creates the
    // vault's empty pool files, nothing more.
    const popup = await openPopup(browser);
    const opfs = await popup.evaluate(async () => {
      const out = [];
      const walk = async (dir, path) => {
        for await (const [name, handle] of dir.entries()) {
          if (handle.kind === 'directory') await walk(handle, `${path}${name}/`);
          else out.push([`${path}${name}`, (await handle.getFile()).size]);
        }
      };
      await walk(await navigator.storage.getDirectory(), '');
      return out;
    });
    log(`the extension's OPFS after the remote wipe: ${JSON.stringify(opfs)}`);
    assert.deepEqual(opfs.filter(([, size]) => size > 0), [], 'no OPFS file of the extension holds a byte');
    assert.ok(opfs.every(([path]) => /^[0-9a-f]{16}\/[0-2]$/.test(path)), 'nothing but the empty vault pool');
    assert.equal(await popupState(popup), 'Locked');
    await assertNoExtensionStorage(browser, popup);
    await popup.close();

    // Opened again, the app shows a first run.
    const again = await openApp(browser);
    await again.locator('#screen-first-run hush-lock').waitFor();
    await screenshot(again, 'ext-app-after-remote-wipe');
    assert.deepEqual(browser.errors, []);
    await browser.close({ keepProfile: true });

    await assertProfileClean(browser.profileDir, { needles, oldLock, code: PIN, pageCount: beforeScan.pageCount });
  } finally {
    await browser.close().catch(() => {});
  }
});

// Waits for a check of the service worker's alarm that reports what wanted
// (a check that started before the call may report first: it is skipped).
async function waitForCheck(browser, wanted, timeoutMs = 30_000) {
  const since = Date.now();
  const deadline = since + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await browser.worker().evaluate(() => globalThis.hushLastCheck).catch(() => null);
    if (last && last.at > since && wanted(last.result)) return last.result;
    await sleep(250);
  }
  throw new Error(`no such check in ${timeoutMs} ms; the last: ${JSON.stringify(last)}`);
}
