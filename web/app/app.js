// The Hush demo app: first run, lock screen, and an unlocked vault with
// identities, conversations, disappearing messages and settings. It talks
// to the vault only through the facade (../src/hush.js).
//
// Modules: app.js (this file: opening the vault, screens, lock screens),
// vault-view.js (identities, conversations, messages), messenger.js (the
// relay: sending, receiving, receipts, wipe mailboxes), identity-dialogs.js
// (new identity with its phrase check, restore), settings.js,
// trust-dialog.js, backup-dialog.js, ui.js.
//
// Query parameters, for tests and demos:
//   ?kdf=test          fast Argon2id for create() (opslimit 1, 8 KiB): never for real use
//   ?flavour=simd|plain|debug   which build of the core to load
//   ?autolock=<ms>     lock after this long without input (default 5 min)
//   ?timers=test       adds 5-second disappearing timers to the picker
//   ?relay=<url>       the relay (else <meta name="hush-relay">, else http://127.0.0.1:8081)
//   ?poll=<ms>         how often the wipe mailboxes are read (default 30 s)
//   ?persistence=idbfs the IndexedDB fallback even where OPFS works
//
// Nothing a vault holds is kept outside it: no localStorage, no URL state;
// the screen is emptied when the vault locks. After the duress code the app
// shows an empty vault exactly as after a first run: no text, class or
// timing of this app says that a wipe happened.
import { Hush } from '../src/hush.js';
import '../src/lock-screen.js';
import { $, el, errorText, closeDialogs, clearMessages, zero } from './ui.js';
import { VaultView } from './vault-view.js';
import { IdentityDialogs } from './identity-dialogs.js';
import { Settings } from './settings.js';
import { TrustDialog } from './trust-dialog.js';
import { BackupDialog, RestoreBackupDialog } from './backup-dialog.js';
import { Messenger } from './messenger.js';

const params = new URLSearchParams(location.search);

// web/serve.mjs names the relay in the page; the extension and the desktop
// shell, which serve the page themselves, reach the one web/serve.sh starts.
function relayUrl() {
  const given = params.get('relay') || document.querySelector('meta[name="hush-relay"]')?.content;
  return given || 'http://127.0.0.1:8081';
}

function openOptions() {
  const options = { name: 'default', clearSiteDataUrl: '/clear-site-data', lockWhenHidden: false, autoLockMs: 5 * 60_000 };
  if (params.get('kdf') === 'test') options.kdf = { opslimit: 1, memlimitKib: 8 };
  const flavour = params.get('flavour');
  if (['simd', 'plain', 'debug'].includes(flavour)) options.flavour = flavour;
  const autolock = Number(params.get('autolock'));
  if (params.has('autolock') && Number.isInteger(autolock) && autolock >= 0) options.autoLockMs = autolock;
  if (params.get('persistence') === 'idbfs') options.persistence = 'idbfs';
  return options;
}

const SCREENS = ['screen-loading', 'screen-in-use', 'screen-failed', 'screen-first-run', 'screen-locked', 'screen-vault'];
let current = 'screen-loading';

// Shows one screen and moves focus to it, so keyboard and screen-reader
// users start at the top of what is new.
function show(id, focusTarget) {
  for (const screen of SCREENS) $(screen).hidden = screen !== id;
  // A lock screen that is not shown must not be in the page: it listens for
  // digits typed anywhere.
  for (const slot of document.querySelectorAll('.screen .lock-slot')) {
    if (!$(id).contains(slot)) slot.replaceChildren();
  }
  current = id;
  (focusTarget ?? $(id).querySelector('h1'))?.focus();
}

// A <hush-lock> that takes focus itself, so digits typed right away reach
// its PIN pad (it reads keys while focus is in it or nowhere).
function lockElement(props, label) {
  const lock = el('hush-lock', { tabindex: '-1', role: 'group', 'aria-label': label });
  Object.assign(lock, props);
  return lock;
}

let hush;
let messenger;
let vault;
let settings;
let trust;
let backups;

// Leaving the vault: its content leaves the page first.
function leaveVault() {
  messenger?.stop();
  vault?.close();
  settings?.reset();
  trust?.reset();
  backups?.reset();
  closeDialogs();
  clearMessages();
}

function showFirstRun() {
  leaveVault();
  const lock = lockElement({ mode: 'create' }, 'Set up your lock');
  lock.addEventListener('hush-code', async ({ detail: { kind, code } }) => {
    lock.busy = true;
    try {
      await hush.create(code, { kind });
      await showVault();
    } catch (error) {
      lock.showError(errorText(error));
    } finally {
      zero(code);
      lock.busy = false;
    }
  });
  $('screen-first-run').querySelector('.lock-slot').replaceChildren(lock);
  show('screen-first-run', lock);
}

function showLocked() {
  leaveVault();
  const lock = lockElement({ mode: 'unlock', kind: hush.kind }, 'Unlock Hush');
  lock.attemptsLeft = hush.attemptsLeft;
  if (hush.retryInMs > 0) lock.retryInMs = hush.retryInMs;
  lock.addEventListener('hush-code', async ({ detail: { code } }) => {
    lock.busy = true;
    try {
      const result = await hush.unlock(code);
      if (result.ok) {
        await showVault();
        return;
      }
      // The attempt limit wiped the vault: the 'wiped' handler has already
      // shown the first run, and nothing more may be said.
      if (hush.state !== 'locked') return;
      lock.attemptsLeft = result.attemptsLeft;
      lock.retryInMs = result.retryInMs > 0 ? result.retryInMs : null;
      // A code typed during a wait is not checked at all.
      lock.showError(result.checked === false ? 'Too many wrong codes: wait, then try again' : 'Wrong code');
    } catch (error) {
      lock.showError(errorText(error));
    } finally {
      zero(code);
      lock.busy = false;
    }
  });
  $('screen-locked').querySelector('.lock-slot').replaceChildren(lock);
  $('key-needed').hidden = !hush.bound;
  show('screen-locked', lock);
}

