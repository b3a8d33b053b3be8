'use strict';
// The page's one way into the main process: hushShell.wipe({ keepStorage }),
// which web/src/wipe-electron.js calls last in a wipe. Nothing else of
// Electron or Node reaches the page (sandboxed preload, context isolation).
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('hushShell', Object.freeze({
  // Resolves once the session is cleared with keepStorage (after a duress
  // unlock); without it the app relaunches and this never resolves.
  wipe({ keepStorage = false } = {}) {
    // A full wipe relaunches the app: never guess it from a stray value.
    if (typeof keepStorage !== 'boolean') return Promise.reject(new TypeError('hushShell.wipe: keepStorage must be a boolean'));
    return ipcRenderer.invoke('hush:wipe', { keepStorage });
  },
}));
