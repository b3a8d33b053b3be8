// web/src/webdav.js in headless Chromium and Firefox ESR, from a page of the app's origin,
// against the real Apache (webdav-server.mjs) on another port: so every
// request is cross-origin and goes through CORS. Upload, list, readRange and
// open work; a wrong password gives 'auth', a full quota 'quota', a server
// set up for another origin 'cors', a stopped server 'network'.
//
// The page is the harness's blank page (no CSP). The app's own pages send
// `default-src 'self'`, which blocks fetch to any WebDAV server: the app
// needs a connect-src for it (see the report of this change).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BROWSERS, launch, server, stopServer } from './browser.mjs';
import { blankPage } from './harness.mjs';
import { APACHE, apacheMissing, startWebDav } from './webdav-server.mjs';

const skip = apacheMissing() && `${APACHE} is missing (apt-get install apache2): no WebDAV server to test against`;

// In the page: new WebDavFolder(folder)[method](...args), where an arg
// { blob: n } becomes a Blob of n bytes (i % 251). The answer is { value }
// or { error: { name, code, status, message } }. Serialised by source.
const inPage = async ({ folder, method, args }) => {
  const { WebDavFolder } = await import('/src/webdav.js');
  const f = new WebDavFolder(folder);
  args = args.map((a) => (a?.blob === undefined ? a : new Blob([Uint8Array.from({ length: a.blob }, (_, i) => i % 251)])));
  try {
    let value = await f[method](...args);
    if (value instanceof Uint8Array) value = Array.from(value);
    if (value?.body) { // open(): read the stream through, count its bytes
      let n = 0;
      for (const reader = value.body.getReader(); ;) { const { done, value: chunk } = await reader.read(); if (done) break; n += chunk.length; }
      value = { size: value.size, read: n };
    }
    return { value };
  } catch (e) {
    return { error: { name: e.name, code: e.code, status: e.status, message: e.message } };
  }
};

for (const kind of BROWSERS) describe(kind, () => {
  let origin, dav, other, browser, page;
  const run = (method, args = [], folder = { url: dav.url, user: dav.user, password: dav.password }) =>
    page.evaluate(inPage, { folder, method, args });
  const t = (name, fn) => test(name, { skip, timeout: 60_000 }, fn);

  before(async () => {
    if (skip) return;
    const { url } = await server();
    origin = new URL(url).origin;
    dav = await startWebDav({ origin });
    other = await startWebDav({ origin: 'http://127.0.0.1:1' }); // CORS for some other origin only
    browser = await launch({ browser: kind });
    page = await blankPage(browser, url);
  });
  after(async () => {
    await browser?.close();
    await dav?.stop();
    await other?.stop();
  });

  t('upload, list, readRange and open through CORS; an existing name is a conflict', async () => {
    assert.deepEqual(await run('upload', ['backup.bin', { blob: 1 << 20 }]), { value: undefined });
    const onDisk = await readFile(join(dav.dir, 'backup.bin'));
    assert.equal(onDisk.length, 1 << 20);
    assert.ok(onDisk.every((b, i) => b === i % 251), 'the bytes on the server are the ones sent');
    assert.deepEqual(await readdir(dav.dir), ['backup.bin'], 'no temp file left');

    const { value: list } = await run('list');
    assert.deepEqual(list.map(({ name, size }) => ({ name, size })), [{ name: 'backup.bin', size: 1 << 20 }]);
    const { value: range } = await run('readRange', ['backup.bin', 1000, 1099]);
    assert.deepEqual(range, Array.from({ length: 100 }, (_, i) => (1000 + i) % 251));
    assert.deepEqual(await run('open', ['backup.bin']), { value: { size: 1 << 20, read: 1 << 20 } });

    const { error } = await run('upload', ['backup.bin', { blob: 3 }]);
    assert.equal(error?.code, 'conflict', error?.message);
    assert.equal((await readFile(join(dav.dir, 'backup.bin'))).length, 1 << 20, 'the old file unchanged');
    assert.deepEqual(await readdir(dav.dir), ['backup.bin']);
  });

  t('a wrong password: auth', async () => {
    const { error } = await run('list', [], { url: dav.url, user: dav.user, password: 'wrong' });
    assert.equal(error?.code, 'auth', error?.message);
    assert.equal(error.status, 401);
    assert.match(error.message, /refused the user name or app password \(401\)/);
  });

  t('a full quota: quota, and nothing left by the refused upload', async () => {
    await dav.setQuotaFull(true);
    const { error } = await run('upload', ['full.bin', { blob: 4 << 20 }]).finally(() => dav.setQuotaFull(false));
    assert.equal(error?.code, 'quota', error?.message);
    assert.equal(error.status, 507);
    assert.deepEqual(await readdir(dav.dir), ['backup.bin']);
  });

  t('a server whose CORS headers are for another origin: cors', async () => {
    const { error } = await run('list', [], { url: other.url, user: other.user, password: other.password });
    assert.equal(error?.code, 'cors', error?.message);
    assert.ok(error.message.includes(`Access-Control-Allow-Origin for ${origin}`), error.message);
  });

  // Last: it stops the server.
  t('the server stopped: network', async () => {
    await dav.stop();
    const { error } = await run('list');
    assert.equal(error?.code, 'network', error?.message);
    assert.ok(error.message.includes(`could not reach the WebDAV server at ${new URL(dav.url).origin}`), error.message);
    // Firefox reports each refused request as a page error; nothing else may be.
    assert.deepEqual(browser.errors.filter((e) => !/^Cross-Origin Request Blocked/.test(e.message)), []);
  });
});

after(stopServer);
