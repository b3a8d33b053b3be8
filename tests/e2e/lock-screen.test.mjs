// The lock screen <hush-lock> on its demo page (web/app/lock-screen-demo.html):
// each way to enter a code gives the right bytes, bad codes are refused with
// a message, create mode confirms, lockouts count down, every control has a
// name, nothing of a code stays behind, and screenshots of every mode and
// kind at phone and desktop size land in build/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, server, stopServer, screenshot } from './browser.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const ascii = (text) => [...Buffer.from(text, 'ascii')];

let browser;
let page;
let base;

before(async () => {
  base = (await server()).url;
  browser = await launch({ viewport: DESKTOP });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await stopServer();
});

// Opens the demo and records every code the element sends. The listener
// runs in the capture phase on window, so it copies the bytes before the
// demo page (their owner) zeroes them.
async function open({ mode = 'unlock', kind = 'pin', viewport = DESKTOP } = {}) {
  await page.setViewportSize(viewport);
  await page.goto(`${base}/app/lock-screen-demo.html?mode=${mode}&kind=${kind}`);
  await page.waitForSelector('html[data-ready="true"]');
  await page.evaluate(() => {
    window.codes = [];
    window.addEventListener('hush-code', (event) => {
      window.codes.push({ kind: event.detail.kind, code: [...event.detail.code], isBytes: event.detail.code instanceof Uint8Array });
    }, { capture: true });
  });
}

const codes = () => page.evaluate(() => window.codes);
const inLock = (selector) => page.locator(`hush-lock ${selector}`);
const text = async (selector) => (await inLock(selector).textContent()).trim();
const setProp = (name, value) => page.evaluate(([n, v]) => { document.querySelector('hush-lock')[n] = v; }, [name, value]);
const dotCount = () => page.evaluate(() => document.querySelector('hush-lock').shadowRoot.querySelectorAll('#dots span').length);
const log = () => page.locator('#log li').allTextContents();

async function nodeCentre(node) {
  const box = await inLock(`[data-node="${node}"]`).boundingBox();
  return [box.x + box.width / 2, box.y + box.height / 2];
}

// Presses on the first node, moves over the others (steps: 1 jumps straight
// to each, as a fast flick does) and releases.
async function drag(nodes, steps = 6) {
  await page.mouse.move(...(await nodeCentre(nodes[0])));
  await page.mouse.down();
  for (const node of nodes.slice(1)) await page.mouse.move(...(await nodeCentre(node)), { steps });
  await page.mouse.up();
}

test('PIN entered by clicking the pad', async () => {
  await open();
  for (const digit of '1984') await inLock(`[data-digit="${digit}"]`).click();
  assert.equal(await dotCount(), 4);
  assert.equal(await text('#announce'), '4 digits entered');
  await inLock('#pin-delete').click();
  assert.equal(await text('#announce'), '3 digits entered');
  await inLock('[data-digit="7"]').click();
  await inLock('button[aria-label="Unlock"]').click();
  assert.deepEqual(await codes(), [{ kind: 'pin', code: ascii('1987'), isBytes: true }]);
  assert.deepEqual(await log(), ['received kind=pin length=4']);
  assert.equal(await dotCount(), 0, 'the PIN dots are gone after submit');
  assert.deepEqual(browser.errors, []);
});

test('PIN typed on the keyboard, with Backspace and Enter', async () => {
  await open();
  await page.keyboard.type('25809');
  assert.equal(await dotCount(), 5);
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Enter');
  assert.deepEqual(await codes(), [{ kind: 'pin', code: ascii('2580'), isBytes: true }]);
  assert.equal(await dotCount(), 0);
  // A second code starts from nothing.
  await page.keyboard.type('000000');
  await page.keyboard.press('Enter');
  assert.deepEqual((await codes())[1].code, ascii('000000'));
});

test('a PIN shorter than 4 digits is refused with a message', async () => {
  await open();
  await page.keyboard.type('123');
  await page.keyboard.press('Enter');
  assert.equal(await text('[role="alert"]'), 'Enter at least 4 digits.');
  assert.deepEqual(await codes(), []);
  assert.equal(await dotCount(), 3, 'the digits stay, to be completed');
  await page.keyboard.type('4');
  assert.equal(await text('[role="alert"]'), '', 'the message goes once the user goes on');
  await page.keyboard.press('Enter');
  assert.deepEqual((await codes())[0].code, ascii('1234'));
});

