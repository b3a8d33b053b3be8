// Settings: change the code, set or clear the duress code, the attempt
// limit, remove the current identity, erase everything.
import { $, el, attempt, errorText, notify, openDialog, confirm, clearMessages, zero } from './ui.js';

const LIMITS = [3, 5, 10, 20, 50];
const KIND_NAMES = { pin: 'PIN', pattern: 'pattern', passphrase: 'passphrase' };

export class Settings {
  #hush;
  #vault;

  constructor(hush, vault) {
    this.#hush = hush;
    this.#vault = vault;
    $('change-code').addEventListener('click', () => this.#showLock('change-code-slot'));
    $('set-duress').addEventListener('click', () => this.#showLock('duress-slot'));
    $('clear-duress').addEventListener('click', (event) => this.#clearDuress(event.currentTarget));
    $('bind-key').addEventListener('click', (event) => this.#bind(event.currentTarget, true));
    $('unbind-key').addEventListener('click', (event) => this.#bind(event.currentTarget, false));
    $('spare-key').addEventListener('click', async (event) => {
      clearMessages($('settings-dialog'));
      const result = await attempt(() => this.#hush.bindSpareAuthenticator(), { button: event.currentTarget });
      if (result.ok) notify('The spare key opens Hush too. Keep it apart from the first.');
    });
    $('attempt-limit').addEventListener('change', () => this.#setLimit());
    $('remove-identity').addEventListener('click', () => this.#removeIdentity());
    $('erase-all').addEventListener('click', () => this.#eraseAll());
    $('settings-dialog').addEventListener('close', () => this.#hideLocks());
  }

  // On lock or wipe: nothing of the vault stays in the dialog.
  reset() {
    this.#hideLocks();
    $('code-current').textContent = '';
    $('remove-identity').textContent = '';
    $('attempt-limit').replaceChildren();
  }

  open() {
    this.#hideLocks();
    this.#render();
    openDialog($('settings-dialog'));
    $('settings-title').focus();
  }

  #render() {
    const hush = this.#hush;
    const supported = hush.constructor.authenticatorSupported();
    $('key-unsupported').hidden = supported;
    $('bind-key').hidden = !supported || hush.bound;
    $('unbind-key').hidden = !hush.bound;
    $('spare-key').hidden = !hush.bound;
    $('key-status').textContent = hush.bound ? 'Hush is bound to a security key: it asks for it at every unlock.' : 'Not bound.';
    $('code-current').textContent = `You unlock Hush with a ${KIND_NAMES[hush.kind] ?? 'code'}.`;
    const select = $('attempt-limit');
    const limits = LIMITS.includes(hush.attemptLimit) ? LIMITS : [...LIMITS, hush.attemptLimit].sort((a, b) => a - b);
    select.replaceChildren(...limits.map((n) => el('option', { value: String(n) }, `${n} wrong codes`)));
    select.value = String(hush.attemptLimit);
    const identity = this.#vault.identity;
    $('identity-setting').hidden = !identity;
    $('remove-identity').textContent = identity ? `Remove ${identity.name}` : '';
  }

  // One <hush-lock> at a time: each one reads digits typed anywhere.
  #hideLocks() {
    for (const id of ['change-code-slot', 'duress-slot']) {
      $(id).replaceChildren();
      $(id).hidden = true;
    }
    $('change-code').hidden = false;
    $('set-duress').hidden = false;
  }

  #showLock(slotId) {
    this.#hideLocks();
    clearMessages($('settings-dialog'));
    const duress = slotId === 'duress-slot';
    const lock = el('hush-lock', { tabindex: '-1', role: 'group', 'aria-label': duress ? 'Choose a duress code' : 'Choose a new code' });
    lock.mode = 'create';
    lock.kind = this.#hush.kind;
    // A duress code is of the vault's kind: it is typed on the same lock screen.
    if (duress) lock.fixedKind = true;
    lock.addEventListener('hush-code', ({ detail: { kind, code } }) => this.#takeCode(lock, duress, kind, code));
    const cancel = el('button', { type: 'button', class: 'button', onclick: () => {
      this.#hideLocks();
      $(duress ? 'set-duress' : 'change-code').focus();
    } }, 'Cancel');
    $(slotId).replaceChildren(lock, cancel);
    $(slotId).hidden = false;
    $(duress ? 'set-duress' : 'change-code').hidden = true;
    lock.focus();
  }

  async #takeCode(lock, duress, kind, code) {
    const hush = this.#hush;
    const before = hush.kind;
    lock.busy = true;
    try {
      if (duress) await hush.setDuressCode(code);
      else await hush.setCode(code, { kind });
    } catch (error) {
      lock.busy = false;
      lock.showError(errorText(error));
      return;
    } finally {
      zero(code);
    }
    lock.busy = false;
    this.#hideLocks();
    this.#render();
    if (duress) {
      notify('Duress code set.');
      $('set-duress').focus();
    } else {
      notify(kind === before ? 'Your code was changed.'
        : `Your code was changed to a ${KIND_NAMES[kind]}. A duress code, if one was set, was removed.`);
      $('change-code').focus();
    }
  }

  async #clearDuress(button) {
    this.#hideLocks();
    const { ok } = await attempt(() => this.#hush.setDuressCode(null), { button });
    if (ok) notify('Duress code cleared.');
  }

  async #setLimit() {
    const limit = Number($('attempt-limit').value);
    const { ok } = await attempt(() => this.#hush.setAttemptLimit(limit));
    this.#render();
    if (ok) notify(`Hush now erases everything after ${limit} wrong codes in a row.`);
  }

  async #removeIdentity() {
    const identity = this.#vault.identity;
    if (!identity) return;
    const yes = await confirm({
      title: `Remove ${identity.name}?`,
      text: 'Its keys, conversations and messages are deleted from this device. Only its recovery phrase can bring it back.',
      action: 'Remove',
    });
    if (!yes) return;
    const { ok } = await attempt(() => this.#hush.removeIdentity(identity.id), { button: $('remove-identity') });
    if (!ok) return;
    await this.#vault.loadIdentities();
    this.#render();
    notify(`${identity.name} was removed.`);
    $('settings-title').focus();
  }

  async #eraseAll() {
    const yes = await confirm({
      title: 'Erase everything now?',
      text: 'Every identity, conversation and message on this device is deleted, with the lock code. This cannot be undone.',
      action: 'Erase everything',
    });
    if (!yes) return;
    // The 'wiped' event takes the app to its first run.
    await attempt(() => this.#hush.wipe(), { button: $('erase-all') });
  }

  async #bind(button, bind) {
    clearMessages($('settings-dialog'));
    const result = await attempt(() => (bind ? this.#hush.bindAuthenticator() : this.#hush.unbindAuthenticator()), { button });
    if (result.ok) notify(bind ? 'Bound to the security key.' : 'Unbound: your code alone opens Hush again.');
    this.#render();
  }
}
