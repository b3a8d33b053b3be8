// The messenger's traffic through the relay (web/relay): what the demo app
// sends and receives, and nothing of what it shows.
//
// - Wipe mailboxes are polled on one schedule from the moment the vault
//   exists, locked or not (hush.pollWipeMailboxes): a trusted friend's wipe
//   works while the app is locked.
// - Each identity's own mailbox is read only while the vault is unlocked,
//   by a long poll: messages that arrive while locked wait, sealed, in the
//   relay, and are opened at the next unlock.
// - Everything fetched goes through hush.openMessage (sender checked,
//   malformed ones counted and dropped) and is deleted from the relay once
//   stored; a message fetched twice (a crash before the delete) is kept
//   once, known by its sender and sent time, as Session knows it.
// - An outgoing message is stored first ('pending'), then sealed and sent
//   ('sent'); receipts raise it to 'delivered' and 'read'. One that could
//   not be sent is sent again when the relay answers again.
//
// Events: 'message' { identity, conversation, incoming } (something to
// show changed; incoming: a new message from the other person),
// 'trust' { identity, friend, kind: 'request' | 'code', code }, 'online'
// { online }.
import { RelayClient } from '../src/relay-client.js';

export const SESSION_ID = /^05[0-9a-f]{64}$/;
const LONG_POLL_MS = 25_000;
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
const OFFER_BYTES = 234; // core/TRUST.md: a pairing offer; a reply is 162
const MAX_REQUESTS = 16; // trust requests held for an answer; the oldest goes first

