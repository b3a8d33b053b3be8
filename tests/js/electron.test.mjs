// The Electron shell (web/electron) under plain Node: shell.js gets fake
// app, session, BrowserWindow, protocol and ipcMain objects that record
// every call with its arguments, in order. Electron itself is not needed
// (its binary cannot be downloaded here): what these tests show is what the
// shell asks of Electron, not what Electron then does (web/electron/README.md).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, readdirSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { startServer } from '../../web/serve.mjs';
import { wipeElectronShell } from '../../web/src/wipe-electron.js';

const require = createRequire(import.meta.url);
const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const ELECTRON_DIR = join(WEB, 'electron');
const shell = require('../../web/electron/shell.js');
const { AFTER_WIPE_FLAG, START_URL, KEEP_WHILE_RUNNING, KEEP_AT_START } = shell;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- a profile folder like the one Electron keeps under userData ----

const PROFILE = {
  'Local Storage/leveldb/000003.log': 'canary-localStorage',
  'Local Storage/leveldb/CURRENT': 'MANIFEST-000001\n',
  'Local Storage/leveldb/LOCK': '',
  'Local Storage/leveldb/MANIFEST-000001': 'manifest',
  'Session Storage/000003.log': 'canary-sessionStorage',
  'IndexedDB/hush_app_0.indexeddb.leveldb/000003.log': 'canary-indexedDB',
  'IndexedDB/hush_app_0.indexeddb.leveldb/000005.ldb': 'canary-indexedDB-table',
  'File System/Origins/000003.log': 'hush_app_0',
  'File System/000/t/00/00000000': 'vault ciphertext',
  'WebStorage/QuotaManager': 'quota',
  'Service Worker/Database/000003.log': 'sw',
  'Cache/Cache_Data/data_0': 'http cache',
  'Code Cache/js/index': 'code cache',
  'GPUCache/data_0': 'gpu',
  'blob_storage/4b1f/1': 'blob',
  'Crashpad/settings.dat': 'crashpad',
  'Cookies': 'SQLite format 3',
  'Cookies-journal': '',
  'Preferences': '{"savefile":{"default_directory":"/home/someone/backups"}}',
  'Local State': '{}',
  'Network Persistent State': '{"servers":["https://dav.example"]}',
  'TransportSecurity': '{"dav.example":{}}',
  'Trust Tokens': '',
  'Custom Dictionary.txt': 'canary-word',
};

function makeProfile(dir) {
  for (const [name, text] of Object.entries(PROFILE)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  // The running instance's lock: dangling symlinks, as Chromium makes them.
  symlinkSync('hostname-4242', join(dir, 'SingletonLock'));
  symlinkSync('/tmp/.org.chromium.Chromium.x/SingletonSocket', join(dir, 'SingletonSocket'));
  symlinkSync('12345', join(dir, 'SingletonCookie'));
}

function tree(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const stat = lstatSync(full);
    if (stat.isDirectory()) out.push(...tree(full).map((n) => `${name}/${n}`));
    else out.push(name);
  }
  return out;
}

// ---- the recorder ----

let scratch;
beforeEach(() => { scratch = mkdtempSync(join(tmpdir(), 'hush-electron-')); });
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

function fakeContents(rec, label) {
  const handlers = {};
  return {
    label,
    handlers,
    openHandler: null,
    mainFrame: { url: '', processId: 7, routingId: 1 },
    on(event, fn) { rec(`${label}.on`, event); (handlers[event] ??= []).push(fn); return this; },
    setWindowOpenHandler(fn) { rec(`${label}.setWindowOpenHandler`); this.openHandler = fn; },
    emit(event, ...args) { for (const fn of handlers[event] ?? []) fn(...args); },
  };
}