test('pattern drawn with the pointer; a node crossed twice counts once', async () => {
  await open({ kind: 'pattern' });
  // 4 -> 1 crosses node 1 a second time; it is not added again.
  await drag([0, 1, 2, 5, 4, 1, 3]);
  assert.deepEqual(await codes(), [{ kind: 'pattern', code: [0, 1, 2, 5, 4, 3], isBytes: true }]);
  // A fast flick from 6 straight to 8 and then to 2 still picks up 7 and 5.
  await drag([6, 8, 2], 1);
  assert.deepEqual((await codes())[1].code, [6, 7, 8, 5, 2]);
  assert.deepEqual(await log(), ['received kind=pattern length=6', 'received kind=pattern length=5']);
});

test('a pattern of fewer than 4 nodes is refused', async () => {
  await open({ kind: 'pattern' });
  await drag([0, 1, 2]);
  assert.equal(await text('[role="alert"]'), 'Connect at least 4 dots.');
  assert.deepEqual(await codes(), []);
  // The short attempt is cleared: the next pattern carries nothing of it.
  await drag([8, 7, 6, 3]);
  assert.deepEqual(await codes(), [{ kind: 'pattern', code: [8, 7, 6, 3], isBytes: true }]);
});

test('pattern entered with the keyboard', async () => {
  await open({ kind: 'pattern' });
  await inLock('[data-node="0"]').focus();
  await page.keyboard.press('Space'); // 0
  await page.keyboard.press('Space'); // 0 again: not added
  assert.equal(await text('#announce'), 'That dot is already in the pattern.');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter'); // 1
  await page.keyboard.press('Enter'); // 1 is used, and 2 nodes are too few
  assert.equal(await text('[role="alert"]'), 'Connect at least 4 dots.');
  await page.keyboard.press('Backspace'); // clears 0, 1
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space'); // 2
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter'); // 5
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space'); // 8
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft'); // stays on 6 at the edge
  await page.keyboard.press('Enter'); // 6
  assert.equal(await text('#announce'), '4 dots connected');
  assert.deepEqual(await codes(), []);
  await page.keyboard.press('Enter'); // on a used node with 4 nodes: done
  assert.deepEqual(await codes(), [{ kind: 'pattern', code: [2, 5, 8, 6], isBytes: true }]);
  // Focus and the roving tab stop go back to the first node, so neither
  // points at the last node entered.
  assert.equal(await page.evaluate(() => document.querySelector('hush-lock').shadowRoot.activeElement?.dataset.node), '0');
  assert.equal(await inLock('[data-node][tabindex="0"]').getAttribute('data-node'), '0');

  // The Done button submits too; too few nodes are refused there as well.
  await page.keyboard.press('Space');
  await inLock('#pattern-done').click();
  assert.equal(await text('[role="alert"]'), 'Connect at least 4 dots.');
  await inLock('[data-node="3"]').focus();
  for (const key of ['Space', 'ArrowDown', 'Space', 'ArrowRight', 'Space']) await page.keyboard.press(key);
  await inLock('#pattern-done').click();
  assert.deepEqual((await codes())[1].code, [0, 3, 6, 7]);
});

test('focus order: tabs, one stop for the whole grid, Clear, Done', async () => {
  await open({ mode: 'create', kind: 'pattern' });
  await inLock('#tab-pattern').focus();
  const order = [];
  for (let i = 0; i < 4; i++) {
    order.push(await page.evaluate(() => {
      const inner = document.querySelector('hush-lock').shadowRoot.activeElement;
      return inner ? inner.id || `node ${inner.dataset.node}` : document.activeElement.id;
    }));
    await page.keyboard.press('Tab');
  }
  assert.deepEqual(order, ['tab-pattern', 'node 0', 'pattern-clear', 'pattern-done']);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'wrong', 'then on to the page after the element');
});

