// Headless browsers for the end-to-end tests, never a downloaded one:
// Debian's /usr/bin/chromium driven by playwright-core, and Debian's
// /usr/bin/firefox-esr driven by puppeteer-core over WebDriver BiDi. A fresh
// profile directory per launch (or a given one, reopened), and the app
// served by web/serve.mjs on a free port.
//
// Both launchers return { kind, page, profileDir, errors, newPage(),
// setOffline(offline), close({ keepProfile }) } (Chromium's also `context`).
// page.goto, page.reload and page.evaluate(fn, arg) with ONE argument mean
// the same in both libraries; harness.mjs's call()/evaluate() use only that.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { startServer } from '../../web/serve.mjs';
import { startRelay } from '../../web/relay/relay.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
// The browsers a test runs "in each browser" ("chromium,firefox" unless
// HUSH_BROWSERS says otherwise).
export const BROWSERS = (process.env.HUSH_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);
export const SCREENSHOTS = new URL('../../build/screenshots/', import.meta.url);

export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let shared = null;

// One server per test process; the origin stays the same across launches,
// which the persistence tests need. With relay: true the project's relay
// runs too, on its own port with a fresh data directory, and the app is
// pointed at it; without, the app is pointed at a port nothing answers on
// (the messenger offline, as at a border).
export async function server({ relay = false } = {}) {
  if (!shared) {
    const origins = []; // filled in once the app's origin is known
    const relayServer = relay ? await startRelay({ dataDir: await mkdtemp(join(tmpdir(), 'hush-relay-')), origins }) : null;
    const web = await startServer({ relayUrl: relayServer?.url ?? 'http://127.0.0.1:9' });
    origins.push(web.url);
    shared = { ...web, relay: relayServer };
  }
  return shared;
}

export async function stopServer() {
  if (shared) {
    await new Promise((resolve) => shared.server.close(resolve));
    await shared.relay?.close();
  }
  shared = null;
}

// Launches a browser (default Chromium) with a new profile directory (or
// the given one, to reopen a profile).
export async function launch({ browser = 'chromium', profileDir, viewport = { width: 1280, height: 800 } } = {}) {
  if (browser === 'firefox') return launchFirefox({ profileDir, viewport });
  if (browser !== 'chromium') throw new Error(`unknown browser ${browser}`);
  profileDir ??= await mkdtemp(join(tmpdir(), 'hush-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  let closed = false;
  return {
    kind: 'chromium', context, page, profileDir, errors,
    newPage: () => context.newPage(),
    setOffline: (offline) => context.setOffline(offline),
    async close({ keepProfile = false } = {}) {
      if (!closed) await context.close();
      closed = true;
      if (!keepProfile) await rm(profileDir, { recursive: true, force: true });
    },
  };
}

// Firefox ESR through puppeteer-core (WebDriver BiDi), headless. close()
// resolves once the browser process has exited, so its files are final.
export async function launchFirefox({ profileDir, viewport = { width: 1280, height: 800 } } = {}) {
  profileDir ??= await mkdtemp(join(tmpdir(), 'hush-profile-ff-'));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, protocol: 'webDriverBiDi', headless: true,
    userDataDir: profileDir, defaultViewport: viewport,
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  const process = browser.process();
  const exited = new Promise((resolve) => {
    if (!process || process.exitCode !== null) resolve();
    else process.once('exit', resolve);
  });
  let closed = false;
  return {
    kind: 'firefox', browser, page, profileDir, errors,
    newPage: () => browser.newPage(),
    // Every page of the browser, as Chromium's context.setOffline does.
    async setOffline(offline) {
      for (const p of await browser.pages()) await p.setOfflineMode(offline);
    },
    async close({ keepProfile = false } = {}) {
      if (!closed) {
        closed = true;
        await browser.close().catch(() => process?.kill('SIGKILL'));
        await exited;
      }
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
