// Disappearing messages end to end in Chromium: expiry while the browser is
// closed, the after-read timer deleting from the vault files within a second of
// expiry, and a clock turned back (Playwright's clock control).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, server, stopServer } from './browser.mjs';
import { blankPage, call, filesContaining, openHush } from './harness.mjs';
import { lastVaultWrite } from './vault-files.mjs';

after(stopServer);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('messages that expire while the browser is closed are never returned, not even by the first call after unlock', async () => {
  const { url } = await server();
  let browser = await launch();
  try {
    let page = await blankPage(browser, url);
    await openHush(page);
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'me' });
    await call(page, 'setDisappearing', id, 'bob', { mode: 'after-send', seconds: 3 });
    for (let i = 0; i < 5; i++) {
      await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: `soon gone ${i}`, sentAt: Date.now(), outgoing: true });
    }
    await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: 'stays', sentAt: Date.now(), outgoing: true,
      disappearing: { mode: 'off' } });
    const before = await call(page, 'messages', id, 'bob');
    assert.equal(before.length, 6);
    assert.ok(before.filter((m) => m.expiresAt).every((m) => m.expiresAt - m.sentAt === 3000));
    await browser.close({ keepProfile: true });

    await sleep(3500);
    browser = await launch({ profileDir: browser.profileDir });
    page = await blankPage(browser, url);
    assert.equal(await openHush(page), 'locked');
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.deepEqual((await call(page, 'messages', id, 'bob')).map((m) => m.body), ['stays']);
    assert.deepEqual((await call(page, 'conversations', id)).map((c) => c.messages), [1]);
  } finally {
    await browser.close();
  }
});

test('an after-read timer: gone from the view and from the vault files within 1 s of expiry, and from every file', async () => {
  const canary = `CANARY-read-${Date.now()}`;
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    await openHush(page);
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'me' });
    await call(page, 'setDisappearing', id, 'bob', { mode: 'after-read', seconds: 3 });
    const { id: msg } = await call(page, 'addMessage', id, { conversation: 'bob', sender: 'bob', body: canary, sentAt: Date.now() });
    const [unread] = await call(page, 'messages', id, 'bob');
    assert.ok(unread.expiresAt - Date.now() > 13 * 86_400_000, 'unread: only the 14-day limit runs');
    await call(page, 'markRead', id, [msg]);
    const [read] = await call(page, 'messages', id, 'bob');
    assert.ok(read.readAt && read.expiresAt === read.readAt + 3000);

    await page.waitForFunction(() => window.hushEvents.some((e) => e.type === 'expired'), null, { timeout: 10_000 });
    const expiredAt = await page.evaluate(() => window.hushEvents.find((e) => e.type === 'expired').at);
    assert.deepEqual(await call(page, 'messages', id, 'bob'), []);
    assert.ok(expiredAt - read.expiresAt < 1000, `swept ${expiredAt - read.expiresAt} ms after expiry`);
    assert.ok(await lastVaultWrite(page) >= read.expiresAt, 'the vault files rewritten after expiry');
    await browser.close({ keepProfile: true });
    assert.deepEqual(await filesContaining(browser.profileDir, [Buffer.from(canary)]), []);
  } finally {
    await browser.close().catch(() => {});
  }
});

test('turning the clock back brings nothing back; set back a day across a restart, every started timer has run out', async () => {
  const { url } = await server();
  const t0 = new Date('2030-01-01T12:00:00Z').getTime();
  let browser = await launch();
  try {
    let page = browser.page;
    await page.clock.install({ time: t0 });
    page = await blankPage(browser, url);
    await openHush(page);
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'me' });
    await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: 'ten seconds', sentAt: t0, outgoing: true,
      disappearing: { mode: 'after-send', seconds: 10 } });
    await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: 'one hour', sentAt: t0, outgoing: true,
      disappearing: { mode: 'after-send', seconds: 3600 } });
    assert.equal((await call(page, 'messages', id, 'bob')).length, 2);

    await page.clock.setSystemTime(t0 + 11_000);
    assert.deepEqual((await call(page, 'messages', id, 'bob')).map((m) => m.body), ['one hour']);
    await page.clock.setSystemTime(t0 - 86_400_000);
    assert.deepEqual((await call(page, 'messages', id, 'bob')).map((m) => m.body), ['one hour'], 'set back a day');
    await call(page, 'sweep');
    await browser.close({ keepProfile: true });

    browser = await launch({ profileDir: browser.profileDir });
    await browser.page.clock.install({ time: t0 - 86_400_000 });
    page = await blankPage(browser, url);
    await openHush(page);
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    // Earlier than the high-water mark by more than the tolerance
    // (HUSH_CLOCK_TOLERANCE_MS): how long the app was closed is unknown,
    // so the hour may have passed too.
    assert.deepEqual(await call(page, 'messages', id, 'bob'), [], 'after a restart');
    await page.clock.setSystemTime(t0 + 3_601_000);
    assert.deepEqual(await call(page, 'messages', id, 'bob'), []);
  } finally {
    await browser.close().catch(() => {});
  }
});
