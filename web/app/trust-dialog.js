// Trusted friends (core/TRUST.md): make a friend a trustee of this device
// (offer, their answer, the code to compare in person), see and revoke
// them; see whom you protect, test the link (a drill), and wipe their
// device (typed confirmation, then a 5-second countdown that can be
// cancelled). Until the demo has its relay, messages are carried as base64
// text the user copies; the relay will carry the same bytes.
import { $, el, attempt, notify, openDialog, clearMessages, shortId } from './ui.js';

const COUNTDOWN_S = 5;
const toText = (bytes) => btoa(String.fromCharCode(...bytes));
const when = (ms) => new Date(ms).toLocaleString();

export class TrustDialog {
  #hush;
  #vault;
  #expect = null; // what a pasted message is taken as: 'reply' after an offer, else an offer
  #countdown = null;

  constructor(hush, vault) {
    this.#hush = hush;
    this.#vault = vault;
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
    $('trust-code-box').hidden = true;
    $('trustee-list').replaceChildren();
    $('protected-list').replaceChildren();
  }

  async open() {
    this.reset();
    await this.#render();
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
  }

  #send(bytes, label, mailbox = null) {
    $('trust-outgoing').value = toText(bytes);
    $('trust-outgoing-label').textContent = label;
    $('trust-mailbox').textContent = mailbox ? `Wipe mailbox: ${mailbox}` : '';
    $('trust-outgoing-box').hidden = false;
  }

  #showCode(code) {
    $('trust-code').textContent = code;
    $('trust-code-box').hidden = false;
  }

  async #offer(button) {
    clearMessages($('trust-dialog'));
    const identity = this.#vault.identity;
    const result = await attempt(() => this.#hush.offerTrust(identity.id, $('friend-session-id').value.trim()), { button });
    if (!result.ok) return;
    this.#expect = 'reply';
    $('trust-code-box').hidden = true;
    this.#send(result.value, 'Send this request to your friend, then paste their answer above');
    notify('Request made. Send it to your friend.');
    await this.#render();
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
      this.#send(result.value.bytes, 'Send this answer back to your friend');
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
    if (result.ok) this.#send(result.value.bytes, `Send this test to ${shortId(person.person)}: it checks the link and erases nothing`, result.value.mailbox);
  }

  // A typed confirmation, then a countdown the user can still cancel.
  #confirmWipe(person) {
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
        if (result.ok) this.#send(result.value.bytes, `Send this to ${shortId(person.person)} now: it wipes their device`, result.value.mailbox);
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
