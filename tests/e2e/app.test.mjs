// The Hush demo app (web/app/), driven the way a person uses it: through
// its screens only. Each test starts from a fresh browser profile, so a
// fresh vault, with the fast test KDF and the 5-second test timers.
// Screenshots of every screen at phone and desktop size (and some in dark
// mode) land in build/screenshots/app-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sodiumModule from 'libsodium-wrappers-sumo';
import { launch, server, stopServer, screenshot } from './browser.mjs';
import { PHONE, DESKTOP, PIN, visible, lockStatus, lockAlert, typeCode, createPin, shots, createIdentity, finishCheck,
  startConversation, messageItems, bodies, send, peerId, shortId } from './app-steps.mjs';

// Anything on screen that would say a wipe happened.
const WIPE_WORDS = /eras|wip|delet|destr|duress|remov|reset|gone/i;

let base;
let appUrl;

before(async () => {
  base = (await server()).url;
  appUrl = `${base}/app/?kdf=test&timers=test`;
});

after(stopServer);

// A fresh profile with the app open; closes it after fn, whatever happens.
async function withApp(fn, { url = appUrl, viewport = DESKTOP } = {}) {
  const browser = await launch({ viewport });
  try {
    await browser.page.goto(url);
    await browser.page.waitForSelector('html[data-ready="true"]');
    await fn(browser.page, browser);
    assert.deepEqual(browser.errors, [], 'no uncaught errors on the page');
  } finally {
    await browser.close();
  }
}


test('first run, identity with its phrase, a conversation, then reload, wrong and right PIN', async () => {
  await withApp(async (page) => {
    // First run: an intro that says what Hush guards against and that a
    // short PIN can be guessed offline; the lock has focus.
    const intro = await page.locator('#screen-first-run .gate-intro').innerText();
    assert.match(intro, /seizes it or copies its storage/);
    assert.match(intro, /short PIN on a seized device\s+can be guessed offline/);
    assert.equal(await page.evaluate(() => document.activeElement.localName), 'hush-lock');
    await shots(page, 'first-run', { dark: true });
    await createPin(page);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'vault-title', 'focus moves to the vault');
    await shots(page, 'vault-empty');

    await createIdentity(page, 'Alice', { wrongFirst: true, screenshotName: 'identity-phrase' });
    const alice = page.locator('#identity-list button', { hasText: 'Alice' });
    await alice.waitFor();
    assert.equal(await alice.getAttribute('aria-current'), 'true');
    assert.match(await alice.innerText(), /05[0-9a-f]{4}…[0-9a-f]{6}/, 'a shortened Session ID');
    assert.match(await page.locator('#current-session-id').innerText(), /^05[0-9a-f]{64}$/);

    await startConversation(page, 'Bob');
    for (const text of ['Hello Bob', 'Are we still on for tomorrow?', 'Bring the <b>notes</b> & the map']) await send(page, text);
    // (Replies come through the relay: journey.test.mjs.)
    const shown = await bodies(page);
    assert.deepEqual(shown.slice(0, 3), ['Hello Bob', 'Are we still on for tomorrow?', 'Bring the <b>notes</b> & the map'],
      'oldest at the top, text shown as text');
    assert.equal(await page.locator('#messages b').count(), 0, 'a body is never parsed as HTML');
    assert.deepEqual(await page.locator('#messages li').evaluateAll((items) => items.map((li) => li.className)),
      ['msg out', 'msg out', 'msg out']);
    assert.equal(await page.locator('#messages li.msg.out .sender').first().innerText(), 'You');
    assert.equal(await page.locator('#messages time').count(), 3);
    // No relay answers in this test: each message says so, and can be sent again.
    await page.locator('#messages .state[data-state="failed"]').nth(2).waitFor();
    assert.match(await page.locator('#relay-status').innerText(), /The relay cannot be reached/);
    await shots(page, 'conversation', { dark: true });

    // Reload: the lock screen, and nothing of the vault in the page.
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    await page.locator('#screen-locked hush-lock').waitFor();
    assert.equal(await page.locator('hush-lock').getAttribute('mode'), 'unlock');
    assert.equal(await lockStatus(page).innerText(), '10 attempts left');
    assert.equal(await page.evaluate(() => document.body.textContent.includes('Hello Bob')), false);
    await shots(page, 'lock-screen', { dark: true });
    await typeCode(page, '1111');
    await lockAlert(page).filter({ hasText: 'Wrong code' }).waitFor();
    assert.equal(await lockStatus(page).innerText(), '9 attempts left');
    await shots(page, 'lock-screen-wrong');
    await typeCode(page, PIN);
    await page.locator('#screen-vault').waitFor();
    await page.locator('#identity-list button', { hasText: 'Alice' }).waitFor();
    await page.locator('#conversation-list button', { hasText: shortId(peerId('Bob')) }).click();
    await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 3);
    assert.deepEqual((await bodies(page)).slice(0, 3), shown.slice(0, 3));

    // Lock: the vault's content leaves the page at once.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#screen-locked hush-lock').waitFor();
    assert.equal(await page.evaluate(() => document.body.textContent.includes('Hello Bob')), false);
    assert.equal(await page.evaluate(() => document.body.textContent.includes('Alice')), false);
  });
});

