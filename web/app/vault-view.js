// The unlocked vault: the identity list, the current identity's
// conversations (one per peer, named by its Session ID), and the open
// conversation with its messages, their states (sent, delivered, read),
// composer, disappearing-messages picker and countdowns. Holds what it
// shows only while the vault is unlocked; close() empties the DOM and the
// state. What goes to and comes from the relay is messenger.js's.
import { $, el, icon, attempt, showError, notify, openDialog, countdown, duration, shortId, shortTime, timeElement } from './ui.js';
import { SESSION_ID } from './messenger.js';

// Session's timer values (DESIGN.md, "Disappearing messages").
const AFTER_SEND = [43200, 86400, 604800, 1209600];
const AFTER_READ = [300, 3600, 43200, 86400, 604800, 1209600];
const TEST_SECONDS = 5;

// An outgoing message's state, as shown.
const STATE_TEXT = { sent: 'Sent', delivered: 'Delivered', read: 'Read' };

const describeTimer = ({ mode, seconds }) =>
  mode === 'after-send' ? `${duration(seconds)} after sending`
    : mode === 'after-read' ? `${duration(seconds)} after reading` : 'Off';

export class VaultView {
  #hush;
  #messenger;
  #dialogs;
  #testTimers;
  #identities = [];
  #identity = null; // id of the current identity
  #conversations = [];
  #conversation = null; // id of the open conversation
  #shown = new Map(); // message id -> { item, sender, timer, count, expiresAt }
  #ticker = 0;
  #loading = null; // the messages read in flight, so ticks do not pile up
  #reloadWanted = false;

  constructor(hush, { dialogs, params, messenger }) {
    this.#hush = hush;
    this.#messenger = messenger;
    this.#dialogs = dialogs;
    this.#testTimers = params.get('timers') === 'test';
    this.#wire();
  }

