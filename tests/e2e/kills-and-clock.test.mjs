// The app killed at the worst moments, and the clock set back while it was
// closed, in Chromium, judged from the profile's raw files and the facade:
//  - killed between counting an attempt and checking it, again and again
//    past the limit: the vault ends wiped, never bricked;
//  - killed in the middle of a duress unlock (the new lock file stored, the
//    old pages not yet erased): the next unlock erases the orphans;
//  - closed with disappearing messages and attachments, reopened after they
//    expired with the clock an hour back: none of them, no count, no
//    attachment comes back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, server, stopServer } from './browser.mjs';
import { killHard, startChromium } from './crash.mjs';
import { findLockFiles, parseLockFile, profileFiles } from './forensics.mjs';
import { blankPage, call, openHush } from './harness.mjs';

after(stopServer);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Dear enough that an attempt takes a while to check, so a kill lands
// between counting it (written first) and checking it.
const SLOW_KDF = { opslimit: 3, memlimitKib: 65536 };

async function lockFile(profileDir) {
  const found = (await findLockFiles(profileDir)).filter((f) => parseLockFile(f.bytes).magic === 'HUSHLOCK');
  assert.equal(found.length, 1, 'one lock file in the profile');
  return found[0];
}

const failedCount = (bytes) => Buffer.from(bytes).readUInt32LE(52);

test('killed between counting and checking up to the limit: the next attempt wipes, even with the right code, never a damaged file', async () => {
  const { url } = await server();
  const profileDir = await mkdtemp(join(tmpdir(), 'hush-kill-'));
  try {
    let run = await startChromium(profileDir);
    try {
      await run.page.goto(`${url}/harness`);
      await openHush(run.page, { kdf: SLOW_KDF });
      await call(run.page, 'create', '2580', { kind: 'pin' });
      await call(run.page, 'setAttemptLimit', 2);
      const { id } = await call(run.page, 'createIdentity', { name: 'me' });
      await call(run.page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: 'before', sentAt: Date.now(), outgoing: true });
      await call(run.page, 'lock');
    } finally {
      await killHard(run.child);
      await run.browser.close().catch(() => {});
    }
    // As many attempts as the limit, each killed while its Argon2id runs:
    // the count is on disk, the check never happened, so no wrong code
    // was ever seen and no wipe ran.
    for (let round = 1; round <= 2; round++) {
      run = await startChromium(profileDir);
      try {
        await run.page.goto(`${url}/harness`);
        assert.equal(await openHush(run.page, { kdf: SLOW_KDF }), 'locked');
        run.page.evaluate(() => window.hush.unlock('1111')).catch(() => {});
        // Wait for the counted attempt to reach the file, then kill.
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && failedCount((await lockFile(profileDir)).bytes) < round) await sleep(2);
      } finally {
        await killHard(run.child);
        await run.browser.close().catch(() => {});
      }
      const { bytes } = await lockFile(profileDir);
      assert.equal(failedCount(bytes), round, `round ${round}: counted before the check, and not checked`);
      assert.ok(parseLockFile(bytes).slots.some((slot) => slot.some((b) => b !== 0)), 'not wiped yet');
    }
    // The count has reached the limit with every check killed. The next
    // open: never a damaged file; the next attempt, even with the right
    // code, wipes.
    run = await startChromium(profileDir);
    try {
      await run.page.goto(`${url}/harness`);
      const state = await openHush(run.page, { kdf: SLOW_KDF });
      assert.ok(state === 'locked' || state === 'new', `opens (${state}), not ERR_LOCKFILE_FORMAT`);
      if (state === 'locked') {
        const result = await call(run.page, 'unlock', '2580');
        assert.equal(result.ok, false, 'the right code no longer opens a vault past its limit');
      }
      assert.equal(await run.page.evaluate(() => window.hush.state), 'new');
    } finally {
      await killHard(run.child);
      await run.browser.close().catch(() => {});
    }
    const lock = (await findLockFiles(profileDir)).filter((f) => parseLockFile(f.bytes).magic === 'HUSHLOCK');
    assert.deepEqual(lock, [], 'no lock file left');
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
});