test('duress code: the app opens an empty vault and nothing says that anything was erased', async () => {
  await withApp(async (page) => {
    await createPin(page);
    const freshView = await page.locator('#screen-vault').innerText();
    await createIdentity(page, 'Alice');
    await startConversation(page, 'Bob');
    await send(page, 'Meet at the usual place');

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.locator('#settings-dialog').waitFor();
    assert.match(await page.locator('#settings-dialog').innerText(),
      /Typed instead of your code, it silently erases everything and opens an empty app/);
    await page.getByRole('button', { name: 'Set duress code' }).click();
    const duressLock = page.locator('#duress-slot hush-lock');
    await duressLock.waitFor();
    assert.equal(await duressLock.locator('#tabs').isVisible(), false, 'a duress code has the vault\'s kind');
    assert.equal(await duressLock.locator('h2').innerText(), 'Choose a PIN');
    await shots(page, 'settings-duress');
    // The unlock code itself is refused, with the core's message.
    await typeCode(page, PIN);
    await typeCode(page, PIN);
    await duressLock.locator('[role="alert"]').filter({ hasText: 'The duress code must differ from the unlock code.' }).waitFor();
    await typeCode(page, '0000');
    await typeCode(page, '0000');
    await page.locator('#settings-dialog [role="status"]', { hasText: 'Duress code set.' }).waitFor();
    assert.equal(await page.locator('#duress-slot hush-lock').count(), 0);
    await shots(page, 'settings', { dark: true });
    await page.getByRole('button', { name: 'Done', exact: true }).click();

    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#screen-locked hush-lock').waitFor();
    await typeCode(page, '0000');
    await page.locator('#screen-vault').waitFor();
    await page.locator('#identities-empty').waitFor();
    assert.equal(await page.locator('#identity-list li').count(), 0, 'no identities');
    assert.equal(await page.locator('#conversation-list li').count(), 0, 'no conversations');
    assert.equal(await page.locator('#messages li').count(), 0, 'no messages');
    const view = await page.locator('#screen-vault').innerText();
    assert.equal(view, freshView, 'exactly what a newly created vault shows');
    const everything = await page.evaluate(() => [document.title, document.body.innerText,
      ...[...document.querySelectorAll('[role="alert"], [role="status"], [aria-live]')].map((n) => n.textContent)].join('\n'));
    assert.doesNotMatch(everything, WIPE_WORDS);
    assert.doesNotMatch(everything, /Alice|Bob|usual place/);
  });
});

