// Remote deletion, two people in two Chromium profiles, through the demo
// app's screens: they pair and compare codes; the friend's drill arrives
// while the person's app is locked and shows only after the unlock; the
// friend's wipe (typed confirmation, a 5-second countdown, once cancelled)
// reaches the locked app, which then shows a first run; and the person's
// profile, read file by file as an examiner would, with no Clear-Site-Data
// request ever reaching the server, holds no canary, no old salt, slot or
// trustee slot, and no page the old keys open. Screenshots:
// build/screenshots/trust-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launch, server, stopServer } from './browser.mjs';
import { PIN, DESKTOP, createPin, createIdentity, shots, startConversation, send, typeCode, refuseClearSiteData } from './app-steps.mjs';
import { assertProfileClean, decryptablePages, theLockFile, wipeNeedles } from './forensics.mjs';

let appUrl;
before(async () => { appUrl = `${(await server()).url}/app/?kdf=test&timers=test`; });
after(stopServer);

const log = (message) => console.log(`# ${message}`);

async function openApp(browser) {
  await browser.page.goto(appUrl);
  await browser.page.waitForSelector('html[data-ready="true"]');
  return browser.page;
}

async function openTrust(page) {
  await page.getByRole('button', { name: 'Trusted friends' }).click();
  await page.locator('#trust-dialog').waitFor();
}

// The message the page shows to carry, once its label says what it is.
async function outgoing(page, label) {
  await page.locator('#trust-outgoing-label', { hasText: label }).waitFor({ timeout: 10_000 });
  return page.locator('#trust-outgoing').inputValue();
}

async function paste(page, text) {
  await page.locator('#trust-incoming').fill(text);
  await page.getByRole('button', { name: 'Take message' }).click();
}

