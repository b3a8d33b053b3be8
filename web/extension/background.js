// The extension's service worker: it checks the wipe mailboxes (core/TRUST.md)
// on a chrome.alarms schedule, so a trusted friend's remote deletion arrives
// even when no Hush window is open. A service worker has no Worker, and the
// core must run in one (Argon2id and SQLite never block a page; a lock ends
// the Worker and its keys), so each check runs in an offscreen document
// (offscreen.js) that is closed again once it has answered.
//
// While an app page holds the vault, the page polls the mailboxes itself
// and this does nothing: a second holder would be refused anyway (the
// host's Web Lock, ERR_VAULT_IN_USE), and the page must not meet a vault
// held by the checker more often than needed.
//
// Nothing is kept here or in chrome.storage: the relay and the period come
// from config.json, written by build.mjs.
const ALARM = 'hush-wipe-check';
const OFFSCREEN = 'extension/offscreen.html';
const APP_PAGE = chrome.runtime.getURL('app/');
// A check that has not answered by then is ended: an offscreen document
// left open would hold the vault, and the page would show "in use".
const CHECK_BUDGET_MS = 60_000;

const config = fetch(chrome.runtime.getURL('config.json')).then((r) => r.json());

// Alarms outlive the service worker but not always a browser restart:
// make sure the schedule exists whenever this worker starts.
async function ensureAlarm() {
  const { alarmSeconds } = await config;
  const periodInMinutes = alarmSeconds / 60;
  const existing = await chrome.alarms.get(ALARM);
  if (existing?.periodInMinutes === periodInMinutes) return;
  await chrome.alarms.create(ALARM, { delayInMinutes: periodInMinutes, periodInMinutes });
}

async function appPageOpen() {
  const tabs = await chrome.runtime.getContexts({ contextTypes: ['TAB'] });
  return tabs.some((context) => context.documentUrl?.startsWith(APP_PAGE));
}

async function offscreenOpen() {
  return (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).length > 0;
}

let running = null;

// One check: the offscreen document opens the vault (locked), reads every
// wipe mailbox and hands each message to hush.receive(); a matching wipe
// erases the vault there. Resolves to what it reported.
async function check() {
  if (await appPageOpen()) return { outcome: 'page' };
  if (await offscreenOpen()) return { outcome: 'busy' };
  let reported;
  const answered = new Promise((resolve) => { reported = resolve; });
  const listener = (message, sender) => {
    if (message?.to === 'hush-background' && message.op === 'checked' && sender.url?.startsWith(chrome.runtime.getURL(OFFSCREEN))) {
      reported(message.result);
    }
  };
  chrome.runtime.onMessage.addListener(listener);
  let timer;
  try {
    await chrome.offscreen.createDocument({
      url: OFFSCREEN,
      reasons: ['WORKERS'],
      justification: 'The Hush core runs in a Worker; it checks the wipe mailboxes while no Hush page is open.',
    });
    return await Promise.race([answered,
      new Promise((resolve) => { timer = setTimeout(() => resolve({ outcome: 'timeout' }), CHECK_BUDGET_MS); })]);
  } finally {
    clearTimeout(timer);
    chrome.runtime.onMessage.removeListener(listener);
    await chrome.offscreen.closeDocument().catch(() => {});
  }
}

// The last check's report, in this worker's memory only (it dies with the
// worker), for a look from its devtools console and for the tests:
// { at, result: { outcome, mailboxes, messages, errors } }.
globalThis.hushLastCheck = null;

function checkOnce() {
  running ??= check().catch((error) => ({ outcome: 'error', error: String(error) })).then((result) => {
    globalThis.hushLastCheck = { at: Date.now(), result };
    return result;
  }).finally(() => { running = null; });
  return running;
}

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) return checkOnce();
  return undefined;
});
chrome.runtime.onInstalled.addListener(() => { ensureAlarm(); });
chrome.runtime.onStartup.addListener(() => { ensureAlarm(); });
ensureAlarm();

// The page bridge asks, when its vault is held elsewhere, whether the
// checker is the holder (then it waits and retries). Nothing of the vault
// travels in this message.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.to !== 'hush-background' || sender.id !== chrome.runtime.id) return false;
  if (message.op === 'checking') {
    sendResponse({ checking: running !== null });
    return false;
  }
  return false;
});