test('passphrase arrives as UTF-8 of its NFC form, and the field is emptied', async () => {
  await open({ kind: 'passphrase' });
  await inLock('button[type="submit"]').click();
  assert.equal(await text('[role="alert"]'), 'Enter a passphrase.');
  const typed = 'cafe\u0301 Ω \u00e5ngstro\u0308m 🔐 ﬁ';
  await inLock('#passphrase').fill(typed);
  await inLock('#passphrase').press('Enter');
  const expected = [...Buffer.from(typed.normalize('NFC'), 'utf8')];
  assert.notDeepEqual(expected, [...Buffer.from(typed, 'utf8')], 'the input really is not NFC');
  assert.deepEqual(await codes(), [{ kind: 'passphrase', code: expected, isBytes: true }]);
  assert.equal(await inLock('#passphrase').inputValue(), '');
  assert.deepEqual(await log(), [`received kind=passphrase length=${expected.length}`]);
  // Show/Hide switches the field's type and says so.
  await inLock('#reveal').click();
  assert.equal(await inLock('#passphrase').getAttribute('type'), 'text');
  assert.equal(await inLock('#reveal').getAttribute('aria-label'), 'Hide passphrase');
});

test('create mode: a mismatch restarts, a matching confirmation sends the code', async () => {
  await open({ mode: 'create' });
  assert.equal(await text('#title'), 'Set up your lock');
  assert.match(await text('#warning'), /short PIN or pattern can be guessed offline.*long passphrase is the strong choice/s);
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  assert.equal(await text('[role="alert"]'), 'Enter at least 4 digits.');
  await page.keyboard.type('34');
  await page.keyboard.press('Enter');
  assert.equal(await text('#title'), 'Confirm your PIN');
  assert.equal(await inLock('#warning').isVisible(), false);
  assert.equal(await dotCount(), 0);
  await page.keyboard.type('1235');
  await page.keyboard.press('Enter');
  assert.equal(await text('[role="alert"]'), 'The PINs did not match. Start again.');
  assert.equal(await text('#title'), 'Set up your lock');
  assert.deepEqual(await codes(), []);
  await page.keyboard.type('9876');
  await page.keyboard.press('Enter');
  assert.deepEqual(await codes(), [], 'nothing is sent before the confirmation');
  await page.keyboard.type('9876');
  await page.keyboard.press('Enter');
  assert.deepEqual(await codes(), [{ kind: 'pin', code: ascii('9876'), isBytes: true }]);
  assert.equal(await text('#title'), 'Set up your lock');
});

test('create mode: kind chosen with ARIA tabs; pattern and passphrase confirm too', async () => {
  await open({ mode: 'create' });
  const selected = () => inLock('[role="tab"][aria-selected="true"]').textContent();
  assert.equal(await inLock('[role="tablist"]').getAttribute('aria-label'), 'Kind of code');
  assert.equal(await selected(), 'PIN');
  await inLock('[role="tab"][aria-selected="true"]').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await selected(), 'Pattern');
  assert.equal(await inLock('#panel-pattern').getAttribute('role'), 'tabpanel');
  assert.equal(await inLock('#panel-pattern').getAttribute('aria-labelledby'), 'tab-pattern');
  assert.equal(await inLock('#panel-pin').isVisible(), false);
  assert.equal(await page.evaluate(() => document.querySelector('hush-lock').kind), 'pattern');

  await drag([0, 4, 8, 5]);
  assert.equal(await text('#title'), 'Confirm your pattern');
  await drag([0, 4, 8, 7]);
  assert.equal(await text('[role="alert"]'), 'The patterns did not match. Start again.');
  await drag([0, 4, 8, 5]);
  await drag([0, 4, 8, 5]);
  assert.deepEqual(await codes(), [{ kind: 'pattern', code: [0, 4, 8, 5], isBytes: true }]);

  // Switching tabs half-way through starts again with the new kind.
  await drag([2, 1, 0, 3]);
  await inLock('#tab-passphrase').click();
  assert.equal(await text('#title'), 'Set up your lock');
  await inLock('#passphrase').fill('correct horse battery staple');
  await inLock('#passphrase').press('Enter');
  assert.equal(await text('#title'), 'Confirm your passphrase');
  assert.equal(await inLock('#passphrase').inputValue(), '');
  await inLock('#passphrase').fill('correct horse battery staple');
  await inLock('#passphrase').press('Enter');
  const sent = await codes();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1], { kind: 'passphrase', code: [...Buffer.from('correct horse battery staple')], isBytes: true });
});

