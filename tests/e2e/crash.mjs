// Our own Chromium process, so a test can SIGKILL it like a crash (the
// Playwright-launched browser would be closed politely).
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { CHROMIUM, FLAGS } from './browser.mjs';

export async function startChromium(profileDir) {
  const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profileDir}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = await new Promise((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', () => reject(new Error(`chromium exited: ${seen.slice(-500)}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const context = browser.contexts()[0];
  const page = context.pages()[0] ?? (await context.newPage());
  return { child, browser, page };
}

export function killHard(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', resolve);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { resolve(); }
  });
}
