// Wiping everything the origin stores. wipeStorage() runs in a window or a
// Worker (IndexedDB, Cache Storage, OPFS); wipePageStorage() needs a window
// (Web Storage, cookies, service workers, and the server's Clear-Site-Data
// for what page JS cannot reach). Each step runs even if another failed:
// a wipe that stops half-way is worse than one that reports an error.

async function each(promises) {
  const results = await Promise.allSettled(promises);
  return results.filter((r) => r.status === 'rejected').map((r) => r.reason);
}

function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    // onblocked: another connection is open; the delete still completes
    // once it closes (the other tabs close theirs on the wipe broadcast).
  });
}

export async function wipeStorage() {
  const errors = [];
  if (globalThis.indexedDB) {
    const databases = await indexedDB.databases();
    errors.push(...await each(databases.map(({ name }) => deleteDatabase(name))));
  }
  if (globalThis.caches) {
    errors.push(...await each((await caches.keys()).map((key) => caches.delete(key))));
  }
  if (globalThis.navigator?.storage?.getDirectory) {
    try {
      const root = await navigator.storage.getDirectory();
      const names = [];
      for await (const name of root.keys()) names.push(name);
      errors.push(...await each(names.map((name) => root.removeEntry(name, { recursive: true }))));
    } catch (error) {
      if (error?.name !== 'SecurityError') errors.push(error);
    }
  }
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

export async function wipePageStorage({ clearSiteDataUrl = null } = {}) {
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
      await fetch(clearSiteDataUrl, { method: 'POST', cache: 'no-store', credentials: 'same-origin' });
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
