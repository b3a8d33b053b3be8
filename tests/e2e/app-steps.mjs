// Steps of the demo app's journeys, shared by the end-to-end tests that
// drive it through its screens (app.test.mjs, trust.test.mjs).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { screenshot } from './browser.mjs';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const PIN = '2580';

export const visible = (page, selector) => page.locator(selector).filter({ visible: true });
export const lockStatus = (page) => page.locator('hush-lock [role="status"]');
export const lockAlert = (page) => page.locator('hush-lock [role="alert"]');

// Types a code on the lock screen's PIN pad (it has focus after a screen change).
export async function typeCode(page, code) {
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}

export async function createPin(page, pin = PIN) {
  await page.locator('#screen-first-run hush-lock').waitFor();
  await typeCode(page, pin);
  await page.locator('hush-lock h2', { hasText: 'Confirm your PIN' }).waitFor();
  await typeCode(page, pin);
  await page.locator('#screen-vault').waitFor();
}

// Screenshots at phone and desktop size (and back to desktop), checking
// that nothing is wider than the screen.
export async function shots(page, name, { dark = false } = {}) {
  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(viewport);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `no horizontal scroll on ${name} at ${size} size`);
    await screenshot(page, `app-${name}-${size}`);
    if (dark) {
      // Each switch waits out the buttons' short colour transition.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(300);
      await screenshot(page, `app-${name}-dark-${size}`);
      await page.emulateMedia({ colorScheme: 'light' });
      await page.waitForTimeout(300);
    }
  }
}

// New identity: name, the phrase shown once, then the three words asked
// for (read from the shown phrase). Returns the phrase's words.
export async function createIdentity(page, name, { wrongFirst = false, screenshotName = null } = {}) {
  await page.getByRole('button', { name: 'New identity' }).click();
  await page.locator('#identity-dialog').getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('#phrase-words li').first().waitFor();
  const words = await page.locator('#phrase-words li').allTextContents();
  assert.equal(words.length, 13);
  assert.match(await page.locator('#identity-phrase-step').innerText(), /Write these 13 words down/);
  if (screenshotName) await shots(page, screenshotName, { dark: true });
  await page.getByRole('button', { name: 'I wrote them down' }).click();
  assert.equal(await page.locator('#phrase-words li').count(), 0, 'the words leave the page for the check');
  const labels = await visible(page, '#check-fields label').allTextContents();
  assert.equal(labels.length, 3);
  const positions = labels.map((label) => Number(/^Word (\d+)$/.exec(label)[1]));
  assert.equal(new Set(positions).size, 3, 'three different positions');
  if (screenshotName) await shots(page, 'identity-check');
  if (wrongFirst) {
    for (const position of positions) await page.getByLabel(`Word ${position}`, { exact: true }).fill('wrong');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    assert.match(await visible(page, '#identity-dialog [role="alert"]').innerText(), /That is not word \d+, word \d+ and word \d+ of your phrase/);
    // Back to the words, and a new set of positions to check.
    await page.getByRole('button', { name: 'Show the words again' }).click();
    assert.deepEqual(await page.locator('#phrase-words li').allTextContents(), words);
    return finishCheck(page, words);
  }
  await finishCheck(page, words, positions);
  return words;
}

export async function finishCheck(page, words, positions = null) {
  if (!positions) {
    await page.getByRole('button', { name: 'I wrote them down' }).click();
    const labels = await visible(page, '#check-fields label').allTextContents();
    positions = labels.map((label) => Number(/^Word (\d+)$/.exec(label)[1]));
  }
  for (const position of positions) {
    await page.getByLabel(`Word ${position}`, { exact: true }).fill(words[position - 1]);
  }
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.locator('#identity-dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#phrase-words li').count(), 0);
  assert.equal(await page.evaluate((w) => document.body.innerHTML.includes(w.join(' ')) || document.body.textContent.includes(w.join('')), words), false,
    'nothing of the phrase stays in the page');
  return words;
}

// A stand-in Session ID for a person the test names (the tests without a
// relay never reach them), and how the app shortens one.
export const peerId = (name) => `05${createHash('sha256').update(name).digest('hex')}`;
export const shortId = (id) => `${id.slice(0, 6)}…${id.slice(-6)}`;

// A conversation with a Session ID, or with the stand-in for a name.
// Resolves to the Session ID.
export async function startConversation(page, nameOrId) {
  const id = /^05[0-9a-f]{64}$/.test(nameOrId) ? nameOrId : peerId(nameOrId);
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('Session ID of the other person').fill(id);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.locator('#conversation-title', { hasText: shortId(id) }).waitFor();
  return id;
}

export const messageItems = (page) => page.locator('#messages li');
export const bodies = (page) => page.locator('#messages .body').allTextContents();

export async function send(page, text) {
  const before = await messageItems(page).count();
  await page.getByRole('textbox', { name: /^Message to/ }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.waitForFunction((n) => document.querySelectorAll('#messages li').length > n, before);
}


// Settings, Set duress code, the code twice, Done.
export async function setDuressCode(page, code) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('button', { name: 'Set duress code' }).click();
  await page.locator('#duress-slot hush-lock').waitFor();
  await typeCode(page, code);
  await typeCode(page, code);
  await page.locator('#settings-dialog [role="status"]', { hasText: 'Duress code set.' }).waitFor();
  await page.getByRole('button', { name: 'Done', exact: true }).click();
}

// The WebDAV fields of the backup form (prefix 'webdav') or the restore
// form ('restore-webdav'), for a server from webdav-server.mjs.
export async function fillWebDav(page, prefix, dav) {
  await page.locator(`#${prefix}-url`).fill(dav.url);
  await page.locator(`#${prefix}-user`).fill(dav.user);
  await page.locator(`#${prefix}-password`).fill(dav.password);
}

// Every Clear-Site-Data request of this Chromium refused before it leaves
// the browser (a wipe must hold on disk without one). Resolves to the list
// of the URLs refused, filled in as they come.
export async function refuseClearSiteData(browser) {
  const refused = [];
  await browser.context.route('**/clear-site-data*', (route) => {
    refused.push(route.request().url());
    return route.abort();
  });
  return refused;
}