// Options: lock (requestSingleInstanceLock's answer), oldSession (no
// clearData, as Electron < 33), failClearData, argv, ready (a promise).
function fakeElectron({ lock = true, oldSession = false, failClearData = false, argv = ['/opt/electron', '.'], ready = Promise.resolve() } = {}) {
  const calls = [];
  const rec = (name, ...args) => { calls.push({ name, args }); };
  const base = mkdtempSync(join(scratch, 'machine-'));
  const appData = join(base, 'config');
  const userData = join(appData, 'Hush');
  mkdirSync(userData, { recursive: true });
  const paths = { home: join(base, 'home'), appData, userData, sessionData: userData, temp: tmpdir(), desktop: join(base, 'home', 'Desktop') };
  const listeners = {};
  const app = {
    enableSandbox: () => rec('app.enableSandbox'),
    requestSingleInstanceLock: () => { rec('app.requestSingleInstanceLock'); return lock; },
    quit: () => rec('app.quit'),
    on: (event, fn) => { rec('app.on', event); (listeners[event] ??= []).push(fn); },
    emit: (event, ...args) => { for (const fn of listeners[event] ?? []) fn(...args); },
    whenReady: () => { rec('app.whenReady'); return ready; },
    getPath: (name) => {
      if (!(name in paths)) throw new Error(`Failed to get '${name}' path`);
      return paths[name];
    },
    // What the profile holds at the moment of the relaunch, to show the
    // deletion came before it.
    relaunch: (options) => rec('app.relaunch', options, { userData: tree(userData) }),
    exit: (code) => rec('app.exit', code),
  };
  const step = (name) => async (...args) => {
    rec(name, ...args);
    await sleep(5); // so a step that was not awaited shows in the order
    if (name === 'session.clearData' && failClearData) throw new Error('clearData failed');
    rec(`${name} done`);
  };
  const defaultSession = {
    setPermissionRequestHandler(fn) { rec('session.setPermissionRequestHandler'); this.requestHandler = fn; },
    setPermissionCheckHandler(fn) { rec('session.setPermissionCheckHandler'); this.checkHandler = fn; },
    setDevicePermissionHandler(fn) { rec('session.setDevicePermissionHandler'); this.deviceHandler = fn; },
    setSpellCheckerEnabled: (on) => rec('session.setSpellCheckerEnabled', on),
    clearStorageData: step('session.clearStorageData'),
    clearCache: step('session.clearCache'),
    clearAuthCache: step('session.clearAuthCache'),
  };
  if (!oldSession) defaultSession.clearData = step('session.clearData');
  const protocol = {
    registerSchemesAsPrivileged: (schemes) => rec('protocol.registerSchemesAsPrivileged', schemes),
    handle: (scheme, fn) => { rec('protocol.handle', scheme); protocol.handler = fn; },
  };
  const ipcMain = {
    handlers: {},
    handle: (channel, fn) => { rec('ipcMain.handle', channel); ipcMain.handlers[channel] = fn; },
  };
  const windows = [];
  class BrowserWindow {
    constructor(options) {
      rec('new BrowserWindow', options);
      this.options = options;
      this.destroyed = false;
      this.webContents = fakeContents(rec, 'win.webContents');
      windows.push(this);
      // As Electron does for every new webContents.
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url) { rec('win.loadURL', url); this.webContents.mainFrame.url = url; return Promise.resolve(); }
    isDestroyed() { return this.destroyed; }
    isMinimized() { return true; }
    restore() { rec('win.restore'); }
    focus() { rec('win.focus'); }
  }
  const names = () => calls.map((c) => c.name);
  const electron = { app, session: { defaultSession }, BrowserWindow, protocol, ipcMain };
  return { electron, calls, names, rec, app, ses: defaultSession, protocol, ipcMain, windows, userData, paths, argv };
}

async function started(options = {}) {
  const fake = fakeElectron(options);
  const preload = join(ELECTRON_DIR, 'preload.js');
  const result = shell.start(fake.electron, { webRoot: WEB, preload, argv: fake.argv });
  const win = await result.ready;
  return { ...fake, result, win, preload };
}

// The event Electron gives ipcMain.handle for a message from the window.
const fromWindow = (win) => ({ sender: win.webContents, senderFrame: win.webContents.mainFrame, processId: 7, frameId: 1 });
const invokeWipe = (fake, event, request) => (async () => fake.ipcMain.handlers['hush:wipe'](event, request))();
const sessionCalls = (fake) => fake.calls.filter((c) => /^(session\.clear|app\.relaunch|app\.exit)/.test(c.name));

// ---- start-up ----

test('before ready: the sandbox, the privileged scheme and the single-instance lock, nothing else', async () => {
  let release;
  const fake = fakeElectron({ ready: new Promise((resolve) => { release = resolve; }) });
  const result = shell.start(fake.electron, { webRoot: WEB, preload: '/p/preload.js', argv: fake.argv });
  await sleep(5);
  assert.deepEqual(fake.names().filter((n) => n !== 'app.on'), [
    'app.enableSandbox', 'protocol.registerSchemesAsPrivileged', 'app.requestSingleInstanceLock', 'app.whenReady']);
  assert.deepEqual(fake.calls[1].args, [[{ scheme: 'hush', privileges: { standard: true, secure: true, supportFetchAPI: true } }]]);
  assert.deepEqual(fake.calls.filter((c) => c.name === 'app.on').map((c) => c.args[0]).sort(),
    ['second-instance', 'web-contents-created', 'window-all-closed']);
  release();
  await result.ready;
  assert.ok(fake.names().includes('new BrowserWindow'));
});

