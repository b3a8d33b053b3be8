// The app page's side of the extension, loaded by the extension's copy of
// app/index.html just before app.js (build.mjs puts it there), so the demo
// app itself stays the same file in the web app and in the extension.
//
// It wraps Hush.open (the module is the same instance app.js imports), to:
// - answer the toolbar popup: the lock state, and "lock now", which calls
//   the page's own hush.lock() (the app's 'locked' handler then empties the
//   screen, as after its own Lock button);
// - wait for the service worker's checker: while its offscreen document
//   holds the vault for a check (a second or two), Hush.open is refused
//   (ERR_VAULT_IN_USE) and the page would say "open in another tab";
// - drop the Clear-Site-Data endpoint: no server answers on the
//   extension's origin, so the request could only fail.
// Nothing of the vault leaves the page: the popup gets a state word only.
import { Hush } from '../src/hush.js';

const CHECKER_WAIT_MS = 15_000; // longer than a check takes (background.js budget is for a stuck one)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let held = null;

async function checkerHoldsVault() {
  try {
    const { checking } = await chrome.runtime.sendMessage({ to: 'hush-background', op: 'checking' });
    return Boolean(checking);
  } catch {
    return false;
  }
}

const open = Hush.open;
Hush.open = async function openInExtension(options = {}) {
  const deadline = Date.now() + CHECKER_WAIT_MS;
  for (;;) {
    try {
      held = await open.call(this, { ...options, clearSiteDataUrl: null });
      break;
    } catch (error) {
      if (error?.code !== 'ERR_VAULT_IN_USE' || Date.now() > deadline || !(await checkerHoldsVault())) throw error;
      await sleep(200);
    }
  }
  held.addEventListener('statechange', () => {
    chrome.runtime.sendMessage({ to: 'hush-popup', op: 'state', state: held.state }).catch(() => {});
  });
  return held;
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.to !== 'hush-page' || sender.id !== chrome.runtime.id || !held) return false;
  if (message.op === 'state') {
    sendResponse({ state: held.state });
    return false;
  }
  if (message.op === 'lock') {
    const done = held.state === 'unlocked' ? held.lock() : Promise.resolve();
    done.then(() => sendResponse({ state: held.state }), (error) => sendResponse({ state: held.state, error: String(error?.code ?? error) }));
    return true;
  }
  return false;
});
