// One check of the wipe mailboxes with no Hush page open (background.js
// opens this document for it and closes it after the report). It opens the
// vault as the app does, locked, in the core's Worker: a locked vault
// knows its eight wipe mailboxes (the trustee region of the lock file is
// readable without a key), so it can read every one from the relay and
// hand each message to hush.receive(), which checks it against every
// trustee slot in constant time. A matching wipe destroys the keys and
// erases the vault's files before receive() resolves; the rest of the
// origin (IndexedDB, caches, OPFS, Web Storage) follows in the background,
// and this waits for it (whenSettled) before reporting.
//
// Every mailbox is read on every check, used or not, as the page does
// (hush.pollWipeMailboxes): the relay sees eight reads whatever the number
// of friends. A drill that arrives here is not recorded (while locked the
// host keeps it in the page, and this page closes); the relay keeps it,
// and the app's own polling takes it at its next round.
import { Hush } from '../src/hush.js';
import { RelayClient } from '../src/relay-client.js';

const VAULT = 'default'; // the app's vault (web/app/app.js)

async function check() {
  const { relay } = await (await fetch(chrome.runtime.getURL('config.json'))).json();
  let hush;
  try {
    // No Clear-Site-Data endpoint: no server answers on the extension's origin.
    hush = await Hush.open({ name: VAULT, autoLockMs: 0, clearSiteDataUrl: null });
  } catch (error) {
    // A page opened meanwhile holds the vault: its own polling does this.
    if (error?.code === 'ERR_VAULT_IN_USE') return { outcome: 'in-use' };
    throw error;
  }
  try {
    if (hush.state === 'new') return { outcome: 'no-vault' };
    let wiped = false;
    hush.addEventListener('wiped', () => { wiped = true; }, { once: true });
    const client = new RelayClient({ url: relay, hush });
    const mailboxes = await hush.wipeMailboxes();
    const errors = [];
    const arrived = await Promise.all(mailboxes.map((mailbox) => client.fetchWipeMailbox(mailbox).catch((error) => {
      errors.push(`${error?.code ?? 'error'}: ${error?.message ?? error}`);
      return [];
    })));
    let messages = 0;
    for (const message of arrived.flat()) {
      if (wiped) break;
      messages += 1;
      await hush.receive(message);
    }
    await hush.whenSettled();
    return { outcome: wiped ? 'wiped' : 'checked', mailboxes: mailboxes.length, messages, errors,
      wipeErrors: wiped ? (hush.lastWipeErrors ?? []).map(String) : [] };
  } finally {
    hush.close();
  }
}

const result = await check().catch((error) => ({ outcome: 'error', error: `${error?.code ?? ''} ${error?.message ?? error}`.trim() }));
chrome.runtime.sendMessage({ to: 'hush-background', op: 'checked', result }).catch(() => {});
