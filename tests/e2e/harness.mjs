// Helpers for end-to-end tests that drive the facade (web/src/hush.js)
// directly in a page of the app's origin, and inspect what the browser
// stores: every store the origin has, and the raw files of the profile.
export const TEST_KDF = { opslimit: 1, memlimitKib: 8 };

// A page of the app's origin with nothing of the app on it.
export async function blankPage(browser, url) {
  await browser.page.goto(`${url}/harness`);
  return browser.page;
}

// Opens the vault as window.hush in the page; returns its state.
export async function openHush(page, options = {}) {
  return page.evaluate(async (opts) => {
    const { Hush } = await import('/src/hush.js');
    window.hush = await Hush.open(opts);
    window.hushEvents = [];
    for (const type of ['locked', 'unlocked', 'wiped', 'expired']) {
      window.hush.addEventListener(type, () => window.hushEvents.push({ type, at: Date.now() }));
    }
    return window.hush.state;
  }, { kdf: TEST_KDF, ...options });
}

// Calls window.hush[method](...args) in the page.
export function call(page, method, ...args) {
  return page.evaluate(([m, a]) => window.hush[m](...a), [method, args]);
}

export function state(page) {
  return page.evaluate(() => window.hush.state);
}

// Everything the origin stores that page JS can list.
export function originStorage(page) {
  return page.evaluate(async () => {
    const out = { indexedDB: {}, localStorage: localStorage.length, sessionStorage: sessionStorage.length,
      cookies: document.cookie, caches: await caches.keys(), opfs: [], serviceWorkers: 0 };
    for (const { name } of await indexedDB.databases()) {
      out.indexedDB[name] = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onerror = () => reject(request.error);
        request.onsuccess = async () => {
          const db = request.result;
          const stores = {};
          for (const store of db.objectStoreNames) {
            stores[store] = await new Promise((done) => {
              const keys = db.transaction(store).objectStore(store).getAllKeys();
              keys.onsuccess = () => done(keys.result.map(String));
            });
          }
          db.close();
          resolve(stores);
        };
      });
    }
    const root = await navigator.storage.getDirectory();
    for await (const name of root.keys()) out.opfs.push(name);
    out.serviceWorkers = (await navigator.serviceWorker?.getRegistrations())?.length ?? 0;
    return out;
  });
}

// Writes a canary into every kind of storage the origin has, as a
// messenger's own code might.
export function plantCanaries(page, canary) {
  return page.evaluate(async (text) => {
    localStorage.setItem('draft', text);
    sessionStorage.setItem('draft', text);
    document.cookie = `draft=${encodeURIComponent(text)}; path=/`;
    const cache = await caches.open('attachments');
    await cache.put('/cached-attachment', new Response(text));
    const root = await navigator.storage.getDirectory();
    const file = await root.getFileHandle('note.txt', { create: true });
    const writable = await file.createWritable();
    await writable.write(text);
    await writable.close();
    await new Promise((resolve, reject) => {
      const request = indexedDB.open('messenger-cache');
      request.onupgradeneeded = () => request.result.createObjectStore('drafts');
      request.onsuccess = () => {
        const tx = request.result.transaction('drafts', 'readwrite');
        tx.objectStore('drafts').put(text, 'draft');
        tx.oncomplete = () => { request.result.close(); resolve(); };
      };
      request.onerror = () => reject(request.error);
    });
  }, canary);
}

// The raw-file scan lives with the examiner's other tools.
export { filesContaining } from './forensics.mjs';

// page.evaluate(fn, arg) with one argument, the form playwright (Chromium)
// and puppeteer (Firefox) share, so a test body runs in both browsers.
export function evaluate(page, fn, arg) {
  return page.evaluate(fn, arg);
}