test('after ready: permissions refused, hush:// served and the wipe handler set before the window opens hush://app/app/', async () => {
  const fake = await started();
  const after = fake.names().slice(fake.names().indexOf('app.whenReady') + 1).filter((n) => !n.startsWith('win.webContents.on'));
  assert.deepEqual(after, [
    'session.setPermissionRequestHandler', 'session.setPermissionCheckHandler', 'session.setDevicePermissionHandler',
    'session.setSpellCheckerEnabled', 'protocol.handle', 'ipcMain.handle', 'new BrowserWindow',
    'win.webContents.setWindowOpenHandler', 'win.loadURL']);
  assert.deepEqual(fake.calls.find((c) => c.name === 'protocol.handle').args, ['hush']);
  assert.deepEqual(fake.calls.find((c) => c.name === 'ipcMain.handle').args, ['hush:wipe']);
  assert.deepEqual(fake.calls.find((c) => c.name === 'win.loadURL').args, ['hush://app/app/']);
  assert.deepEqual(fake.calls.find((c) => c.name === 'session.setSpellCheckerEnabled').args, [false]);
  assert.equal(START_URL, 'hush://app/app/');
});

test('the window: every option of the security checklist', async () => {
  const fake = await started();
  const { webPreferences, ...rest } = fake.calls.find((c) => c.name === 'new BrowserWindow').args[0];
  assert.deepEqual(webPreferences, {
    preload: fake.preload,
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
    spellcheck: false,
    navigateOnDragDrop: false,
  });
  assert.deepEqual(Object.keys(rest).sort(), ['height', 'title', 'width']);
  assert.equal(fake.windows.length, 1);
});

test('the window is hardened once although web-contents-created also saw it', async () => {
  const fake = await started();
  const events = fake.calls.filter((c) => c.name === 'win.webContents.on').map((c) => c.args[0]).sort();
  assert.deepEqual(events, ['will-attach-webview', 'will-frame-navigate', 'will-navigate', 'will-redirect']);
  assert.equal(fake.calls.filter((c) => c.name === 'win.webContents.setWindowOpenHandler').length, 1);
});

function navigation(url) {
  return { url, prevented: false, preventDefault() { this.prevented = true; } };
}

test('navigation: only within hush://app; new windows and <webview> denied; any later webContents too', async () => {
  const fake = await started();
  const contents = fake.win.webContents;
  for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
    for (const url of ['https://example.org/', 'http://127.0.0.1:8080/app/', 'file:///etc/passwd', 'hush://other/app/',
      'hush://app.evil/app/', 'hush://user@app/app/', 'javascript:alert(1)', 'data:text/html,hi', 'not a url']) {
      const nav = navigation(url);
      contents.emit(event, nav);
      assert.equal(nav.prevented, true, `${event} ${url}`);
    }
    for (const url of ['hush://app/app/', 'hush://app/app/lock-screen-demo.html?x=1']) {
      const nav = navigation(url);
      contents.emit(event, nav);
      assert.equal(nav.prevented, false, `${event} ${url}`);
    }
  }
  // Electron < 25's signature: the URL as the second argument.
  const old = { prevented: false, preventDefault() { this.prevented = true; } };
  contents.emit('will-navigate', old, 'https://example.org/');
  assert.equal(old.prevented, true);

  for (const url of ['https://example.org/', 'hush://app/app/', 'about:blank']) {
    assert.deepEqual(contents.openHandler({ url, frameName: '', features: '', disposition: 'new-window' }), { action: 'deny' });
  }
  const webview = navigation('hush://app/app/');
  contents.emit('will-attach-webview', webview, {}, {});
  assert.equal(webview.prevented, true);

  const other = fakeContents(fake.rec, 'other');
  fake.app.emit('web-contents-created', {}, other);
  const nav = navigation('https://example.org/');
  other.emit('will-navigate', nav);
  assert.equal(nav.prevented, true);
  assert.deepEqual(other.openHandler({ url: 'https://example.org/' }), { action: 'deny' });
});

test('permissions: the request, check and device handlers refuse everything', async () => {
  const fake = await started();
  for (const permission of ['notifications', 'clipboard-read', 'clipboard-sanitized-write', 'media', 'persistent-storage',
    'fileSystem', 'local-network-access', 'geolocation', 'openExternal', 'unknown']) {
    const answers = [];
    fake.ses.requestHandler(fake.win.webContents, permission, (granted) => answers.push(granted), { requestingUrl: 'hush://app/app/' });
    assert.deepEqual(answers, [false], permission);
    assert.equal(fake.ses.checkHandler(fake.win.webContents, permission, 'hush://app', {}), false, permission);
  }
  assert.equal(fake.ses.deviceHandler({ deviceType: 'usb', origin: 'hush://app' }), false);
});

