// The Electron shell's part of a wipe (web/electron). Its preload exposes
// one call, hushShell.wipe, which has the main process clear the session's
// storage and cache, delete the app's files under userData and relaunch.
// In a browser there is no bridge and this does nothing.
//
// keepStorage (after a duress unlock): the new vault's files must stay, so
// the main process clears everything but them and does not relaunch. The
// bridge takes a boolean only; a truthy stray value is taken as keep, as a
// full wipe relaunches the app and must never happen by mistake.
export async function wipeElectronShell({ keepStorage = false } = {}) {
  const bridge = globalThis.hushShell;
  if (typeof bridge?.wipe !== 'function') return [];
  try {
    await bridge.wipe({ keepStorage: Boolean(keepStorage) });
    return [];
  } catch (error) {
    return [error];
  }
}
