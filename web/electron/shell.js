'use strict';
// Hush's Electron desktop shell: everything the main process does. main.js
// hands it Electron's modules, so this file never requires 'electron' and
// tests/js/electron.test.mjs drives it under plain Node against recorders.
//
// OVERVIEW
//   start()            the whole shell: sandbox, the hush:// scheme, one
//                      window with Electron's security checklist, the
//                      permission handlers, the wipe over IPC
//   appProtocolHandler serves web/app, web/src and web/dist as hush://app/
//   hardenContents     navigation, new windows and <webview> denied
//   wipeShell          the wipe in the main process (see WIPE below)
//   deleteUserData     deletes the profile's files but the KEEP lists'
//
// WIPE, in this order (the web wipe in web/src/wipe.js has already run in
// the page; web/src/wipe-electron.js calls this last):
//   1. session.clearData() (clearStorageData() on Electron < 33): Chromium
//      drops every storage type through its own bookkeeping;
//   2. clearCache() (the HTTP disk cache) and clearAuthCache();
//   3. deleteUserData(): LevelDB (IndexedDB, Local Storage, Session Storage)
//      keeps deleted records in its .log/.ldb files until it compacts, and
//      SQLite files (Cookies) keep freed pages, so deleting the files is the
//      sure step;
//   4. app.relaunch() + app.exit(0). The new process starts with
//      AFTER_WIPE_FLAG and deletes the profile's files once more before
//      Chromium opens any of them: whatever the old process wrote back while
//      it shut down (Preferences, Local State, a journal) goes too.
//
// keepStorage (after a duress unlock): the new vault's OPFS files must stay
// and the person must not see that anything happened: no relaunch, no
// reload, no deletion of files under a running Chromium. Step 1 clears
// every type but 'fileSystems', step 2 runs, 3 and 4 do not. What that
// leaves is in README.md ("What a duress wipe leaves").

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

const SCHEME = 'hush';
const HOST = 'app';
const APP_ORIGIN = `${SCHEME}://${HOST}`;
const START_URL = `${APP_ORIGIN}/app/`;
const WIPE_CHANNEL = 'hush:wipe';
const AFTER_WIPE_FLAG = '--hush-after-wipe';

// Only the three folders the app loads from web/: not the relay, not
// serve.mjs, not this folder, not node_modules.
const SERVED_DIRS = ['app', 'src', 'dist'];

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

// The same policy web/serve.mjs sends (the test compares them): wasm needs
// 'wasm-unsafe-eval', nothing runs but our own files; connect-src is the
// relay and the person's WebDAV folder (any https server; plain http on
// this machine only).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; " +
  "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'Cross-Origin-Opener-Policy': 'same-origin',
  // No other origin may embed or read our files (corsEnabled is off too).
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // The files are on this disk: nothing needs to be in the HTTP cache.
  'Cache-Control': 'no-store',
};

// standard: a real origin (hush://app) with storage, OPFS and Web Locks;
// secure: a secure context (OPFS, crypto.subtle, Workers as on https);
// supportFetchAPI: the Emscripten loader and the core fetch the .wasm.
// Left off on purpose: bypassCSP (our CSP must apply), allowServiceWorkers
// (Hush uses none), corsEnabled (no other origin may fetch hush:// files;
// same-origin module scripts and Workers need no CORS), codeCache (no
// compiled code written to the profile), stream.
const SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true };

// Electron's security checklist, every item that is a window option.
function windowOptions({ preload }) {
  return {
    width: 1100,
    height: 780,
    title: 'Hush',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      // The spellchecker downloads dictionaries from Google's servers and
      // keeps the words a person adds in the profile ("Custom Dictionary.txt").
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

// ---- the hush:// protocol ----

// A hush:// URL's host and path; null for anything else. WHATWG URL gives
// non-special schemes an opaque origin ("null"), so compare the parts.
function appUrl(href) {
  try {
    const url = new URL(href);
    return url.protocol === `${SCHEME}:` && url.host === HOST && !url.username && !url.password ? url : null;
  } catch {
    return null;
  }
}

const isAppUrl = (href) => appUrl(href) !== null;

function textResponse(status, text, headers = {}) {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers } });
}

