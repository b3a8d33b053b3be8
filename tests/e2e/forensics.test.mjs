// The forensic vault tests, in each browser: an examiner with an image of
// the profile taken BEFORE a wipe (the old lock file, pieces of the old
// pages file) and the PIN, looking at the profile's raw files AFTER it,
// finds nothing of the old vault: no canary, no old salt, no old slot, no
// old page, and no block that the old keys open, whether the wipe came
// from the duress code, the manual wipe or the attempt limit, with no
// Clear-Site-Data endpoint or with the network down. And disappearing
// messages that expired and were swept are in no page the current keys
// open, while a message that does not disappear is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BROWSERS, launch, server, stopServer } from './browser.mjs';
import { blankPage, call, call as callInPage, evaluate, openHush, state } from './harness.mjs';
import { decryptablePages, filesContaining, parseLockFile, theLockFile, windows } from './forensics.mjs';

after(stopServer);

const PIN = '2580';
const DURESS = '0000';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const canaryText = (what) => `CANARY-${what}-${randomBytes(12).toString('hex')}`;

function plaintextsHolding(pages, needle) {
  return pages.filter((p) => p.plaintext.indexOf(Buffer.from(needle)) !== -1);
}

function log(message) {
  console.log(`# ${message}`);
}

async function addAttachment(page, identity, message, text) {
  return evaluate(page, ([id, mid, body]) => window.hush.addAttachment(id, mid,
    { name: 'notes.txt', type: 'text/plain', data: new TextEncoder().encode(body) }), [identity, message, text]);
}

// A PIN vault with an identity, messages with canary bodies and an
// attachment holding another canary.
async function vaultWithCanaries(page, options, { canary, attachmentCanary }) {
  assert.equal(await openHush(page, options), 'new');
  await call(page, 'create', PIN, { kind: 'pin' });
  const { id } = await call(page, 'createIdentity', { name: 'source' });
  let last = null;
  for (let i = 0; i < 12; i++) {
    last = await call(page, 'addMessage', id, { conversation: 'editor', sender: 'editor', body: `${canary} #${i}`, sentAt: Date.now() });
  }
  await addAttachment(page, id, last.id, attachmentCanary.repeat(40));
  return id;
}

// How each wipe is brought about in a relaunched, locked vault.
const WIPES = {
  duress: {
    prepare: (page) => call(page, 'setDuressCode', DURESS),
    async run(page, { offline }) {
      assert.deepEqual(await call(page, 'unlock', DURESS), { ok: true });
      assert.deepEqual(await call(page, 'identities'), []);
      // lock() finishes the re-key under a fresh salt in the core, then
      // moves to a fresh Worker. Whether that works offline is asserted by
      // 'lock() works offline' below; here only what is on disk counts.
      const failed = await call(page, 'lock').then(() => null, (error) => String(error));
      if (!offline) assert.equal(failed, null);
      else if (failed) log(`offline: lock() rejected after the re-key: ${failed}`);
      return 'locked';
    },
  },
  'manual wipe': {
    prepare: async () => {},
    async run(page) {
      assert.deepEqual(await call(page, 'unlock', PIN), { ok: true });
      await call(page, 'wipe');
      return 'new';
    },
  },
  'attempt limit': {
    prepare: (page) => call(page, 'setAttemptLimit', 3),
    async run(page) {
      for (const [code, left] of [['1111', 2], ['2222', 1], ['3333', 0]]) {
        assert.equal((await call(page, 'unlock', code)).attemptsLeft, left);
      }
      return 'new';
    },
  },
};

// No Clear-Site-Data endpoint at all; or one that the browser cannot
// reach because the network is down (Chromium: context.setOffline;
// Firefox: puppeteer's setOfflineMode over BiDi).
const NETWORK = {
  'no Clear-Site-Data URL': { options: { clearSiteDataUrl: null }, offline: false },
  'network offline': { options: { clearSiteDataUrl: '/clear-site-data' }, offline: true },
};

