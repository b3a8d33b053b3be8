// Small DOM helpers for the demo app: element building (text only, never
// HTML), the live regions that errors and confirmations go to, dialogs, and
// the formats the app shows (times, countdowns, short Session IDs).

export const $ = (id) => document.getElementById(id);

// el('li', { class: 'msg', dataset: { id: 1 } }, 'text', child, ...): every
// string becomes a text node, so nothing from a vault is ever parsed as HTML.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Icons are drawn, not typed: an emoji such as the stopwatch is missing
// from many fonts and would show as an empty box.
const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  timer: [['circle', { cx: 12, cy: 13.5, r: 7.5 }], ['path', { d: 'M12 9.5v4l2.5 2M9.5 3h5M18 6.5l1.5-1.5' }]],
};

export function icon(name, size = 14) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  for (const [key, value] of Object.entries({ viewBox: '0 0 24 24', width: size, height: size, 'aria-hidden': 'true', focusable: 'false', class: `icon icon-${name}` })) {
    svg.setAttribute(key, value);
  }
  for (const [tag, attributes] of ICONS[name]) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes)) shape.setAttribute(key, value);
    svg.append(shape);
  }
  return svg;
}

// The core's messages are lower-case phrases ("unknown word \"abbeyy\" at
// position 3"); shown as a sentence.
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (!s) return '';
  const first = s[0].toUpperCase() + s.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

// Zeroes a code from <hush-lock>. The facade transfers a Uint8Array to its
// Worker, which detaches it here (length 0); fill() on it would throw.
export function zero(code) {
  if (code?.byteLength > 0) code.fill(0);
}

export function errorText(error) {
  return sentence(error?.message ?? error);
}

// The live regions of the topmost open dialog, else the page's. A modal
// dialog makes the rest of the page inert, so a region outside it would not
// be announced.
function regions() {
  const open = [...document.querySelectorAll('dialog[open]')].pop();
  if (open) {
    // A dialog with steps has regions in each; the shown step's count.
    const shown = (selector) => [...open.querySelectorAll(selector)].find((region) => !region.closest('[hidden]'));
    return { alert: shown('.dialog-alert'), status: shown('.dialog-status'), dialog: open };
  }
  return { alert: $('vault-alert'), status: $('vault-status'), dialog: null };
}

// A new node per message, so the same text said twice is announced twice.
function say(region, text) {
  if (!region) return;
  region.replaceChildren(text ? el('span', {}, text) : '');
}

export function showError(error) {
  const { alert, dialog } = regions();
  say(alert, errorText(error));
  if (!dialog) {
    $('vault-notice').hidden = false;
    delete $('vault-notice').dataset.tone;
  }
}

export function notify(text) {
  const { status } = regions();
  say(status, text);
}

export function clearMessages(root = document) {
  for (const region of root.querySelectorAll('.dialog-alert, .dialog-status')) region.replaceChildren();
  if (root === document) {
    $('vault-alert').replaceChildren();
    $('vault-status').replaceChildren();
    $('vault-notice').hidden = true;
  }
}

export function openDialog(dialog) {
  clearMessages(dialog);
  if (!dialog.open) dialog.showModal();
}

export function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close('cancel');
}

// Resolves true when the user confirms. The safe choice (Cancel) has focus.
export function confirm({ title, text, action }) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      // The question may name an identity: it leaves the page with the dialog.
      for (const id of ['confirm-title', 'confirm-text', 'confirm-ok']) $(id).textContent = '';
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
  });
}

// Runs a call with its button disabled. Resolves { ok: true, value }, or
// { ok: false, error } after showing the error in the live region. An error
// after the vault was locked or wiped under the call is not shown: the
// screen it belonged to is gone.
export async function attempt(fn, { button = null } = {}) {
  if (button) button.disabled = true;
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (!$('screen-vault').hidden) showError(error);
    return { ok: false, error };
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- formats -----------------------------------------------------------

// "05d2ad…5c3a72": enough to tell identities apart.
export function shortId(sessionId) {
  return sessionId.length > 14 ? `${sessionId.slice(0, 6)}…${sessionId.slice(-6)}` : sessionId;
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function shortTime(ms) {
  const date = new Date(ms);
  return new Date().toDateString() === date.toDateString() ? timeOnly.format(date) : dateAndTime.format(date);
}

export function timeElement(ms) {
  return el('time', { datetime: new Date(ms).toISOString(), title: full.format(new Date(ms)) }, shortTime(ms));
}

const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;

// 252_000 -> { short: '4m 12s', spoken: '4 minutes' }. Seconds round up, so
// "0s" never shows while a message is still there.
export function countdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) return { short: `${d}d ${h}h`, spoken: plural(d, 'day') };
  if (h) return { short: `${h}h ${m}m`, spoken: plural(h, 'hour') };
  if (m) return { short: `${m}m ${s}s`, spoken: plural(m, 'minute') };
  return { short: `${s}s`, spoken: plural(s, 'second') };
}

// 43200 -> '12 hours'
export function duration(seconds) {
  const units = [[604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) return plural(seconds / size, unit);
  }
  return plural(seconds, 'second');
}