test('pair, compare codes, drill after unlock, wipe while locked: nothing left on disk, a first run (chromium)', { timeout: 180_000 }, async () => {
  const canary = `CANARY-trust-${randomBytes(12).toString('hex')}`;
  const person = await launch({ viewport: DESKTOP });
  const friend = await launch({ viewport: DESKTOP });
  // Every Clear-Site-Data request is refused before it leaves the browser:
  // the wipe must hold on disk without one.
  const clearSiteData = await refuseClearSiteData(person);
  try {
    const p = await openApp(person);
    const f = await openApp(friend);
    for (const page of [p, f]) await createPin(page);
    await createIdentity(p, 'Sam');
    await createIdentity(f, 'Kim');
    const friendId = await f.locator('#current-session-id').innerText();
    const personId = await p.locator('#current-session-id').innerText();
    await startConversation(p, 'Editor');
    await send(p, `${canary} the source's name`);

    // 1. Pairing: request, answer, the same code on both screens.
    await openTrust(p);
    await p.locator('#friend-session-id').fill(friendId);
    await p.getByRole('button', { name: 'Make trusted friend' }).click();
    const offer = await outgoing(p, 'Send this request');
    await p.locator('#trustee-list', { hasText: 'waiting for their answer' }).waitFor();
    await openTrust(f);
    await paste(f, offer);
    await f.locator('#trust-code-box').waitFor();
    const reply = await outgoing(f, 'Send this answer back');
    await paste(p, reply);
    await p.locator('#trust-code-box').waitFor();
    const codeP = await p.locator('#trust-code').innerText();
    const codeF = await f.locator('#trust-code').innerText();
    assert.match(codeP, /^\d{3} \d{3}$/);
    assert.equal(codeP, codeF, 'both people see the same code');
    await p.locator('#trustee-list', { hasText: 'trusted since' }).waitFor();
    await f.locator('#protected-list', { hasText: personId.slice(0, 6) }).waitFor();
    await shots(p, 'trust-paired');
    await shots(f, 'trust-protecting');

    // 2. The drill, while the person is locked: nothing shows, then the
    // unlock shows that it works.
    await f.getByRole('button', { name: 'Test it' }).click();
    const drill = await outgoing(f, 'Send this test');
    assert.match(await f.locator('#trust-mailbox').innerText(), /Wipe mailbox: 05[0-9a-f]{64}/);
    await p.getByRole('button', { name: 'Done' }).click();
    await p.getByRole('button', { name: 'Lock', exact: true }).click();
    await p.locator('#screen-locked hush-lock').waitFor();
    const lockedText = await p.locator('body').innerText();
    await p.evaluate((text) => window.hushDemo.deliver(text), drill);
    assert.equal(await p.locator('body').innerText(), lockedText, 'a drill shows nothing while locked');
    await typeCode(p, PIN);
    await p.locator('#screen-vault').waitFor();
    await p.locator('#vault-notice', { hasText: 'the remote deletion from' }).waitFor();
    assert.match(await p.locator('#vault-alert').innerText(), /works/);
    await shots(p, 'trust-drill-seen');
    await openTrust(p);
    await p.locator('#trustee-list', { hasText: /Test received .*: the remote deletion from .* works/ }).waitFor();
    await p.getByRole('button', { name: 'Done' }).click();

    // 3. The person locks. The image before the wipe.
    await p.getByRole('button', { name: 'Lock', exact: true }).click();
    await p.locator('#screen-locked hush-lock').waitFor();
    const oldLock = (await theLockFile(person.profileDir)).bytes;
    const before = await decryptablePages(person.profileDir, { lockFile: oldLock, code: PIN });
    assert.ok(before.pages.some((pg) => pg.plaintext.includes(Buffer.from(canary))), 'control: the examiner reads the canary before');
    const needles = wipeNeedles(oldLock, canary);

    // 4. The friend wipes: typed confirmation, a countdown (cancelled once).
    f.on('dialog', (dialog) => dialog.accept('WIPE'));
    await f.getByRole('button', { name: 'Wipe their device' }).click();
    await f.locator('#countdown', { hasText: 'Wiping in' }).waitFor();
    await shots(f, 'trust-countdown');
    // A second press during the countdown starts no second one (which a
    // Cancel would not stop).
    await f.getByRole('button', { name: 'Wipe their device' }).click();
    await f.getByRole('button', { name: 'Cancel' }).click();
    await f.waitForTimeout(5500);
    assert.equal(await f.locator('#trust-outgoing-label').innerText().then((t) => /wipes their device/.test(t)), false,
      'a cancelled countdown sends nothing');
    assert.equal(await f.locator('#wipe-countdown-box').isVisible(), false);
    await f.getByRole('button', { name: 'Wipe their device' }).click();
    const wipe = await outgoing(f, 'wipes their device');
    assert.equal(Buffer.from(wipe, 'base64').length, Buffer.from(drill, 'base64').length, 'a wipe looks like a drill on the wire');

    // The person's locked app receives it: a first run, at once.
    await p.evaluate((text) => window.hushDemo.deliver(text), wipe);
    await p.locator('#screen-first-run hush-lock').waitFor({ timeout: 5000 });
    await p.waitForTimeout(2500); // the origin wipe runs on in the background
    await shots(p, 'trust-wiped');
    await person.close({ keepProfile: true });

    // 5. The examiner's scan, no Clear-Site-Data reached.
    log(`Clear-Site-Data requests refused: ${clearSiteData.length}`);
    await assertProfileClean(person.profileDir, { needles, oldLock, code: PIN, pageCount: before.pageCount });

    // 6. Reopened, the app shows a fresh state.
    const again = await launch({ profileDir: person.profileDir });
    try {
      const page = await openApp(again);
      await page.locator('#screen-first-run hush-lock').waitFor();
    } finally {
      await again.close({ keepProfile: false });
    }
    assert.deepEqual(friend.errors, []);
  } finally {
    await person.close().catch(() => {});
    await friend.close().catch(() => {});
  }
});
