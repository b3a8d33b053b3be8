// The toolbar popup: asks the Hush page (page-bridge.js) for the vault's
// state and asks it to lock. No page answering means no page holds the
// vault, and then it is locked: only a page unlocks it, and the service
// worker's checker only ever opens it locked.
const TEXT = {
  unlocked: ['Unlocked', 'Hush is open and unlocked in a tab.'],
  locked: ['Locked', 'Your messages are encrypted at rest.'],
  new: ['No vault yet', 'Open Hush to set up your lock.'],
  closed: ['Locked', 'No Hush page is open.'],
};

const $ = (id) => document.getElementById(id);

function show(state) {
  const [text, detail] = TEXT[state] ?? TEXT.closed;
  $('state').dataset.state = state in TEXT ? state : 'closed';
  $('state-text').textContent = text;
  $('state-detail').textContent = detail;
  $('lock-now').disabled = state !== 'unlocked';
}

async function ask(op) {
  try {
    const answer = await chrome.runtime.sendMessage({ to: 'hush-page', op });
    return answer?.state ?? 'closed';
  } catch {
    return 'closed'; // "Receiving end does not exist": no page holds the vault
  }
}

$('lock-now').addEventListener('click', async () => {
  $('lock-now').disabled = true;
  show(await ask('lock'));
});
// The Hush tab if one is open (a second one would only say "open in
// another tab"), else a new one. Neither needs the "tabs" permission.
$('open-app').addEventListener('click', async () => {
  const app = chrome.runtime.getURL('app/');
  const [open] = (await chrome.runtime.getContexts({ contextTypes: ['TAB'] })).filter((c) => c.documentUrl?.startsWith(app));
  if (open) {
    await chrome.tabs.update(open.tabId, { active: true });
    await chrome.windows.update(open.windowId, { focused: true }).catch(() => {});
  } else {
    await chrome.tabs.create({ url: chrome.runtime.getURL('app/index.html') });
  }
  window.close();
});
// The page tells of changes (an auto-lock while the popup is open).
chrome.runtime.onMessage.addListener((message) => {
  if (message?.to === 'hush-popup' && message.op === 'state') show(message.state);
});

show(await ask('state'));
document.documentElement.dataset.ready = 'true';
