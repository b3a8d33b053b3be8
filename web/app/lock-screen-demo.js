// Demo and test page for <hush-lock>: switches mode and kind, simulates what
// the app would do (a wrong code, a check, a lockout) and logs each
// 'hush-code' event by kind and length only: a code is never shown or logged.
// ?mode=create|unlock&kind=pin|pattern|passphrase picks the starting state.
import '../src/lock-screen.js';

const $ = (id) => document.getElementById(id);
const lock = $('lock');
const switcher = $('switcher');

function apply(mode, kind) {
  lock.mode = mode;
  // In create mode this only picks the first tab; the element's tabs choose.
  lock.kind = kind;
  $('kind-choice').disabled = mode === 'create';
  switcher.elements.mode.value = mode;
  switcher.elements.kind.value = lock.kind;
}

const params = new URLSearchParams(location.search);
const mode = params.get('mode') === 'create' ? 'create' : 'unlock';
const kind = ['pin', 'pattern', 'passphrase'].includes(params.get('kind')) ? params.get('kind') : 'pin';
apply(mode, kind);

switcher.addEventListener('change', () => apply(switcher.elements.mode.value, switcher.elements.kind.value));

lock.addEventListener('hush-code', ({ detail: { kind, code } }) => {
  const item = document.createElement('li');
  item.textContent = `received kind=${kind} length=${code.length}`;
  $('log').append(item);
  // The receiver owns the bytes; this page has no use for them.
  code.fill(0);
});

let attempts = 5;
$('wrong').addEventListener('click', () => {
  attempts = Math.max(0, attempts - 1);
  lock.showError(`Wrong ${lock.kind === 'pin' ? 'PIN' : lock.kind}.`);
  lock.attemptsLeft = attempts;
});
$('busy').addEventListener('click', () => {
  lock.busy = true;
  setTimeout(() => { lock.busy = false; }, 1000);
});
$('lockout').addEventListener('click', () => { lock.retryInMs = 30_000; });
$('reset').addEventListener('click', () => {
  attempts = 5;
  lock.reset();
  lock.attemptsLeft = null;
  lock.retryInMs = null;
});

document.documentElement.dataset.ready = 'true';