test('create mode with fixed-kind: no tabs, no advice on kinds, codes of the given kind', async () => {
  await open({ mode: 'create', kind: 'passphrase' });
  await page.evaluate(() => { document.querySelector('hush-lock').fixedKind = true; });
  assert.equal(await page.evaluate(() => document.querySelector('hush-lock').hasAttribute('fixed-kind')), true);
  assert.equal(await inLock('#tabs').isVisible(), false);
  assert.equal(await inLock('#warning').isVisible(), false);
  assert.equal(await text('#title'), 'Choose a passphrase');
  assert.equal(await inLock('#panel-passphrase').getAttribute('role'), null, 'no tab panels without tabs');
  assert.equal(await inLock('#panel-pin').isVisible(), false);
  await inLock('#passphrase').fill('duress words');
  await inLock('#passphrase').press('Enter');
  assert.equal(await text('#title'), 'Confirm your passphrase');
  await inLock('#passphrase').fill('duress words');
  await inLock('#passphrase').press('Enter');
  assert.deepEqual(await codes(), [{ kind: 'passphrase', code: [...Buffer.from('duress words')], isBytes: true }]);
  // The kind follows the attribute; the attribute off brings the tabs back.
  await setProp('kind', 'pin');
  assert.equal(await text('#title'), 'Choose a PIN');
  await page.keyboard.type('0000');
  await page.keyboard.press('Enter');
  await page.keyboard.type('0000');
  await page.keyboard.press('Enter');
  assert.deepEqual((await codes())[1], { kind: 'pin', code: ascii('0000'), isBytes: true });
  await setProp('fixedKind', false);
  assert.equal(await inLock('#tabs').isVisible(), true);
  assert.equal(await text('#title'), 'Set up your lock');
  assert.equal(await inLock('#panel-pin').getAttribute('role'), 'tabpanel');
});

test('retryInMs disables entry with a live countdown, then re-enables it', async () => {
  await open();
  await page.keyboard.type('12');
  await setProp('retryInMs', 2200);
  assert.equal(await text('[role="timer"]'), 'Try again in 0:03');
  assert.equal(await dotCount(), 0, 'a lockout clears what was typed');
  assert.equal(await inLock('[data-digit="5"]').isDisabled(), true);
  assert.equal(await inLock('#pin-submit').isDisabled(), true);
  await page.keyboard.type('5555');
  await page.keyboard.press('Enter');
  assert.equal(await dotCount(), 0);
  await inLock('[role="timer"]').filter({ hasText: 'Try again in 0:02' }).waitFor();
  assert.ok(await page.evaluate(() => document.querySelector('hush-lock').retryInMs) > 0);
  await inLock('[role="timer"]').waitFor({ state: 'hidden', timeout: 5000 });
  assert.equal(await inLock('[data-digit="5"]').isDisabled(), false);
  assert.equal(await text('#announce'), 'You can try again now.');
  assert.equal(await page.evaluate(() => document.querySelector('hush-lock').retryInMs), null);
  await page.keyboard.type('5555');
  await page.keyboard.press('Enter');
  assert.deepEqual(await codes(), [{ kind: 'pin', code: ascii('5555'), isBytes: true }]);

  // Minutes show as m:ss.
  await setProp('retryInMs', 90_000);
  assert.equal(await text('[role="timer"]'), 'Try again in 1:30');
  await setProp('retryInMs', null);
  assert.equal(await inLock('[role="timer"]').isVisible(), false);
  assert.equal(await inLock('[data-digit="5"]').isDisabled(), false);
});

test('attemptsLeft, busy and showError', async () => {
  await open({ kind: 'passphrase' });
  await setProp('attemptsLeft', 3);
  assert.equal(await text('[role="status"]'), '3 attempts left');
  await setProp('attemptsLeft', 1);
  assert.equal(await text('[role="status"]'), '1 attempt left');

  await inLock('#passphrase').fill('secret words');
  await inLock('#passphrase').press('Enter');
  await setProp('busy', true);
  assert.equal(await text('[role="status"]'), 'Checking…');
  assert.equal(await inLock('#passphrase').isDisabled(), true);
  await page.evaluate(() => {
    const lock = document.querySelector('hush-lock');
    lock.showError('Wrong passphrase.');
    lock.attemptsLeft = 2;
    lock.busy = false;
  });
  assert.equal(await text('[role="alert"]'), 'Wrong passphrase.');
  assert.equal(await text('[role="status"]'), '2 attempts left');
  assert.equal(await inLock('#passphrase').isDisabled(), false);
  // Focus goes back to the field it was taken from.
  assert.equal(await page.evaluate(() => document.querySelector('hush-lock').shadowRoot.activeElement?.id), 'passphrase');

  await setProp('attemptsLeft', null);
  assert.equal(await text('[role="status"]'), '');
  const rejected = await page.evaluate(() => {
    const lock = document.querySelector('hush-lock');
    const errors = [];
    for (const [name, value] of [['attemptsLeft', -1], ['attemptsLeft', 1.5], ['retryInMs', -5], ['retryInMs', NaN], ['mode', 'open'], ['kind', 'face']]) {
      try { lock[name] = value; } catch (error) { errors.push(error.name); }
    }
    return errors;
  });
  assert.deepEqual(rejected, Array(6).fill('RangeError'));
});

