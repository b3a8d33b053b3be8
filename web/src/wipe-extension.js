// The browser extension's part of a wipe (web/extension): chrome.storage,
// which the web wipe does not reach. Hush keeps nothing there, but an
// older version or another part of the extension might have, and Chrome
// keeps it in a LevelDB that holds old values until compacted, so it is
// cleared anyway. Outside an extension this does nothing, and so it does
// in Hush's own extension, which asks for no "storage" permission (so
// chrome.storage is undefined there). An extension that adds it must clear
// it from a page or its service worker as well: an offscreen document,
// where the remote deletion runs with no window open, gets only
// chrome.runtime.
export async function wipeExtensionStorage() {
  const storage = globalThis.chrome?.storage;
  if (!storage) return [];
  const areas = ['local', 'session', 'sync'].map((name) => storage[name]).filter((area) => area?.clear);
  const results = await Promise.allSettled(areas.map((area) => area.clear()));
  return results.filter((r) => r.status === 'rejected').map((r) => r.reason);
}
