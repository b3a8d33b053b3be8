// A small WebDAV client on fetch, for backups to a folder on a WebDAV server
// (Nextcloud, ownCloud, Apache mod_dav, most hosted drives): list, ranged
// read, streamed read, atomic upload (PUT to a temporary name, then MOVE),
// remove. It runs in a page and in a Worker.
//
// Why not npm `webdav` (5.x): its browser bundle is about 49 KB gzipped and
// it expects a bundler; the app has no build step and serves its modules as
// they are. We need five requests and one response format, so: fetch, plus a
// small multistatus parser below (DOMParser does not exist in Workers).
//
// Every failure is a WebDavError whose .code names the cause ('auth',
// 'quota', 'network', 'cors', 'not-found', 'conflict', 'server') and whose
// message says it in plain words. An abort rethrows the AbortError as is.

export class WebDavError extends Error {
  constructor(code, message, status = 0, options) {
    super(message, options);
    this.name = 'WebDavError';
    this.code = code;
    this.status = status;
  }
}

const utf8 = new TextEncoder();

// btoa takes only Latin-1: encode the UTF-8 bytes one per char.
function basicAuth(user, password) {
  let binary = '';
  for (const byte of utf8.encode(`${user}:${password}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const isAbort = (error, signal) => error?.name === 'AbortError' || (signal?.aborted && error === signal.reason);

const PROPFIND_BODY = '<?xml version="1.0" encoding="utf-8"?>' +
  '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getlastmodified/></d:prop></d:propfind>';

export class WebDavFolder {
  #url;
  #auth;
  #fetch;

  constructor({ url, user, password, fetch = globalThis.fetch.bind(globalThis) }) {
    const folder = new URL(url);
    if (!folder.pathname.endsWith('/')) folder.pathname += '/';
    folder.search = '';
    folder.hash = '';
    this.#url = folder;
    this.#auth = basicAuth(user ?? '', password ?? '');
    this.#fetch = fetch;
  }

  get url() { return this.#url.href; }

  // The URL of a file directly in the folder.
  #file(name) {
    if (typeof name !== 'string' || !name || name === '.' || name === '..' || name.includes('/')) {
      throw new TypeError(`not a file name: ${JSON.stringify(name)}`);
    }
    return new URL(encodeURIComponent(name), this.#url);
  }

  // One request; a non-2xx answer or a failed fetch becomes a WebDavError.
  async #request(method, url, { headers = {}, body, signal, what } = {}) {
    let response;
    try {
      response = await this.#fetch(url, {
        method, body, signal, credentials: 'omit', redirect: 'follow',
        headers: { Authorization: this.#auth, ...headers },
      });
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      throw await this.#unreachable(error, signal);
    }
    if (response.ok) return response;
    await response.body?.cancel().catch(() => {});
    throw httpError(response.status, method, what ?? decodeURIComponent(url.pathname));
  }

  // fetch rejected with a bare TypeError: the browser says no more for a
  // lost network and for a CORS refusal alike. A no-cors request needs no
  // CORS headers, so if it gets an (opaque) answer the server is up and it
  // is the CORS headers that are missing. In Node there is no CORS, and the
  // probe fails just as the request did: 'network'.
  async #unreachable(cause, signal) {
    const server = this.#url.origin;
    let reachable = false;
    try {
      await this.#fetch(this.#url.href, { mode: 'no-cors', credentials: 'omit', signal });
      reachable = typeof location !== 'undefined';
    } catch (error) {
      if (isAbort(error, signal)) throw error;
    }
    if (reachable) {
      return new WebDavError('cors', `the WebDAV server at ${server} answers, but not to this app: its answer has no ` +
        `Access-Control-Allow-Origin for ${location.origin} (CORS), so the browser hides it`, 0, { cause });
    }
    return new WebDavError('network', `could not reach the WebDAV server at ${server} ` +
      '(no network, a wrong address, or the server is down)', 0, { cause });
  }

  // PROPFIND Depth: 1 → the files directly in the folder (not the folder
  // itself, not sub-folders): [{ name, size, modified (ms since epoch) }].
  async list({ signal } = {}) {
    const response = await this.#request('PROPFIND', this.#url, {
      signal, what: 'the folder', body: PROPFIND_BODY,
      headers: { Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
    });
    const xml = await response.text();
    const folder = segments(this.#url.pathname);
    const files = [];
    for (const entry of parseMultistatus(xml)) {
      if (entry.collection) continue;
      let path;
      try { path = segments(new URL(entry.href, this.#url).pathname); } catch { continue; }
      // A direct child: the folder's path plus one segment.
      if (path.length !== folder.length + 1 || folder.some((s, i) => s !== path[i])) continue;
      files.push({ name: path[path.length - 1], size: entry.size, modified: entry.modified });
    }
    return files;
  }

  // Bytes start..end (inclusive) of a file. A server that ignores Range
  // answers 200 with the whole file: read only up to end, then cancel.
  async readRange(name, start, end, { signal } = {}) {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end >= start)) {
      throw new RangeError(`bad range ${start}-${end}`);
    }
    const response = await this.#request('GET', this.#file(name), { signal, what: name, headers: { Range: `bytes=${start}-${end}` } });
    if (response.status === 206) return new Uint8Array(await response.arrayBuffer());
    const want = end - start + 1;
    const out = new Uint8Array(want);
    let filled = 0;
    let skip = start; // bytes before start still to drop
    const reader = response.body.getReader();
    try {
      while (filled < want) {
        const { done, value } = await reader.read();
        if (done) break;
        let chunk = value;
        if (skip) { const n = Math.min(skip, chunk.length); skip -= n; chunk = chunk.subarray(n); }
        const n = Math.min(chunk.length, want - filled);
        out.set(chunk.subarray(0, n), filled);
        filled += n;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    return out.subarray(0, filled);
  }

  // GET → { body: ReadableStream, size } (size null if the server gives none).
  async open(name, { signal } = {}) {
    const response = await this.#request('GET', this.#file(name), { signal, what: name });
    const length = response.headers.get('Content-Length');
    return { body: response.body, size: length === null ? null : Number(length) };
  }

  // PUT to a temporary name in the same folder, then MOVE it onto `name`
  // with Overwrite: F: a failed or cancelled upload never leaves a partial
  // file under `name`, and an existing file is never replaced ('conflict').
  async upload(name, blob, { signal } = {}) {
    const target = this.#file(name);
    const temp = this.#file(`.upload-${randomHex(16)}.part`);
    try {
      await this.#request('PUT', temp, { signal, what: name, body: blob, headers: { 'Content-Type': 'application/octet-stream' } });
      await this.#request('MOVE', temp, { signal, what: name, headers: { Destination: target.href, Overwrite: 'F' } });
    } catch (error) {
      // Best effort, and without the signal, which may be the reason we are here.
      await this.#fetch(temp, { method: 'DELETE', credentials: 'omit', headers: { Authorization: this.#auth } })
        .then((r) => r.body?.cancel()).catch(() => {});
      throw error;
    }
  }

  async remove(name, { signal } = {}) {
    await this.#request('DELETE', this.#file(name), { signal, what: name });
  }
}

function httpError(status, method, what) {
  if (status === 401 || status === 403) {
    return new WebDavError('auth', `the WebDAV server refused the user name or app password (${status})`, status);
  }
  if (status === 507) return new WebDavError('quota', `the WebDAV storage is full: no room for ${what} (507)`, status);
  if (status === 404) return new WebDavError('not-found', `${what} is not on the WebDAV server (404)`, status);
  if (status === 412 || (status === 409 && method === 'MOVE')) {
    return new WebDavError('conflict', `a file named ${what} already exists in the WebDAV folder (${status})`, status);
  }
  if (status === 409) return new WebDavError('conflict', `the WebDAV folder for ${what} does not exist (409)`, status);
  return new WebDavError('server', `the WebDAV server failed ${method} of ${what} (${status})`, status);
}

// A path's decoded segments, without empty ones ("/a/b%20c/" → ["a", "b c"]).
function segments(pathname) {
  return pathname.split('/').filter(Boolean).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
}

// --- a small multistatus parser (RFC 4918 §14.16) -------------------------
// Enough XML for what servers send: elements, attributes, xmlns
// declarations (any prefix, default namespace), text with entities, CDATA,
// comments and processing instructions skipped. Elements are matched by
// namespace URI ("DAV:") and local name, never by prefix.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (s) => s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
  if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  return ENTITIES[e] ?? m;
});

// → the root element as { ns, name, children: [element], text }.
export function parseXml(xml) {
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<(\/?)([^\s/>]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>|([^<]+)/g;
  const root = { ns: null, name: '#document', children: [], text: '', scope: { xml: 'http://www.w3.org/XML/1998/namespace' } };
  const stack = [root];
  for (const m of xml.matchAll(token)) {
    const [, cdata, closing, qname, attrs, selfClosing, text] = m;
    const top = stack[stack.length - 1];
    if (cdata !== undefined) { top.text += cdata; continue; }
    if (text !== undefined) { top.text += unescapeXml(text); continue; }
    if (!qname) continue; // comment, PI, doctype
    if (closing) { if (stack.length > 1) stack.pop(); continue; }
    const scope = Object.create(top.scope);
    for (const [, attr, v1, v2] of (attrs ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      if (attr === 'xmlns') scope[''] = unescapeXml(v1 ?? v2);
      else if (attr.startsWith('xmlns:')) scope[attr.slice(6)] = unescapeXml(v1 ?? v2);
    }
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const element = { ns: scope[prefix] ?? null, name: qname.slice(colon + 1), children: [], text: '', scope };
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  return root.children[0] ?? null;
}

const dav = (element, name) => element.children.filter((c) => c.ns === 'DAV:' && c.name === name);
const first = (element, name) => (element ? dav(element, name)[0] : undefined);

// → [{ href, collection, size, modified }] for each <response>, with the
// properties of its propstats whose status is 200 (or has none).
export function parseMultistatus(xml) {
  const root = parseXml(xml);
  if (!root || root.ns !== 'DAV:' || root.name !== 'multistatus') {
    throw new WebDavError('server', 'the WebDAV server did not answer PROPFIND with a multistatus document', 207);
  }
  const out = [];
  for (const response of dav(root, 'response')) {
    const href = first(response, 'href')?.text.trim();
    if (!href) continue;
    const entry = { href, collection: false, size: 0, modified: null };
    for (const propstat of dav(response, 'propstat')) {
      const status = first(propstat, 'status')?.text ?? '';
      if (status && !/^\s*HTTP\/\S+\s+2\d\d/.test(status)) continue;
      const prop = first(propstat, 'prop');
      if (!prop) continue;
      const type = first(prop, 'resourcetype');
      if (type && first(type, 'collection')) entry.collection = true;
      const length = first(prop, 'getcontentlength');
      if (length) entry.size = Number(length.text.trim()) || 0;
      const modified = first(prop, 'getlastmodified');
      if (modified) { const t = Date.parse(modified.text.trim()); entry.modified = Number.isNaN(t) ? null : t; }
    }
    // A trailing slash also marks a collection on servers that omit resourcetype.
    if (href.endsWith('/')) entry.collection = true;
    out.push(entry);
  }
  return out;
}