const sentTimes = (body) => Array.from(new BigInt64Array(body.slice().buffer), Number);

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export class Messenger extends EventTarget {
  #hush;
  #relay;
  #wipePollMs;
  #stopWipePolls = null;
  #listening = new Map(); // identity id -> { controller, mailbox } of its long poll
  #requests = new Map(); // `${identity}/${friend}` -> { identity, friend, bytes }: trust requests not yet answered
  #sending = new Set(); // sent times of the messages on their way to the relay
  online = null; // null until the relay was tried

  constructor(hush, { url, wipePollMs = 30_000 }) {
    super();
    this.#hush = hush;
    this.#relay = new RelayClient({ url, hush });
    this.#wipePollMs = wipePollMs;
  }

  // From the start, whatever the vault's state: the wipe mailboxes.
  start() {
    this.#stopWipePolls ??= this.#hush.pollWipeMailboxes((mailbox) => this.#relay.fetchWipeMailbox(mailbox),
      { intervalMs: this.#wipePollMs, onError: (error) => this.#failed(error) });
  }

  // Unlocked: one long poll per identity (started for new ones, ended for
  // removed ones).
  listen(identities) {
    const ids = new Set(identities.map((identity) => identity.id));
    for (const [id, poll] of this.#listening) {
      if (!ids.has(id)) this.#end(id, poll);
    }
    for (const identity of identities) {
      if (this.#listening.has(identity.id)) continue;
      const controller = new AbortController();
      this.#listening.set(identity.id, { controller, mailbox: identity.sessionId });
      this.#poll(identity, controller.signal);
    }
  }

  // Locked or wiped: no mailbox but the wipe mailboxes is read, and nothing
  // of the vault stays here.
  stop() {
    for (const [id, poll] of this.#listening) this.#end(id, poll);
    this.#requests.clear();
    this.#sending.clear();
  }

  #end(id, { controller, mailbox }) {
    controller.abort();
    this.#relay.forget(mailbox);
    this.#listening.delete(id);
  }

  requests(identityId) {
    return [...this.#requests.values()].filter((r) => r.identity === identityId);
  }

  // ---- receiving --------------------------------------------------------------

  async #poll(identity, signal) {
    let failures = 0;
    let more = false;
    let resend = true;
    while (!signal.aborted) {
      try {
        const { messages, more: left } = await this.#relay.retrieve(identity.id, identity.sessionId,
          { waitMs: more || resend ? 0 : LONG_POLL_MS, signal });
        if (signal.aborted) return;
        this.#setOnline(true);
        failures = 0;
        more = left;
        for (const { data } of messages) await this.#takeOrDrop(identity, data);
        if (messages.length) await this.#relay.delete(identity.id, identity.sessionId, messages.map((m) => m.hash), { signal });
        if (resend) {
          resend = false;
          await this.#resendPending(identity.id);
        }
      } catch (error) {
        if (signal.aborted || this.#hush.state !== 'unlocked') return;
        this.#failed(error);
        resend = true;
        await sleep(BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)], signal);
      }
    }
  }

  // One message the vault refuses to take (a timer for a conversation it
  // cannot make, a pairing it cannot complete) is dropped and counted, so
  // it cannot hold up the mailbox behind it; a lock in the middle stops the
  // round, and the messages stay in the relay for the next unlock.
  async #takeOrDrop(identity, data) {
    try {
      await this.#take(identity, data);
    } catch (error) {
      if (this.#hush.state !== 'unlocked') throw error;
      const reason = error?.code ?? 'ERR_UNKNOWN';
      this.refused[reason] = (this.refused[reason] ?? 0) + 1;
    }
  }

  refused = {}; // messages that opened but the vault refused, by error code

  async #take(identity, data) {
    const message = await this.#hush.openMessage(identity.id, data);
    if (!message) return; // counted in hush.droppedMessages
    const peer = message.sender;
    const changed = (incoming = false) => this.dispatchEvent(Object.assign(new Event('message'), { identity: identity.id, conversation: peer, incoming }));
    switch (message.type) {
      case 'text': {
        if (await this.#have(identity.id, peer, message.sentAt)) break;
        await this.#hush.addMessage(identity.id, {
          conversation: peer, sender: peer, body: new TextDecoder().decode(message.body),
          sentAt: message.sentAt, outgoing: false, disappearing: message.disappearing,
        });
        changed(true);
        this.sendReceipt(identity.id, peer, 'delivered', [message.sentAt]);
        break;
      }
      case 'timer':
        await this.#hush.setDisappearing(identity.id, peer, message.disappearing);
        changed();
        break;
      case 'delivered':
      case 'read':
        await this.#hush.markPeerState(identity.id, peer, sentTimes(message.body), message.type);
        changed();
        break;
      case 'pairing':
        await this.#pairing(identity.id, peer, message.body);
        break;
      case 'trigger':
      case 'drill':
        await this.#hush.receive(message.body);
        break;
      default:
        break;
    }
  }

  async #have(identityId, peer, sentAt) {
    const recent = await this.#hush.messages(identityId, peer, { limit: 50 });
    return recent.some((m) => !m.outgoing && m.sentAt === sentAt);
  }

  // A friend's request waits for the person to accept it; the answer to
  // our own request completes it and gives the code to compare.
  async #pairing(identityId, friend, bytes) {
    if (bytes.length === OFFER_BYTES) {
      const key = `${identityId}/${friend}`;
      this.#requests.delete(key); // a repeated request counts as the newest
      if (this.#requests.size >= MAX_REQUESTS) this.#requests.delete(this.#requests.keys().next().value);
      this.#requests.set(key, { identity: identityId, friend, bytes });
      this.dispatchEvent(Object.assign(new Event('trust'), { identity: identityId, friend, kind: 'request' }));
      return;
    }
    const pending = (await this.#hush.trustees()).some((t) => t.state === 'pending' && t.identity === identityId && t.friend === friend);
    if (!pending) return; // already completed (by hand), or revoked
    const code = await this.#hush.completeTrust(identityId, bytes);
    this.dispatchEvent(Object.assign(new Event('trust'), { identity: identityId, friend, kind: 'code', code }));
  }

  // ---- sending ------------------------------------------------------------------

  // Stores the message, then sends it; resolves once stored. The send's
  // outcome shows in the message's state.
  async sendText(identityId, peer, body) {
    const sentAt = Date.now();
    await this.#hush.addMessage(identityId, { conversation: peer, sender: 'me', body, sentAt, outgoing: true });
    this.#deliver(identityId, peer, body, sentAt).catch((error) => this.#failed(error));
  }

  async #deliver(identityId, peer, body, sentAt) {
    this.#sending.add(sentAt);
    try {
      const disappearing = await this.#hush.disappearing(identityId, peer);
      await this.#relay.store(peer, await this.#hush.sealMessage(identityId, peer, { body, sentAt, disappearing }));
      this.#setOnline(true);
      await this.#hush.markPeerState(identityId, peer, [sentAt], 'sent');
    } finally {
      this.#sending.delete(sentAt);
      this.dispatchEvent(Object.assign(new Event('message'), { identity: identityId, conversation: peer }));
    }
  }

  // A pending message still on its way ("Sending…"), or one that did not
  // get through ("Not sent", sent again when the relay answers again).
  sending(sentAt) {
    return this.#sending.has(sentAt);
  }

  // "Try again" on a message that was not sent.
  retry(identityId, peer, { body, sentAt }) {
    return this.#deliver(identityId, peer, body, sentAt).catch((error) => {
      this.#failed(error);
      throw error;
    });
  }

  // Once the relay answers again: what could not be sent before.
  async #resendPending(identityId) {
    for (const { id: peer } of await this.#hush.conversations(identityId)) {
      if (!SESSION_ID.test(peer)) continue;
      const pending = (await this.#hush.messages(identityId, peer, { limit: 50 }))
        .filter((m) => m.peerState === 'pending' && !this.#sending.has(m.sentAt)); // not one on its way now
      for (const m of pending.reverse()) await this.#deliver(identityId, peer, m.body, m.sentAt);
    }
  }

  // Receipts and timer changes are best effort: a lost one only leaves a
  // state unraised.
  sendReceipt(identityId, peer, type, times) {
    this.#sendControl(identityId, peer, { type, body: times });
  }

  sendTimer(identityId, peer, disappearing) {
    this.#sendControl(identityId, peer, { type: 'timer', disappearing });
  }

  #sendControl(identityId, peer, message) {
    if (!SESSION_ID.test(peer)) return;
    (async () => {
      await this.#relay.store(peer, await this.#hush.sealMessage(identityId, peer, message));
      this.#setOnline(true);
    })().catch((error) => this.#failed(error));
  }

  // A trust request or answer (core/TRUST.md) to the friend's mailbox.
  async sendPairing(identityId, friend, bytes) {
    await this.#relay.store(friend, await this.#hush.sealMessage(identityId, friend, { type: 'pairing', body: bytes }));
  }

  // The friend accepts a request: the answer goes back, the code is shown.
  async acceptRequest(identityId, friend) {
    const request = this.#requests.get(`${identityId}/${friend}`);
    if (!request) throw new Error('that request is no longer here');
    const { bytes, code } = await this.#hush.acceptTrust(identityId, request.bytes);
    this.#requests.delete(`${identityId}/${friend}`);
    await this.sendPairing(identityId, friend, bytes).catch((error) => {
      this.#failed(error);
      throw Object.assign(error, { answer: bytes, code });
    });
    return { bytes, code };
  }

  // A wipe or a drill, to the person's wipe mailbox.
  sendWipe(mailbox, bytes) {
    return this.#relay.sendWipe(mailbox, bytes);
  }

  // ---- the relay's reachability -------------------------------------------------

  #failed(error) {
    if (error?.name === 'RelayError' && error.code === 'network') this.#setOnline(false);
  }

  #setOnline(online) {
    if (this.online === online) return;
    this.online = online;
    this.dispatchEvent(Object.assign(new Event('online'), { online }));
  }
}
