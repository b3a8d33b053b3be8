// Remote deletion through the facade, in each browser: a person's vault
// and a friend's, paired in one origin; the person's vault is locked and
// the browser relaunched (the app restarted, nothing of the session in
// memory), then the friend's wipe arrives with no Clear-Site-Data
// endpoint. The profile's raw files then hold no canary, no byte of any
// lock file written before (salt, slots, trustee slots) and no page the old
// keys open; junk and a drill received while locked first changed no byte
// of the person's lock file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BROWSERS, launch, server, stopServer } from './browser.mjs';
import { TEST_KDF, blankPage, evaluate } from './harness.mjs';
import { decryptablePages, filesContaining, findLockFiles, parseLockFile } from './forensics.mjs';

after(stopServer);

const PIN = '2580';
const TRUSTEES_BYTES = 8 * 64;

// In the page: the person's vault as window.person (serialised by source:
// it closes over nothing).
const openPerson = async ({ kdf }) => {
  const { Hush } = await import('/src/hush.js');
  window.person = await Hush.open({ name: 'person', kdf, clearSiteDataUrl: null });
  return window.person.state;
};

const lockFiles = async (dir) => (await findLockFiles(dir)).filter((f) => parseLockFile(f.bytes).magic === 'HUSHLOCK');

for (const kind of BROWSERS) {
  test(`a friend's wipe reaches a locked, restarted app: nothing of the vault in the profile (${kind})`, { timeout: 120_000 }, async () => {
    const canary = `CANARY-remote-${randomBytes(12).toString('hex')}`;
    const { url } = await server();
    let browser = await launch({ browser: kind });
    try {
      let page = await blankPage(browser, url);
      const messages = await evaluate(page, async ({ kdf, pin, body }) => {
        const { Hush } = await import('/src/hush.js');
        const person = await Hush.open({ name: 'person', kdf, clearSiteDataUrl: null });
        const friend = await Hush.open({ name: 'friend', kdf, clearSiteDataUrl: null });
        await person.create(pin, { kind: 'pin' });
        await friend.create('1111', { kind: 'pin' });
        const p = await person.createIdentity({ name: 'Sam' });
        const f = await friend.createIdentity({ name: 'Kim' });
        for (let i = 0; i < 10; i++) await person.addMessage(p.id, { conversation: 'editor', sender: 'editor', body: `${body} ${i}`, sentAt: Date.now() });
        const offer = await person.offerTrust(p.id, f.sessionId);
        const { bytes: reply, code } = await friend.acceptTrust(f.id, offer);
        if ((await person.completeTrust(p.id, reply)) !== code) throw new Error('codes differ');
        const [pairing] = await friend.protectedBy();
        const wipe = await friend.makeRemoteWipe(pairing.id);
        const drill = await friend.makeDrill(pairing.id);
        const mailboxes = await person.wipeMailboxes();
        if (!mailboxes.includes(wipe.mailbox) || wipe.mailbox !== drill.mailbox) throw new Error('mailbox');
        await person.lock();
        await friend.lock();
        person.close();
        friend.close();
        const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
        return { wipe: b64(wipe.bytes), drill: b64(drill.bytes) };
      }, { kdf: TEST_KDF, pin: PIN, body: canary });
      await browser.close({ keepProfile: true });

      // The image before: both lock files, and what the PIN opens.
      const { profileDir } = browser;
      const before = await lockFiles(profileDir);
      assert.equal(before.length, 2, 'the person\'s and the friend\'s lock files');
      let personLock = null;
      let opened = null;
      for (const { bytes } of before) {
        const scan = await decryptablePages(profileDir, { lockFile: bytes, code: PIN });
        if (scan.dataKey) { personLock = bytes; opened = scan; }
      }
      assert.ok(opened.pages.some((pg) => pg.plaintext.includes(Buffer.from(canary))), 'control: the canary is readable before');
      const needles = [Buffer.from(canary)];
      for (const { bytes } of before) {
        const lock = parseLockFile(bytes);
        const trustees = Buffer.from(bytes).subarray(bytes.length - TRUSTEES_BYTES);
        needles.push(Buffer.from(lock.salt), ...lock.slots.map((s) => Buffer.from(s)),
          ...Array.from({ length: 8 }, (_, i) => trustees.subarray(i * 64, i * 64 + 64)));
      }

      // Relaunched: the app starts locked; junk and the drill change no
      // byte of any file (read from the closed profile).
      browser = await launch({ browser: kind, profileDir });
      page = await blankPage(browser, url);
      assert.equal(await evaluate(page, openPerson, { kdf: TEST_KDF }), 'locked');
      const states = await evaluate(page, async ({ drill }) => {
        for (const junk of [crypto.getRandomValues(new Uint8Array(304)), new Uint8Array(10), drill]) await window.person.receive(junk);
        return window.person.state;
      }, messages);
      assert.equal(states, 'locked');
      await browser.close({ keepProfile: true });
      const afterJunk = await lockFiles(profileDir);
      assert.deepEqual(afterJunk.map((f) => Buffer.from(f.bytes).toString('hex')).sort(),
        before.map((f) => Buffer.from(f.bytes).toString('hex')).sort(), 'junk and a drill while locked changed no lock file');

      // Relaunched again: the wipe.
      browser = await launch({ browser: kind, profileDir });
      page = await blankPage(browser, url);
      assert.equal(await evaluate(page, openPerson, { kdf: TEST_KDF }), 'locked');
      const result = await evaluate(page, async ({ wipe }) => {
        const started = performance.now();
        await window.person.receive(wipe);
        const ms = performance.now() - started;
        const after = window.person.state;
        await window.person.whenSettled();
        return { after, ms, errors: window.person.lastWipeErrors ?? [] };
      }, messages);
      assert.equal(result.after, 'new');
      console.log(`# ${kind}: wipe received to keys destroyed and files erased: ${result.ms.toFixed(1)} ms; wipe errors: ${JSON.stringify(result.errors)}`);
      await browser.close({ keepProfile: true });

      const hits = await filesContaining(profileDir, needles);
      assert.deepEqual(hits.map(([file, i]) => [file.slice(profileDir.length), i]), [],
        'needles: 0 canary, then per lock file: salt, 8 slots, 8 trustee slots');
      const afterScan = await decryptablePages(profileDir, { lockFile: personLock, code: PIN, pageCount: opened.pageCount });
      assert.deepEqual(afterScan.pages.map((pg) => pg.path), [], 'the old keys open nothing');
    } finally {
      await browser.close().catch(() => {});
    }
  });
}