test('killed mid-duress, after the new lock file and before the old pages go: the next unlock erases them', async () => {
  const { url } = await server();
  const profileDir = await mkdtemp(join(tmpdir(), 'hush-kill-duress-'));
  const canary = `CANARY-duress-orphan-${Date.now()}`;
  try {
    let run = await startChromium(profileDir);
    let oldPages = null;
    try {
      await run.page.goto(`${url}/harness`);
      await openHush(run.page);
      await call(run.page, 'create', '2580', { kind: 'pin' });
      await call(run.page, 'setDuressCode', '0000');
      const { id } = await call(run.page, 'createIdentity', { name: 'me' });
      for (let i = 0; i < 40; i++) {
        await call(run.page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: `${canary} ${i} ${'x'.repeat(500)}`,
          sentAt: Date.now(), outgoing: true });
      }
      await call(run.page, 'lock');
    } finally {
      await killHard(run.child);
      await run.browser.close().catch(() => {});
    }
    // The pages file: the largest file of the profile that is a multiple
    // of 4096 and not Chromium's own (the vault's OPFS files are under
    // "File System").
    const pagesFile = async () => (await profileFiles(profileDir))
      .filter((f) => f.path.includes('File System') && f.size > 4096 && f.size % 4096 === 0)
      .sort((a, b) => b.size - a.size)[0];
    oldPages = await pagesFile();
    assert.ok(oldPages, 'the pages file is in the profile');
    const sample = (await readFile(oldPages.path)).subarray(4096 * 2, 4096 * 2 + 64);

    // A duress unlock killed the moment the new lock file is written: the
    // core erases the pages right after, so stop the Worker there by
    // killing as soon as the lock file's salt changes.
    const before = parseLockFile((await lockFile(profileDir)).bytes);
    run = await startChromium(profileDir);
    try {
      await run.page.goto(`${url}/harness`);
      await openHush(run.page);
      // Stall the core's erase: make the pages file's truncate throw in the
      // Worker is not reachable from here, so race instead: kill on the
      // first lock-file change. Whether the erase ran or not, the outcome
      // below must hold.
      run.page.evaluate(() => window.hush.unlock('0000')).catch(() => {});
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const now = (await findLockFiles(profileDir)).map((f) => parseLockFile(f.bytes));
        if (now.some((l) => l.magic === 'HUSHLOCK' && Buffer.compare(Buffer.concat(l.slots), Buffer.concat(before.slots)) !== 0)) break;
        await sleep(1);
      }
    } finally {
      await killHard(run.child);
      await run.browser.close().catch(() => {});
    }
    // Next start: the duress code opens the new, empty vault; whatever of
    // the old pages was left is gone after that unlock.
    run = await startChromium(profileDir);
    try {
      await run.page.goto(`${url}/harness`);
      const state = await openHush(run.page);
      if (state === 'locked') {
        assert.deepEqual(await call(run.page, 'unlock', '0000'), { ok: true });
        assert.deepEqual(await call(run.page, 'identities'), []);
      }
    } finally {
      await killHard(run.child);
      await run.browser.close().catch(() => {});
    }
    const hits = [];
    for (const file of await profileFiles(profileDir)) {
      const bytes = await readFile(file.path).catch(() => Buffer.alloc(0));
      if (bytes.indexOf(sample) !== -1) hits.push(file.path);
    }
    assert.deepEqual(hits, [], 'no block of the old pages file anywhere in the profile');
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
});

test('closed with timed messages and attachments, reopened after expiry with the clock an hour back: nothing comes back', async () => {
  const { url } = await server();
  let browser = await launch();
  try {
    let page = await blankPage(browser, url);
    await openHush(page);
    await call(page, 'create', '2580', { kind: 'pin' });
    const { id } = await call(page, 'createIdentity', { name: 'me' });
    const now = Date.now();
    const { id: sent } = await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: 'after send', sentAt: now,
      outgoing: true, disappearing: { mode: 'after-send', seconds: 5 } });
    const { id: got } = await call(page, 'addMessage', id, { conversation: 'bob', sender: 'bob', body: 'after read', sentAt: now,
      disappearing: { mode: 'after-read', seconds: 5 } });
    await call(page, 'markRead', id, [got]);
    const data = [1, 2, 3];
    const { id: a1 } = await page.evaluate(([i, m, d]) => window.hush.addAttachment(i, m, { name: 'a.txt', type: 'text/plain',
      data: Uint8Array.from(d) }), [id, sent, data]);
    const { id: a2 } = await page.evaluate(([i, m, d]) => window.hush.addAttachment(i, m, { name: 'b.txt', type: 'text/plain',
      data: Uint8Array.from(d) }), [id, got, data]);
    await call(page, 'addMessage', id, { conversation: 'bob', sender: 'me', body: 'no timer', sentAt: now, outgoing: true,
      disappearing: { mode: 'off' } });
    assert.equal((await call(page, 'messages', id, 'bob')).length, 3);
    await call(page, 'lock');
    await browser.close({ keepProfile: true });

    await sleep(7000);
    browser = await launch({ profileDir: browser.profileDir });
    await browser.page.clock.install({ time: Date.now() - 3_600_000 });
    page = await blankPage(browser, url);
    assert.equal(await openHush(page), 'locked');
    assert.deepEqual(await call(page, 'unlock', '2580'), { ok: true });
    assert.deepEqual((await call(page, 'messages', id, 'bob')).map((m) => m.body), ['no timer']);
    assert.deepEqual((await call(page, 'conversations', id)).map((c) => c.messages), [1]);
    for (const attachment of [a1, a2]) {
      await assert.rejects(call(page, 'attachment', id, attachment), /ERR_NOT_FOUND|no such/);
    }
  } finally {
    await browser.close().catch(() => {});
  }
});