test('a second instance quits at once; a second launch focuses the window; closing it quits', async () => {
  const second = fakeElectron({ lock: false });
  const result = shell.start(second.electron, { webRoot: WEB, preload: '/p', argv: second.argv });
  assert.equal(await result.ready, null);
  assert.deepEqual(second.names(), ['app.enableSandbox', 'protocol.registerSchemesAsPrivileged', 'app.requestSingleInstanceLock', 'app.quit']);

  const fake = await started();
  fake.app.emit('second-instance', {}, [], '/');
  assert.deepEqual(fake.names().slice(-2), ['win.restore', 'win.focus']);
  fake.app.emit('window-all-closed');
  assert.equal(fake.names().at(-1), 'app.quit');
});

// ---- the wipe over IPC ----

test('IPC: a wipe from anything but the window\'s main frame on hush://app is refused and changes nothing', async () => {
  const fake = await started();
  makeProfile(fake.userData);
  const before = tree(fake.userData);
  const win = fake.win;
  const stranger = fakeContents(fake.rec, 'stranger');
  stranger.mainFrame.url = 'hush://app/app/';
  const refused = {
    'another webContents': { sender: stranger, senderFrame: stranger.mainFrame },
    'a subframe': { sender: win.webContents, senderFrame: { url: 'hush://app/app/', processId: 7, routingId: 2 } },
    'a frame of another process': { sender: win.webContents, senderFrame: { url: 'hush://app/app/', processId: 8, routingId: 1 } },
    'no senderFrame (gone)': { sender: win.webContents, senderFrame: null },
    'no sender': {},
  };
  for (const [what, event] of Object.entries(refused)) {
    await assert.rejects(invokeWipe(fake, event, { keepStorage: false }), /refused/, what);
  }
  // The main frame itself, once it shows something else.
  win.webContents.mainFrame.url = 'https://example.org/';
  await assert.rejects(invokeWipe(fake, fromWindow(win), { keepStorage: false }), /refused/);
  win.webContents.mainFrame.url = 'hush://app/app/';
  win.destroyed = true;
  await assert.rejects(invokeWipe(fake, fromWindow(win), { keepStorage: false }), /refused/);
  win.destroyed = false;

  // The right sender with a malformed request.
  for (const request of [undefined, null, {}, [], 'keepStorage', { keepStorage: 'yes' }, { keepStorage: 1 }, { keepStorage: false, more: 1 }]) {
    await assert.rejects(invokeWipe(fake, fromWindow(win), request), TypeError, JSON.stringify(request));
  }
  await sleep(20);
  assert.deepEqual(sessionCalls(fake), []);
  assert.deepEqual(tree(fake.userData), before);
});

test('IPC: a full wipe clears data, then the cache, deletes the profile\'s files, relaunches with the flag and exits, in that order', async () => {
  const fake = await started();
  makeProfile(fake.userData);
  const outside = join(scratch, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep.txt'), 'not the app\'s');
  symlinkSync(outside, join(fake.userData, 'link-out'));

  const result = await invokeWipe(fake, fromWindow(fake.win), { keepStorage: false });
  assert.equal(result.relaunched, true);
  assert.deepEqual(sessionCalls(fake).map((c) => c.name), [
    'session.clearData', 'session.clearData done', 'session.clearCache', 'session.clearCache done',
    'session.clearAuthCache', 'session.clearAuthCache done', 'app.relaunch', 'app.exit']);
  assert.deepEqual(fake.calls.find((c) => c.name === 'session.clearData').args, [], 'clearData() with no options: every type');
  const relaunch = fake.calls.find((c) => c.name === 'app.relaunch');
  assert.deepEqual(relaunch.args[0], { args: ['.', AFTER_WIPE_FLAG] });
  assert.deepEqual(relaunch.args[1].userData, ['SingletonCookie', 'SingletonLock', 'SingletonSocket'], 'deleted before the relaunch');
  assert.deepEqual(fake.calls.find((c) => c.name === 'app.exit').args, [0]);
  assert.deepEqual(tree(outside), ['keep.txt'], 'a symlink out of the profile is unlinked, not followed');
});

