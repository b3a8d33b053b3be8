// What the host stores for a vault, read from the page: the vault's three
// files in its OPFS directory (the page can read them while the Worker
// holds their sync access handles), and the OPFS tree of the origin.
// A separate file from harness.mjs, which the browser-harness work owns.
import { createHash } from 'node:crypto';

// The neutral OPFS directory (and IndexedDB database) of a vault: as
// web/src/opfs-fs.js vaultDirName().
export function vaultDirName(name = 'default') {
  return createHash('sha256').update(`hush vault ${name}`).digest('hex').slice(0, 16);
}

// { '0': [bytes], '1': [...], '2': [...] } of the vault, or null if its
// directory does not exist.
export function vaultFiles(page, name = 'default') {
  return page.evaluate(async (dirName) => {
    const root = await navigator.storage.getDirectory();
    let dir;
    try { dir = await root.getDirectoryHandle(dirName); } catch { return null; }
    const out = {};
    for await (const [entry, handle] of dir.entries()) {
      if (handle.kind === 'file') out[entry] = Array.from(new Uint8Array(await (await handle.getFile()).arrayBuffer()));
    }
    return out;
  }, vaultDirName(name));
}

// The latest lastModified among the vault's files (ms).
export function lastVaultWrite(page, name = 'default') {
  return page.evaluate(async (dirName) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(dirName);
    let latest = 0;
    for await (const handle of dir.values()) latest = Math.max(latest, (await handle.getFile()).lastModified);
    return latest;
  }, vaultDirName(name));
}

// { dirName: [entry names, sorted], fileName: null } for the OPFS root.
export function opfsTree(page) {
  return page.evaluate(async () => {
    const out = {};
    for await (const [name, handle] of (await navigator.storage.getDirectory()).entries()) {
      if (handle.kind === 'file') { out[name] = null; continue; }
      const inside = [];
      for await (const entry of handle.keys()) inside.push(entry);
      out[name] = inside.sort();
    }
    return out;
  });
}

// Records every Worker the page starts, as window.hushWorkers, before the
// facade is imported.
export function spyOnWorkers(page) {
  return page.evaluate(() => {
    const Original = window.Worker;
    window.hushWorkers = [];
    window.Worker = class extends Original {
      constructor(...args) {
        super(...args);
        window.hushWorkers.push(this);
      }
    };
  });
}

// Whether the index-th recorded Worker still answers a request.
export function workerAnswers(page, index, timeoutMs = 500) {
  return page.evaluate(([i, ms]) => new Promise((resolve) => {
    const worker = window.hushWorkers[i];
    const timer = setTimeout(() => resolve(false), ms);
    worker.addEventListener('message', ({ data }) => {
      if (data.id === -1) { clearTimeout(timer); resolve(true); }
    });
    worker.postMessage({ id: -1, op: 'status', args: [] });
  }), [index, timeoutMs]);
}