// The relay's view: a poller asks every wipe mailbox, used or not, in
// every round, so the traffic is the same with no friends and with two;
// a wipe waiting in one mailbox is found and wipes.
test('the wipe mailboxes are polled the same way whatever the number of friends (chromium)', { timeout: 60_000 }, async () => {
  const { url } = await server();
  const browser = await launch();
  try {
    const page = await blankPage(browser, url);
    const result = await evaluate(page, async ({ kdf }) => {
      const { Hush } = await import('/src/hush.js');
      const open = async (name) => {
        const hush = await Hush.open({ name, kdf, clearSiteDataUrl: null });
        await hush.create('2580', { kind: 'pin' });
        return hush;
      };
      const lonely = await open('lonely');
      const person = await open('person');
      const friends = [await open('f1'), await open('f2')];
      const p = await person.createIdentity({ name: 'Sam' });
      let wipe = null;
      for (const friend of friends) {
        const f = await friend.createIdentity({ name: 'Kim' });
        const { bytes } = await friend.acceptTrust(f.id, await person.offerTrust(p.id, f.sessionId));
        await person.completeTrust(p.id, bytes);
        wipe ??= await friend.makeRemoteWipe((await friend.protectedBy())[0].id);
      }
      await lonely.lock();
      await person.lock();
      const watch = async (hush, relay) => {
        const polled = [];
        const stop = hush.pollWipeMailboxes(async (mailbox) => {
          polled.push(mailbox);
          return relay[mailbox] ?? [];
        }, { intervalMs: 50 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        stop();
        return polled;
      };
      const quiet = { lonely: await watch(lonely, {}), person: await watch(person, {}) };
      const shape = (polled) => ({ count: polled.length, distinct: new Set(polled).size, rounds: polled.length / 8 });
      // The others leave first: a wipe tells every other Hush of the origin
      // (BroadcastChannel), and they reload the page.
      for (const other of [lonely, ...friends]) other.close();
      const wiped = await watch(person, { [wipe.mailbox]: [wipe.bytes] });
      return { lonely: shape(quiet.lonely), person: shape(quiet.person), state: person.state, wipedRounds: wiped.length };
    }, { kdf: { opslimit: 1, memlimitKib: 8 } });
    assert.equal(result.lonely.distinct, 8, 'eight mailboxes with no friend');
    assert.equal(result.person.distinct, 8, 'eight mailboxes with two friends');
    assert.ok(Number.isInteger(result.lonely.rounds) && Number.isInteger(result.person.rounds), 'whole rounds of eight');
    assert.ok(result.lonely.rounds >= 2 && result.person.rounds >= 2);
    assert.equal(result.state, 'new', 'the wipe in one mailbox was found and wiped');
  } finally {
    await browser.close().catch(() => {});
  }
});