// The file a path names under root, or null. The URL parser has already
// resolved literal and %2e dot segments; each segment is decoded here and
// refused if it could step anywhere else (an encoded slash or backslash, a
// dot segment, NUL), then the real path (symlinks resolved) must still be
// in the served folder it names.
async function resolveFile(root, pathname) {
  const raw = pathname.split('/').slice(1);
  let segments;
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
  const directory = segments.at(-1) === '';
  if (directory) segments.pop();
  if (!SERVED_DIRS.includes(segments[0])) return null;
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s) || (process.platform === 'win32' && s.includes(':'))) return null;
  }
  if (directory) segments.push('index.html');
  try {
    const realDir = await fsp.realpath(path.join(root, segments[0]));
    const real = await fsp.realpath(path.join(root, ...segments));
    if (!real.startsWith(realDir + path.sep)) return null;
    return (await fsp.stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

// protocol.handle's handler for hush://app/. Only GET and HEAD of files in
// SERVED_DIRS, plus the app's Clear-Site-Data endpoint (as web/serve.mjs).
// Requests made by other origins are refused (request.initiatorOrigin is
// absent for the window's own load, which the browser starts).
function appProtocolHandler({ root }) {
  return async (request) => {
    const url = appUrl(request.url);
    if (!url) return textResponse(404, 'not found');
    if (request.initiatorOrigin !== undefined && request.initiatorOrigin !== APP_ORIGIN) return textResponse(403, 'refused');
    if (url.pathname === '/clear-site-data') {
      if (request.method !== 'POST') return textResponse(405, 'method not allowed');
      // The main process's wipe is the sure step in the shell; this is the
      // same answer as on the web, for whatever Chromium honours on a
      // custom scheme. ?types=cache,cookies after a duress unlock.
      const types = (url.searchParams.get('types') ?? '').split(',').filter((t) => ['cache', 'cookies', 'storage', 'executionContexts'].includes(t));
      return new Response(null, { status: 204, headers: { ...SECURITY_HEADERS, 'Clear-Site-Data': types.length ? types.map((t) => `"${t}"`).join(', ') : '"*"' } });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'method not allowed');
    const file = await resolveFile(root, url.pathname);
    if (!file) return textResponse(404, 'not found');
    const headers = { ...SECURITY_HEADERS, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' };
    return new Response(request.method === 'HEAD' ? null : await fsp.readFile(file), { status: 200, headers });
  };
}

// ---- windows and permissions ----

// Every webContents, the window's and any other: no navigation away from
// the app, no new windows, no <webview>.
function hardenContents(contents) {
  // Electron >= 25 puts the target in event.url; older ones pass it second.
  const stayInApp = (event, url) => {
    if (!isAppUrl(event.url ?? url)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-frame-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

// Hush needs no permission: not notifications, not the clipboard, not
// persistent-storage (OPFS works without it), not the loopback network.
function refusePermissions(ses) {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  if (typeof ses.setDevicePermissionHandler === 'function') ses.setDevicePermissionHandler(() => false);
  if (typeof ses.setSpellCheckerEnabled === 'function') ses.setSpellCheckerEnabled(false);
}

const sameFrame = (a, b) => a === b || (a.processId === b.processId && a.routingId === b.routingId);

// An IPC message counts only from the main frame of our window while it
// shows a hush://app page: not from a subframe, not after a navigation
// elsewhere, not from any other webContents.
function isFromAppWindow(event, win) {
  if (!win || win.isDestroyed() || event?.sender !== win.webContents) return false;
  const frame = event.senderFrame;
  const main = win.webContents.mainFrame;
  return Boolean(frame && main && sameFrame(frame, main) && isAppUrl(frame.url));
}

// ---- the wipe ----

// clearData's types (Electron >= 33) and clearStorageData's (older). Called
// with no types, clearData clears every type Chromium's BrowsingDataRemover
// knows, more than this list; the lists are for keepStorage, which must
// leave the file systems (OPFS) alone.
const CLEAR_DATA_TYPES = ['backgroundFetch', 'cache', 'cookies', 'downloads', 'fileSystems', 'indexedDB', 'localStorage', 'serviceWorkers', 'webSQL'];
const CLEAR_STORAGE_TYPES = ['cookies', 'filesystem', 'indexdb', 'localstorage', 'shadercache', 'serviceworkers', 'cachestorage'];

// What deleteUserData leaves. The running instance's single-instance lock
// (SingletonLock/Socket/Cookie on Linux and macOS, lockfile on Windows):
// without it a second instance could open the same profile while this one
// shuts down; it holds a host name and a pid, no user data, and Chromium
// removes it at exit. Nothing else is needed to start: Electron recreates
// every other file and folder of an empty userData.
const KEEP_WHILE_RUNNING = ['SingletonLock', 'SingletonSocket', 'SingletonCookie', 'lockfile'];
// At the relaunch's start the crash handler is already running and has
// Crashpad/ open; the old process's pass deleted what was in it.
const KEEP_AT_START = [...KEEP_WHILE_RUNNING, 'Crashpad'];

// Refuses a userData that is not a folder of its own (a mistaken setPath or
// --user-data-dir pointing at a home folder would otherwise lose it).
function checkProfileDir(dir, forbidden) {
  if (typeof dir !== 'string' || !path.isAbsolute(dir)) throw new Error(`userData ${JSON.stringify(dir)} is not an absolute path`);
  const resolved = path.resolve(dir);
  if (resolved === path.parse(resolved).root || forbidden.some((f) => f && path.resolve(f) === resolved)) {
    throw new Error(`refusing to delete the files of ${resolved}: not a folder of the app's own`);
  }
  return resolved;
}

// Deletes every entry of dir but keep's, synchronously: at start this must
// be over before Chromium opens the profile. rmSync unlinks symlinks without
// following them. Each entry is tried even if another failed (on Windows a
// file open elsewhere cannot be deleted; the relaunch's pass retries).
function deleteUserData(dir, { keep, forbidden = [] }) {
  const root = checkProfileDir(dir, forbidden);
  const result = { removed: [], kept: [], errors: [] };
  let names;
  try {
    names = fs.readdirSync(root);
  } catch (error) {
    if (error.code !== 'ENOENT') result.errors.push(error);
    return result;
  }
  for (const name of names.sort()) {
    if (keep.includes(name)) {
      result.kept.push(name);
      continue;
    }
    try {
      fs.rmSync(path.join(root, name), { recursive: true, force: true, maxRetries: 3 });
      result.removed.push(name);
    } catch (error) {
      result.errors.push(error);
    }
  }
  return result;
}

// The profile's folders: userData, and sessionData when it was moved.
function profileDirs(app) {
  const dirs = [app.getPath('userData')];
  try {
    const sessionData = app.getPath('sessionData');
    if (!dirs.includes(sessionData)) dirs.push(sessionData);
  } catch { /* Electron < 21 has no sessionData: it is userData */ }
  return dirs;
}

function forbiddenDirs(app) {
  const dirs = [os.homedir()];
  for (const name of ['home', 'appData', 'desktop', 'documents', 'downloads', 'temp']) {
    try { dirs.push(app.getPath(name)); } catch { /* not on this platform */ }
  }
  return dirs;
}

async function clearStorage(ses, { keepFileSystems }) {
  if (typeof ses.clearData === 'function') {
    return keepFileSystems ? ses.clearData({ dataTypes: CLEAR_DATA_TYPES.filter((t) => t !== 'fileSystems') }) : ses.clearData();
  }
  return ses.clearStorageData(keepFileSystems ? { storages: CLEAR_STORAGE_TYPES.filter((t) => t !== 'filesystem') } : {});
}

// The relaunch gets the same arguments and the flag, once.
const relaunchArgs = (argv) => [...argv.slice(1).filter((a) => a !== AFTER_WIPE_FLAG), AFTER_WIPE_FLAG];

// Every step runs even if one before it failed: a wipe that stops half-way
// is worse than one that reports an error. A full wipe never returns (the
// process exits); keepStorage's resolves, or rejects naming what failed.
async function wipeShell({ app, ses, argv, keepStorage }) {
  const errors = [];
  const step = async (name, fn) => {
    try { await fn(); } catch (error) { errors.push(`${name}: ${error?.message ?? error}`); }
  };
  await step('clearData', () => clearStorage(ses, { keepFileSystems: keepStorage }));
  await step('clearCache', () => ses.clearCache());
  await step('clearAuthCache', () => ses.clearAuthCache?.());
  if (keepStorage) {
    if (errors.length) throw new Error(`the shell's wipe left something: ${errors.join('; ')}`);
    return { relaunched: false };
  }
  for (const dir of profileDirs(app)) {
    await step('deleteUserData', () => {
      const { errors: failed } = deleteUserData(dir, { keep: KEEP_WHILE_RUNNING, forbidden: forbiddenDirs(app) });
      if (failed.length) throw failed[0];
    });
  }
  // Errors are not shown: the relaunch's own pass deletes what is left, and
  // the app must look newly installed.
  app.relaunch({ args: relaunchArgs(argv) });
  app.exit(0);
  return { relaunched: true, errors };
}

// A wipe request from the page: { keepStorage: boolean }, nothing else.
function checkWipeRequest(request) {
  const ok = request !== null && typeof request === 'object' && !Array.isArray(request) &&
    Object.keys(request).every((k) => k === 'keepStorage') && typeof request.keepStorage === 'boolean';
  if (!ok) throw new TypeError('hush:wipe takes { keepStorage: boolean }');
  return request.keepStorage;
}

// ---- the shell ----

// electron: { app, session, BrowserWindow, protocol, ipcMain }.
// options: webRoot (the web/ folder), preload (preload.js's path), argv.
// Returns { ready } (resolves with the window) and window() for tests.
function start({ app, session, BrowserWindow, protocol, ipcMain }, { webRoot, preload, argv = process.argv }) {
  // Before ready, as Electron requires: every renderer sandboxed, and the
  // scheme known to Chromium as standard and secure.
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: SCHEME_PRIVILEGES }]);

  // One instance per profile: two would open the same LevelDBs and OPFS
  // files, and Web Locks (one tab owns a vault) do not reach across them.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { ready: Promise.resolve(null), window: () => null, afterWipe: null };
  }

  // The relaunch after a wipe: the profile's files once more, before
  // Chromium opens any (this runs before ready, synchronously).
  let afterWipe = null;
  if (argv.includes(AFTER_WIPE_FLAG)) {
    afterWipe = profileDirs(app).map((dir) => {
      try {
        return deleteUserData(dir, { keep: KEEP_AT_START, forbidden: forbiddenDirs(app) });
      } catch (error) {
        return { removed: [], kept: [], errors: [error] };
      }
    });
  }

  let win = null;
  const hardened = new WeakSet();
  const harden = (contents) => {
    if (hardened.has(contents)) return;
    hardened.add(contents);
    hardenContents(contents);
  };
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  // Closing the window ends the app: nothing of an unlocked vault lingers
  // in a process without a window (also on macOS).
  app.on('window-all-closed', () => app.quit());

  let wiping = Promise.resolve();
  const ready = app.whenReady().then(async () => {
    const ses = session.defaultSession;
    refusePermissions(ses);
    protocol.handle(SCHEME, appProtocolHandler({ root: webRoot }));
    ipcMain.handle(WIPE_CHANNEL, (event, request) => {
      if (!isFromAppWindow(event, win)) throw new Error('hush:wipe refused: not from the app window');
      const keepStorage = checkWipeRequest(request);
      // One wipe at a time, in the order asked.
      const run = wiping.then(() => wipeShell({ app, ses, argv, keepStorage }));
      wiping = run.catch(() => {});
      return run;
    });
    win = new BrowserWindow(windowOptions({ preload }));
    harden(win.webContents);
    await win.loadURL(START_URL);
    return win;
  });
  return { ready, window: () => win, afterWipe };
}

module.exports = {
  start, appProtocolHandler, hardenContents, refusePermissions, isFromAppWindow, wipeShell, deleteUserData,
  windowOptions, relaunchArgs, checkWipeRequest,
  SCHEME, HOST, APP_ORIGIN, START_URL, WIPE_CHANNEL, AFTER_WIPE_FLAG, SCHEME_PRIVILEGES, SECURITY_HEADERS,
  CLEAR_DATA_TYPES, CLEAR_STORAGE_TYPES, KEEP_WHILE_RUNNING, KEEP_AT_START, SERVED_DIRS,
};