test('IPC: keepStorage (duress) clears every type but the file systems and the cache; no file deleted, no relaunch', async () => {
  const fake = await started();
  makeProfile(fake.userData);
  const before = tree(fake.userData);
  const result = await invokeWipe(fake, fromWindow(fake.win), { keepStorage: true });
  assert.deepEqual(result, { relaunched: false });
  assert.deepEqual(sessionCalls(fake).map((c) => c.name), [
    'session.clearData', 'session.clearData done', 'session.clearCache', 'session.clearCache done',
    'session.clearAuthCache', 'session.clearAuthCache done']);
  const { dataTypes } = fake.calls.find((c) => c.name === 'session.clearData').args[0];
  assert.deepEqual(dataTypes, ['backgroundFetch', 'cache', 'cookies', 'downloads', 'indexedDB', 'localStorage', 'serviceWorkers', 'webSQL']);
  assert.ok(!dataTypes.includes('fileSystems'));
  assert.deepEqual(tree(fake.userData), before);
});

test('IPC: on Electron without clearData, clearStorageData for every storage type (keepStorage: all but filesystem)', async () => {
  const fake = await started({ oldSession: true });
  await invokeWipe(fake, fromWindow(fake.win), { keepStorage: true });
  assert.deepEqual(fake.calls.find((c) => c.name === 'session.clearStorageData').args,
    [{ storages: ['cookies', 'indexdb', 'localstorage', 'shadercache', 'serviceworkers', 'cachestorage'] }]);
  await invokeWipe(fake, fromWindow(fake.win), { keepStorage: false });
  assert.deepEqual(fake.calls.filter((c) => c.name === 'session.clearStorageData').at(-1).args, [{}]);
  assert.equal(fake.names().at(-1), 'app.exit');
});

test('IPC: a failing step does not stop the wipe', async () => {
  const keep = await started({ failClearData: true });
  await assert.rejects(invokeWipe(keep, fromWindow(keep.win), { keepStorage: true }), /clearData: clearData failed/);
  assert.ok(keep.names().includes('session.clearCache done'), 'the cache is still cleared');
  assert.ok(!keep.names().includes('app.relaunch'));

  const full = await started({ failClearData: true });
  makeProfile(full.userData);
  const result = await invokeWipe(full, fromWindow(full.win), { keepStorage: false });
  assert.deepEqual(result.errors, ['clearData: clearData failed']);
  assert.deepEqual(tree(full.userData), ['SingletonCookie', 'SingletonLock', 'SingletonSocket']);
  assert.deepEqual(full.names().slice(-2), ['app.relaunch', 'app.exit']);
});

test('IPC: wipes run one at a time, in the order asked', async () => {
  const fake = await started();
  await Promise.all([
    invokeWipe(fake, fromWindow(fake.win), { keepStorage: true }),
    invokeWipe(fake, fromWindow(fake.win), { keepStorage: false }),
  ]);
  const names = sessionCalls(fake).map((c) => c.name);
  assert.deepEqual(names.slice(0, 6), ['session.clearData', 'session.clearData done', 'session.clearCache', 'session.clearCache done',
    'session.clearAuthCache', 'session.clearAuthCache done']);
  assert.ok(fake.calls.filter((c) => c.name === 'session.clearData')[0].args[0].dataTypes, 'the keepStorage wipe first');
  assert.deepEqual(fake.calls.filter((c) => c.name === 'session.clearData')[1].args, []);
  assert.deepEqual(names.slice(-2), ['app.relaunch', 'app.exit']);
});

// ---- the profile's files ----

test('deleteUserData: every file of the profile goes but the running instance\'s lock', () => {
  const dir = join(scratch, 'userData');
  makeProfile(dir);
  const { removed, kept, errors } = shell.deleteUserData(dir, { keep: KEEP_WHILE_RUNNING });
  assert.deepEqual(errors, []);
  assert.deepEqual(kept, ['SingletonCookie', 'SingletonLock', 'SingletonSocket']);
  assert.deepEqual(tree(dir), ['SingletonCookie', 'SingletonLock', 'SingletonSocket']);
  for (const name of ['Local Storage', 'IndexedDB', 'File System', 'Session Storage', 'Cookies', 'Preferences', 'Crashpad', 'Custom Dictionary.txt']) {
    assert.ok(removed.includes(name), name);
  }
  // What is left are the lock's symlinks: no file with content at all.
  for (const name of tree(dir)) assert.ok(lstatSync(join(dir, name)).isSymbolicLink(), name);
});

test('deleteUserData at the relaunch also keeps Crashpad (its handler already runs)', () => {
  const dir = join(scratch, 'userData');
  makeProfile(dir);
  shell.deleteUserData(dir, { keep: KEEP_AT_START });
  assert.deepEqual(tree(dir), ['Crashpad/settings.dat', 'SingletonCookie', 'SingletonLock', 'SingletonSocket']);
});

