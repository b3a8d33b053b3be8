// The demo messenger end to end, in Chromium: Alice and Bob in two browser
// profiles, through the app's screens only, talking through the project's
// relay (web/relay, started by browser.mjs on loopback):
//   1. both create a PIN and an identity;
//   2. they add each other by Session ID and exchange messages, which go
//      sent, delivered and read;
//   3. a 5-second after-read timer deletes a message on both sides; a
//      message sent while Bob is locked waits in the relay and shows after
//      his unlock;
//   4. Alice makes Bob her trusted friend through the relay; both see the
//      same code;
//   5. Alice locks;
//   6. Bob wipes her device from his screen;
//   7. her locked app, reading its wipe mailboxes, shows a first run; her
//      profile, read file by file with no Clear-Site-Data ever reaching a
//      server, holds no canary, old salt, slot or trustee slot, and no page
//      the old keys open;
//   8. Bob backs up to WebDAV (Debian's Apache, webdav-server.mjs);
//   9. Bob's duress code: his app looks new;
//  10. Bob restores from his phrase: his messages without a timer are back.
// Screenshots: build/screenshots/app-journey-*.png, phone and desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launch, server, stopServer } from './browser.mjs';
import { PIN, DESKTOP, createPin, createIdentity, shots, startConversation, send, typeCode, bodies, shortId, setDuressCode, fillWebDav,
  refuseClearSiteData } from './app-steps.mjs';
import { assertProfileClean, decryptablePages, theLockFile, wipeNeedles } from './forensics.mjs';
import { apacheMissing, startWebDav } from './webdav-server.mjs';

const skip = apacheMissing() && 'apache2 is missing: no WebDAV server to test against';
let base;
let dav;
before(async () => {
  if (skip) return;
  base = (await server({ relay: true })).url;
  dav = await startWebDav({ origin: base });
});
after(async () => {
  await dav?.stop();
  await stopServer();
});

const log = (message) => console.log(`# ${message}`);
// The wipe mailboxes are read every second here (30 s by default).
const appUrl = () => `${base}/app/?kdf=test&timers=test&poll=1000`;

async function openApp(browser) {
  await browser.page.goto(appUrl());
  await browser.page.waitForSelector('html[data-ready="true"]');
  return browser.page;
}

const message = (page, text) => page.locator('#messages li', { hasText: text });
const stateOf = (page, text) => message(page, text).locator('.state');

async function openTrust(page) {
  await page.getByRole('button', { name: 'Trusted friends' }).click();
  await page.locator('#trust-dialog').waitFor();
}