  #wire() {
    $('new-identity').addEventListener('click', () => this.#dialogs.newIdentity());
    $('restore-identity').addEventListener('click', () => this.#dialogs.restore());
    $('new-conversation').addEventListener('click', () => {
      $('conversation-name').value = '';
      openDialog($('conversation-dialog'));
    });
    $('conversation-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#startConversation(event.submitter);
    });
    $('back-button').addEventListener('click', () => this.#backToList());
    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#send();
    });
    $('message-body').addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter starts a new line (not while composing
      // with an input method).
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $('composer').requestSubmit();
      }
    });
    $('message-body').addEventListener('input', () => this.#fitComposer());
    $('disappearing').addEventListener('change', () => this.#setTimer());
    // Messages that arrived while the page was hidden count as read once it shows.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.#conversation !== null) this.#loadMessages();
    });
    for (const dialog of document.querySelectorAll('dialog')) {
      dialog.addEventListener('click', (event) => {
        if (event.target.closest('[data-close]')) dialog.close('cancel');
      });
    }
  }

  get identity() {
    return this.#identities.find((identity) => identity.id === this.#identity) ?? null;
  }

  error(error) {
    showError(error);
  }

  // ---- life cycle ------------------------------------------------------------

  async open() {
    clearInterval(this.#ticker);
    this.#ticker = setInterval(() => this.#tick(), 1000);
    await this.loadIdentities();
  }

  close() {
    clearInterval(this.#ticker);
    this.#ticker = 0;
    this.#identities = [];
    this.#identity = null;
    this.#conversations = [];
    this.#conversation = null;
    this.#shown.clear();
    this.#dialogs.reset();
    for (const id of ['identity-list', 'conversation-list', 'current-identity-name', 'current-session-id',
      'conversation-title', 'disappearing', 'disappearing-note', 'messages']) $(id).replaceChildren();
    $('message-body').value = '';
    $('conversation-name').value = '';
    $('vault-main').dataset.pane = 'list';
    $('pane-conversation').hidden = true;
    $('pane-empty').hidden = false;
  }

  // The relay brought something for a conversation (or a state changed).
  // A new message in the open conversation is announced by its log; one
  // elsewhere, by the status region.
  changed(identity, conversation, { incoming = false } = {}) {
    if (incoming && conversation !== this.#conversation) {
      const to = this.#identities.find((i) => i.id === identity);
      notify(`New message from ${shortId(conversation)}${to && identity !== this.#identity ? ` to ${to.name}` : ''}.`);
    }
    if (identity !== this.#identity) return;
    // The open conversation first: its read is what the person waits for.
    if (conversation === this.#conversation) {
      this.#loadMessages();
      this.#loadTimer(); // the other person may have changed it
    }
    this.#loadConversations();
  }

  // After disappearing messages went: read what is shown again.
  refresh() {
    if (this.#identity === null) return;
    this.#loadConversations();
    if (this.#conversation !== null) this.#loadMessages();
  }

  // ---- identities ------------------------------------------------------------

  // Reads the identities; selects `select` if given, else keeps the current
  // one if it still exists, else the first.
  async loadIdentities(select = null) {
    const { ok, value } = await attempt(() => this.#hush.identities());
    if (!ok) return;
    this.#identities = value;
    // Each identity's mailbox is read while the vault is open.
    this.#messenger.listen(value);
    const ids = value.map((identity) => identity.id);
    const next = ids.includes(select) ? select : ids.includes(this.#identity) ? this.#identity : ids[0] ?? null;
    // The current identity stays as it is, with its open conversation.
    if (next !== null && next === this.#identity && select === null) this.#renderIdentities(next);
    else await this.#selectIdentity(next);
  }

  #renderIdentities(currentId) {
    const list = $('identity-list');
    list.replaceChildren(...this.#identities.map((identity) => el('li', {},
      el('button', {
        type: 'button', class: 'item', 'aria-current': identity.id === currentId ? 'true' : null,
        onclick: () => this.#selectIdentity(identity.id),
      },
      el('span', { class: 'item-name' }, identity.name),
      el('span', { class: 'item-sub mono' }, el('span', { class: 'visually-hidden' }, 'Session ID '), shortId(identity.sessionId))))));
    $('identities-empty').hidden = this.#identities.length > 0;
  }

  async #selectIdentity(id) {
    this.#identity = id;
    this.#closeConversation();
    this.#renderIdentities(id);
    const identity = this.identity;
    $('conversations-panel').hidden = !identity;
    $('pane-empty-text').textContent = identity
      ? 'Choose a conversation, or start a new one.'
      : 'Create an identity, or restore one from its recovery phrase, to start.';
    if (!identity) {
      this.#conversations = [];
      $('conversation-list').replaceChildren();
      return;
    }
    $('conversations-heading').textContent = 'Conversations';
    $('current-identity-name').textContent = identity.name;
    $('current-session-id').textContent = identity.sessionId;
    await this.#loadConversations();
  }

  // ---- conversations ---------------------------------------------------------

  async #loadConversations() {
    const identity = this.#identity;
    const { ok, value } = await attempt(() => this.#hush.conversations(identity));
    if (!ok || identity !== this.#identity) return;
    this.#conversations = value;
    this.#renderConversations();
  }

  #renderConversations() {
    $('conversation-list').replaceChildren(...this.#conversations.map((conversation) => {
      const timer = conversation.disappearing?.mode !== 'off';
      return el('li', {},
        el('button', {
          type: 'button', class: 'item', dataset: { conversation: conversation.id },
          'aria-current': conversation.id === this.#conversation ? 'true' : null,
          onclick: () => this.openConversation(conversation.id),
        },
        el('span', { class: 'item-name mono', title: conversation.id }, shortId(conversation.id)),
        el('span', { class: 'item-sub' },
          conversation.lastMessageAt ? `Last message ${shortTime(conversation.lastMessageAt)}` : 'No messages'),
        timer || conversation.unread > 0
          ? el('span', { class: 'item-side' },
            timer ? el('span', { class: 'item-timer', title: `Disappearing messages: ${describeTimer(conversation.disappearing)}` },
              icon('timer', 16), el('span', { class: 'visually-hidden' }, `Disappearing messages: ${describeTimer(conversation.disappearing)}`)) : null,
            conversation.unread > 0 ? el('span', { class: 'badge' }, String(conversation.unread),
              el('span', { class: 'visually-hidden' }, ' unread')) : null)
          : null));
    }));
    $('conversations-empty').hidden = this.#conversations.length > 0;
  }

  async #startConversation(button) {
    const name = $('conversation-name').value.trim().toLowerCase();
    if (!SESSION_ID.test(name)) {
      showError(name ? 'That is not a Session ID: it has 66 characters, 0-9 and a-f, and starts with 05.' : 'Enter their Session ID.');
      $('conversation-name').focus();
      return;
    }
    const identity = this.#identity;
    if (name === this.identity.sessionId) {
      showError('That is this identity\'s own Session ID.');
      return;
    }
    if (!this.#conversations.some((c) => c.id === name)) {
      // A conversation exists once it has a row, before its first message.
      const { ok } = await attempt(() => this.#hush.addConversation(identity, name), { button });
      if (!ok) return;
    }
    $('conversation-dialog').close();
    if (identity !== this.#identity) return;
    await this.#loadConversations();
    await this.openConversation(name);
  }

  async openConversation(id) {
    this.#conversation = id;
    this.#shown.clear();
    this.#renderConversations();
    $('conversation-title').textContent = shortId(id);
    $('conversation-title').title = id;
    $('message-label').textContent = `Message to ${shortId(id)}`;
    $('message-body').value = '';
    this.#fitComposer();
    // A new list, so a screen reader does not read the whole history out as
    // if it had just arrived; only messages added later are announced.
    const fresh = el('ol', { id: 'messages', class: 'messages', role: 'log', 'aria-label': `Messages with ${shortId(id)}` });
    $('messages').replaceWith(fresh);
    $('messages-empty').hidden = true;
    $('pane-empty').hidden = true;
    $('pane-conversation').hidden = false;
    $('vault-main').dataset.pane = 'conversation';
    $('conversation-title').focus();
    await Promise.all([this.#loadTimer(), this.#loadMessages({ scroll: 'end' })]);
  }

  #closeConversation() {
    this.#conversation = null;
    this.#shown.clear();
    $('messages').replaceChildren();
    $('pane-conversation').hidden = true;
    $('pane-empty').hidden = false;
    $('vault-main').dataset.pane = 'list';
  }

  // Phone layout: back from a conversation to the list, focus on its entry.
  #backToList() {
    const id = this.#conversation;
    this.#closeConversation();
    this.#renderConversations();
    const entry = [...$('conversation-list').querySelectorAll('[data-conversation]')].find((b) => b.dataset.conversation === id);
    (entry ?? $('conversations-heading')).focus();
  }

  // ---- messages --------------------------------------------------------------

  // Reads the newest 50 messages and shows them oldest first, then marks the
  // incoming unread ones read (this starts their after-read timers) and
  // shows their countdowns: what arrived is on screen before the commit
  // that records it read.
  async #loadMessages({ scroll = 'auto' } = {}) {
    if (this.#loading) {
      this.#reloadWanted = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      const identity = this.#identity;
      const conversation = this.#conversation;
      const stale = () => identity !== this.#identity || conversation !== this.#conversation;
      let read = await attempt(() => this.#hush.messages(identity, conversation, { limit: 50 }));
      if (!read.ok || stale()) return;
      const unread = read.value.filter((m) => !m.outgoing && m.readAt === null).map((m) => m.id);
      this.#renderMessages([...read.value].reverse(), scroll);
      if (unread.length > 0 && document.visibilityState === 'visible') {
        const marked = await attempt(() => this.#hush.markRead(identity, unread));
        if (stale()) return;
        if (marked.ok) {
          const sentAt = read.value.filter((m) => unread.includes(m.id)).map((m) => m.sentAt);
          for (let i = 0; i < sentAt.length; i += 100) this.#messenger.sendReceipt(identity, conversation, 'read', sentAt.slice(i, i + 100));
          read = await attempt(() => this.#hush.messages(identity, conversation, { limit: 50 }));
          if (!read.ok || stale()) return;
          this.#loadConversations();
          this.#renderMessages(read.value.reverse(), scroll);
        }
      }
    })();
    try {
      await this.#loading;
    } finally {
      this.#loading = null;
    }
    if (this.#reloadWanted) {
      this.#reloadWanted = false;
      await this.#loadMessages();
    }
  }

  // Updates the list in place by message id: new messages are added, gone
  // ones removed, so the log announces only what is new.
  #renderMessages(messages, scroll) {
    const list = $('messages');
    const box = $('messages-scroll');
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    const keep = new Set(messages.map((m) => m.id));
    for (const [id, shown] of this.#shown) {
      if (!keep.has(id)) {
        shown.item.remove();
        this.#shown.delete(id);
      }
    }
    let added = false;
    let previous = null;
    for (const message of messages) {
      let shown = this.#shown.get(message.id);
      if (!shown) {
        shown = this.#messageItem(message);
        this.#shown.set(message.id, shown);
        added = true;
      }
      shown.expiresAt = message.expiresAt;
      this.#renderCountdown(shown);
      this.#renderState(shown, message);
      // The sender is shown at the start of each run of messages; within a
      // run it stays for screen readers only.
      const sameSender = previous && previous.outgoing === message.outgoing && previous.sender === message.sender;
      shown.sender.classList.toggle('visually-hidden', Boolean(sameSender));
      // Messages arrive in id order, so this only appends or keeps.
      if (shown.item.parentNode !== list || shown.item !== (previous ? this.#shown.get(previous.id).item.nextSibling : list.firstChild)) {
        if (previous) this.#shown.get(previous.id).item.after(shown.item);
        else list.prepend(shown.item);
      }
      previous = message;
    }
    $('messages-empty').hidden = messages.length > 0;
    if (scroll === 'end' || (added && atEnd) || (added && scroll === 'sent')) box.scrollTop = box.scrollHeight;
  }

  #messageItem(message) {
    const outgoing = message.outgoing;
    const sender = el('p', { class: 'sender' }, outgoing ? 'You' : shortId(message.sender));
    const count = el('span', {});
    const timer = el('span', { class: 'countdown', role: 'timer' }, icon('timer', 12), count);
    const state = outgoing ? el('span', { class: 'state' }) : null;
    const item = el('li', { class: `msg ${outgoing ? 'out' : 'in'}`, dataset: { id: message.id } },
      sender,
      el('div', { class: 'bubble' },
        el('p', { class: 'body' }, message.body),
        el('p', { class: 'meta' }, timer, timeElement(message.sentAt), state)));
    return { item, sender, timer, count, state, expiresAt: message.expiresAt };
  }

  // Sending…, Not sent (with Try again), Sent, Delivered, Read.
  #renderState({ state }, message) {
    if (!state) return;
    const sending = message.peerState === 'pending' && this.#messenger.sending(message.sentAt);
    const key = message.peerState === 'pending' ? (sending ? 'sending' : 'failed') : message.peerState;
    if (state.dataset.state === key) return;
    state.dataset.state = key;
    if (key === 'failed') {
      const identity = this.#identity;
      const conversation = this.#conversation;
      state.replaceChildren('Not sent ', el('button', {
        type: 'button', class: 'link retry',
        onclick: (event) => attempt(() => this.#messenger.retry(identity, conversation, message), { button: event.currentTarget }),
      }, 'Try again'));
    } else state.replaceChildren(key === 'sending' ? 'Sending…' : STATE_TEXT[key] ?? '');
  }

  #renderCountdown(shown) {
    const { timer, count, expiresAt } = shown;
    if (expiresAt === null || expiresAt === undefined) {
      timer.hidden = true;
      return false;
    }
    const left = expiresAt - Date.now();
    const { short, spoken } = countdown(left);
    if (count.textContent !== short) count.textContent = short;
    const label = `disappears in ${spoken}`;
    if (timer.getAttribute('aria-label') !== label) timer.setAttribute('aria-label', label);
    timer.hidden = false;
    return left <= 0;
  }

  // Every second: countdowns move on, and a message whose time is up goes
  // (read again: the core never returns an expired message).
  #tick() {
    let due = false;
    for (const shown of this.#shown.values()) due = this.#renderCountdown(shown) || due;
    if (due) {
      this.#loadMessages();
      this.#loadConversations();
    }
  }

  #fitComposer() {
    const box = $('message-body');
    box.style.height = 'auto';
    box.style.height = `${Math.min(box.scrollHeight + 2, 160)}px`;
  }

  async #send() {
    const box = $('message-body');
    const body = box.value;
    if ($('send-button').disabled) return; // Enter pressed again while sending
    if (!body.trim()) {
      box.focus();
      return;
    }
    const identity = this.#identity;
    const conversation = this.#conversation;
    const { ok } = await attempt(() => this.#messenger.sendText(identity, conversation, body), { button: $('send-button') });
    if (!ok || identity !== this.#identity || conversation !== this.#conversation) return;
    box.value = '';
    this.#fitComposer();
    box.focus();
    await this.#loadMessages({ scroll: 'sent' });
    this.#loadConversations();
  }

  // ---- disappearing messages -------------------------------------------------

  #timerChoices() {
    const send = [...AFTER_SEND];
    const read = [...AFTER_READ];
    if (this.#testTimers) {
      send.unshift(TEST_SECONDS);
      read.unshift(TEST_SECONDS);
    }
    return [
      { mode: 'off', items: [0] },
      { mode: 'after-send', label: 'Disappear after sending', items: send },
      { mode: 'after-read', label: 'Disappear after reading', items: read },
    ];
  }

  #renderPicker(current) {
    const option = (mode, seconds) => {
      const test = this.#testTimers && seconds === TEST_SECONDS && mode !== 'off';
      return el('option', { value: `${mode}:${seconds}` }, describeTimer({ mode, seconds }) + (test ? ' (test)' : ''));
    };
    const groups = this.#timerChoices().map(({ mode, label, items }) => (label
      ? el('optgroup', { label }, items.map((seconds) => option(mode, seconds)))
      : option(mode, 0)));
    const select = $('disappearing');
    select.replaceChildren(...groups);
    const value = `${current.mode}:${current.mode === 'off' ? 0 : current.seconds}`;
    // A value set elsewhere that the picker does not offer is still shown.
    if (![...select.options].some((o) => o.value === value)) select.append(option(current.mode, current.seconds));
    select.value = value;
    const note = $('disappearing-note');
    note.replaceChildren(...(current.mode === 'off' ? [] : [icon('timer', 14),
      ` New messages disappear ${duration(current.seconds)} after they are ${current.mode === 'after-send' ? 'sent' : 'read'}.`]));
  }

  async #loadTimer() {
    const identity = this.#identity;
    const conversation = this.#conversation;
    const { ok, value } = await attempt(() => this.#hush.disappearing(identity, conversation));
    if (!ok || identity !== this.#identity || conversation !== this.#conversation) return;
    this.#renderPicker(value);
  }

  async #setTimer() {
    const select = $('disappearing');
    const [mode, seconds] = select.value.split(':');
    const identity = this.#identity;
    const conversation = this.#conversation;
    const { ok } = await attempt(() => this.#hush.setDisappearing(identity, conversation, { mode, seconds: Number(seconds) }));
    if (identity !== this.#identity || conversation !== this.#conversation) return;
    await this.#loadTimer();
    if (ok) this.#messenger.sendTimer(identity, conversation, { mode, seconds: Number(seconds) });
    if (ok) notify(`Disappearing messages: ${describeTimer({ mode, seconds: Number(seconds) }).toLowerCase()}.`);
    this.#loadConversations();
  }
}