test('properties set before the element is defined still take effect', async () => {
  await open();
  const seen = await page.evaluate(() => {
    const early = document.createElement('hush-early-lock');
    early.busy = true;
    early.attemptsLeft = 2;
    document.body.append(early);
    customElements.define('hush-early-lock', class extends customElements.get('hush-lock') {});
    const status = early.shadowRoot.querySelector('[role="status"]').textContent;
    const disabled = early.shadowRoot.querySelector('fieldset').disabled;
    early.remove();
    return { status, disabled, busy: early.busy };
  });
  assert.deepEqual(seen, { status: 'Checking…', disabled: true, busy: true });
});

test('reset() clears the entry and a pending confirmation', async () => {
  await open({ mode: 'create' });
  await page.keyboard.type('4321');
  await page.keyboard.press('Enter');
  await page.keyboard.type('43');
  await page.evaluate(() => document.querySelector('hush-lock').reset());
  assert.equal(await dotCount(), 0);
  assert.equal(await text('#title'), 'Set up your lock');
});

test('nothing of a code is left in attributes or text', async () => {
  await open({ kind: 'pattern' });
  const snapshot = () => page.evaluate(() => {
    const lock = document.querySelector('hush-lock');
    const nodes = [...lock.shadowRoot.querySelectorAll('[data-node]')].map((node) => node.outerHTML).join('');
    return { host: lock.outerHTML, nodes, text: lock.shadowRoot.querySelector('.card').innerText };
  });
  const before = await snapshot();
  await page.mouse.move(...(await nodeCentre(2)));
  await page.mouse.down();
  await page.mouse.move(...(await nodeCentre(4)), { steps: 4 });
  const during = await snapshot();
  await page.mouse.up();
  assert.deepEqual(during, before, 'a pattern being drawn changes no attribute and no text');

  await open();
  const pinBefore = await page.evaluate(() => document.querySelector('hush-lock').outerHTML);
  await page.keyboard.type('73');
  const shown = await page.evaluate(() => document.querySelector('hush-lock').shadowRoot.querySelector('.card').innerText);
  assert.doesNotMatch(shown, /73/);
  assert.equal(await page.evaluate(() => document.querySelector('hush-lock').outerHTML), pinBefore);
  await page.keyboard.type('91');
  await page.keyboard.press('Enter');
  assert.equal(await dotCount(), 0);
  // The demo page owns the event's bytes and zeroed them after logging.
  const zeroed = await page.evaluate(() => new Promise((resolve) => {
    const lock = document.querySelector('hush-lock');
    let code;
    lock.addEventListener('hush-code', (event) => { code = event.detail.code; }, { once: true });
    lock.shadowRoot.querySelector('[data-digit="8"]').click();
    for (let i = 0; i < 3; i++) lock.shadowRoot.querySelector('[data-digit="8"]').click();
    lock.shadowRoot.querySelector('#pin-submit').click();
    setTimeout(() => resolve([...code]), 0);
  }));
  assert.deepEqual(zeroed, [0, 0, 0, 0]);
});

