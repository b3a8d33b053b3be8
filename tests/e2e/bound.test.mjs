// A vault bound to an authenticator (WebAuthn PRF), in Chromium with a CDP
// virtual authenticator that has PRF: bind, lock and unlock; an offline
// attacker with the lock file from the profile and the right PIN opens
// nothing, and with the authenticator's PRF output opens it (so the attack
// is real); a spare key bound too opens it alone; the duress code still
// wipes; unbind. Then a second vault bound
// to an authenticator that is then removed: the right code fails with
// "this vault needs its security key", and no attempt is counted.
// The page is served on http://localhost: WebAuthn needs a domain as RP ID.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, server, stopServer } from './browser.mjs';
import { TEST_KDF, call, evaluate } from './harness.mjs';
import { dataKeyFrom, findLockFiles, parseLockFile } from './forensics.mjs';
import { DESKTOP, createPin, shots, typeCode } from './app-steps.mjs';

after(stopServer);

import { PIN } from './app-steps.mjs';
const DURESS = '1397';

// transport: 'internal' (this device's authenticator; Chrome allows one)
// or 'usb' (a security key).
async function addAuthenticator(cdp, transport = 'internal') {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
    protocol: 'ctap2', ctap2Version: 'ctap2_1', transport, hasResidentKey: true,
    hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, hasPrf: true,
  } });
  return authenticatorId;
}

const open = (page, name) => evaluate(page, async ({ name: n, kdf }) => {
  const { Hush } = await import('/src/hush.js');
  window.hush?.close();
  window.hush = await Hush.open({ name: n, kdf, authenticatorTimeoutMs: 3000 });
  return window.hush.state;
}, { name, kdf: TEST_KDF });

test('bound to a PRF authenticator: unlock, offline attack, duress, unbind; without it the code fails uncounted (chromium)', { timeout: 120_000 }, async () => {
  const { url } = await server();
  const origin = url.replace('127.0.0.1', 'localhost');
  const browser = await launch();
  try {
    const page = browser.page;
    await page.goto(`${origin}/harness`);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const first = await addAuthenticator(cdp);

    assert.equal(await open(page, 'bound'), 'new');
    await call(page, 'create', PIN, { kind: 'pin' });
    await call(page, 'setDuressCode', DURESS);
    const { id } = await call(page, 'createIdentity', { name: 'Sam' });
    await call(page, 'addMessage', id, { conversation: 'editor', sender: 'editor', body: 'the source', sentAt: Date.now() });
    await call(page, 'bindAuthenticator');
    assert.equal(await evaluate(page, () => window.hush.bound), true);
    await call(page, 'lock');
    assert.deepEqual(await call(page, 'unlock', PIN), { ok: true });
    assert.equal((await call(page, 'identities')).length, 1);

    // A spare key: bound while the first one does not answer, then it alone
    // opens the vault.
    const spare = await addAuthenticator(cdp, 'usb');
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: first, enabled: false });
    await call(page, 'bindSpareAuthenticator');
    await call(page, 'lock');
    assert.deepEqual(await call(page, 'unlock', PIN), { ok: true }, 'the spare key opens it');
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: first, enabled: true });
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: spare });
    await call(page, 'lock');

    // The offline attacker, on the profile's file (libsodium.js, not the core).
    const locks = (await findLockFiles(browser.profileDir)).filter((f) => parseLockFile(f.bytes).authenticatorBound);
    assert.equal(locks.length, 1, 'one bound lock file');
    const lock = locks[0].bytes;
    assert.equal(await dataKeyFrom(lock, PIN, 'pin'), null, 'the right PIN alone opens nothing');
    // The attacker who also holds the authenticator asks it for the PRF of
    // the salt in the header: then the PIN opens the vault.
    const factor = await evaluate(page, async (s) => {
      const assertion = await navigator.credentials.get({ publicKey: {
        challenge: crypto.getRandomValues(new Uint8Array(32)), rpId: location.hostname, allowCredentials: [],
        userVerification: 'required', extensions: { prf: { eval: { first: new Uint8Array(s) } } },
      } });
      return Array.from(new Uint8Array(assertion.getClientExtensionResults().prf.results.first));
    }, Array.from(parseLockFile(lock).prfSalt));
    assert.ok(await dataKeyFrom(lock, PIN, 'pin', Uint8Array.from(factor)), 'control: with the PRF output the PIN opens it');

    // The duress code, authenticator present: an empty vault, still bound.
    assert.deepEqual(await call(page, 'unlock', DURESS), { ok: true });
    assert.deepEqual(await call(page, 'identities'), []);
    assert.equal(await evaluate(page, () => window.hush.bound), true);
    await call(page, 'lock');
    assert.deepEqual(await call(page, 'unlock', DURESS), { ok: true });
    await call(page, 'unbindAuthenticator');
    await call(page, 'lock');
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
    assert.deepEqual(await call(page, 'unlock', DURESS), { ok: true }, 'unbound: the code alone opens it');
    await call(page, 'lock');

    // A vault whose authenticator is gone.
    const second = await addAuthenticator(cdp);
    assert.equal(await open(page, 'lost'), 'new');
    await call(page, 'create', PIN, { kind: 'pin' });
    await call(page, 'bindAuthenticator');
    await call(page, 'lock');
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: second });
    const left = await evaluate(page, () => window.hush.attemptsLeft);
    const error = await evaluate(page, (pin) => window.hush.unlock(pin).then(() => null, (e) => ({ code: e.code, message: e.message })), PIN);
    assert.equal(error?.code, 'ERR_FACTOR_NEEDED');
    assert.match(error.message, /this vault needs its security key/);
    assert.equal(await evaluate(page, () => window.hush.attemptsLeft), left, 'not counted as a wrong code');
    assert.equal(await evaluate(page, () => window.hush.state), 'locked');
  } finally {
    await browser.close().catch(() => {});
  }
});

// Through the app: Settings binds and adds a spare; the lock screen then
// asks the key at every unlock.
test('the app binds to a security key and unlocks with it (chromium)', { timeout: 90_000 }, async () => {
  const { url } = await server();
  const browser = await launch({ viewport: DESKTOP });
  try {
    const page = browser.page;
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await addAuthenticator(cdp);
    await page.goto(`${url.replace('127.0.0.1', 'localhost')}/app/?kdf=test`);
    await page.waitForSelector('html[data-ready="true"]');
    await createPin(page);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Bind to a security key' }).click();
    await page.locator('#key-status', { hasText: 'bound to a security key' }).waitFor();
    assert.equal(await page.locator('#spare-key').isVisible(), true);
    await page.locator('#security-key-setting').scrollIntoViewIfNeeded();
    await shots(page, 'settings-security-key');
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#screen-locked hush-lock').waitFor();
    assert.equal(await page.locator('#key-needed').isVisible(), true, 'the lock screen says the key is needed');
    await typeCode(page, PIN);
    await page.locator('#screen-vault').waitFor();
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close().catch(() => {});
  }
});
