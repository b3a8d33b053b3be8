// Backups (core/BACKUP.md): back the current identity up to a file or a
// WebDAV folder, and restore one, in the vault or on the first-run screen
// (where a person lands after wiping at a border). Each run shows a
// progress bar and a Cancel button; a cancel leaves nothing behind (no
// file, no partial upload, no half-restored identity).
import { $, el, attempt, notify, openDialog, showError, clearMessages, errorText, zero } from './ui.js';
import { WebDavFolder, findBackups, loadWebDavTarget, restoreFromFolder, saveWebDavTarget, uploadBackup } from '../src/backup-targets.js';

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const when = (ms) => new Date(ms).toLocaleString();

// One progress box: label, bar, text, and a Cancel that aborts the run.
class Progress {
  #prefix;
  #controller = null;

  constructor(prefix) {
    this.#prefix = prefix;
    $(`${prefix}-cancel`).addEventListener('click', () => this.#controller?.abort());
  }

  // Runs fn(signal, update) with the box shown; resolves { ok, value }.
  async run(label, fn) {
    this.#controller = new AbortController();
    $(`${this.#prefix}-progress-label`).textContent = label;
    $(`${this.#prefix}-progress`).value = 0;
    $(`${this.#prefix}-progress-text`).textContent = '';
    $(`${this.#prefix}-progress-box`).hidden = false;
    $(`${this.#prefix}-cancel`).focus();
    const update = ({ done, total, stage }) => {
      $(`${this.#prefix}-progress`).value = total ? Math.min(done / total, 1) : 0;
      const what = stage === 'uploading' ? 'Uploading' : stage === 'uploaded' ? 'Uploaded' : '';
      $(`${this.#prefix}-progress-text`).textContent = `${what ? `${what}: ` : ''}${mib(done)}${total ? ` of ${mib(total)}` : ''}`;
    };
    try {
      return await attempt(() => fn(this.#controller.signal, update));
    } finally {
      this.#controller = null;
      $(`${this.#prefix}-progress-box`).hidden = true;
    }
  }

  get running() {
    return this.#controller !== null;
  }

  cancel() {
    this.#controller?.abort();
  }
}

// attempt() shows errors only over the vault; on the first-run screen the
// dialog says them itself.
function outsideVault(error) {
  if ($('screen-vault').hidden) showError(error);
}

function folderFrom(prefix) {
  const url = $(`${prefix}-url`).value.trim();
  if (!/^https?:\/\//.test(url)) throw new Error('Enter the folder address, starting with https://');
  return new WebDavFolder({ url, user: $(`${prefix}-user`).value, password: $(`${prefix}-password`).value });
}

function targetFrom(prefix) {
  return { url: $(`${prefix}-url`).value.trim(), user: $(`${prefix}-user`).value, password: $(`${prefix}-password`).value };
}

export class BackupDialog {
  #hush;
  #vault;
  #progress = new Progress('backup');

  constructor(hush, vault) {
    this.#hush = hush;
    this.#vault = vault;
    $('backup-button').addEventListener('click', () => this.open());
    $('backup-download').addEventListener('click', (event) => this.#download(event.currentTarget));
    $('webdav-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#save(event.submitter);
    });
    $('backup-webdav').addEventListener('click', (event) => this.#toWebDav(event.currentTarget));
    $('backup-dialog').addEventListener('close', () => {
      this.#progress.cancel();
      this.reset();
    });
  }

  reset() {
    for (const id of ['webdav-url', 'webdav-user', 'webdav-password']) $(id).value = '';
    $('backup-list').replaceChildren();
    $('backup-list-empty').hidden = true;
  }

  async open() {
    const identity = this.#vault.identity;
    if (!identity) return;
    this.reset();
    $('backup-identity-name').textContent = identity.name;
    const target = await loadWebDavTarget(this.#hush);
    if (target) {
      $('webdav-url').value = target.url;
      $('webdav-user').value = target.user;
      $('webdav-password').value = target.password;
    }
    openDialog($('backup-dialog'));
    $('backup-title').focus();
    if (target) this.#list();
  }

  async #download(button) {
    const identity = this.#vault.identity;
    button.disabled = true;
    const { ok, value: blob } = await this.#progress.run('Making the backup', (signal, update) =>
      this.#hush.exportBackupBlob(identity.id, { signal, onProgress: update }));
    button.disabled = false;
    if (!ok) return;
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: `${crypto.randomUUID().replaceAll('-', '')}.hush`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    notify(`Backup of ${identity.name} saved (${mib(blob.size)}). Timed messages are not in it.`);
  }

  async #save(button) {
    const { ok } = await attempt(() => {
      folderFrom('webdav');
      return saveWebDavTarget(this.#hush, targetFrom('webdav'));
    }, { button });
    if (ok) {
      notify('WebDAV folder saved.');
      this.#list();
    }
  }

  async #toWebDav(button) {
    const identity = this.#vault.identity;
    button.disabled = true;
    const { ok } = await this.#progress.run(`Backing up ${identity.name}`, async (signal, update) => {
      const folder = folderFrom('webdav');
      await saveWebDavTarget(this.#hush, targetFrom('webdav'));
      return uploadBackup(this.#hush, folder, identity.id, { signal, onProgress: update });
    });
    button.disabled = false;
    if (!ok) return;
    notify(`Backup of ${identity.name} uploaded. Timed messages are not in it.`);
    await this.#list();
  }

  async #list() {
    const identity = this.#vault.identity;
    const { ok, value } = await attempt(async () => {
      const phrase = await this.#hush.recoveryPhrase(identity.id);
      return findBackups(this.#hush, folderFrom('webdav'), phrase);
    });
    if (!ok) return;
    $('backup-list').replaceChildren(...value.map((file) => el('li', { class: 'item backup-item', dataset: { name: file.name } },
      el('span', { class: 'item-main' }, `${when(file.modified)}`, el('span', { class: 'quiet' }, ` ${mib(file.size)}`)))));
    $('backup-list-empty').hidden = value.length > 0;
  }
}

// Restore: on the first-run screen (then the person chooses a lock code
// before the import runs, since the store needs an unlocked vault) or in
// the vault (into it, as one more identity).
export class RestoreBackupDialog {
  #hush;
  #progress = new Progress('restore');
  #lockElement;
  #onRestored;

  // lockElement(props, label): the app's lock element; onRestored(identity,
  // { created }): after a restore (created: the vault was made for it).
  constructor(hush, { lockElement, onRestored }) {
    this.#hush = hush;
    this.#lockElement = lockElement;
    this.#onRestored = onRestored;
    $('first-run-restore').addEventListener('click', () => this.open());
    $('restore-backup').addEventListener('click', () => this.open());
    for (const radio of document.querySelectorAll('input[name="restore-source"]')) {
      radio.addEventListener('change', () => this.#showSource());
    }
    $('restore-find').addEventListener('click', (event) => this.#find(event.currentTarget));
    $('restore-backup-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit(event.submitter ?? $('restore-backup-submit'));
    });
    $('restore-backup-dialog').addEventListener('close', () => {
      this.#progress.cancel();
      this.reset();
    });
  }

  reset() {
    for (const id of ['restore-backup-phrase', 'restore-webdav-url', 'restore-webdav-user', 'restore-webdav-password', 'restore-file']) {
      $(id).value = '';
    }
    $('restore-found').replaceChildren();
    $('restore-found-box').hidden = true;
    $('restore-lock-box').hidden = true;
    $('restore-lock-slot').replaceChildren();
    $('restore-backup-form').hidden = false;
  }

  async open() {
    this.reset();
    if (this.#hush.state === 'unlocked') {
      const target = await loadWebDavTarget(this.#hush).catch(() => null);
      if (target) {
        $('restore-webdav-url').value = target.url;
        $('restore-webdav-user').value = target.user;
        $('restore-webdav-password').value = target.password;
      }
    }
    this.#showSource();
    openDialog($('restore-backup-dialog'));
    $('restore-backup-phrase').focus();
  }

  #source() {
    return document.querySelector('input[name="restore-source"]:checked').value;
  }

  #showSource() {
    $('restore-file-box').hidden = this.#source() !== 'file';
    $('restore-webdav-box').hidden = this.#source() !== 'webdav';
  }

  #phrase() {
    const phrase = $('restore-backup-phrase').value.trim();
    if (!phrase) throw new Error('Enter the recovery phrase.');
    return phrase;
  }

  async #find(button) {
    clearMessages($('restore-backup-dialog'));
    const { ok, value, error } = await attempt(() => findBackups(this.#hush, folderFrom('restore-webdav'), this.#phrase()), { button });
    if (!ok) {
      outsideVault(error);
      return;
    }
    $('restore-found').replaceChildren(...value.map((file, i) => el('label', { class: 'choice' },
      el('input', { type: 'radio', name: 'restore-pick', value: file.name, ...(i === 0 ? { checked: '' } : {}) }),
      ` ${when(file.modified)}, ${mib(file.size)}`)));
    $('restore-found-box').hidden = false;
    if (!value.length) showError('No backup in that folder was made with this recovery phrase.');
    else notify(`${value.length} backup${value.length > 1 ? 's' : ''} found.`);
  }

  // What to restore: { check(): header bytes, open(signal, update): run }.
  async #chosen(phrase) {
    if (this.#source() === 'file') {
      const file = $('restore-file').files[0];
      if (!file) throw new Error('Choose the backup file.');
      return {
        header: new Uint8Array(await file.slice(0, 64).arrayBuffer()),
        run: (signal, update) => this.#hush.importBackup(file, phrase, { signal, onProgress: update }),
      };
    }
    const name = document.querySelector('input[name="restore-pick"]:checked')?.value;
    if (!name) throw new Error('Find your backups, then choose one.');
    const folder = folderFrom('restore-webdav');
    return {
      header: await folder.readRange(name, 0, 63),
      run: (signal, update) => restoreFromFolder(this.#hush, folder, name, phrase, { signal, onProgress: update }),
      target: targetFrom('restore-webdav'),
    };
  }

  async #submit(button) {
    clearMessages($('restore-backup-dialog'));
    const { ok, value, error } = await attempt(async () => {
      const phrase = this.#phrase();
      const chosen = await this.#chosen(phrase);
      await this.#hush.checkBackup(phrase, chosen.header); // the wrong phrase is told before anything else
      return { phrase, chosen };
    }, { button });
    if (!ok) {
      outsideVault(error);
      return;
    }
    if (this.#hush.state === 'new') this.#chooseCode(value);
    else await this.#restore(value, false);
  }

  // First run: the lock code, then the restore.
  #chooseCode(job) {
    const lock = this.#lockElement({ mode: 'create' }, 'Choose a lock code');
    lock.addEventListener('hush-code', async ({ detail: { kind, code } }) => {
      lock.busy = true;
      try {
        await this.#hush.create(code, { kind });
      } catch (error) {
        lock.showError(errorText(error));
        return;
      } finally {
        zero(code);
        lock.busy = false;
      }
      $('restore-lock-box').hidden = true;
      await this.#restore(job, true);
    });
    $('restore-backup-form').hidden = true;
    $('restore-lock-slot').replaceChildren(lock);
    $('restore-lock-box').hidden = false;
    lock.focus();
  }

  async #restore({ phrase, chosen }, created) {
    $('restore-backup-form').hidden = true;
    const { ok, value, error } = await this.#progress.run('Restoring', chosen.run);
    if (!ok) {
      // The form again, to try another file or phrase (after a first run,
      // into the vault just made).
      $('restore-backup-form').hidden = false;
      if (error?.code === 'ERR_CANCELLED') notify('Restore cancelled: nothing was restored.');
      else outsideVault(error);
      return;
    }
    if (chosen.target) await saveWebDavTarget(this.#hush, chosen.target).catch(() => {});
    await this.#onRestored(value, { created });
    $('restore-backup-dialog').close();
    notify(`${value.name} was restored. Messages with a disappearing timer are never in a backup.`);
  }
}