// The vault's first view is read before it is shown, so it never flashes
// half-filled (and looks the same however it was reached).
async function showVault() {
  clearMessages();
  await vault.open();
  show('screen-vault', $('vault-title'));
  showDrillNotice();
}

// A drill recorded at an unlock may land before or after the vault shows.
let drillNotice = null;
function showDrillNotice() {
  if (!drillNotice) return;
  vault.error(drillNotice);
  $('vault-notice').dataset.tone = 'info'; // good news, not an error
  drillNotice = null;
}

function fillAbout() {
  const { version, flavour, instantiateMs, constants } = hush.info;
  $('core-version').textContent = `${version} (libsodium ${constants.sodium}, SQLite ${constants.sqlite})`;
  $('core-flavour').textContent = `${flavour}, instantiated in ${instantiateMs.toFixed(1)} ms`;
  // On the IndexedDB fallback an erased file may linger in the browser's
  // own files until it compacts them: the person must know.
  const inPlace = hush.info.persistence === 'opfs';
  $('core-persistence').textContent = inPlace ? 'OPFS, overwritten in place' : 'IndexedDB (cannot overwrite in place)';
  for (const notice of document.querySelectorAll('.persistence-notice')) notice.hidden = inPlace;
}

async function start() {
  try {
    hush = await Hush.open(openOptions());
  } catch (error) {
    if (error?.code === 'ERR_VAULT_IN_USE') show('screen-in-use');
    else {
      $('failed-message').textContent = errorText(error);
      show('screen-failed');
    }
    return;
  }
  fillAbout();
  try {
    // The core checked itself at load; this answers for the About section.
    await hush.selftest();
    $('core-selftest').textContent = 'passed';
  } catch (error) {
    $('core-selftest').textContent = `failed: ${errorText(error)}`;
  }

  const poll = Number(params.get('poll'));
  messenger = new Messenger(hush, { url: relayUrl(), wipePollMs: poll >= 100 ? poll : 30_000 });
  const dialogs = new IdentityDialogs(hush);
  vault = new VaultView(hush, { dialogs, params, messenger });
  dialogs.vault = vault;
  settings = new Settings(hush, vault);
  trust = new TrustDialog(hush, vault, messenger);
  backups = new BackupDialog(hush, vault);
  new RestoreBackupDialog(hush, {
    lockElement,
    onRestored: async (identity, { created }) => {
      if (created) await showVault();
      await vault.loadIdentities(identity.id);
    },
  });
  // A first-run restore that made the vault but was then cancelled or
  // failed: closing the dialog shows the (empty) vault.
  $('restore-backup-dialog').addEventListener('close', () => {
    if (hush.state === 'unlocked' && current === 'screen-first-run') showVault();
  });
  $('settings-button').addEventListener('click', () => settings.open());
  $('lock-button').addEventListener('click', () => hush.lock().catch((error) => vault.error(error)));
  $('vault-alert-dismiss').addEventListener('click', () => {
    clearMessages();
    $('vault-title').focus();
  });

  // Auto-lock, and a lock from anywhere else: the vault's content leaves
  // the page before the lock screen shows.
  hush.addEventListener('locked', () => {
    if (current !== 'screen-locked') showLocked();
  });
  // The attempt limit, or "Erase everything": a first run, and no word of why.
  hush.addEventListener('wiped', () => showFirstRun());
  // A friend's test of the remote deletion (shown after the unlock that
  // follows it, never on the lock screen).
  hush.addEventListener('drill', async () => {
    const tested = (await hush.trustees()).filter((t) => t.drillAt).sort((a, b) => b.drillAt - a.drillAt)[0];
    if (!tested) return;
    drillNotice = `A test from a trusted friend arrived: the remote deletion from ${tested.friend.slice(0, 6)}…${tested.friend.slice(-6)} works.`;
    if (current === 'screen-vault') showDrillNotice();
  });
  // What the relay brings: messages for the open vault, trust requests and
  // codes, and whether the relay answers.
  messenger.addEventListener('message', ({ identity, conversation, incoming }) => {
    if (current === 'screen-vault') vault.changed(identity, conversation, { incoming });
  });
  messenger.addEventListener('trust', (event) => {
    if (current === 'screen-vault') trust.arrived(event);
  });
  messenger.addEventListener('online', ({ online }) => {
    $('relay-status').textContent = online ? '' : 'The relay cannot be reached. Messages wait here and go when it answers.';
  });
  messenger.start();
  // A trust message carried by hand (no relay): whatever arrives for this
  // device, locked or not, goes to hush.receive(), as the relay's do.
  window.hushDemo = { deliver: (text) => hush.receive(text) };
  // Tests (with the test KDF) reach the facade, e.g. to add an attachment,
  // which the demo's screens cannot yet.
  if (params.get('kdf') === 'test') Object.assign(window.hushDemo, { hush, messenger });
  hush.addEventListener('expired', () => {
    if (current === 'screen-vault') vault.refresh();
  });

  if (hush.state === 'new') showFirstRun();
  else if (hush.state === 'locked') showLocked();
  else await showVault();
}

await start();
document.documentElement.dataset.ready = 'true';