test('deleteUserData refuses a folder that is not the app\'s own, and deletes nothing there', () => {
  const home = join(scratch, 'home');
  makeProfile(home);
  const before = tree(home);
  assert.throws(() => shell.deleteUserData(home, { keep: [], forbidden: [home] }), /refusing/);
  assert.throws(() => shell.deleteUserData('/', { keep: [] }), /refusing/);
  assert.throws(() => shell.deleteUserData('relative/path', { keep: [] }), /absolute/);
  assert.deepEqual(tree(home), before);
  assert.deepEqual(shell.deleteUserData(join(scratch, 'missing'), { keep: [] }), { removed: [], kept: [], errors: [] });
});

test('a full wipe refuses to delete when userData is the home folder, and still relaunches', async () => {
  const fake = await started();
  makeProfile(fake.paths.home);
  fake.paths.userData = fake.paths.home;
  fake.paths.sessionData = fake.paths.home;
  const before = tree(fake.paths.home);
  const result = await invokeWipe(fake, fromWindow(fake.win), { keepStorage: false });
  assert.match(result.errors.join(), /refusing/);
  assert.deepEqual(tree(fake.paths.home), before);
});

test('the relaunch after a wipe deletes the profile\'s files before ready; a normal start deletes nothing', async () => {
  let release;
  const fake = fakeElectron({ argv: ['/opt/electron', '.', AFTER_WIPE_FLAG], ready: new Promise((resolve) => { release = resolve; }) });
  makeProfile(fake.userData);
  const result = shell.start(fake.electron, { webRoot: WEB, preload: '/p', argv: fake.argv });
  assert.deepEqual(tree(fake.userData), ['Crashpad/settings.dat', 'SingletonCookie', 'SingletonLock', 'SingletonSocket'], 'done when start() returns');
  assert.deepEqual(result.afterWipe[0].errors, []);
  release();
  await result.ready;

  const normal = fakeElectron();
  makeProfile(normal.userData);
  const before = tree(normal.userData);
  await shell.start(normal.electron, { webRoot: WEB, preload: '/p', argv: normal.argv }).ready;
  assert.deepEqual(tree(normal.userData), before);
});

test('relaunch arguments: the same ones with the flag, once', () => {
  assert.deepEqual(shell.relaunchArgs(['/opt/electron', '.']), ['.', AFTER_WIPE_FLAG]);
  assert.deepEqual(shell.relaunchArgs(['/opt/Hush', AFTER_WIPE_FLAG, '--x']), ['--x', AFTER_WIPE_FLAG]);
});

// ---- hush:// ----

const handler = shell.appProtocolHandler({ root: WEB });
const get = (url, extra = {}) => handler({ url, method: 'GET', ...extra });

