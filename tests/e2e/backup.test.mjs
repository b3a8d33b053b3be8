// The border, in Chromium, through the demo app's screens and against the
// real Apache WebDAV server (webdav-server.mjs) on loopback:
//   1. an identity with messages (and an attachment), some of them timed;
//   2. a backup to WebDAV (the folder then holds one file, under a random
//      name, with no canary in it);
//   3. the duress code: the app looks new;
//   4. a new browser profile restores from the first-run screen, from the
//      recovery phrase alone (a wrong phrase first finds nothing);
//   5. the same Session ID, the same untimed messages and attachment, and
//      no timed message.
// Screenshots: build/screenshots/app-backup-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, server, stopServer } from './browser.mjs';
import { PIN, createPin, createIdentity, shots, startConversation, send, typeCode, bodies, setDuressCode, fillWebDav } from './app-steps.mjs';
import { apacheMissing, startWebDav } from './webdav-server.mjs';

const skip = apacheMissing() && 'apache2 is missing: no WebDAV server to test against';
const CANARY = 'CANARY-border-2f8c';
// Long enough that ciphertext cannot hold it by chance (a 3-byte "Bob"
// turns up in about 1 in 60 random backups of this size).
const NAME = 'Bob Marlowe-Quist';
let base;
let dav;
before(async () => {
  if (skip) return;
  base = (await server()).url;
  dav = await startWebDav({ origin: base });
});
after(async () => {
  await dav?.stop();
  await stopServer();
});

const appUrl = () => `${base}/app/?kdf=test&timers=test`;

async function openApp(browser) {
  await browser.page.goto(appUrl());
  await browser.page.locator('html[data-ready="true"]').waitFor();
  return browser.page;
}


test('the border: back up to WebDAV, duress, restore on a new profile from the phrase alone', { skip, timeout: 180_000 }, async () => {
  let sessionId;
  let words;
  const bob = await launch();
  try {
    const page = await openApp(bob);
    await createPin(page);
    words = await createIdentity(page, NAME);
    sessionId = (await page.locator('#current-session-id').innerText()).trim();
    await startConversation(page, 'Alice');
    await send(page, `${CANARY} kept`);
    await send(page, 'Also kept');
    // an attachment on the first message, through the facade (the demo has no attachment button yet)
    await page.evaluate(async () => {
      const { hush } = window.hushDemo;
      const [identity] = await hush.identities();
      const [conversation] = await hush.conversations(identity.id);
      const [, first] = await hush.messages(identity.id, conversation.id);
      const data = new Uint8Array(200_000).map((_, i) => i % 253);
      await hush.addAttachment(identity.id, first.id, { name: 'map.png', type: 'image/png', data });
    });
    await page.getByLabel('Disappearing messages').selectOption({ label: '1 week after sending' });
    await send(page, 'TIMED: gone in a week');

    // Duress code, set in Settings.
    await setDuressCode(page, '0000');

    // 2. Back up to WebDAV.
    await page.getByRole('button', { name: 'Backups', exact: true }).click();
    await page.locator('#backup-dialog').waitFor();
    assert.match(await page.locator('#backup-timed-note').innerText(), /Messages with a disappearing timer are not backed up/);
    await fillWebDav(page, 'webdav', dav);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('#backup-dialog [role="status"]', { hasText: `Backup of ${NAME} uploaded` }).waitFor({ timeout: 30_000 });
    await page.locator('#backup-list li').first().waitFor();
    assert.equal(await page.locator('#backup-list li').count(), 1);
    await shots(page, 'backup-webdav');
    await page.getByRole('button', { name: 'Done', exact: true }).click();

    const files = (await readdir(dav.dir)).filter((f) => !f.startsWith('.'));
    assert.equal(files.length, 1, `one backup on the server: ${files}`);
    assert.match(files[0], /^[0-9a-f]{32}\.hush$/, 'a random name');
    const stored = await readFile(join(dav.dir, files[0]));
    assert.equal((stored.length - 64) % 65553, 0);
    for (const [what, needle] of [['canary', CANARY], ['name', NAME], ['Session ID', sessionId]]) {
      assert.equal(stored.indexOf(Buffer.from(needle)), -1, `nothing in the clear: no ${what}`);
    }

    // 3. Duress: the app looks new.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#screen-locked hush-lock').waitFor();
    await typeCode(page, '0000');
    await page.locator('#identities-empty').waitFor();
    assert.equal(await page.locator('#identity-list li').count(), 0);
  } finally {
    await bob.close();
  }

  // 4. A new profile: restore from the first-run screen.
  const fresh = await launch();
  try {
    const page = await openApp(fresh);
    await page.locator('#screen-first-run hush-lock').waitFor();
    await shots(page, 'backup-first-run');
    await page.getByRole('button', { name: 'Restore from a backup' }).click();
    await page.locator('#restore-backup-dialog').waitFor();
    await page.getByLabel('A WebDAV folder').check();
    await fillWebDav(page, 'restore-webdav', dav);
    // another phrase finds nothing
    await page.locator('#restore-backup-phrase').fill('abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey');
    await page.getByRole('button', { name: 'Find my backups' }).click();
    await page.locator('#restore-backup-dialog [role="alert"]', { hasText: 'No backup in that folder was made with this recovery phrase' }).waitFor();
    await page.locator('#restore-backup-phrase').fill(words.join(' '));
    await page.getByRole('button', { name: 'Find my backups' }).click();
    await page.locator('#restore-found input[type="radio"]').first().waitFor();
    assert.equal(await page.locator('#restore-found input[type="radio"]').count(), 1);
    await shots(page, 'backup-restore-found');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.locator('#restore-lock-slot hush-lock').waitFor();
    await shots(page, 'backup-restore-code');
    await typeCode(page, PIN);
    await page.locator('#restore-lock-slot hush-lock h2', { hasText: 'Confirm your PIN' }).waitFor();
    await typeCode(page, PIN);
    await page.locator('#screen-vault').waitFor({ timeout: 30_000 });
    await page.locator('#identity-list li', { hasText: NAME }).waitFor();

    // 5. The same Session ID, the untimed messages and the attachment, no timed one.
    assert.equal((await page.locator('#current-session-id').innerText()).trim(), sessionId);
    await page.locator('#conversation-list li').first().click();
    await page.locator('#messages li').first().waitFor();
    const shown = await bodies(page);
    assert.deepEqual(shown.filter((b) => /kept/i.test(b)).sort(), [`${CANARY} kept`, 'Also kept'].sort());
    assert.ok(!shown.some((b) => b.includes('TIMED')), 'no timed message');
    const attachment = await page.evaluate(async () => {
      const { hush } = window.hushDemo;
      const [identity] = await hush.identities();
      const [conversation] = await hush.conversations(identity.id);
      const all = await hush.messages(identity.id, conversation.id);
      const withFile = all.find((m) => m.attachments.length);
      const bytes = await hush.attachment(identity.id, withFile.attachments[0].id);
      return { name: withFile.attachments[0].name, size: bytes.length, ok: bytes.every((b, i) => b === i % 253) };
    });
    assert.deepEqual(attachment, { name: 'map.png', size: 200_000, ok: true });
    await shots(page, 'backup-restored');
  } finally {
    await fresh.close();
  }
});
