// Wiping everything the origin stores. wipeStorage() runs in a window or a
// Worker (IndexedDB, Cache Storage, OPFS); wipePageStorage() needs a window
// (Web Storage, cookies, service workers, and the server's Clear-Site-Data
// for what page JS cannot reach). Each step runs even if another failed:
// a wipe that stops half-way is worse than one that reports an error.

import { wipeElectronShell } from './wipe-electron.js';
import { wipeExtensionStorage } from './wipe-extension.js';

const STEP_BUDGET_MS = 2000; // the longest a wipe waits on any one deletion

async function each(promises) {
  const results = await Promise.allSettled(promises);
  return results.filter((r) => r.status === 'rejected').map((r) => r.reason);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves when the database is gone; rejects after STEP_BUDGET_MS if a
// connection that ignores versionchange blocks it (another tab that did not
// get or heed the broadcast). The deletion itself stays queued and completes
// once that connection closes; the wipe goes on and reports it.
function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    let blocked = false;
    const timer = setTimeout(() => reject(new Error(
      `IndexedDB database ${JSON.stringify(name)} ${blocked ? 'is held open elsewhere' : 'was not deleted'} after ${STEP_BUDGET_MS} ms`)),
    STEP_BUDGET_MS);
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => { clearTimeout(timer); resolve(); };
    request.onerror = () => { clearTimeout(timer); reject(request.error); };
    request.onblocked = () => { blocked = true; };
  });
}

// An OPFS entry is locked while a sync access handle on it is open, e.g. by
// the Worker of another tab that is being terminated on the broadcast:
// retry for STEP_BUDGET_MS.
async function removeEntry(dir, name) {
  const deadline = performance.now() + STEP_BUDGET_MS;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      await dir.removeEntry(name, { recursive: true });
      return;
    } catch (error) {
      if (error?.name === 'NotFoundError') return;
      if (error?.name !== 'NoModificationAllowedError' || performance.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}

async function wipeOpfs({ opfsDir, files = [] }) {
  const root = await navigator.storage.getDirectory();
  const names = [];
  for await (const name of root.keys()) names.push(name);
  return each(names.map(async (name) => {
    if (name !== opfsDir) return removeEntry(root, name);
    // The vault that stays: only its own files.
    const dir = await root.getDirectoryHandle(name);
    const inside = [];
    for await (const entry of dir.keys()) if (!files.includes(entry)) inside.push(entry);
    const errors = await each(inside.map((entry) => removeEntry(dir, entry)));
    if (errors.length) throw errors[0];
  }));
}

// Everything the origin stores that this context can reach, except, when
// given, the OPFS directory opfsDir's own files and the IndexedDB database
// named database (the new vault after a duress unlock).
export async function wipeStorage({ opfsDir = null, database = null, files = [] } = {}) {
  const errors = [];
  const steps = [];
  if (globalThis.indexedDB) {
    steps.push((async () => {
      const databases = await indexedDB.databases();
      errors.push(...await each(databases.filter((d) => d.name !== database).map(({ name }) => deleteDatabase(name))));
    })());
  }
  if (globalThis.caches) {
    steps.push((async () => {
      errors.push(...await each((await caches.keys()).map((key) => caches.delete(key))));
    })());
  }
  if (globalThis.navigator?.storage?.getDirectory) {
    steps.push((async () => {
      try {
        errors.push(...await wipeOpfs({ opfsDir, files }));
      } catch (error) {
        if (error?.name !== 'SecurityError') errors.push(error);
      }
    })());
  }
  errors.push(...await each(steps));
  return errors;
}

function expireCookies() {
  const paths = ['/'];
  for (const part of location.pathname.split('/').filter(Boolean)) paths.push(`${paths.at(-1).replace(/\/$/, '')}/${part}`);
  const domains = ['', location.hostname, `.${location.hostname}`];
  for (const cookie of document.cookie.split(';')) {
    const name = cookie.split('=')[0].trim();
    if (!name) continue;
    for (const path of paths) {
      for (const domain of domains) {
        document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=${path}${domain ? `; domain=${domain}` : ''}`;
      }
    }
  }
}

// keepStorage: Clear-Site-Data is asked for the cache and cookies only, as
// "storage" would take the new vault's files. keepVault (after a duress
// unlock): the new vault stays, whether or not its files were set aside
// for this wipe; it decides what the shells keep, since Electron's full
// wipe deletes the profile and relaunches, and must never follow a duress
// code (the files set aside would be lost and the app would look wiped).
export async function wipePageStorage({ clearSiteDataUrl = null, keepStorage = false, keepVault = keepStorage } = {}) {
  const errors = [];
  try { localStorage.clear(); } catch (error) { errors.push(error); }
  try { sessionStorage.clear(); } catch (error) { errors.push(error); }
  try { expireCookies(); } catch (error) { errors.push(error); }
  if (navigator.serviceWorker) {
    const registrations = await navigator.serviceWorker.getRegistrations();
    errors.push(...await each(registrations.map((r) => r.unregister())));
  }
  if (clearSiteDataUrl) {
    // The browser clears storage, cache and HttpOnly cookies before it hands
    // back this response.
    try {
      const target = new URL(clearSiteDataUrl, location.href);
      if (keepStorage) target.searchParams.set('types', 'cache,cookies');
      await fetch(target, { method: 'POST', cache: 'no-store', credentials: 'same-origin' });
    } catch (error) {
      errors.push(error);
    }
  }
  // The shells' own storage (chrome.storage; Electron's userData), last:
  // Electron's main process relaunches the app once its wipe is done.
  errors.push(...await wipeExtensionStorage());
  errors.push(...await wipeElectronShell({ keepStorage: keepVault }));
  return errors;
}
