// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium
// driven by playwright-core (never a downloaded browser), a fresh profile
// directory per launch, and the app served by web/serve.mjs on a free port.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../web/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = new URL('../../build/screenshots/', import.meta.url);

export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let shared = null;

// One server per test process; the origin stays the same across launches,
// which the persistence tests need.
export async function server() {
  shared ??= await startServer();
  return shared;
}

export async function stopServer() {
  if (shared) await new Promise((resolve) => shared.server.close(resolve));
  shared = null;
}

// Launches Chromium with a new profile directory (or the given one, to
// reopen a profile). Returns { context, page, profileDir, close }.
export async function launch({ profileDir, viewport = { width: 1280, height: 800 } } = {}) {
  profileDir ??= await mkdtemp(join(tmpdir(), 'hush-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  return {
    context, page, profileDir, errors,
    async close({ keepProfile = false } = {}) {
      await context.close();
      if (!keepProfile) await rm(profileDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS);
  await page.screenshot({ path: path.pathname, fullPage: true });
  return path.pathname;
}