test('accessibility: names, roles, live regions, targets, no horizontal scroll', async () => {
  const cdp = await page.context().newCDPSession(page);
  for (const viewport of [PHONE, DESKTOP]) {
    for (const [mode, kind] of [['unlock', 'pin'], ['unlock', 'pattern'], ['unlock', 'passphrase'], ['create', 'pin'], ['create', 'pattern'], ['create', 'passphrase']]) {
      await open({ mode, kind, viewport });
      const where = `${mode}/${kind} at ${viewport.width}px`;
      await page.evaluate(() => document.querySelector('hush-lock').showError('Wrong code.'));
      const { nodes } = await cdp.send('Accessibility.getFullAXTree');
      const role = (n) => n.role?.value;
      const name = (n) => n.name?.value ?? '';
      const visible = nodes.filter((n) => !n.ignored);
      const unnamed = visible.filter((n) => ['button', 'tab', 'textbox', 'radio'].includes(role(n)) && !name(n).trim());
      assert.deepEqual(unnamed.map((n) => role(n)), [], `every control has a name (${where})`);
      assert.ok(visible.some((n) => role(n) === 'heading' && ['Unlock', 'Set up your lock'].includes(name(n))), `heading (${where})`);
      const alert = visible.find((n) => role(n) === 'alert');
      assert.ok(alert, `alert region (${where})`);
      assert.equal(await text('[role="alert"]'), 'Wrong code.');
      if (kind === 'pattern') {
        assert.ok(visible.some((n) => role(n) === 'group' && name(n) === 'Pattern, 3 by 3 dots'), `grid group (${where})`);
        assert.ok(visible.some((n) => role(n) === 'button' && name(n) === 'Dot 5, row 2, column 2'), `node label (${where})`);
        assert.equal(await inLock('[data-node][tabindex="0"]').count(), 1, 'one Tab stop in the grid');
      }
      if (kind === 'pin') {
        assert.ok(visible.some((n) => role(n) === 'button' && name(n) === 'Delete last digit'));
        assert.ok(visible.some((n) => role(n) === 'button' && name(n) === (mode === 'create' ? 'Continue' : 'Unlock')));
      }
      if (kind === 'passphrase') {
        assert.ok(visible.some((n) => role(n) === 'textbox' && name(n) === 'Passphrase'));
      }
      if (mode === 'create') {
        assert.equal(visible.filter((n) => role(n) === 'tab').length, 3);
        assert.equal(visible.filter((n) => role(n) === 'tabpanel').length, 1);
      }
      // Touch targets of at least 44 px, and nothing wider than the screen.
      const small = await page.evaluate(() => [...document.querySelector('hush-lock').shadowRoot.querySelectorAll('button, input')]
        .filter((el) => el.offsetParent !== null)
        .map((el) => el.getBoundingClientRect())
        .filter((r) => r.width < 44 || r.height < 44).length);
      assert.equal(small, 0, `small touch targets (${where})`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `horizontal scroll (${where})`);
    }
  }
  await cdp.detach();
});

test('screenshots of every mode and kind at phone and desktop size', async () => {
  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    for (const mode of ['unlock', 'create']) {
      for (const kind of ['pin', 'pattern', 'passphrase']) {
        await open({ mode, kind, viewport });
        if (kind === 'pin') await page.keyboard.type('123');
        if (kind === 'pattern') {
          await page.mouse.move(...(await nodeCentre(0)));
          await page.mouse.down();
          for (const node of [1, 4, 7]) await page.mouse.move(...(await nodeCentre(node)), { steps: 4 });
        }
        if (kind === 'passphrase') await inLock('#passphrase').fill('a long passphrase');
        await screenshot(page, `lock-screen-${mode}-${kind}-${size}`);
        if (kind === 'pattern') await page.mouse.up();
      }
    }
  }
  // States: an error with attempts left, a lockout, checking; and dark mode.
  await open({ viewport: PHONE });
  await page.evaluate(() => {
    const lock = document.querySelector('hush-lock');
    lock.showError('Wrong PIN.');
    lock.attemptsLeft = 2;
    lock.retryInMs = 65_000;
  });
  await screenshot(page, 'lock-screen-unlock-lockout-phone');
  await page.emulateMedia({ colorScheme: 'dark' });
  await open({ mode: 'create', kind: 'pattern', viewport: PHONE });
  await drag([0, 1, 2, 4, 6]);
  await screenshot(page, 'lock-screen-create-pattern-confirm-dark-phone');
  await open({ kind: 'passphrase', viewport: DESKTOP });
  await setProp('busy', true);
  await screenshot(page, 'lock-screen-unlock-busy-dark-desktop');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(browser.errors, []);
});
