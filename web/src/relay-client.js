// A client of the relay (web/relay), which speaks the subset of Session's
// storage-server RPC a client uses: POST /storage_rpc/v1 { method, params }.
// Requests that need the mailbox owner's signature are signed in the core
// (hush.relaySign), which signs only the RPC's own strings, never other
// bytes. Every answer's time goes into the vault's clock high-water mark
// (hush.observeNetworkTime), as Session clients take their clock offset
// from their storage servers. The same answers give the client its offset
// from the relay's clock, so that the timestamps it signs and stores are
// within the relay's ±60 s even on a device whose clock is wrong; a request
// refused for its timestamp is made again once, after an info.
//
//   const relay = new RelayClient({ url: 'http://127.0.0.1:8081', hush });
//   await relay.store(bobSessionId, await hush.sealMessage(me, bobSessionId, { body: 'hi' }));
//   const { messages } = await relay.retrieve(me, mySessionId, { waitMs: 25_000 });
//   const stop = hush.pollWipeMailboxes((mailbox) => relay.fetchWipeMailbox(mailbox));

// The namespace of wipe mailboxes (web/relay/rpc.js): their id is the
// capability, so they are read without a signature, even while locked.
export const WIPE_NAMESPACE = 100;
const TTL_MS = 14 * 24 * 3600 * 1000;

export class RelayError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = 'RelayError';
    this.code = code;
    this.status = status;
  }
}

const toBase64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export class RelayClient {
  #url;
  #hush;
  #fetch;
  #lastHash = new Map(); // `${mailbox}/${namespace}` -> the last message's hash
  #offset = 0; // the relay's clock minus ours, ms, from its last answer

  constructor({ url, hush, fetch = globalThis.fetch.bind(globalThis) }) {
    this.#url = new URL('/storage_rpc/v1', url);
    this.#hush = hush;
    this.#fetch = fetch;
  }

  async #rpc(method, params, { signal } = {}) {
    let response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST', body: JSON.stringify({ method, params }), signal,
        headers: { 'Content-Type': 'application/json' },
      });
    } catch (error) {
      if (error?.name === 'AbortError') throw error;
      throw new RelayError('network', `could not reach the relay at ${this.#url.origin}`, 0);
    }
    const text = await response.text();
    let body = null;
    try { body = JSON.parse(text); } catch { /* an error page */ }
    // The relay's time when it answered; the trip back is a few ms.
    if (Number.isSafeInteger(body?.t)) this.#offset = body.t - Date.now();
    if (!response.ok) {
      throw new RelayError(body?.error?.code ?? 'server', body?.error?.message ?? `the relay answered ${response.status}`,
        response.status);
    }
    return body;
  }

  // Whenever the relay is reached: its time into the vault's clock
  // (unlocked only; while locked nothing is written).
  async #observe(t) {
    if (Number.isSafeInteger(t) && this.#hush?.state === 'unlocked') await this.#hush.observeNetworkTime(t).catch(() => {});
  }

  // Now by the relay's clock, as far as its last answer tells.
  #now() {
    return Date.now() + this.#offset;
  }

  // A request refused for its timestamp: once more, after learning the
  // relay's time (info answers with it).
  async #timed(make) {
    try {
      return await make();
    } catch (error) {
      if (!(error instanceof RelayError) || !['stale_timestamp', 'bad_timestamp'].includes(error.code)) throw error;
      await this.syncTime();
      return make();
    }
  }

  // The relay's time (info), observed.
  async syncTime() {
    const { timestamp } = await this.#rpc('info', {});
    await this.#observe(timestamp);
    return timestamp;
  }

  // Sends sealed bytes to a mailbox (a Session ID). Resolves to the hash.
  async store(mailbox, bytes, { namespace = 0, ttlMs = TTL_MS, signal } = {}) {
    const data = toBase64(bytes);
    const { hash, t } = await this.#timed(() => this.#rpc('store', {
      pubkey: mailbox, namespace, timestamp: this.#now(), ttl: ttlMs, data,
    }, { signal }));
    await this.#observe(t);
    return hash;
  }

  // The owner (identityId, whose Session ID is mailbox) reads what arrived
  // after the last retrieve: { messages: [{ hash, timestamp, expiry, data }], more }.
  // waitMs holds the request until something arrives (long poll).
  async retrieve(identityId, mailbox, { namespace = 0, waitMs = 0, signal } = {}) {
    const key = `${mailbox}/${namespace}`;
    const answer = await this.#timed(async () => {
      const timestamp = this.#now();
      const rest = `${namespace === 0 ? '' : namespace}${timestamp}`;
      const { signature, ed25519Pk } = await this.#hush.relaySign(identityId, 'retrieve', rest);
      return this.#rpc('retrieve', {
        pubkey: mailbox, namespace, timestamp, signature: toBase64(signature), pubkey_ed25519: toHex(ed25519Pk),
        last_hash: this.#lastHash.get(key) ?? '', wait_ms: waitMs,
      }, { signal });
    });
    const messages = (answer.messages ?? []).map((m) => ({ ...m, data: fromBase64(m.data) }));
    if (messages.length) this.#lastHash.set(key, messages.at(-1).hash);
    await this.#observe(answer.t);
    return { messages, more: Boolean(answer.more) };
  }

  // Forgets where reading a mailbox had got to (its Session ID leaves the
  // page's memory: at a lock, after a wipe). The next retrieve reads from
  // the start of what is still there.
  forget(mailbox, { namespace = 0 } = {}) {
    this.#lastHash.delete(`${mailbox}/${namespace}`);
  }

  // Deletes read messages (signed by the owner).
  async delete(identityId, mailbox, hashes, { signal } = {}) {
    const { signature, ed25519Pk } = await this.#hush.relaySign(identityId, 'delete', hashes.join(''));
    return this.#rpc('delete', {
      pubkey: mailbox, messages: hashes, signature: toBase64(signature), pubkey_ed25519: toHex(ed25519Pk),
    }, { signal });
  }

  // What waits in a wipe mailbox, for hush.pollWipeMailboxes: no signature,
  // so it works while locked.
  async fetchWipeMailbox(mailbox, { signal } = {}) {
    const key = `${mailbox}/${WIPE_NAMESPACE}`;
    const answer = await this.#rpc('retrieve', {
      pubkey: mailbox, namespace: WIPE_NAMESPACE, timestamp: this.#now(), last_hash: this.#lastHash.get(key) ?? '',
    }, { signal });
    const messages = answer.messages ?? [];
    if (messages.length) this.#lastHash.set(key, messages.at(-1).hash);
    return messages.map((m) => fromBase64(m.data));
  }

  // A friend sends a wipe (or drill) to the person's wipe mailbox.
  sendWipe(mailbox, bytes, { signal } = {}) {
    return this.store(mailbox, bytes, { namespace: WIPE_NAMESPACE, signal });
  }
}
