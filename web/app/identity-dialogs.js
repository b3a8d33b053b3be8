// New identity and restore identity.
//
// A new identity's recovery phrase is shown once, then the user types three
// of its words, picked at random by position, before going on. The words
// leave the DOM as soon as the check starts, and every copy this module
// holds is dropped once the check passed (or the dialog is reset on lock).
// JS strings cannot be zeroed; dropping them is what the platform allows.
import { $, el, attempt, showError, notify, openDialog, clearMessages } from './ui.js';

const CHECKED_WORDS = 3;

// n distinct positions 1..count, ascending, uniformly at random.
function randomPositions(n, count) {
  const picked = new Set();
  const bytes = new Uint8Array(1);
  const limit = 256 - (256 % count); // no modulo bias
  while (picked.size < n) {
    crypto.getRandomValues(bytes);
    if (bytes[0] < limit) picked.add((bytes[0] % count) + 1);
  }
  return [...picked].sort((a, b) => a - b);
}

export class IdentityDialogs {
  #hush;
  #pending = null; // { id, name, words } between creation and a passed check
  #positions = [];
  vault = null; // the VaultView, set by app.js

  constructor(hush) {
    this.#hush = hush;
    const dialog = $('identity-dialog');
    $('identity-name-step').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#create($('identity-create'));
    });
    $('phrase-written').addEventListener('click', () => this.#showCheck());
    $('phrase-again').addEventListener('click', () => this.#showPhrase());
    $('identity-check-step').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#check();
    });
    // Once the identity exists, a first Escape does not skip the phrase: its
    // words are shown only this once. (The browser lets a second Escape
    // close the dialog anyway; the identity then stays, unchecked, listed.)
    dialog.addEventListener('cancel', (event) => {
      if (this.#pending) event.preventDefault();
    });
    dialog.addEventListener('close', () => {
      const skipped = this.#pending;
      this.#clear();
      if (skipped && this.vault) this.vault.loadIdentities(skipped.id);
    });

    $('restore-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#restore($('restore-submit'));
    });
    $('restore-dialog').addEventListener('close', () => {
      $('restore-phrase').value = '';
      $('restore-name').value = '';
    });
  }

  newIdentity() {
    this.#clear();
    this.#step('identity-name-step');
    openDialog($('identity-dialog'));
    $('identity-name').focus();
  }

  restore() {
    $('restore-phrase').value = '';
    $('restore-name').value = '';
    openDialog($('restore-dialog'));
    $('restore-phrase').focus();
  }

  // On lock or wipe: nothing of a half-done flow stays.
  reset() {
    this.#pending = null;
    this.#clear();
    $('restore-phrase').value = '';
    $('restore-name').value = '';
  }

  #clear() {
    if (this.#pending) this.#pending.words.fill('');
    this.#pending = null;
    this.#positions = [];
    $('phrase-words').replaceChildren();
    $('check-fields').replaceChildren();
    $('identity-name').value = '';
  }

  #step(id) {
    for (const step of ['identity-name-step', 'identity-phrase-step', 'identity-check-step']) $(step).hidden = step !== id;
  }

  async #create(button) {
    const name = $('identity-name').value.trim();
    const { ok, value } = await attempt(() => this.#hush.createIdentity({ name }), { button });
    if (!ok) {
      $('identity-name').focus();
      return;
    }
    this.#pending = { id: value.id, name: value.name, words: value.phrase.split(' ') };
    this.#showPhrase();
  }

  #showPhrase() {
    clearMessages($('identity-dialog'));
    $('check-fields').replaceChildren();
    $('phrase-words').replaceChildren(...this.#pending.words.map((word) => el('li', {}, word)));
    this.#step('identity-phrase-step');
    $('identity-phrase-title').focus();
  }

  #showCheck() {
    // The words leave the page: the check is from what the user wrote down.
    $('phrase-words').replaceChildren();
    clearMessages($('identity-dialog'));
    this.#positions = randomPositions(CHECKED_WORDS, this.#pending.words.length);
    $('check-fields').replaceChildren(...this.#positions.map((position) => el('div', {},
      el('label', { for: `check-word-${position}` }, `Word ${position}`),
      el('input', {
        id: `check-word-${position}`, dataset: { position }, autocomplete: 'off', autocapitalize: 'none',
        spellcheck: 'false', autocorrect: 'off', enterkeyhint: 'next',
      }))));
    this.#step('identity-check-step');
    $('identity-check-title').focus();
  }

  async #check() {
    const inputs = [...$('check-fields').querySelectorAll('input')];
    const wrong = inputs.filter((input) =>
      input.value.trim().toLowerCase() !== this.#pending.words[Number(input.dataset.position) - 1]);
    for (const input of inputs) input.setAttribute('aria-invalid', String(wrong.includes(input)));
    if (wrong.length > 0) {
      const which = wrong.map((input) => `word ${input.dataset.position}`);
      const list = which.length === 1 ? which[0] : `${which.slice(0, -1).join(', ')} and ${which.at(-1)}`;
      showError(`That is not ${list} of your phrase. Check what you wrote down and try again.`);
      wrong[0].focus();
      return;
    }
    const { id, name } = this.#pending;
    this.#clear();
    $('identity-dialog').close();
    await this.vault.loadIdentities(id);
    notify(`${name} is ready.`);
  }

  async #restore(button) {
    const phrase = $('restore-phrase').value;
    const name = $('restore-name').value.trim();
    if (!phrase.trim()) {
      showError('Enter the recovery phrase.');
      $('restore-phrase').focus();
      return;
    }
    const { ok, value } = await attempt(() => this.#hush.restoreIdentity(phrase, { name }), { button });
    if (!ok) return;
    $('restore-dialog').close();
    await this.vault.loadIdentities(value.id);
    notify(`${value.name} was restored.`);
  }
}