for (const kind of BROWSERS) {
  for (const [wipeName, wipe] of Object.entries(WIPES)) {
    for (const [networkName, network] of Object.entries(NETWORK)) {
      test(`${wipeName}, ${networkName}: nothing of the old vault in any file of the profile (${kind})`, { timeout: 120_000 }, async () => {
        const canary = canaryText('message');
        const attachmentCanary = canaryText('attachment');
        const { url } = await server();
        let browser = await launch({ browser: kind });
        try {
          let page = await blankPage(browser, url);
          await vaultWithCanaries(page, network.options, { canary, attachmentCanary });
          await wipe.prepare(page);
          await call(page, 'lock');
          await browser.close({ keepProfile: true });

          // The image before the wipe: the old lock file, and what the old
          // keys open (the control: the examiner does see the vault).
          const { profileDir } = browser;
          const oldLock = (await theLockFile(profileDir)).bytes;
          const before = await decryptablePages(profileDir, { lockFile: oldLock, code: PIN });
          log(`${kind}: before the wipe the examiner opened ${before.pages.length} pages of ${before.blocks} blocks in ${Math.round(before.ms)} ms`);
          assert.ok(before.dataKey, 'the PIN opens the old lock file');
          assert.ok(plaintextsHolding(before.pages, canary).length > 0, 'control: the examiner reads the message canary before the wipe');
          assert.ok(plaintextsHolding(before.pages, attachmentCanary).length > 0, 'control: and the attachment canary');
          assert.ok(before.pagesFiles.length >= 1, 'the pages file is located');
          const oldPages = [];
          for (const file of before.pagesFiles) oldPages.push(...windows(await readFile(file), { count: 8, size: 64 }));
          const old = parseLockFile(oldLock);
          const needles = [Buffer.from(canary), Buffer.from(attachmentCanary), Buffer.from(old.salt),
            ...old.slots.map((s) => Buffer.from(s)), ...oldPages];

          // The wipe, in a relaunched browser on the same profile.
          browser = await launch({ browser: kind, profileDir });
          page = await blankPage(browser, url);
          assert.equal(await openHush(page, network.options), 'locked');
          if (network.offline) {
            await browser.setOffline(true);
            assert.equal(await evaluate(page, () => fetch('/clear-site-data').then(() => 'reached', () => 'unreachable')),
              'unreachable', 'the Clear-Site-Data endpoint is out of reach');
          }
          const after = await wipe.run(page, network);
          assert.equal(await state(page), after);
          await browser.close({ keepProfile: true });

          const hits = await filesContaining(profileDir, needles);
          assert.deepEqual(hits.map(([file, i]) => [file.slice(profileDir.length), i]), [],
            'needles: 0 message canary, 1 attachment canary, 2 old salt, 3-10 old slots, 11+ old pages windows');
          const afterScan = await decryptablePages(profileDir, { lockFile: oldLock, code: PIN, pageCount: before.pageCount });
          log(`${kind}: after the wipe the examiner tried ${afterScan.blocks} blocks x ${afterScan.pageCount} pages in ${Math.round(afterScan.ms)} ms`);
          assert.deepEqual(afterScan.pages.map((p) => [p.path.slice(profileDir.length), p.offset, p.page]), [],
            'the old keys open nothing');
        } finally {
          await browser.close({ keepProfile: false }).catch(() => {});
        }
      });
    }
  }

  // A messenger is used offline (a border, a plane); locking must not
  // depend on the network. (A hang fails at the test's timeout.)
  test(`lock() works offline, after a duress unlock and after a normal one (${kind})`, { timeout: 60_000 }, async () => {
    const { url } = await server();
    const browser = await launch({ browser: kind });
    // A hung call must still end in the finally below, which closes the
    // browser (else the test file's process never exits).
    const within = (ms, promise, what) => Promise.race([promise,
      sleep(ms).then(() => { throw new Error(`${what}: no answer in ${ms} ms`); })]);
    const call = (page, method, ...args) => within(15_000, callInPage(page, method, ...args), `${method}()`);
    try {
      const page = await blankPage(browser, url);
      assert.equal(await openHush(page), 'new');
      await call(page, 'create', PIN, { kind: 'pin' });
      await call(page, 'setDuressCode', DURESS);
      await call(page, 'lock');
      // The network gone for real: the server stops. (Firefox's BiDi
      // offline emulation refuses even fresh responses from the HTTP cache,
      // which a Firefox that really lost the network serves; Chromium's
      // emulation serves them too.)
      await stopServer();
      assert.deepEqual(await call(page, 'unlock', PIN), { ok: true });
      await call(page, 'lock');
      assert.equal(await state(page), 'locked');
      assert.deepEqual(await call(page, 'unlock', DURESS), { ok: true });
      await call(page, 'lock');
      assert.equal(await state(page), 'locked');
      assert.deepEqual(await call(page, 'unlock', DURESS), { ok: true }, 'the duress code opens the new vault');
    } finally {
      await browser.close().catch(() => {});
    }
  });

  test(`expired, swept disappearing messages are in no page the keys open; a lasting one is (${kind})`, { timeout: 120_000 }, async () => {
    const control = canaryText('lasting');
    const expiring = Array.from({ length: 6 }, (_, i) => canaryText(`expiring${i}`));
    const { url } = await server();
    const browser = await launch({ browser: kind });
    try {
      const page = await blankPage(browser, url);
      assert.equal(await openHush(page), 'new');
      await call(page, 'create', PIN, { kind: 'pin' });
      const { id } = await call(page, 'createIdentity', { name: 'me' });
      await call(page, 'setDisappearing', id, 'bob', { mode: 'after-send', seconds: 5 });
      await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: control, sentAt: Date.now(), outgoing: true,
        disappearing: { mode: 'off' } });
      for (const body of expiring) {
        await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body, sentAt: Date.now(), outgoing: true });
      }
      const sent = Date.now();
      assert.equal((await call(page, 'messages', id, 'bob')).length, 1 + expiring.length);
      await sleep(Math.max(0, sent + 5500 - Date.now()));
      await call(page, 'sweep');
      assert.deepEqual((await call(page, 'messages', id, 'bob')).map((m) => m.body), [control]);
      await call(page, 'lock');
      await browser.close({ keepProfile: true });

      const lock = await theLockFile(browser.profileDir);
      const scan = await decryptablePages(browser.profileDir, { lockFile: lock.bytes, code: PIN });
      log(`${kind}: the examiner opened ${scan.pages.length} pages of ${scan.blocks} blocks x ${scan.pageCount} in ${Math.round(scan.ms)} ms`);
      assert.ok(scan.pages.length > 0, 'the current keys open pages');
      assert.ok(plaintextsHolding(scan.pages, control).length > 0, 'control: the lasting message is in an opened page');
      for (const body of expiring) assert.deepEqual(plaintextsHolding(scan.pages, body), [], `${body} in an opened page`);
      assert.deepEqual(await filesContaining(browser.profileDir, expiring.map((b) => Buffer.from(b))), []);
    } finally {
      await browser.close().catch(() => {});
    }
  });
}
