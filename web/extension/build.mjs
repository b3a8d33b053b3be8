#!/usr/bin/env node
// Assembles the loadable MV3 extension (default build/extension/) from
// web/extension's own files and, copied at build time so they are never
// committed twice, the demo app (web/app), the host (web/src) and the wasm
// core (web/dist). The copy keeps web/'s layout, so every relative import
// (../src/hush.js from app/ and extension/, ../dist/ from src/) works as
// it does when web/serve.mjs serves the app:
//
//   build/extension/manifest.json    web/extension/manifest.json + host permissions
//   build/extension/config.json      the relay, the alarm period (read by the service worker and the offscreen document)
//   build/extension/extension/       background.js, offscreen.*, popup.*, page-bridge.js
//   build/extension/app/             web/app, index.html given the relay's <meta> and the page bridge
//   build/extension/src/, dist/      web/src, web/dist
//
//   node web/extension/build.mjs [--relay URL] [--webdav URL]... [--alarm-seconds N] [--out DIR]
//
// --relay      the relay the extension polls with no window open (default http://127.0.0.1:8081)
// --webdav     a WebDAV server for backups; its origin becomes a host permission (no CORS needed)
// --alarm-seconds  how often the wipe mailboxes are checked with no window open (default 30,
//              Chrome's minimum for a packed MV3 extension; an unpacked one may go down to 1)
//
// The relay's origin is a host permission too, but the relay still checks the
// Origin header Chrome sends (chrome-extension://<id>): the id printed at the
// end is the one Chrome gives this folder when loaded unpacked, to pass to
// the relay as --origin.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB = resolve(HERE, '..');
const REPO = resolve(WEB, '..');
// Files of web/extension that are tools or documents, not part of the extension.
const NOT_SHIPPED = new Set(['build.mjs', 'README.md', 'manifest.json']);
export const DEFAULT_RELAY = 'http://127.0.0.1:8081';
export const DEFAULT_ALARM_SECONDS = 30;

function parseArgs(argv) {
  const opts = { relay: DEFAULT_RELAY, webdav: [], alarmSeconds: DEFAULT_ALARM_SECONDS, out: join(REPO, 'build', 'extension') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--relay') opts.relay = value;
    else if (flag === '--webdav') opts.webdav.push(value);
    else if (flag === '--alarm-seconds') opts.alarmSeconds = Number(value);
    else if (flag === '--out') opts.out = resolve(value);
    else throw new Error(`unknown argument ${flag}\nusage: build.mjs [--relay URL] [--webdav URL]... [--alarm-seconds N] [--out DIR]`);
  }
  return opts;
}

// A host permission's match pattern for a URL's origin (any port of the
// host would be broader than needed: the port is part of the pattern).
function originPattern(url) {
  const u = new URL(url);
  if (!['http:', 'https:'].includes(u.protocol)) throw new Error(`not an http(s) URL: ${url}`);
  return `${u.protocol}//${u.host}/*`;
}

// The id Chrome gives an unpacked extension: the first 128 bits of the
// SHA-256 of its folder's absolute path, each hex digit written as a..p
// (components/crx_file/id_util.cc, GenerateIdForPath).
export function unpackedExtensionId(dir) {
  const hex = createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 32);
  return Array.from(hex, (c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

// index.html of the app, for the extension: the relay's address in the
// <meta> the app reads (replacing one already there), and the page bridge
// (popup, offscreen checker) loaded before app.js so it sees Hush.open.
function extensionIndex(html, relay) {
  const meta = `<meta name="hush-relay" content="${relay.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}">`;
  const existing = /<meta\s+name="hush-relay"[^>]*>/;
  html = existing.test(html) ? html.replace(existing, meta) : html.replace(/(<meta charset="utf-8">)/i, `$1\n  ${meta}`);
  if (!html.includes(meta)) throw new Error('app/index.html: no <meta charset="utf-8"> to put the relay after');
  const appScript = /<script type="module" src="app\.js"><\/script>/;
  if (!appScript.test(html)) throw new Error('app/index.html: no <script type="module" src="app.js"> to put the page bridge before');
  return html.replace(appScript, (tag) => `<script type="module" src="../extension/page-bridge.js"></script>\n  ${tag}`);
}

export function buildExtension({ relay = DEFAULT_RELAY, webdav = [], alarmSeconds = DEFAULT_ALARM_SECONDS, out = join(REPO, 'build', 'extension') } = {}) {
  relay = new URL(relay).href.replace(/\/$/, '');
  if (!Number.isFinite(alarmSeconds) || alarmSeconds < 1) throw new Error('--alarm-seconds must be at least 1');
  if (!existsSync(join(WEB, 'dist', 'hush-core.wasm'))) throw new Error('web/dist/ has no wasm core: build it first (bash web/serve.sh builds it)');

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(WEB, 'app'), join(out, 'app'), { recursive: true });
  cpSync(join(WEB, 'src'), join(out, 'src'), { recursive: true });
  cpSync(join(WEB, 'dist'), join(out, 'dist'), { recursive: true, filter: (p) => !/\.(map|txt)$/.test(p) });
  mkdirSync(join(out, 'extension'));
  for (const name of readdirSync(HERE)) {
    if (!NOT_SHIPPED.has(name)) cpSync(join(HERE, name), join(out, 'extension', name), { recursive: true });
  }

  const manifest = JSON.parse(readFileSync(join(HERE, 'manifest.json'), 'utf8'));
  manifest.host_permissions = [...new Set([originPattern(relay), ...webdav.map(originPattern)])];
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(out, 'config.json'), `${JSON.stringify({ relay, alarmSeconds }, null, 2)}\n`);
  const index = join(out, 'app', 'index.html');
  writeFileSync(index, extensionIndex(readFileSync(index, 'utf8'), relay));
  return { out, id: unpackedExtensionId(out), relay, alarmSeconds, hostPermissions: manifest.host_permissions };
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const built = buildExtension(parseArgs(process.argv.slice(2)));
    console.log(`Hush extension assembled in ${built.out}`);
    console.log(`  relay ${built.relay}, wipe mailboxes checked every ${built.alarmSeconds} s with no window open`);
    if (built.alarmSeconds < DEFAULT_ALARM_SECONDS) console.log(`  (below ${DEFAULT_ALARM_SECONDS} s only while loaded unpacked; a packed extension gets ${DEFAULT_ALARM_SECONDS} s)`);
    console.log(`  host permissions: ${built.hostPermissions.join(' ')}`);
    console.log(`  loaded unpacked from here its id is ${built.id}: run the relay with --origin chrome-extension://${built.id}`);
  } catch (error) {
    console.error(String(error?.message ?? error));
    process.exit(2);
  }
}