test('restore identity from a phrase; a wrong word is named with its position', async () => {
  await sodiumModule.ready;
  const sodium = sodiumModule;
  // Seed zero: the ed25519 seed is 32 zero bytes (DESIGN.md, "Keys"); its
  // Session ID computed here with libsodium.js, independently of the core.
  const { publicKey } = sodium.crypto_sign_seed_keypair(new Uint8Array(32));
  const expected = `05${sodium.to_hex(sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey))}`;

  await withApp(async (page) => {
    await createPin(page);
    await page.getByRole('button', { name: 'Restore identity' }).click();
    const phrase = page.getByRole('textbox', { name: 'Recovery phrase' });
    await phrase.fill('abbey abbey zzzzz abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey');
    await page.locator('#restore-dialog').getByLabel('Name', { exact: true }).fill('Zero');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const alert = page.locator('#restore-dialog [role="alert"]');
    await alert.filter({ hasText: 'position 3' }).waitFor();
    // The position, never the word: a mistyped word is most of a real one.
    assert.equal(await alert.innerText(), 'Unknown word at position 3.');
    assert.equal(await phrase.inputValue(), 'abbey abbey zzzzz abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey',
      'the phrase stays to be corrected');
    await shots(page, 'restore-error');

    await phrase.fill('abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.locator('#restore-dialog').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#restore-phrase').inputValue(), '', 'the phrase field is emptied');
    await page.locator('#identity-list button', { hasText: 'Zero' }).waitFor();
    assert.equal(await page.locator('#current-session-id').innerText(), expected);
    assert.match(await page.locator('#identity-list button', { hasText: 'Zero' }).innerText(),
      new RegExp(`${expected.slice(0, 6)}…${expected.slice(-6)}`));
  });
});

test('a 10 s after-send timer: the message counts down and then leaves the view', async () => {
  await withApp(async (page) => {
    await createPin(page);
    await createIdentity(page, 'Alice');
    await startConversation(page, 'Bob');
    await send(page, 'This one stays');
    const picker = page.getByLabel('Disappearing messages');
    assert.equal(await picker.inputValue(), 'off:0');
    const offered = await picker.locator('option').allTextContents();
    for (const label of ['Off', '12 hours after sending', '1 day after sending', '1 week after sending', '2 weeks after sending',
      '5 minutes after reading', '1 hour after reading', '12 hours after reading', '1 day after reading',
      '1 week after reading', '2 weeks after reading', '5 seconds after sending (test)', '5 seconds after reading (test)']) {
      assert.ok(offered.includes(label), `the picker offers "${label}"`);
    }
    await picker.selectOption({ label: '5 seconds after sending (test)' });
    await page.locator('#disappearing-note', { hasText: 'New messages disappear 5 seconds after they are sent.' }).waitFor();
    await send(page, 'This one disappears');
    const doomed = page.locator('#messages li', { hasText: 'This one disappears' });
    const timer = doomed.locator('[role="timer"]');
    assert.match(await timer.innerText(), /^\d+s$/);
    assert.equal(await timer.locator('svg').count(), 1, 'a drawn stopwatch before the time left');
    assert.match(await timer.getAttribute('aria-label'), /^disappears in \d+ seconds?$/);
    assert.equal(await page.locator('#messages li', { hasText: 'This one stays' }).locator('[role="timer"]').isVisible(), false);
    await shots(page, 'conversation-countdown');
    const first = await timer.innerText();
    await page.waitForFunction((text) => document.querySelector('#messages li:last-child [role="timer"]')?.textContent !== text, first);
    await doomed.waitFor({ state: 'detached', timeout: 20_000 });
    assert.deepEqual(await bodies(page), ['This one stays']);
    // Switching the timer off again.
    await picker.selectOption({ label: 'Off' });
    await page.locator('#disappearing-note:empty').waitFor({ state: 'attached' });
  });
});

test('a second tab says that Hush is open in another tab, and nothing else', async () => {
  await withApp(async (page, browser) => {
    await createPin(page);
    const second = await browser.context.newPage();
    await second.goto(appUrl);
    await second.waitForSelector('html[data-ready="true"]');
    assert.equal((await second.locator('body').innerText()).trim(), 'Hush is open in another tab');
    await screenshot(second, 'app-second-tab');
    await second.close();
    // The first tab goes on as before.
    assert.equal(await page.locator('#screen-vault').isVisible(), true);
  });
});

test('settings: change the code, attempt limit, remove an identity, erase everything', async () => {
  await withApp(async (page) => {
    await createPin(page);
    await createIdentity(page, 'Alice');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    assert.equal(await page.locator('#code-current').innerText(), 'You unlock Hush with a PIN.');

    // A new code, of another kind: a passphrase.
    await page.getByRole('button', { name: 'Change code' }).click();
    const lock = page.locator('#change-code-slot hush-lock');
    await lock.locator('[role="tab"]', { hasText: 'Passphrase' }).click();
    await lock.locator('#passphrase').fill('correct horse battery staple');
    await lock.locator('#passphrase').press('Enter');
    await lock.locator('#passphrase').fill('correct horse battery staple');
    await lock.locator('#passphrase').press('Enter');
    await page.locator('#settings-dialog [role="status"]', { hasText: 'Your code was changed to a passphrase.' }).waitFor();
    assert.equal(await page.locator('#code-current').innerText(), 'You unlock Hush with a passphrase.');

    const limit = page.getByLabel('Erase everything after this many wrong codes in a row');
    assert.equal(await limit.inputValue(), '10');
    assert.deepEqual(await limit.locator('option').allTextContents(),
      ['3 wrong codes', '5 wrong codes', '10 wrong codes', '20 wrong codes', '50 wrong codes']);
    await limit.selectOption('3');
    await page.locator('#settings-dialog [role="status"]', { hasText: 'after 3 wrong codes' }).waitFor();

    // Remove the identity, after a confirmation that can be cancelled.
    await page.getByRole('button', { name: 'Remove Alice' }).click();
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    assert.equal(await page.locator('#identity-list li').count(), 1);
    await page.getByRole('button', { name: 'Remove Alice' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.locator('#settings-dialog [role="status"]', { hasText: 'Alice was removed.' }).waitFor();
    assert.equal(await page.locator('#identity-list li').count(), 0);
    await page.getByRole('button', { name: 'Done', exact: true }).click();

    // The new passphrase and the new limit hold after a lock.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#screen-locked hush-lock').waitFor();
    assert.equal(await page.locator('hush-lock').getAttribute('kind'), 'passphrase');
    assert.equal(await lockStatus(page).innerText(), '3 attempts left');
    await page.locator('hush-lock #passphrase').fill('correct horse battery staple');
    await page.locator('hush-lock #passphrase').press('Enter');
    await page.locator('#screen-vault').waitFor();

    // Erase everything: confirmed, then a first run with no word of why.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Erase everything now' }).click();
    await shots(page, 'erase-confirm');
    await page.getByRole('button', { name: 'Erase everything', exact: true }).click();
    await page.locator('#screen-first-run hush-lock').waitFor();
    assert.equal(await page.locator('dialog[open]').count(), 0);
    await createPin(page, '1234');
    assert.equal(await page.locator('#identity-list li').count(), 0);
  });
});

test('the attempt limit wipes the vault and shows a first run with no message', async () => {
  await withApp(async (page) => {
    await createPin(page);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Erase everything after this many wrong codes in a row').selectOption('3');
    await page.locator('#settings-dialog [role="status"]', { hasText: 'after 3 wrong codes' }).waitFor();
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#screen-locked hush-lock').waitFor();
    for (const left of ['2 attempts left', '1 attempt left']) {
      await typeCode(page, '9999');
      await lockStatus(page).filter({ hasText: left }).waitFor();
    }
    await typeCode(page, '9999');
    await page.locator('#screen-first-run hush-lock').waitFor();
    const text = await page.evaluate(() => [document.body.innerText,
      ...[...document.querySelectorAll('[role="alert"], [role="status"]')].map((n) => n.textContent)].join('\n'));
    assert.doesNotMatch(text, /wrong code|attempts? left/i);
    assert.match(text, /Welcome to Hush/);
  });
});

test('auto-lock after the idle time shows the lock screen', async () => {
  await withApp(async (page) => {
    await createPin(page);
    await createIdentity(page, 'Alice');
    await page.locator('#screen-locked hush-lock').waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => document.body.textContent.includes('Alice')), false);
    await typeCode(page, PIN);
    await page.locator('#identity-list button', { hasText: 'Alice' }).waitFor();
  }, { url: `${appUrl}&autolock=2500` });
});

test('keyboard and screen reader: named controls, one h1 per screen, phone layout', async () => {
  await withApp(async (page) => {
    await createPin(page);
    await createIdentity(page, 'Alice');
    await startConversation(page, 'Bob');
    await send(page, 'Hi');
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const shown = nodes.filter((n) => !n.ignored);
    const unnamed = shown.filter((n) => ['button', 'textbox', 'combobox', 'link'].includes(n.role?.value) && !n.name?.value?.trim());
    assert.deepEqual(unnamed.map((n) => n.role.value), [], 'every control has a name');
    assert.equal(shown.filter((n) => n.role?.value === 'heading' && n.properties?.find((p) => p.name === 'level')?.value.value === 1).length, 1);
    assert.ok(shown.some((n) => n.role?.value === 'log' && n.name?.value === `Messages with ${shortId(peerId('Bob'))}`));
    await cdp.detach();

    // Phone: the list and the conversation take turns; Back returns focus.
    await page.setViewportSize(PHONE);
    assert.equal(await page.locator('.sidebar').isVisible(), false);
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    assert.equal(await page.locator('#pane-conversation').isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.conversation), peerId('Bob'));
    await page.keyboard.press('Enter');
    await page.locator('#conversation-title', { hasText: shortId(peerId('Bob')) }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'conversation-title');
    // Enter in the composer sends.
    await page.getByRole('textbox', { name: `Message to ${shortId(peerId('Bob'))}` }).fill('Sent with Enter');
    await page.keyboard.press('Enter');
    await page.locator('#messages li', { hasText: 'Sent with Enter' }).waitFor();
  });
});
