// Where backups go (core/BACKUP.md): a WebDAV folder (Nextcloud, ownCloud
// and most hosted drives) through webdav.js, or a file the person keeps.
// File names are random and the headers link nothing, so a restore finds
// its own backups by reading each file's first 64 bytes and checking them
// with the phrase's key; the cloud can link neither two backups of one
// identity nor a backup to a Session ID.
import { Hush } from './hush.js';
import { WebDavFolder } from './webdav.js';

export { WebDavFolder };

// The setting key under which the app keeps its WebDAV target, in the
// vault's encrypted store only (never in localStorage, never in a backup).
export const WEBDAV_SETTING = 'backup.webdav';

export async function loadWebDavTarget(hush) {
  const text = await hush.setting(WEBDAV_SETTING);
  return text ? JSON.parse(text) : null;
}

export function saveWebDavTarget(hush, target) {
  return hush.setSetting(WEBDAV_SETTING, target ? JSON.stringify({ url: target.url, user: target.user, password: target.password }) : null);
}

// Exports the identity's backup and uploads it under a random name
// (uploaded to a temporary name, then moved: a failed upload never leaves
// a partial file under a backup's name). Resolves to the name. The
// browser cannot stream a request body over HTTP/1.1, so the backup is
// made whole first, as a Blob of ciphertext.
export async function uploadBackup(hush, folder, identityId, { onProgress = () => {}, signal } = {}) {
  const blob = await hush.exportBackupBlob(identityId, {
    signal,
    onProgress: ({ done, total }) => onProgress({ stage: 'encrypting', done, total }),
  });
  const name = Hush.backupFileName();
  onProgress({ stage: 'uploading', done: 0, total: blob.size });
  await folder.upload(name, blob, { signal });
  onProgress({ stage: 'uploaded', done: blob.size, total: blob.size });
  return name;
}

// The folder's backups made with this phrase, newest first:
// [{ name, size, modified }]. Files that are no backup, or another
// phrase's, are skipped.
export async function findBackups(hush, folder, phrase, { signal } = {}) {
  const header = hush.info.constants.backupHeaderBytes;
  const files = (await folder.list({ signal })).filter((f) => f.size >= header);
  const mine = [];
  for (const file of files) {
    const head = await folder.readRange(file.name, 0, header - 1, { signal });
    if (await hush.checkBackup(phrase, head).catch(() => false)) mine.push(file);
  }
  return mine.sort((a, b) => b.modified - a.modified);
}

// Restores a backup from the folder, streaming it into importBackup.
export async function restoreFromFolder(hush, folder, name, phrase, { onProgress = () => {}, signal } = {}) {
  const { body, size } = await folder.open(name, { signal });
  return hush.importBackup(body, phrase, {
    signal,
    onProgress: ({ done }) => onProgress({ done, total: size }),
  });
}
