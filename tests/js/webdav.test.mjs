// web/src/webdav.js under Node against a real Apache mod_dav
// (tests/e2e/webdav-server.mjs), plus raw checks of that server's CORS and
// auth config with Node's fetch. Skipped if /usr/sbin/apache2 is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APACHE, apacheMissing, startWebDav } from '../e2e/webdav-server.mjs';
import { WebDavError, WebDavFolder, parseMultistatus } from '../../web/src/webdav.js';

const ORIGIN = 'http://127.0.0.1:8080';
const skip = apacheMissing() && `${APACHE} is missing (apt-get install apache2): no WebDAV server to test against`;
let dav;
let folder;

before(async () => {
  if (skip) return;
  dav = await startWebDav({ origin: ORIGIN });
  folder = new WebDavFolder({ url: dav.url, user: dav.user, password: dav.password });
});
after(() => dav?.stop());

const onDisk = async () => (await readdir(dav.dir)).sort();
const names = async () => (await folder.list()).map((f) => f.name).sort();
const rejectsWith = (promise, code) => assert.rejects(promise, (e) => {
  assert.ok(e instanceof WebDavError, `a WebDavError, not ${e}`);
  assert.equal(e.code, code, e.message);
  return true;
});

// One test per case, each with its own file names; they run in order.
const davTest = (name, fn) => test(name, { skip }, fn);

davTest('list of an empty folder', async () => {
  assert.deepEqual(await folder.list(), []);
});

const data = randomBytes(300_000);

davTest('upload, then list shows the file with its size; no temp file left', async () => {
  const before = Date.now();
  await folder.upload('backup one.bin', new Blob([data]));
  const list = await folder.list();
  assert.equal(list.length, 1);
  assert.equal(list[0].name, 'backup one.bin');
  assert.equal(list[0].size, data.length);
  assert.ok(Math.abs(list[0].modified - before) < 5_000, 'modified is a time in ms');
  assert.deepEqual(await onDisk(), ['backup one.bin'], 'only the final file on disk');
  assert.deepEqual(await readFile(join(dav.dir, 'backup one.bin')), data);
});

davTest('readRange gives the bytes asked for', async () => {
  assert.deepEqual(Buffer.from(await folder.readRange('backup one.bin', 0, 15)), data.subarray(0, 16));
  assert.deepEqual(Buffer.from(await folder.readRange('backup one.bin', 1000, 70_999)), data.subarray(1000, 71_000));
});

davTest('readRange on a server that ignores Range (200) reads only what it needs', async () => {
  let cancelled = false;
  // Answers 200 with the whole file, in 1000-byte chunks, and notes a cancel.
  const fakeFetch = async () => new Response(new ReadableStream({
    start() { this.at = 0; },
    pull(c) { if (this.at >= data.length) c.close(); else { c.enqueue(data.subarray(this.at, this.at + 1000)); this.at += 1000; } },
    cancel() { cancelled = true; },
  }), { status: 200 });
  const f = new WebDavFolder({ url: dav.url, user: 'u', password: 'p', fetch: fakeFetch });
  assert.deepEqual(Buffer.from(await f.readRange('x', 2500, 4999)), data.subarray(2500, 5000));
  assert.ok(cancelled, 'the rest of the body was cancelled');
});

davTest('open streams the whole file', async () => {
  const { body, size } = await folder.open('backup one.bin');
  assert.equal(size, data.length);
  const chunks = [];
  for await (const chunk of body) chunks.push(chunk);
  assert.deepEqual(Buffer.concat(chunks), data);
});

davTest('upload of an existing name: conflict, and the old file unchanged', async () => {
  await rejectsWith(folder.upload('backup one.bin', new Blob(['other bytes'])), 'conflict');
  assert.deepEqual(await readFile(join(dav.dir, 'backup one.bin')), data);
  assert.deepEqual(await onDisk(), ['backup one.bin'], 'no temp file left');
});

davTest('wrong password: auth', async () => {
  const bad = new WebDavFolder({ url: dav.url, user: dav.user, password: 'wrong' });
  await rejectsWith(bad.list(), 'auth');
  await rejectsWith(bad.upload('x.bin', new Blob(['x'])), 'auth');
  assert.deepEqual(await onDisk(), ['backup one.bin']);
});

davTest('quota full: quota, and no file left behind (neither temp nor final)', async () => {
  await dav.setQuotaFull(true);
  try {
    const e = await folder.upload('full.bin', new Blob([data])).catch((error) => error);
    assert.ok(e instanceof WebDavError, String(e));
    assert.equal(e.code, 'quota');
    assert.equal(e.status, 507);
    assert.match(e.message, /full/);
  } finally {
    await dav.setQuotaFull(false);
  }
  assert.deepEqual(await onDisk(), ['backup one.bin']);
});

davTest('an abort during the PUT leaves no file, and rethrows the AbortError', async () => {
  const controller = new AbortController();
  // Abort 20 ms into the PUT of 64 MB (loopback takes longer than that).
  const seen = [];
  const slowFetch = (url, init) => {
    seen.push(init?.method);
    if (init?.method === 'PUT') setTimeout(() => controller.abort(), 20);
    return fetch(url, init);
  };
  const f = new WebDavFolder({ url: dav.url, user: dav.user, password: dav.password, fetch: slowFetch });
  await assert.rejects(f.upload('aborted.bin', new Blob([randomBytes(64 << 20)]), { signal: controller.signal }),
    (e) => e.name === 'AbortError');
  assert.deepEqual(seen, ['PUT', 'DELETE'], 'cut during the PUT, never moved');
  // Apache may still be reading the cut-off body; give it a moment.
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await onDisk(), ['backup one.bin']);
});