test('hush://app serves the app\'s files with the right type and the strict headers', async () => {
  const page = await get('hush://app/app/');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(await page.text(), readFileSync(join(WEB, 'app/index.html'), 'utf8'));
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(csp, /worker-src 'self';/);
  assert.match(csp, /connect-src 'self' https: http:\/\/127\.0\.0\.1:\* http:\/\/localhost:\*;/);
  assert.match(csp, /default-src 'self';/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('cache-control'), 'no-store');
  assert.equal(page.headers.get('cross-origin-resource-policy'), 'same-origin');

  const wasm = await get('hush://app/dist/hush-core.wasm', { initiatorOrigin: 'hush://app' });
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.deepEqual(Buffer.from(await wasm.arrayBuffer()), readFileSync(join(WEB, 'dist/hush-core.wasm')));
  assert.equal((await get('hush://app/src/worker.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await get('hush://app/dist/hush-core.mjs')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await get('hush://app/app/app.css')).headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal((await get('hush://app/app/icon.svg')).headers.get('content-type'), 'image/svg+xml');
  const head = await handler({ url: 'hush://app/app/index.html', method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('hush://app: the same CSP as web/serve.mjs', async () => {
  const { server, url } = await startServer();
  try {
    const web = await fetch(`${url}/app/index.html`);
    await web.arrayBuffer();
    const ours = await get('hush://app/app/index.html');
    assert.equal(ours.headers.get('content-security-policy'), web.headers.get('content-security-policy'));
  } finally {
    server.close();
  }
});

test('hush://app refuses traversal, other folders, other hosts and other origins', async () => {
  const secret = readFileSync(join(WEB, 'serve.mjs'), 'utf8');
  for (const url of [
    'hush://app/app/../serve.mjs', 'hush://app/app/%2e%2e/serve.mjs', 'hush://app/app/..%2fserve.mjs',
    'hush://app/app/..%2F..%2Fetc%2Fpasswd', 'hush://app/app/..%5cserve.mjs', 'hush://app/app/%00index.html',
    'hush://app/app/%E0%A4%A', 'hush://app/serve.mjs', 'hush://app/relay/relay.js', 'hush://app/electron/shell.js',
    'hush://app/', 'hush://app/app//index.html', 'hush://app/app', 'hush://app/app/missing.js',
    'hush://other/app/index.html', 'hush://app.evil/app/index.html', 'https://app/app/index.html', 'file:///etc/passwd',
  ]) {
    const response = await get(url);
    assert.equal(response.status, 404, url);
    assert.notEqual(await response.text(), secret, url);
  }
  const foreign = await get('hush://app/app/index.html', { initiatorOrigin: 'https://example.org' });
  assert.equal(foreign.status, 403);
  assert.equal((await get('hush://app/app/index.html', { initiatorOrigin: 'null' })).status, 403);
  assert.equal((await handler({ url: 'hush://app/app/index.html', method: 'POST' })).status, 405);
});

test('hush://app refuses a symlink out of the served folders', async () => {
  const root = join(scratch, 'web');
  mkdirSync(join(root, 'app'), { recursive: true });
  writeFileSync(join(root, 'secret.txt'), 'secret');
  writeFileSync(join(root, 'app', 'ok.js'), 'ok');
  symlinkSync(join(root, 'secret.txt'), join(root, 'app', 'link.js'));
  const local = shell.appProtocolHandler({ root });
  assert.equal((await local({ url: 'hush://app/app/ok.js', method: 'GET' })).status, 200);
  assert.equal((await local({ url: 'hush://app/app/link.js', method: 'GET' })).status, 404);
});

test('hush://app/clear-site-data answers as web/serve.mjs does', async () => {
  const all = await handler({ url: 'hush://app/clear-site-data', method: 'POST', initiatorOrigin: 'hush://app' });
  assert.equal(all.status, 204);
  assert.equal(all.headers.get('clear-site-data'), '"*"');
  const some = await handler({ url: 'hush://app/clear-site-data?types=cache,cookies,bogus', method: 'POST' });
  assert.equal(some.headers.get('clear-site-data'), '"cache", "cookies"');
  assert.equal((await get('hush://app/clear-site-data')).status, 405);
});

// ---- preload.js and main.js, run with a fake require('electron') ----

function runCommonJs(file, modules) {
  const module = { exports: {} };
  const fakeRequire = (name) => {
    if (!(name in modules)) throw new Error(`unexpected require(${JSON.stringify(name)})`);
    return modules[name];
  };
  vm.runInNewContext(readFileSync(file, 'utf8'), {
    require: fakeRequire, module, exports: module.exports, __dirname: dirname(file), __filename: file,
    process: { argv: ['/opt/electron', '.'] }, console, Promise, TypeError, Object,
  }, { filename: file });
  return module.exports;
}

function loadPreload() {
  const exposed = {};
  const invoked = [];
  runCommonJs(join(ELECTRON_DIR, 'preload.js'), {
    electron: {
      contextBridge: { exposeInMainWorld: (key, api) => { exposed[key] = api; } },
      ipcRenderer: { invoke: (channel, ...args) => { invoked.push([channel, ...args]); return Promise.resolve({ relaunched: false }); } },
    },
  });
  return { exposed, invoked };
}

test('preload: exposes hushShell with one call, wipe, which invokes hush:wipe with a boolean', async () => {
  const { exposed, invoked } = loadPreload();
  assert.deepEqual(Object.keys(exposed), ['hushShell']);
  assert.deepEqual(Object.keys(exposed.hushShell), ['wipe']);
  assert.ok(Object.isFrozen(exposed.hushShell));
  assert.deepEqual(await exposed.hushShell.wipe({ keepStorage: true }), { relaunched: false });
  await exposed.hushShell.wipe();
  await exposed.hushShell.wipe({});
  // The preload ran in its own realm: compare plain data.
  assert.deepEqual(JSON.parse(JSON.stringify(invoked)), [['hush:wipe', { keepStorage: true }], ['hush:wipe', { keepStorage: false }], ['hush:wipe', { keepStorage: false }]]);
  await assert.rejects(exposed.hushShell.wipe({ keepStorage: 'yes' }), /must be a boolean/);
  assert.equal(invoked.length, 3);
});

test('main.js: hands Electron\'s modules, web/ and preload.js to shell.start', () => {
  const electron = { app: { exit() {} }, session: {}, BrowserWindow: class {}, protocol: {}, ipcMain: {} };
  const started = [];
  runCommonJs(join(ELECTRON_DIR, 'main.js'), {
    'node:path': require('node:path'),
    electron,
    './shell.js': { start: (modules, options) => { started.push([modules, options]); return { ready: Promise.resolve() }; } },
  });
  assert.equal(started.length, 1);
  const [modules, options] = started[0];
  assert.deepEqual(Object.keys(modules).sort(), ['BrowserWindow', 'app', 'ipcMain', 'protocol', 'session']);
  for (const key of Object.keys(modules)) assert.equal(modules[key], electron[key]);
  assert.equal(options.webRoot, join(ELECTRON_DIR, '..'));
  assert.equal(options.preload, join(ELECTRON_DIR, 'preload.js'));
});

test('package.json pins one exact Electron version and starts with electron .', () => {
  const pkg = JSON.parse(readFileSync(join(ELECTRON_DIR, 'package.json'), 'utf8'));
  assert.match(pkg.devDependencies.electron, /^\d+\.\d+\.\d+$/);
  assert.ok(Number(pkg.devDependencies.electron.split('.')[0]) >= 33, 'session.clearData needs Electron 33');
  assert.equal(pkg.scripts.start, 'electron .');
  assert.equal(pkg.main, 'main.js');
});

// ---- web/src/wipe-electron.js ----

test('wipeElectronShell: nothing without the bridge; the bridge with a boolean; its failure reported', async () => {
  const saved = globalThis.hushShell;
  try {
    delete globalThis.hushShell;
    assert.deepEqual(await wipeElectronShell({ keepStorage: true }), []);
    globalThis.hushShell = { wipe: 'not a function' };
    assert.deepEqual(await wipeElectronShell(), []);

    const asked = [];
    globalThis.hushShell = { wipe: async (request) => { asked.push(request); } };
    assert.deepEqual(await wipeElectronShell({ keepStorage: true }), []);
    assert.deepEqual(await wipeElectronShell({ keepStorage: false }), []);
    assert.deepEqual(await wipeElectronShell(), []);
    assert.deepEqual(await wipeElectronShell({ keepStorage: 1 }), []);
    assert.deepEqual(asked, [{ keepStorage: true }, { keepStorage: false }, { keepStorage: false }, { keepStorage: true }]);

    const failure = new Error('refused');
    globalThis.hushShell = { wipe: async () => { throw failure; } };
    assert.deepEqual(await wipeElectronShell({ keepStorage: false }), [failure]);
  } finally {
    if (saved === undefined) delete globalThis.hushShell; else globalThis.hushShell = saved;
  }
});

test('the whole path: wipeElectronShell -> preload bridge -> ipcMain handler -> the session', async () => {
  const fake = await started();
  makeProfile(fake.userData);
  const exposed = {};
  runCommonJs(join(ELECTRON_DIR, 'preload.js'), {
    electron: {
      contextBridge: { exposeInMainWorld: (key, api) => { exposed[key] = api; } },
      // What Electron does with an invoke from the window's main frame.
      ipcRenderer: { invoke: (channel, ...args) => (async () => fake.ipcMain.handlers[channel](fromWindow(fake.win), ...args))() },
    },
  });
  const saved = globalThis.hushShell;
  globalThis.hushShell = exposed.hushShell;
  try {
    assert.deepEqual(await wipeElectronShell({ keepStorage: true }), []);
    assert.ok(fake.calls.find((c) => c.name === 'session.clearData').args[0].dataTypes);
    assert.ok(!fake.names().includes('app.relaunch'));
    assert.deepEqual(await wipeElectronShell({ keepStorage: false }), []);
    assert.deepEqual(fake.names().slice(-2), ['app.relaunch', 'app.exit']);
    assert.deepEqual(tree(fake.userData), ['SingletonCookie', 'SingletonLock', 'SingletonSocket']);
  } finally {
    if (saved === undefined) delete globalThis.hushShell; else globalThis.hushShell = saved;
  }
});

// After a duress unlock hush.js sets the new vault's files aside and asks
// wipePageStorage for a full Clear-Site-Data (keepStorage false), but the
// vault stays (keepVault): the shell must then keep its storage and not
// relaunch, or the new vault is lost and the app looks freshly wiped.
test('wipePageStorage: after a duress unlock the shell is asked to keep storage, whatever Clear-Site-Data does', async () => {
  const { wipePageStorage } = await import('../../web/src/wipe.js');
  const saved = { hushShell: globalThis.hushShell, navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator') };
  const asked = [];
  globalThis.hushShell = { wipe: async (request) => { asked.push(request); } };
  Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true }); // no service workers here
  try {
    await wipePageStorage({ keepStorage: false, keepVault: true });
    await wipePageStorage({ keepStorage: false, keepVault: false });
    await wipePageStorage({ keepStorage: true });
    assert.deepEqual(asked, [{ keepStorage: true }, { keepStorage: false }, { keepStorage: true }]);
  } finally {
    if (saved.hushShell === undefined) delete globalThis.hushShell; else globalThis.hushShell = saved.hushShell;
    if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator); else delete globalThis.navigator;
  }
});
