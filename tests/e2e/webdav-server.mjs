// A real WebDAV server for the tests: Debian's Apache 2.4 with mod_dav on a
// loopback port, from a config generated in a temp dir (its own ServerRoot,
// PidFile, logs, lock DB), run in the foreground and killed by stop().
// Not rclone: Debian's rclone 1.60 sends no CORS headers.
//
//   const dav = await startWebDav({ origin: 'http://127.0.0.1:8080' });
//   dav.url        http://127.0.0.1:PORT/dav/   (Basic auth: dav.user, dav.password)
//   dav.dir        the folder on disk that /dav/ serves
//   dav.setQuotaFull(true)   every PUT answers 507 until set back to false
//   await dav.stop()
//
// CORS headers go to `origin` only (none for any other origin), on every
// answer including 401 and 507 ("Header always"), so a page can read them.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const APACHE = process.env.APACHE ?? '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
// Apache refuses to serve as root; its workers run as this account then.
const RUN_AS = { user: 'daemon', group: 'daemon', uid: 1, gid: 1 };

export const apacheMissing = () => !existsSync(APACHE);

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer().once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const canConnect = (port) => new Promise((resolve) => {
  const c = createConnection({ port, host: '127.0.0.1' }, () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

const regexEscape = (s) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

function config({ root, port, origin, asRoot }) {
  const mods = ['mpm_event', 'authz_core', 'authn_core', 'authn_file', 'auth_basic', 'authz_user',
    'dav', 'dav_fs', 'headers', 'setenvif', 'alias', 'mime', 'rewrite'];
  const cors = 'env=CORS_ORIGIN';
  return `${mods.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`).join('\n')}
ServerRoot "${root}"
ServerName 127.0.0.1:${port}
Listen 127.0.0.1:${port}
PidFile "${root}/apache.pid"
DefaultRuntimeDir "${root}/run"
Mutex file:${root}/run default
ErrorLog "${root}/error.log"
LogLevel warn
TypesConfig /etc/mime.types
${asRoot ? `User ${RUN_AS.user}\nGroup ${RUN_AS.group}` : ''}
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MinSpareThreads 1
MaxSpareThreads 32
MaxRequestWorkers 32
DavLockDB "${root}/lock/DavLock"

# CORS for the one origin given: CORS_ORIGIN is set only when Origin matches.
SetEnvIf Origin "^${regexEscape(origin)}$" CORS_ORIGIN=$0
Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" ${cors}
Header always set Access-Control-Allow-Methods "GET, HEAD, PUT, DELETE, PROPFIND, MOVE, COPY, OPTIONS" ${cors}
Header always set Access-Control-Allow-Headers "Authorization, Depth, Destination, Overwrite, Content-Type, Range" ${cors}
Header always set Access-Control-Expose-Headers "Content-Length, Content-Range, ETag" ${cors}
Header always set Access-Control-Max-Age "600" ${cors}
Header always merge Vary Origin

Alias /dav "${root}/dav"
<Directory "${root}/dav">
  Dav On
  Options FollowSymLinks
  AuthType Basic
  AuthName "hush-test"
  AuthBasicProvider file
  AuthUserFile "${root}/htpasswd"
  # The preflight carries no Authorization; mod_dav answers it 200.
  <LimitExcept OPTIONS>
    Require valid-user
  </LimitExcept>
  # A full quota: while the flag file exists, every PUT gets 507. Per-dir
  # rewriting runs after authentication, so a bad password still gets 401.
  RewriteEngine On
  RewriteCond %{REQUEST_METHOD} =PUT
  RewriteCond "${root}/quota-full" -f
  RewriteRule ^ - [R=507,L]
</Directory>
`;
}

export async function startWebDav({ origin, user = 'hush', password = randomBytes(12).toString('base64url') } = {}) {
  if (!origin) throw new TypeError('startWebDav needs the origin that may use it (CORS)');
  if (apacheMissing()) throw new Error(`${APACHE} is missing: apt-get install apache2`);
  const root = await mkdtemp(join(tmpdir(), 'hush-webdav-'));
  const dir = join(root, 'dav');
  const asRoot = userInfo().uid === 0;
  for (const d of ['dav', 'lock', 'run']) await mkdir(join(root, d));
  const sha = createHash('sha1').update(password).digest('base64');
  await writeFile(join(root, 'htpasswd'), `${user}:{SHA}${sha}\n`, { mode: 0o644 });
  if (asRoot) {
    // The workers (daemon) must get through the 0700 temp dir, and write
    // the served folder and the lock DB.
    await chmod(root, 0o755);
    await chown(dir, RUN_AS.uid, RUN_AS.gid);
    await chown(join(root, 'lock'), RUN_AS.uid, RUN_AS.gid);
  }

  let child;
  let port;
  // The free port can be taken between probe and Listen: retry a few times.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const conf = join(root, 'httpd.conf');
    await writeFile(conf, config({ root, port, origin, asRoot }));
    child = spawn(APACHE, ['-DFOREGROUND', '-f', conf, '-d', root], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 'signal')));
    const started = (async () => {
      for (let i = 0; i < 200; i++) {
        if (child.exitCode !== null) return false;
        if (await canConnect(port)) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    })();
    if (await started) break;
    child.kill('SIGKILL');
    await exited;
    const log = await readFile(join(root, 'error.log'), 'utf8').catch(() => '');
    if (attempt < 2 && /in use|could not bind/i.test(stderr + log)) continue;
    await rm(root, { recursive: true, force: true });
    throw new Error(`Apache did not start:\n${stderr}${log}`);
  }

  // If the test process dies first, Apache must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const flag = join(root, 'quota-full');
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}/dav/`,
    origin: `http://127.0.0.1:${port}`,
    user,
    password,
    dir,
    root,
    async setQuotaFull(full) {
      if (full) await writeFile(flag, '');
      else await unlink(flag).catch(() => {});
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM'); // the parent stops its workers, then exits
        await exited;
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