test('Alice and Bob: chat, disappear, trust, remote wipe, backup, duress, restore', { skip, timeout: 300_000 }, async () => {
  const canary = `CANARY-journey-${randomBytes(12).toString('hex')}`;
  const alice = await launch({ viewport: DESKTOP });
  const bob = await launch({ viewport: DESKTOP });
  // Alice's wipe must hold on disk without Clear-Site-Data.
  const clearSiteData = await refuseClearSiteData(alice);
  try {
    // 1. A PIN and an identity each.
    const a = await openApp(alice);
    const b = await openApp(bob);
    for (const page of [a, b]) await createPin(page);
    await createIdentity(a, 'Alice');
    const words = await createIdentity(b, 'Bob');
    const aliceId = (await a.locator('#current-session-id').innerText()).trim();
    const bobId = (await b.locator('#current-session-id').innerText()).trim();

    // 2. Alice adds Bob; her message reaches him, goes delivered, then read
    // once he opens the conversation; his answer reaches her.
    await startConversation(a, bobId);
    const t0 = performance.now();
    await send(a, `Hello Bob ${canary}`);
    const fromAlice = b.locator('#conversation-list button', { hasText: shortId(aliceId) });
    await fromAlice.waitFor({ timeout: 10_000 });
    log(`Alice's first message listed on Bob's screen after ${(performance.now() - t0).toFixed(0)} ms`);
    await b.locator('#conversation-list .badge', { hasText: '1' }).waitFor();
    // Told to a screen reader too (the conversation is not open).
    await b.locator('#vault-status', { hasText: `New message from ${shortId(aliceId)}` }).waitFor({ state: 'attached' });
    await stateOf(a, 'Hello Bob').and(a.locator('[data-state="delivered"]')).waitFor({ timeout: 10_000 });
    await shots(a, 'journey-delivered');
    await fromAlice.click();
    await message(b, 'Hello Bob').waitFor();
    assert.equal(await message(b, 'Hello Bob').locator('.sender').innerText(), shortId(aliceId), 'the sender the core checked');
    await stateOf(a, 'Hello Bob').and(a.locator('[data-state="read"]')).waitFor({ timeout: 10_000 });
    assert.equal(await stateOf(a, 'Hello Bob').innerText(), 'Read');
    await send(b, 'Hi Alice, kept');
    await message(a, 'Hi Alice, kept').waitFor({ timeout: 10_000 });
    await stateOf(b, 'Hi Alice, kept').and(b.locator('[data-state="read"]')).waitFor({ timeout: 10_000 });
    await shots(b, 'journey-conversation');

    // 3. Alice sets 5 seconds after reading: Bob's picker follows; her
    // message goes from both screens (hers counts from sending, his from
    // reading, which is at once: the conversation is open).
    await a.getByLabel('Disappearing messages').selectOption({ label: '5 seconds after reading (test)' });
    await b.waitForFunction(() => document.querySelector('#disappearing')?.value === 'after-read:5', null, { timeout: 10_000 });
    await send(a, 'This one disappears');
    await message(b, 'This one disappears').waitFor({ timeout: 10_000 });
    assert.match(await message(b, 'This one disappears').locator('[role="timer"]').innerText(), /^\d+s$/);
    await shots(b, 'journey-countdown');
    await message(a, 'This one disappears').waitFor({ state: 'detached', timeout: 15_000 });
    await message(b, 'This one disappears').waitFor({ state: 'detached', timeout: 15_000 });
    for (const page of [a, b]) assert.ok(!(await bodies(page)).some((text) => text.includes('disappears')), 'gone on both sides');
    // A message Bob's vault refuses (here a timer change, by a fault put in
    // his facade) is dropped and counted; it does not hold up the next one.
    await b.evaluate(() => {
      const { hush } = window.hushDemo;
      hush.realSetDisappearing = hush.setDisappearing;
      hush.setDisappearing = async () => { throw Object.assign(new Error('planted'), { code: 'ERR_PLANTED' }); };
    });
    await a.getByLabel('Disappearing messages').selectOption({ label: 'Off' });
    await send(a, 'After a refused one');
    await message(b, 'After a refused one').waitFor({ timeout: 10_000 });
    assert.deepEqual(await b.evaluate(() => window.hushDemo.messenger.refused), { ERR_PLANTED: 1 });
    await b.evaluate(() => { window.hushDemo.hush.setDisappearing = window.hushDemo.hush.realSetDisappearing; });
    await a.getByLabel('Disappearing messages').selectOption({ label: '1 hour after reading' });
    await b.waitForFunction(() => document.querySelector('#disappearing')?.value === 'after-read:3600', null, { timeout: 10_000 });
    await a.getByLabel('Disappearing messages').selectOption({ label: 'Off' });
    await b.waitForFunction(() => document.querySelector('#disappearing')?.value === 'off:0', null, { timeout: 10_000 });

    // While Bob is locked, Alice's message waits in the relay, sealed; his
    // locked app does not read his mailbox, and opens it at the unlock.
    await b.getByRole('button', { name: 'Lock', exact: true }).click();
    await b.locator('#screen-locked hush-lock').waitFor();
    const waiting = (await server()).relay.stats().messages;
    await send(a, 'Sent while you were locked');
    await stateOf(a, 'Sent while you were locked').and(a.locator('[data-state="sent"]')).waitFor({ timeout: 10_000 });
    await b.waitForTimeout(1500);
    assert.equal((await server()).relay.stats().messages, waiting + 1, 'it waits in the relay');
    assert.equal(await b.evaluate(() => document.body.textContent.includes('Sent while you were locked')), false);
    await typeCode(b, PIN);
    await b.locator('#screen-vault').waitFor();
    await b.locator('#conversation-list button', { hasText: shortId(aliceId) }).click();
    await message(b, 'Sent while you were locked').waitFor({ timeout: 10_000 });
    await stateOf(a, 'Sent while you were locked').and(a.locator('[data-state="read"]')).waitFor({ timeout: 10_000 });

    // 4. Alice makes Bob her trusted friend: the request and the answer go
    // through the relay; both see the same code.
    await openTrust(a);
    await a.locator('#friend-session-id').fill(bobId);
    await a.getByRole('button', { name: 'Make trusted friend' }).click();
    await a.locator('#trust-dialog [role="status"]', { hasText: 'Request sent' }).waitFor();
    await a.locator('#trustee-list', { hasText: 'waiting for their answer' }).waitFor();
    await b.locator('#vault-alert', { hasText: 'asks you to be their trusted friend' }).waitFor({ timeout: 10_000 });
    await openTrust(b);
    await b.locator('#trust-requests', { hasText: shortId(aliceId) }).waitFor();
    await shots(b, 'journey-trust-request');
    await b.getByRole('button', { name: 'Accept', exact: true }).click();
    await b.locator('#trust-code-box').waitFor();
    await a.locator('#trust-code-box').waitFor({ timeout: 10_000 });
    const codeA = await a.locator('#trust-code').innerText();
    const codeB = await b.locator('#trust-code').innerText();
    assert.match(codeA, /^\d{3} \d{3}$/);
    assert.equal(codeA, codeB, 'both see the same code');
    await a.locator('#trustee-list', { hasText: 'trusted since' }).waitFor();
    await b.locator('#protected-list', { hasText: aliceId.slice(0, 6) }).waitFor();
    assert.equal(await a.locator('#trust-outgoing-box').isVisible(), false, 'nothing to carry by hand');
    await shots(a, 'journey-trust-code');
    for (const page of [a, b]) await page.getByRole('button', { name: 'Done' }).click();

    // 5. Alice locks. The image of her profile before the wipe.
    await a.getByRole('button', { name: 'Lock', exact: true }).click();
    await a.locator('#screen-locked hush-lock').waitFor();
    const oldLock = (await theLockFile(alice.profileDir)).bytes;
    const before = await decryptablePages(alice.profileDir, { lockFile: oldLock, code: PIN });
    assert.ok(before.pages.some((p) => p.plaintext.includes(Buffer.from(canary))), 'control: the examiner reads the canary before');
    const needles = wipeNeedles(oldLock, canary);

    // 6. Bob wipes her device: typed confirmation, a 5-second countdown,
    // then the wipe goes to her wipe mailbox.
    await openTrust(b);
    b.on('dialog', (dialog) => dialog.accept('WIPE'));
    await b.getByRole('button', { name: 'Wipe their device' }).click();
    await b.locator('#countdown', { hasText: 'Wiping in' }).waitFor();
    await shots(b, 'journey-wipe-countdown');
    await b.locator('#trust-dialog [role="status"]', { hasText: 'Wipe sent' }).waitFor({ timeout: 15_000 });
    const sentAt = performance.now();

    // 7. Alice's locked app reads it: a first run.
    await a.locator('#screen-first-run hush-lock').waitFor({ timeout: 15_000 });
    log(`Alice's locked app wiped ${(performance.now() - sentAt).toFixed(0)} ms after Bob's wipe was sent (wipe mailboxes read every 1 s)`);
    await a.waitForTimeout(2500); // the origin wipe runs on in the background
    await shots(a, 'journey-wiped');
    await alice.close({ keepProfile: true });
    log(`Clear-Site-Data requests refused: ${clearSiteData.length}`);
    await assertProfileClean(alice.profileDir, { needles, oldLock, code: PIN, pageCount: before.pageCount });
    const again = await launch({ profileDir: alice.profileDir });
    try {
      const page = await openApp(again);
      await page.locator('#screen-first-run hush-lock').waitFor();
    } finally {
      await again.close();
    }

    // 8. Bob sets a duress code and backs up to WebDAV.
    await b.getByRole('button', { name: 'Done' }).click();
    await setDuressCode(b, '0000');
    await b.getByRole('button', { name: 'Backups', exact: true }).click();
    await fillWebDav(b, 'webdav', dav);
    await b.getByRole('button', { name: 'Back up now' }).click();
    await b.locator('#backup-dialog [role="status"]', { hasText: 'Backup of Bob uploaded' }).waitFor({ timeout: 30_000 });
    await b.getByRole('button', { name: 'Done', exact: true }).click();

    // 9. The duress code: the app looks new.
    await b.getByRole('button', { name: 'Lock', exact: true }).click();
    await b.locator('#screen-locked hush-lock').waitFor();
    await typeCode(b, '0000');
    await b.locator('#identities-empty').waitFor();
    assert.equal(await b.locator('#identity-list li').count(), 0);
    assert.equal(await b.evaluate(() => document.body.textContent.includes('Hi Alice')), false);
    await shots(b, 'journey-duress');

    // 10. Bob restores from his phrase alone.
    await b.getByRole('button', { name: 'Restore from a backup' }).click();
    await b.getByLabel('A WebDAV folder').check();
    await fillWebDav(b, 'restore-webdav', dav);
    await b.locator('#restore-backup-phrase').fill(words.join(' '));
    await b.getByRole('button', { name: 'Find my backups' }).click();
    await b.locator('#restore-found input[type="radio"]').first().waitFor();
    await b.getByRole('button', { name: 'Restore', exact: true }).click();
    await b.locator('#identity-list li', { hasText: 'Bob' }).waitFor({ timeout: 30_000 });
    assert.equal((await b.locator('#current-session-id').innerText()).trim(), bobId, 'the same Session ID');
    await b.locator('#conversation-list button', { hasText: shortId(aliceId) }).click();
    await message(b, 'Hi Alice, kept').waitFor();
    await shots(b, 'journey-restored');
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.close().catch(() => {});
    await bob.close().catch(() => {});
  }
});
