'use strict';
// The Electron entry point: hands Electron's modules to shell.js, which does
// everything (and is tested without Electron). The app is served from web/
// (web/app, web/src, web/dist) as hush://app/.
const path = require('node:path');
const { app, session, BrowserWindow, protocol, ipcMain } = require('electron');
const { start } = require('./shell.js');

const { ready } = start({ app, session, BrowserWindow, protocol, ipcMain }, {
  webRoot: path.join(__dirname, '..'),
  preload: path.join(__dirname, 'preload.js'),
  argv: process.argv,
});
// A window that cannot load the app is no use: say why and end.
ready.catch((error) => {
  console.error('Hush could not start:', error);
  app.exit(1);
});
