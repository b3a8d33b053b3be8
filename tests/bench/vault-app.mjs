// Unlock outcomes through the demo app (web/app, served by web/serve.mjs
// as in production: its own CSP, no cross-origin isolation), in headless
// Chromium: from the Enter key that submits the code on the lock screen to
// the first frame that shows the outcome: the vault view with its identity
// listed (right code), the empty vault view (duress code), the lock
// screen's "Wrong code" alert (wrong code). Measured in the page: a
// capturing keydown listener stamps the submit, a MutationObserver (light
// DOM, and the lock screen's shadow root) stamps the first DOM state that
// shows the outcome, and the next requestAnimationFrame stamps the frame.
// The vault is set up through the facade (web/src/hush.js) on a page of the
// same origin that does not open it (app/lock-screen-demo.html), with the
// same Argon2id cost as the facade trials. tests/bench/vault.mjs calls it.
import { launch } from '../e2e/browser.mjs';
import { startServer } from '../../web/serve.mjs';

const CODES = { right: '2580', duress: '1397', wrong: '0000' };
const PEER = `05${'ab'.repeat(32)}`;

async function prepare(page, { kdf, persistence }) {
  return page.evaluate(async ({ kdf: cost, persistence: p, codes, peer }) => {
    const { Hush } = await import('/src/hush.js');
    const hush = await Hush.open({ name: 'default', kdf: cost, autoLockMs: 0, persistence: p === 'idbfs' ? 'idbfs' : 'auto' });
    await hush.create(codes.right, { kind: 'pin' });
    await hush.setDuressCode(codes.duress);
    const { id } = await hush.createIdentity({ name: 'Alice' });
    await hush.addMessage(id, { conversation: peer, sender: peer, body: 'hello', sentAt: Date.now() });
    await hush.lock();
    const used = hush.info?.persistence;
    hush.close();
    return used;
  }, { kdf, persistence, codes: CODES, peer: PEER });
}

// Arms the stamps for one outcome, types the code and presses Enter, waits
// for the frame; returns { ms (submit -> DOM), frameMs (submit -> frame) }.
async function trial(page, which) {
  await page.evaluate((w) => {
    const b = (window.__bench = { submitted: null, shown: null, painted: null });
    const lock = document.querySelector('#screen-locked hush-lock');
    const visible = (id) => { const n = document.getElementById(id); return n && !n.hidden; };
    const check = () => {
      if (b.submitted === null || b.shown !== null) return;
      const done = w === 'right' ? visible('screen-vault') && document.querySelector('#identity-list button')
        : w === 'duress' ? visible('screen-vault') && visible('identities-empty')
          : /Wrong code/.test(lock?.shadowRoot?.querySelector('[role="alert"]')?.textContent ?? '');
      if (!done) return;
      b.shown = performance.now();
      requestAnimationFrame(() => { b.painted = performance.now(); });
      observer.disconnect();
    };
    const observer = new MutationObserver(check);
    const options = { subtree: true, childList: true, attributes: true, characterData: true };
    observer.observe(document, options);
    if (lock?.shadowRoot) observer.observe(lock.shadowRoot, options);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && b.submitted === null) b.submitted = performance.now();
    }, { capture: true });
  }, which);
  await page.keyboard.type(CODES[which]);
  await page.keyboard.press('Enter');
  try {
    await page.waitForFunction(() => window.__bench.painted !== null, null, { timeout: 30000 });
  } catch (error) {
    const seen = await page.evaluate(() => ({ stamps: window.__bench, active: document.activeElement?.tagName,
      screens: [...document.querySelectorAll('.screen')].filter((n) => !n.hidden).map((n) => n.id) }));
    throw new Error(`app: the ${which} code's outcome never showed (${JSON.stringify(seen)}): ${error.message}`);
  }
  const b = await page.evaluate(() => window.__bench);
  return { ms: b.shown - b.submitted, frameMs: b.painted - b.submitted };
}

async function lockedScreen(page) {
  await page.waitForSelector('html[data-ready="true"]');
  await page.locator('#screen-locked hush-lock').waitFor();
}

// rounds x (a fresh profile: the vault prepared, the app loaded, wrong
// code, the app reloaded, right code, Lock, duress code).
export async function runApp({ rounds, kdf, persistence = 'opfs', log = () => {} }) {
  const { server, url } = await startServer();
  const out = { right: [], duress: [], wrong: [], persistence: null };
  try {
    for (let r = 0; r < rounds; r++) {
      log(`app (${persistence}): round ${r + 1}/${rounds}`);
      const browser = await launch();
      try {
        const { page } = browser;
        await page.goto(`${url}/app/lock-screen-demo.html`);
        out.persistence = await prepare(page, { kdf, persistence });
        await page.goto(`${url}/app/${persistence === 'idbfs' ? '?persistence=idbfs' : ''}`);
        await lockedScreen(page);
        out.wrong.push(await trial(page, 'wrong'));
        // Each outcome from a fresh Worker, as when the app is opened (the
        // first Argon2id of a Worker also grows its memory by 64 MiB): the
        // page again after the wrong code; Lock ends the Worker itself.
        await page.reload();
        await lockedScreen(page);
        out.right.push(await trial(page, 'right'));
        await page.getByRole('button', { name: 'Lock', exact: true }).click();
        await page.locator('#screen-locked hush-lock').waitFor();
        await page.waitForTimeout(300);
        out.duress.push(await trial(page, 'duress'));
        if (browser.errors.length) throw browser.errors[0];
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
  }
  return out;
}
