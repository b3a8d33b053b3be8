// Trusted friends (core/TRUST.md): make a friend a trustee of this device
// (offer, their answer, the code to compare in person), see and revoke
// them; see whom you protect, test the link (a drill), and wipe their
// device (typed confirmation, then a 5-second countdown that can be
// cancelled). Requests and answers go through the relay to the other
// identity's mailbox, drills and wipes to the person's wipe mailbox
// (messenger.js); when the relay cannot be reached, the same bytes are
// shown as base64 text for the user to carry, and a pasted one is taken.
import { $, el, attempt, notify, openDialog, clearMessages, showError, shortId } from './ui.js';

const COUNTDOWN_S = 5;
const toText = (bytes) => btoa(String.fromCharCode(...bytes));
const when = (ms) => new Date(ms).toLocaleString();

export class TrustDialog {
  #hush;
  #vault;
  #messenger;
  #expect = null; // what a pasted message is taken as: 'reply' after an offer, else an offer
  #countdown = null;

  constructor(hush, vault, messenger) {
    this.#hush = hush;
    this.#vault = vault;
    this.#messenger = messenger;
    $('trust-button').addEventListener('click', () => this.open());
    $('offer-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#offer(event.submitter);
    });
    $('trust-take').addEventListener('click', (event) => this.#take(event.currentTarget));
    $('countdown-cancel').addEventListener('click', () => this.#cancelCountdown());
    $('trust-dialog').addEventListener('close', () => {
      this.#cancelCountdown();
      this.reset();
    });
  }

  reset() {
    this.#expect = null;
    for (const id of ['trust-incoming', 'trust-outgoing', 'friend-session-id']) $(id).value = '';
    $('trust-outgoing-box').hidden = true;
    $('trust-by-hand').open = false;
    $('trust-code-box').hidden = true;
    $('trustee-list').replaceChildren();
    $('protected-list').replaceChildren();
    $('trust-requests').replaceChildren();
  }

  // The relay brought a friend's request, or the answer to ours.
  async arrived({ identity, friend, kind, code }) {
    const open = $('trust-dialog').open;
    if (kind === 'code') {
      const text = `Compare this code with ${shortId(friend)}, in person: ${code}. If it differs, revoke the pairing.`;
      if (open) {
        this.#expect = null;
        $('trust-outgoing-box').hidden = true;
        this.#showCode(code);
        notify(text);
      } else this.#notice(text);
    } else if (!open) {
      this.#notice(`${shortId(friend)} asks you to be their trusted friend. Open Trusted friends to answer.`);
    }
    if (open && identity === this.#vault.identity?.id) await this.#render();
  }

  async open() {
    this.reset();
    await this.#render();
    // By hand is for when the relay is known not to answer.
    $('trust-by-hand').open = this.#messenger.online === false;
    openDialog($('trust-dialog'));
    $('trust-title').focus();
  }

  async #render() {
    const [trustees, protectees] = await Promise.all([this.#hush.trustees(), this.#hush.protectedBy()]);
    $('trustee-list').replaceChildren(...trustees.map((t) => el('li', { class: 'item trust-item', dataset: { friend: t.friend } },
      el('span', { class: 'item-main' },
        el('code', { class: 'session-id' }, shortId(t.friend)),
        el('span', { class: 'quiet' }, t.state === 'paired' ? ` trusted since ${when(t.pairedAt)}` : ' waiting for their answer'),
        t.drillAt ? el('span', { class: 'drill-ok' }, ` Test received ${when(t.drillAt)}: the remote deletion from ${shortId(t.friend)} works.`) : null),
      el('button', { type: 'button', class: 'button small', onclick: (event) => this.#revoke(t, event.currentTarget) }, 'Revoke'))));
    $('trustees-empty').hidden = trustees.length > 0;
    $('protected-list').replaceChildren(...protectees.map((p) => el('li', { class: 'item trust-item', dataset: { person: p.person } },
      el('span', { class: 'item-main' }, el('code', { class: 'session-id' }, shortId(p.person))),
      el('button', { type: 'button', class: 'button small', onclick: () => this.#drill(p) }, 'Test it'),
      el('button', { type: 'button', class: 'button small danger', onclick: () => this.#confirmWipe(p) }, 'Wipe their device'))));
    $('protected-empty').hidden = protectees.length > 0;
    const identity = this.#vault.identity;
    $('trust-requests').replaceChildren(...(identity ? this.#messenger.requests(identity.id) : []).map((r) => el('li', { class: 'item trust-item' },
      el('span', { class: 'item-main' }, el('code', { class: 'session-id' }, shortId(r.friend)),
        el('span', { class: 'quiet' }, ' asks you to be their trusted friend')),
      el('button', { type: 'button', class: 'button small primary', onclick: (event) => this.#accept(r, event.currentTarget) }, 'Accept'))));
  }

  async #accept(request, button) {
    clearMessages($('trust-dialog'));
    const result = await attempt(() => this.#messenger.acceptRequest(request.identity, request.friend), { button });
    if (result.ok) {
      this.#showCode(result.value.code);
      notify(`Answer sent to ${shortId(request.friend)}. Compare the code with them.`);
    } else if (result.error?.answer) {
      this.#showCode(result.error.code);
      this.#show(result.error.answer, 'The relay could not be reached. Send this answer back to your friend yourself');
    }
    await this.#render();
  }

  // Shown on the vault's screen until dismissed: news, not an error.
  #notice(text) {
    showError(text);
    $('vault-notice').dataset.tone = 'info';
  }

  // Through the relay if it answers; else shown to be carried by hand.
  async #send(deliver, bytes, { sent, unsent, mailbox = null }) {
    try {
      await deliver();
      $('trust-outgoing-box').hidden = true;
      notify(sent);
    } catch {
      showError('The relay could not be reached.');
      this.#show(bytes, unsent, mailbox);
    }
  }

  #show(bytes, label, mailbox = null) {
    $('trust-outgoing').value = toText(bytes);
    $('trust-outgoing-label').textContent = label;
    $('trust-mailbox').textContent = mailbox ? `Wipe mailbox: ${mailbox}` : '';
    $('trust-outgoing-box').hidden = false;
    $('trust-by-hand').open = true;
  }

  #showCode(code) {
    $('trust-code').textContent = code;
    $('trust-code-box').hidden = false;
  }

  async #offer(button) {
    clearMessages($('trust-dialog'));
    const identity = this.#vault.identity;
    const friend = $('friend-session-id').value.trim().toLowerCase();
    const result = await attempt(() => this.#hush.offerTrust(identity.id, friend), { button });
    if (!result.ok) return;
    this.#expect = 'reply';
    $('trust-code-box').hidden = true;
    await this.#render();
    $('friend-session-id').value = '';
    await this.#send(() => this.#messenger.sendPairing(identity.id, friend, result.value), result.value, {
      sent: `Request sent to ${shortId(friend)}. When they accept, the code to compare shows here.`,
      unsent: 'Send this request to your friend yourself, then paste their answer above',
    });
  }

  // A pasted message: the answer to our request, or a friend's request.
  async #take(button) {
    clearMessages($('trust-dialog'));
    const text = $('trust-incoming').value;
    const identity = this.#vault.identity;
    if (this.#expect === 'reply') {
      const result = await attempt(() => this.#hush.completeTrust(identity.id, text), { button });
      if (!result.ok) return;
      this.#expect = null;
      $('trust-outgoing-box').hidden = true;
      this.#showCode(result.value);
    } else {
      const result = await attempt(() => this.#hush.acceptTrust(identity.id, text), { button });
      if (!result.ok) return;
      this.#show(result.value.bytes, 'Send this answer back to your friend');
      this.#showCode(result.value.code);
    }
    $('trust-incoming').value = '';
    await this.#render();
  }

  async #revoke(trustee, button) {
    const result = await attempt(() => this.#hush.revokeTrust(trustee.id), { button });
    if (result.ok) {
      notify(`${shortId(trustee.friend)} can no longer wipe this device.`);
      await this.#render();
    }
  }

  async #drill(person) {
    const result = await attempt(() => this.#hush.makeDrill(person.id));
    if (!result.ok) return;
    const { bytes, mailbox } = result.value;
    await this.#send(() => this.#messenger.sendWipe(mailbox, bytes), bytes, {
      mailbox, sent: `Test sent to ${shortId(person.person)}. It checks the link and erases nothing.`,
      unsent: `Send this test to ${shortId(person.person)}: it checks the link and erases nothing`,
    });
  }

  // A typed confirmation, then a countdown the user can still cancel.
  #confirmWipe(person) {
    // One countdown at a time: a second would outlive a Cancel of the first.
    if (this.#countdown !== null) {
      $('countdown-cancel').focus();
      return;
    }
    const typed = prompt(`This erases everything Hush holds on ${shortId(person.person)}'s device. Type WIPE to go on.`);
    if (typed?.trim().toUpperCase() !== 'WIPE') return;
    let left = COUNTDOWN_S;
    $('countdown-person').textContent = shortId(person.person);
    $('wipe-countdown-box').hidden = false;
    const tick = async () => {
      if (left === 0) {
        this.#countdown = null;
        $('wipe-countdown-box').hidden = true;
        const result = await attempt(() => this.#hush.makeRemoteWipe(person.id));
        if (!result.ok) return;
        const { bytes, mailbox } = result.value;
        await this.#send(() => this.#messenger.sendWipe(mailbox, bytes), bytes, {
          mailbox, sent: `Wipe sent to ${shortId(person.person)}. Their device erases everything when it next reads its wipe mailbox.`,
          unsent: `Send this to ${shortId(person.person)} now: it wipes their device`,
        });
        return;
      }
      $('countdown').textContent = `Wiping in ${left} s`;
      left -= 1;
      this.#countdown = setTimeout(tick, 1000);
    };
    tick();
    $('wipe-countdown-box').scrollIntoView({ block: 'nearest' });
    $('countdown-cancel').focus();
  }

  #cancelCountdown() {
    if (this.#countdown === null) return;
    clearTimeout(this.#countdown);
    this.#countdown = null;
    $('wipe-countdown-box').hidden = true;
    notify('Wipe cancelled. Nothing was sent.');
  }
}