davTest('an abort between the PUT and the MOVE leaves no file (the temp file is deleted)', async () => {
  const controller = new AbortController();
  const seen = [];
  const abortAtMove = (url, init) => {
    seen.push(init?.method ?? 'GET');
    if (init?.method === 'MOVE') controller.abort();
    return fetch(url, init);
  };
  const f = new WebDavFolder({ url: dav.url, user: dav.user, password: dav.password, fetch: abortAtMove });
  await assert.rejects(f.upload('cut.bin', new Blob([data]), { signal: controller.signal }), (e) => e.name === 'AbortError');
  assert.deepEqual(seen, ['PUT', 'MOVE', 'DELETE']);
  assert.deepEqual(await onDisk(), ['backup one.bin']);
});

davTest('list shows only the files directly in the folder, with decoded names', async () => {
  const odd = 'a&b <c> ü #1%.bin';
  await folder.upload(odd, new Blob(['odd']));
  await fetch(new URL('sub/', dav.url), { method: 'MKCOL', headers: { Authorization: basic(dav.user, dav.password) } });
  await new WebDavFolder({ url: new URL('sub', dav.url).href, user: dav.user, password: dav.password })
    .upload('inner.bin', new Blob(['inner']));
  assert.deepEqual(await names(), ['a&b <c> ü #1%.bin', 'backup one.bin']);
  assert.equal((await folder.list()).find((f) => f.name === odd).size, 3);
});

davTest('remove; removing a missing file: not-found', async () => {
  await folder.remove('a&b <c> ü #1%.bin');
  assert.deepEqual(await names(), ['backup one.bin']);
  await rejectsWith(folder.remove('a&b <c> ü #1%.bin'), 'not-found');
  await rejectsWith(folder.readRange('gone.bin', 0, 1), 'not-found');
});

const basic = (u, p) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

davTest('raw: a preflight from the allowed origin gets 200 and the CORS headers, without auth', async () => {
  const r = await fetch(new URL('.upload-x.part', dav.url), { method: 'OPTIONS', headers: {
    Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization,content-type' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
  const methods = r.headers.get('access-control-allow-methods');
  for (const m of ['GET', 'PUT', 'DELETE', 'PROPFIND', 'MOVE', 'OPTIONS']) assert.match(methods, new RegExp(`\\b${m}\\b`));
  const allowed = r.headers.get('access-control-allow-headers').toLowerCase();
  for (const h of ['authorization', 'depth', 'destination', 'overwrite', 'content-type', 'range']) assert.ok(allowed.includes(h), h);
  const exposed = r.headers.get('access-control-expose-headers').toLowerCase();
  for (const h of ['content-length', 'content-range', 'etag']) assert.ok(exposed.includes(h), h);
});

davTest('raw: another origin gets no Access-Control-Allow-Origin', async () => {
  for (const origin of ['http://127.0.0.1:8081', 'http://evil.example', `${ORIGIN}.evil.example`]) {
    const r = await fetch(dav.url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PROPFIND' } });
    assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
    const g = await fetch(dav.url, { method: 'PROPFIND', headers: { Origin: origin, Depth: '1', Authorization: basic(dav.user, dav.password) } });
    assert.equal(g.status, 207);
    assert.equal(g.headers.get('access-control-allow-origin'), null, origin);
  }
});

davTest('raw: unauthenticated PROPFIND gets 401, still with CORS headers for the origin', async () => {
  const r = await fetch(dav.url, { method: 'PROPFIND', headers: { Origin: ORIGIN, Depth: '1' } });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
});

test('parseMultistatus copes with any prefix, a default namespace, entities, CDATA and non-200 propstats', () => {
  const xml = `<?xml version="1.0"?><!-- a comment -->
<d:multistatus xmlns:d="DAV:" xmlns:x="urn:other">
 <d:response><d:href>/f/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop>
  <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <response xmlns="DAV:"><href>/f/a%20b&amp;c.bin</href><propstat><prop xmlns:lp1="DAV:">
  <lp1:getcontentlength>42</lp1:getcontentlength><lp1:getlastmodified>Wed, 02 Dec 2026 16:52:19 GMT</lp1:getlastmodified>
  <x:resourcetype><x:collection/></x:resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat>
  <propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 404 Not Found</status></propstat></response>
 <D:response xmlns:D="DAV:"><D:href><![CDATA[/f/c<d>.bin]]></D:href></D:response>
</d:multistatus>`;
  assert.deepEqual(parseMultistatus(xml), [
    { href: '/f/', collection: true, size: 0, modified: null },
    { href: '/f/a%20b&c.bin', collection: false, size: 42, modified: Date.UTC(2026, 11, 2, 16, 52, 19) },
    { href: '/f/c<d>.bin', collection: false, size: 0, modified: null },
  ]);
  assert.throws(() => parseMultistatus('<html>oops</html>'), (e) => e.code === 'server');
});

// Last: it stops the server.
davTest('server stopped: network', async () => {
  await dav.stop();
  const e = await folder.list().catch((error) => error);
  assert.ok(e instanceof WebDavError, String(e));
  assert.equal(e.code, 'network');
  assert.match(e.message, /could not reach the WebDAV server at http:\/\/127\.0\.0\.1:\d+/);
  await rejectsWith(folder.upload('late.bin', new Blob(['x'])), 'network');
});
