// Hush: the ES module a messenger imports. It mirrors the core's API
// thinly; every call goes to the Worker that owns the wasm core, and every
// failure arrives as a HushError carrying the core's status code.
//
//   import { Hush } from './hush.js';
//   const hush = await Hush.open({ name: 'default' });
//   if (hush.state === 'new') await hush.create('2580', { kind: 'pin' });
//   const { ok, attemptsLeft, retryInMs } = await hush.unlock(code);
//
// Codes: a Uint8Array in the kind's raw form (PIN: ASCII digits; pattern:
// node indices 0..8; passphrase: UTF-8, NFC), or for convenience a string
// (PIN, passphrase) or an array of nodes (pattern). A Uint8Array is
// transferred to the Worker, which leaves it empty here; the Worker zeroes
// its copy after use.
//
// Events: 'locked', 'unlocked', 'wiped' (not after a duress code: nothing
// may say that a wipe happened), 'statechange', 'expired' (disappearing
// messages were deleted: read the view again).
import { HushError } from './errors.js';
import { wipePageStorage } from './wipe.js';

export { HushError };

const KINDS = ['pin', 'pattern', 'passphrase'];
const WIPE_CHANNEL = 'hush:wipe';
// Every unlock outcome resolves this long after the Worker's check: it
// covers the slowest path, the right code's sweep before the first view
// (tests/bench measured ~30 ms on OPFS), so right, duress and wrong codes
// take the same time.
const UNLOCK_MARGIN_MS = 60;
const DURESS_CLEAR_DELAY_MS = 1500;
// Bytes of a backup per request to the Worker during an import.
const IMPORT_PIECE = 1 << 20;

const cancelled = () => new HushError('ERR_CANCELLED', 'cancelled');

function encodeCode(code, kind) {
  if (code instanceof Uint8Array) return code;
  if (Array.isArray(code) && kind === 'pattern') return Uint8Array.from(code);
  if (typeof code === 'string') {
    return new TextEncoder().encode(kind === 'passphrase' ? code.normalize('NFC') : code);
  }
  throw new HushError('ERR_ARGUMENT', 'a code must be a Uint8Array, a string, or an array of pattern nodes');
}

// Holds the Web Lock of a vault until release(); null if another tab has it.
async function acquireTabLock(name) {
  if (!navigator.locks) return { release() {} };
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const acquired = await new Promise((resolve) => {
    navigator.locks.request(`hush:${name}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock ? held : undefined;
    });
  });
  return acquired ? { release } : null;
}

// Bytes from a Uint8Array, an ArrayBuffer or base64 text (pairing and
// wipe messages travel as text where a person copies them).
function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') {
    const text = value.trim().replace(/-/g, '+').replace(/_/g, '/');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new HushError('ERR_TRUST_MESSAGE', 'not a Hush message: expected base64 text');
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }
  throw new HushError('ERR_ARGUMENT', 'bytes must be a Uint8Array, an ArrayBuffer or base64 text');
}

export class Hush extends EventTarget {
  #worker = null;
  #pending = new Map(); // requests to the current Worker
  #nextId = 1;
  #options;
  #tabLock;
  #channel;
  #status;
  #ready = Promise.resolve(); // calls wait for this: a Worker being replaced
  #background = Promise.resolve(); // the origin wipe and Worker restart, if any
  #hurry = null; // ends the wait before a duress unlock's Clear-Site-Data
  #spare = null; // the next Worker, loaded ahead
  #idleTimer = null;
  #activity = () => this.#armIdleTimer();
  #visibility = () => {
    if (document.visibilityState === 'hidden' && this.#options.lockWhenHidden) this.lock().catch(() => {});
    else if (this.state === 'unlocked') this.sweep().catch(() => {});
  };

  constructor(options, tabLock) {
    super();
    this.#options = options;
    this.#tabLock = tabLock;
  }

  // Opens the vault `name` in this tab. Options:
  //   flavour          'auto' | 'simd' | 'plain' | 'debug'
  //   autoLockMs       lock after this long without input (default 5 min; 0: never)
  //   lockWhenHidden   lock when the page is hidden (default false)
  //   clearSiteDataUrl the app server's Clear-Site-Data endpoint, called on a wipe;
  //                    after a duress unlock with ?types=cache,cookies (storage
  //                    would take the new vault): web/serve.mjs shows how
  //   afterDuress      'unlocked' (an empty vault under the duress code, default)
  //                    or 'first-run' (no vault at all)
  //   kdf              { opslimit, memlimitKib } for create(); default: calibrated to ~1 s
  //   authenticatorTimeoutMs  how long a bound vault's unlock waits for its
  //                    authenticator (WebAuthn timeout; default 60 s)
  //   persistence      'auto' (OPFS written in place where the browser can,
  //                    else IndexedDB) or 'idbfs' (tests); info.persistence
  //                    says which one runs
  // Rejects with ERR_VAULT_IN_USE while another tab holds the vault.
  static async open({ name = 'default', flavour = 'auto', autoLockMs = 5 * 60_000, lockWhenHidden = false,
    clearSiteDataUrl = null, afterDuress = 'unlocked', kdf = null, persistence = 'auto', authenticatorTimeoutMs = 60_000 } = {}) {
    if (!/^[a-z0-9-]{1,40}$/.test(name)) throw new HushError('ERR_ARGUMENT', 'a vault name is 1-40 of a-z, 0-9, -');
    const tabLock = await acquireTabLock(name);
    if (!tabLock) throw new HushError('ERR_VAULT_IN_USE', 'this vault is open in another tab');
    const hush = new Hush({ name, autoLockMs, lockWhenHidden, clearSiteDataUrl, afterDuress, authenticatorTimeoutMs,
      init: { flavour, name, kdf, persistence } }, tabLock);
    try {
      hush.#setStatus(await hush.#startWorker());
    } catch (error) {
      hush.close();
      throw error;
    }
    hush.#listen();
    return hush;
  }

  // A Worker with its scripts and the core loaded, but no vault opened (a
  // sync access handle is exclusive): the next fresh Worker, ready before
  // it is needed, so a lock or a wipe can start one offline.
  #spawn() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'hush' });
    // A spare that could not load (its scripts unreachable) is never used:
    // its error event would be long gone by then, and init would wait forever.
    worker.addEventListener('error', () => { worker.failed = true; }, { once: true });
    worker.postMessage({ id: 0, op: 'load', args: [{ flavour: this.#options.init.flavour }] });
    return worker;
  }

  // A fresh Worker, initialised: it has never held a key.
  async #startWorker() {
    let worker = this.#spare;
    if (!worker || worker.failed) {
      worker?.terminate();
      worker = this.#spawn();
    }
    this.#spare = this.#spawn();
    this.#worker = worker;
    worker.onmessage = ({ data: { id, result, error, event } }) => {
      if (event === 'expired') {
        this.dispatchEvent(new Event('expired'));
        return;
      }
      const waiter = this.#pending.get(id);
      if (!waiter) return;
      this.#pending.delete(id);
      if (error) waiter.reject(HushError.fromJSON(error));
      else waiter.resolve(result);
    };
    worker.onerror = (event) => this.#dropPending(new HushError('ERR_INTERNAL',
      `the Worker failed: ${event.message ?? 'its scripts could not be loaded (offline, and not cached?)'}`));
    if (worker.failed) this.#dropPending(new HushError('ERR_INTERNAL', 'the Worker could not load its scripts'));
    this.info = await this.#post('init', [this.#options.init]);
    return this.info.status;
  }

  #dropPending(error) {
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  // Ends the Worker: its memory, keys included, goes with it, and so do
  // its OPFS handles and IndexedDB connection.
  #terminate() {
    this.#worker?.terminate();
    this.#worker = null;
    this.#dropPending(new HushError('ERR_STATE', 'the vault was locked'));
  }

  #post(op, args = [], transfer = []) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (!this.#worker) {
        reject(new HushError('ERR_STATE', 'the vault is closed'));
        return;
      }
      this.#pending.set(id, { resolve, reject });
      // The page's clock travels with every request (worker.js: clock()).
      this.#worker.postMessage({ id, op, args, now: Date.now() }, transfer);
    });
  }

  // Requests wait while the Worker is being replaced.
  async #call(op, args = [], transfer = []) {
    await this.#ready;
    return this.#post(op, args, transfer);
  }

  // Terminates the Worker and starts a fresh one; calls queue behind it.
  #restart(before = async () => {}) {
    const restarted = (async () => {
      try {
        await before();
      } finally {
        this.#terminate();
      }
      this.#setStatus(await this.#startWorker());
    })();
    this.#ready = restarted.catch(() => {});
    return restarted;
  }

  // Resolves once background work is done: the origin wipe after a wipe
  // or a duress unlock, and the start of a fresh Worker.
  whenSettled() {
    return Promise.all([this.#ready, this.#background]).then(() => undefined);
  }

  #listen() {
    this.#channel = new BroadcastChannel(WIPE_CHANNEL);
    // Another tab wiped the origin: drop every key (the Worker's memory
    // dies with it) and start again from what storage now holds.
    this.#channel.onmessage = () => {
      this.#terminate();
      this.dispatchEvent(new Event('wiped'));
      location.reload();
    };
    for (const type of ['pointerdown', 'keydown', 'touchstart', 'wheel']) {
      document.addEventListener(type, this.#activity, { passive: true });
    }
    document.addEventListener('visibilitychange', this.#visibility);
  }

  #armIdleTimer() {
    clearTimeout(this.#idleTimer);
    if (this.state === 'unlocked' && this.#options.autoLockMs > 0) {
      this.#idleTimer = setTimeout(() => this.lock().catch(() => {}), this.#options.autoLockMs);
    }
  }

  #setStatus(status) {
    const before = this.#status?.state;
    this.#status = status;
    if (status.state !== before) {
      this.dispatchEvent(new Event('statechange'));
      if (status.state === 'locked') this.dispatchEvent(new Event('locked'));
      if (status.state === 'unlocked') this.dispatchEvent(new Event('unlocked'));
      this.#armIdleTimer();
    }
  }

  // 'new' | 'locked' | 'unlocked'
  get state() { return this.#status.state; }
  // 'pin' | 'pattern' | 'passphrase', or null for a new vault
  get kind() { return this.#status.kind; }
  get attemptsLeft() { return this.#status.attemptsLeft; }
  get attemptLimit() { return this.#status.attemptLimit; }
  // Milliseconds until an unlock attempt will be checked (0: now).
  get retryInMs() { return Math.max(0, this.#status.retryInMs - (Date.now() - this.#status.at)); }
  get version() { return this.info.version; }

  #codeArgs(code, kind) {
    const bytes = encodeCode(code, kind);
    return { bytes, transfer: [bytes.buffer] };
  }

  async create(code, { kind }) {
    if (!KINDS.includes(kind)) throw new HushError('ERR_CODE_KIND', 'unknown kind of code');
    const { bytes, transfer } = this.#codeArgs(code, kind);
    this.#setStatus(await this.#call('create', [bytes, kind], transfer));
  }

  // Resolves { ok: true } for the right code and, identically, for the
  // duress code (after the wipe); otherwise { ok: false, attemptsLeft,
  // retryInMs, checked }: checked is false when the code was not even tried
  // because a wait after wrong codes runs. The attempt limit wipes the
  // vault ('wiped' event).
  async unlock(code) {
    const { bytes, transfer } = this.#codeArgs(code, this.kind);
    // A bound vault first asks its authenticator (WebAuthn PRF, in this
    // page: Workers cannot). Without an answer nothing is tried or counted.
    let factor = null;
    if (this.#status.bound) {
      try {
        factor = await this.#prf(this.#status.prfSalt);
      } catch (error) {
        bytes.fill(0);
        throw new HushError('ERR_FACTOR_NEEDED', `this vault needs its security key (${error?.name ?? error})`);
      }
      transfer.push(factor.buffer);
    }
    const started = performance.now();
    const result = await this.#call('unlock', [bytes, factor], transfer);
    this.lastTimings = result.timings ?? null;
    // Every outcome resolves at the same point: the Worker's Argon2id
    // (checkedMs) plus a margin that covers the slowest path (the duress
    // wipe), so the three cannot be told apart by time.
    const settle = async (value) => {
      const wait = started + (result.timings?.checkedMs ?? 0) + UNLOCK_MARGIN_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return value;
    };
    if (result.outcome === 'duress') {
      // The core has already installed the new empty vault (old data key
      // destroyed, store files erased, all flushed). This Worker is the
      // lock screen's fresh one: it never opened the old store, and the
      // duress slot carries no data key, so it may go on serving the new
      // vault. The rest of the origin is wiped in the background.
      this.#setStatus(result);
      if (this.#options.afterDuress === 'first-run') {
        const { timings, ...status } = await this.#call('destroyKeys');
        this.#setStatus(status);
        this.#wipeOrigin({ keepVault: false });
      } else {
        this.#wipeOrigin({ keepVault: true });
      }
      return settle({ ok: true });
    }
    if (result.outcome === 'wiped') {
      // The core has erased the vault: what is left is the rest of the origin.
      this.#setStatus(result);
      this.#wipeOrigin({ keepVault: false });
      this.dispatchEvent(new Event('wiped'));
      return settle({ ok: false, attemptsLeft: 0, retryInMs: 0, checked: true });
    }
    this.#setStatus(result);
    if (result.outcome === 'ok') {
      this.#recordDrills().catch(() => {});
      return settle({ ok: true });
    }
    return settle({ ok: false, attemptsLeft: result.attemptsLeft, retryInMs: result.retryInMs, checked: result.outcome === 'wrong' });
  }

  // Zeroes every key in the core (after a duress unlock, it first re-keys
  // the new vault under a fresh salt), then ends the Worker that held them;
  // a fresh Worker serves the lock screen. Resolves once that one is ready.
  async lock() {
    if (this.state !== 'unlocked') return;
    // A duress unlock's origin wipe runs in this Worker: it finishes first.
    this.#hurry?.();
    await this.#background;
    this.#setStatus(await this.#call('lock'));
    await this.#restart();
  }

  async setCode(code, { kind }) {
    const { bytes, transfer } = this.#codeArgs(code, kind);
    this.#setStatus(await this.#call('setCode', [bytes, kind], transfer));
  }

  async setDuressCode(code) {
    if (code === null) {
      this.#setStatus(await this.#call('setDuress', [null]));
      return;
    }
    const { bytes, transfer } = this.#codeArgs(code, this.kind);
    this.#setStatus(await this.#call('setDuress', [bytes], transfer));
  }

  // ---- binding to an authenticator (WebAuthn PRF) ----
  // A bound vault needs the code and the authenticator: an image of the
  // device alone gives nothing to guess a PIN against. Losing the
  // authenticator loses the vault (a backup restores the identities).

  get bound() { return Boolean(this.#status.bound); }

  // Whether this browser can bind at all (it may still lack an
  // authenticator with PRF; bindAuthenticator() then says so).
  static authenticatorSupported() {
    return typeof PublicKeyCredential === 'function' && typeof navigator.credentials?.create === 'function';
  }

  // Registers a discoverable credential with the PRF extension, asks it for
  // a fresh salt's PRF output, and binds the vault (needs it unlocked).
  async bindAuthenticator({ timeoutMs = this.#options.authenticatorTimeoutMs } = {}) {
    const credential = await this.#register(timeoutMs);
    const prfSalt = crypto.getRandomValues(new Uint8Array(32));
    const factor = await this.#prf(prfSalt, credential.rawId);
    this.#setStatus(await this.#call('bind', [prfSalt, factor], [factor.buffer]));
  }

  // A discoverable credential with the PRF extension.
  async #register(timeoutMs) {
    const random = (n) => crypto.getRandomValues(new Uint8Array(n));
    const credential = await navigator.credentials.create({ publicKey: {
      rp: { name: 'Hush', id: location.hostname },
      user: { id: random(16), name: 'Hush vault', displayName: 'Hush vault' },
      challenge: random(32),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      timeout: timeoutMs,
      extensions: { prf: {} },
    } });
    if (!credential?.getClientExtensionResults?.().prf?.enabled) {
      throw new HushError('ERR_ARGUMENT', 'this authenticator cannot bind a vault: it has no PRF (hmac-secret) support');
    }
    return credential;
  }

  // A spare: a second authenticator that opens the vault too (for a lost
  // key), asked for the PRF of the same salt. Needs a bound, unlocked vault.
  async bindSpareAuthenticator({ timeoutMs = this.#options.authenticatorTimeoutMs } = {}) {
    if (!this.bound) throw new HushError('ERR_STATE', 'bind a first security key before a spare');
    const credential = await this.#register(timeoutMs);
    const factor = await this.#prf(this.#status.prfSalt, credential.rawId);
    this.#setStatus(await this.#call('bindSecond', [factor], [factor.buffer]));
  }

  async unbindAuthenticator() {
    this.#setStatus(await this.#call('unbind'));
  }

  // The authenticator's PRF output for salt: 32 bytes.
  async #prf(salt, credentialId = null) {
    const assertion = await navigator.credentials.get({ publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      rpId: location.hostname,
      allowCredentials: credentialId ? [{ type: 'public-key', id: credentialId }] : [],
      userVerification: 'required',
      timeout: this.#options.authenticatorTimeoutMs,
      extensions: { prf: { eval: { first: salt } } },
    } });
    const first = assertion?.getClientExtensionResults?.().prf?.results?.first;
    if (!first) throw new HushError('ERR_FACTOR_NEEDED', 'this vault needs its security key');
    return new Uint8Array(first.slice(0));
  }

  async setAttemptLimit(limit) {
    this.#setStatus(await this.#call('setAttemptLimit', [limit]));
  }

  // Destroys the data key and erases the vault's files (in the core, flushed,
  // before this resolves); the rest of the origin is then wiped in the
  // background (whenSettled(), lastWipeErrors). The app looks newly
  // installed.
  async wipe() {
    const { timings, ...status } = await this.#call('destroyKeys');
    this.lastTimings = timings;
    this.#setStatus(status);
    this.#wipeOrigin({ keepVault: false });
    this.dispatchEvent(new Event('wiped'));
  }

  // The origin wipe, after the vault's own erasure: first the other tabs
  // are told (they end their Workers, releasing their files, and reload),
  // then everything goes that the Worker and the page can reach. keepVault
  // (after a duress unlock): the vault's own files, which now hold the new
  // vault, stay and the Worker goes on; otherwise the Worker lets go of its
  // files, is ended after the wipe and a fresh one starts on an empty vault.
  // Never awaited by an unlock or a wipe: each step is bounded in time, and
  // what failed is in lastWipeErrors.
  #wipeOrigin({ keepVault }) {
    const errors = [];
    const wipe = async () => {
      this.#channel?.postMessage({ type: 'wipe' });
      try {
        errors.push(...(await this.#post('wipeStorage', [{ keepVault }])).errors);
      } catch (error) {
        errors.push(String(error));
      }
    };
    const page = async () => {
      // After a duress unlock the vault's own files are set aside for a
      // full Clear-Site-Data and written back (worker.js, suspendFiles).
      const { clearSiteDataUrl } = this.#options;
      const aside = keepVault && clearSiteDataUrl ? (await this.#post('suspendFiles')).suspended : false;
      try {
        errors.push(...(await wipePageStorage({ clearSiteDataUrl, keepStorage: keepVault && !aside, keepVault })).map(String));
      } finally {
        if (aside) await this.#post('resumeFiles');
      }
      this.lastWipeErrors = errors;
    };
    // After a duress unlock, the rest of the origin goes only once the
    // unlock's first view has long been drawn (DURESS_CLEAR_DELAY_MS, or at
    // once on lock): the Worker's deletions and the files set aside would
    // hold up its first calls, and a duress unlock must not be slower to
    // show than any other. The old vault is already erased by then.
    const later = () => new Promise((resolve) => {
      const timer = setTimeout(resolve, DURESS_CLEAR_DELAY_MS);
      this.#hurry = () => { clearTimeout(timer); resolve(); };
    }).then(() => { this.#hurry = null; });
    const work = keepVault ? later().then(wipe).then(page) : this.#restart(async () => { await wipe(); await page(); });
    this.#background = work.catch((error) => { this.lastWipeErrors = [...errors, String(error)]; });
    return this.#background;
  }

  selftest() {
    return this.#call('selftest');
  }

  // ---- identities and messages (need an unlocked vault) ----

  // A new identity with a random seed: { id, name, sessionId, phrase }.
  // Show the phrase once; recoveryPhrase(id) gives it again.
  createIdentity({ name }) {
    return this.#call('createIdentity', [{ name }]);
  }

  // From a 13-word phrase or a 32-hex seed: { id, name, sessionId }.
  restoreIdentity(phrase, { name }) {
    return this.#call('restoreIdentity', [String(phrase), { name }]);
  }

  // [{ id, name, sessionId, createdAt }]
  identities() {
    return this.#call('identities');
  }

  recoveryPhrase(identityId) {
    return this.#call('recoveryPhrase', [identityId]);
  }

  // Destroys the identity's keys, then its files.
  removeIdentity(identityId) {
    return this.#call('removeIdentity', [identityId]);
  }

  // message: { conversation, sender, body, sentAt, outgoing, disappearing? }
  // (disappearing: { mode, seconds } carried by a received message; absent:
  // the conversation's setting). Resolves { id } once stored in IndexedDB.
  addMessage(identityId, message) {
    const { conversation, sender, body, sentAt, outgoing = false, disappearing } = message;
    return this.#call('addMessage', [identityId, { conversation, sender, body, sentAt, outgoing, disappearing }]);
  }

  // Newest first: [{ id, conversation, sender, body, sentAt, receivedAt,
  // outgoing, readAt, expiresAt, peerState, disappearing, attachments }].
  // Never an expired message. peerState, for an outgoing message: 'pending'
  // (stored here, the relay has not accepted it yet), 'sent' (the relay
  // accepted it), 'delivered' or 'read' (the peer's receipts); null for a
  // received message.
  messages(identityId, conversation, { before = 0, limit = 50 } = {}) {
    return this.#call('messages', [identityId, conversation, { before, limit }]);
  }

  markRead(identityId, ids) {
    return this.#call('markRead', [identityId, ids]);
  }

  // state: 'sent' | 'delivered' | 'read', for this conversation's outgoing
  // messages sent at one of sentTimes (1..100 sentAt values; receipts name
  // messages by sent time). A state only goes up: a late or repeated
  // receipt changes nothing; expired messages are left alone. Resolves
  // { updated }: how many messages changed.
  markPeerState(identityId, conversation, sentTimes, state) {
    return this.#call('markPeerState', [identityId, conversation, sentTimes, state]);
  }

  // Starts a conversation before its first message (no-op if it exists).
  addConversation(identityId, conversation) {
    return this.#call('addConversation', [identityId, conversation]);
  }

  // [{ id, messages, unread, lastMessageAt, disappearing }]
  conversations(identityId) {
    return this.#call('conversations', [identityId]);
  }

  // mode: 'off' | 'after-send' | 'after-read'; seconds: 1 s to 4 weeks.
  setDisappearing(identityId, conversation, { mode, seconds = 0 }) {
    return this.#call('setDisappearing', [identityId, conversation, { mode, seconds }]);
  }

  disappearing(identityId, conversation) {
    return this.#call('disappearing', [identityId, conversation]);
  }

  // attachment: { name, type, data: Uint8Array } -> { id }
  addAttachment(identityId, messageId, { name, type, data }) {
    return this.#call('addAttachment', [identityId, messageId, { name, type, data }]);
  }

  // The attachment's bytes (Uint8Array).
  attachment(identityId, attachmentId) {
    return this.#call('attachment', [identityId, attachmentId]);
  }

  // SQLite's integrity check of the identity's database: true, or throws
  // ERR_STORE_DAMAGED.
  checkStore(identityId) {
    return this.#call('checkStore', [identityId]);
  }

  // Deletes expired messages now: { deleted, nextDueAt }.
  sweep() {
    return this.#call('sweep');
  }

  // ---- remote deletion by trusted friends (core/TRUST.md) ----
  // Pairing messages are bytes the messenger carries (the demo app seals
  // them as 'pairing' messages through its relay). The person offers, the
  // friend accepts, the person completes; both show the same code to
  // compare.

  // The person: the offer's bytes, to send to the friend.
  async offerTrust(identityId, friendSessionId) {
    return (await this.#call('offerTrust', [identityId, String(friendSessionId)])).offer;
  }

  // The friend: { bytes, code }: bytes to send back; code to compare.
  async acceptTrust(identityId, bytes) {
    const { reply, code } = await this.#call('acceptTrust', [identityId, toBytes(bytes)]);
    return { bytes: reply, code };
  }

  // The person: the confirmation code. (The pending offer the reply answers
  // names its identity; identityId is checked against it.)
  async completeTrust(identityId, bytes) {
    const pending = (await this.trustees()).find((t) => t.state === 'pending' && t.identity === identityId);
    if (!pending) throw new HushError('ERR_TRUST_NO_OFFER', 'no pending offer of this identity');
    return (await this.#call('completeTrust', [toBytes(bytes)])).code;
  }

  // The person: [{ id, identity, friend, state: 'pending'|'paired', offeredAt, pairedAt, drillAt }].
  trustees() {
    return this.#call('trustees');
  }

  revokeTrust(trusteeId) {
    return this.#call('revokeTrust', [trusteeId]);
  }

  // The friend: [{ id, identity, person, pairedAt }]: whom I can wipe.
  protectedBy() {
    return this.#call('protectedBy');
  }

  // The friend: { bytes, mailbox }: a wipe for the person's device, and the
  // wipe mailbox (a Session ID) to send it to.
  makeRemoteWipe(pairingId) {
    return this.#call('makeWipeMessage', [pairingId, false]);
  }

  // The same for a drill: checked like a wipe, only recorded.
  makeDrill(pairingId) {
    return this.#call('makeWipeMessage', [pairingId, true]);
  }

  // The eight wipe mailboxes, used or not: poll all of them, on one schedule,
  // locked or not, so the traffic says nothing about how many friends exist.
  wipeMailboxes() {
    return this.#call('wipeMailboxes');
  }

  // Takes any incoming protocol message, locked or not. Resolves to nothing,
  // whatever it was, so no caller can answer the sender differently. A
  // matching wipe has destroyed the keys and erased the vault's files when
  // this resolves ('wiped' event; the rest of the origin follows, as after
  // the attempt limit); a matching drill is recorded ('drill' event), and
  // while locked it is kept in this page only (nothing is written without
  // the data key) and recorded at the next unlock.
  async receive(bytes) {
    const result = await this.#call('receive', [toBytes(bytes)]);
    this.lastTimings = result.timings;
    const { outcome, slot, timings, ...status } = result;
    this.#setStatus(status);
    if (outcome === 'wiped') {
      this.#pendingDrills = [];
      this.#wipeOrigin({ keepVault: false });
      this.dispatchEvent(new Event('wiped'));
    } else if (outcome === 'drill') {
      if (status.state === 'unlocked') this.dispatchEvent(new Event('drill'));
      else this.#pendingDrills.push({ slot, at: status.at });
    }
  }

  #pendingDrills = [];

  // Polls every wipe mailbox, used or not, on one schedule, locked or not,
  // until stop() is called: fetchMessages(mailbox) resolves to the messages
  // waiting there (Uint8Arrays or base64), each then goes to receive(). The
  // relay sees the same eight polls per round whatever the number of
  // friends (none, while the vault is new). The messenger's relay client
  // supplies fetchMessages (RelayClient.fetchWipeMailbox). Errors of one poll are reported by
  // onError and never stop the schedule.
  pollWipeMailboxes(fetchMessages, { intervalMs = 30_000, onError = () => {} } = {}) {
    let timer = null;
    let stopped = false;
    const round = async () => {
      try {
        const mailboxes = this.state === 'new' ? [] : await this.wipeMailboxes();
        const arrived = await Promise.all(mailboxes.map((m) => Promise.resolve(fetchMessages(m)).catch((error) => {
          onError(error);
          return [];
        })));
        for (const message of arrived.flat()) {
          if (stopped) break;
          await this.receive(message).catch(onError);
        }
      } catch (error) {
        onError(error);
      }
      if (!stopped) timer = setTimeout(round, intervalMs);
    };
    timer = setTimeout(round, 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  // After an unlock: the drills that arrived while locked.
  async #recordDrills() {
    const drills = this.#pendingDrills.splice(0);
    for (const { slot, at } of drills) await this.#call('drillSeen', [slot, at]);
    if (drills.length) this.dispatchEvent(new Event('drill'));
  }

  // ---- messages (core/MESSAGES.md) ----
  // Sealed as Session seals one-to-one messages, with Hush's envelope
  // inside. type: 'text' | 'timer' | 'read' | 'delivered' | 'pairing' |
  // 'trigger' | 'drill'; body: a string or bytes (for 'read' and
  // 'delivered', the sent times of the messages meant, as numbers).

  // The bytes to send to recipient's mailbox.
  sealMessage(identityId, recipient, { type = 'text', body = '', sentAt = Date.now(), disappearing = { mode: 'off', seconds: 0 } } = {}) {
    const mode = ['off', 'after-send', 'after-read'].indexOf(disappearing.mode);
    const bytes = Array.isArray(body) ? new Uint8Array(new BigInt64Array(body.map(BigInt)).buffer)
      : typeof body === 'string' ? new TextEncoder().encode(body) : toBytes(body);
    return this.#call('sealMessage', [identityId, String(recipient),
      { type, sentAt, mode, seconds: mode === 0 ? 0 : disappearing.seconds, body: bytes }]);
  }

  // { sender, type, sentAt, disappearing, body (Uint8Array) } of a message
  // to identityId; nothing is stored. A message that does not open is
  // counted in droppedMessages by its reason (ERR_INCOMING_SEAL,
  // _SIGNATURE, _PADDING, _ENVELOPE, _VERSION) and resolves to null.
  async openMessage(identityId, bytes) {
    try {
      const opened = await this.#call('openMessage', [identityId, toBytes(bytes)]);
      const modes = ['off', 'after-send', 'after-read'];
      return { ...opened, disappearing: { mode: modes[opened.disappearing.mode], seconds: opened.disappearing.seconds } };
    } catch (error) {
      if (!String(error?.code).startsWith('ERR_INCOMING_')) throw error;
      this.droppedMessages[error.code] = (this.droppedMessages[error.code] ?? 0) + 1;
      return null;
    }
  }

  droppedMessages = {};

  // A storage-server request signature by identityId (hush_relay_sign):
  // { signature, ed25519Pk } as bytes.
  relaySign(identityId, method, rest) {
    return this.#call('relaySign', [identityId, String(method), String(rest)]);
  }

  // The relay's time (ms), taken into the vault's clock high-water mark.
  observeNetworkTime(ms) {
    return this.#call('observeNetworkTime', [ms]);
  }

  // ---- backups (core/BACKUP.md) ----
  // One identity's backup, keyed by its recovery phrase alone: it holds the
  // identity, its conversations and their timers, its messages without a
  // timer and their attachments, and the persons it protects. Messages
  // with a disappearing timer are never backed up.

  // A ReadableStream of the backup's bytes, made as it is read (bounded
  // memory). onProgress({ done, total }): total is an estimate until the
  // end. Aborting signal (or cancelling the stream) ends the export; the
  // stream then errors with ERR_CANCELLED and nothing is kept anywhere.
  exportBackup(identityId, { onProgress = () => {}, signal } = {}) {
    let handle = null;
    let done = 0;
    let total = 0;
    const end = () => {
      if (handle === null) return;
      const h = handle;
      handle = null;
      this.#call('backupExportEnd', [h]).catch(() => {});
    };
    return new ReadableStream({
      start: async (controller) => {
        if (signal?.aborted) throw cancelled();
        ({ handle, estimate: total } = await this.#call('backupExportBegin', [identityId]));
        signal?.addEventListener('abort', () => {
          end();
          try { controller.error(cancelled()); } catch { /* already closed */ }
        }, { once: true });
      },
      pull: async (controller) => {
        if (handle === null) return;
        const piece = await this.#call('backupExportNext', [handle]);
        if (handle === null) return; // aborted meanwhile
        if (!piece) {
          end();
          onProgress({ done, total: done });
          controller.close();
          return;
        }
        done += piece.length;
        onProgress({ done, total: Math.max(total, done) });
        controller.enqueue(piece);
      },
      cancel: end,
    }, { highWaterMark: 1 });
  }

  // The same, whole, as a Blob (ciphertext only), e.g. to download.
  async exportBackupBlob(identityId, options = {}) {
    const pieces = [];
    const reader = this.exportBackup(identityId, options).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) pieces.push(r.value);
    return new Blob(pieces, { type: 'application/octet-stream' });
  }

  // A random file name for a backup: names link nothing (BACKUP.md).
  static backupFileName() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}.hush`;
  }

  // Restores an identity from a backup (a Blob, or a ReadableStream of
  // Uint8Arrays) and its recovery phrase, into this unlocked vault;
  // resolves to { id, name, sessionId }. Nothing becomes visible unless
  // the whole backup checks out: any error (ERR_BACKUP_*, a wrong phrase,
  // ERR_IDENTITY_EXISTS) or an abort (ERR_CANCELLED) leaves the vault as
  // it was. While it runs, other store calls fail with ERR_BUSY.
  async importBackup(source, phrase, { onProgress = () => {}, signal } = {}) {
    const total = source instanceof Blob ? source.size : null;
    const reader = (source instanceof Blob ? source.stream() : source).getReader();
    if (signal?.aborted) throw cancelled();
    const handle = await this.#call('backupImportBegin', [String(phrase)]);
    let done = 0;
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        const bytes = toBytes(r.value);
        for (let at = 0; at < bytes.length; at += IMPORT_PIECE) {
          if (signal?.aborted) throw cancelled();
          await this.#call('backupImportWrite', [handle, bytes.subarray(at, at + IMPORT_PIECE)]);
        }
        done += bytes.length;
        onProgress({ done, total });
      }
      if (signal?.aborted) throw cancelled();
      return await this.#call('backupImportFinish', [handle]);
    } catch (error) {
      reader.cancel().catch(() => {});
      await this.#call('backupImportAbort', [handle]).catch(() => {});
      throw error;
    }
  }

  // Is header (the first backupHeaderBytes, or more, of a file) a backup
  // made with this phrase? true, or throws ERR_BACKUP_KEY (another
  // phrase's), ERR_BACKUP_FORMAT or ERR_BACKUP_VERSION. Works locked too.
  checkBackup(phrase, header) {
    return this.#call('backupCheck', [String(phrase), toBytes(header)]);
  }

  // Diagnostics: the bytes of wasm memory the Worker holds (it only grows).
  wasmMemoryBytes() {
    return this.#call('wasmMemoryBytes');
  }

  // ---- this vault's own settings (encrypted, never in a backup) ----
  setting(key) {
    return this.#call('setting', [String(key)]);
  }

  setSetting(key, value) {
    return this.#call('setSetting', [String(key), value === null ? null : String(value)]);
  }

  close() {
    clearTimeout(this.#idleTimer);
    this.#channel?.close();
    for (const type of ['pointerdown', 'keydown', 'touchstart', 'wheel']) {
      document.removeEventListener(type, this.#activity);
    }
    document.removeEventListener('visibilitychange', this.#visibility);
    this.#terminate();
    this.#spare?.terminate();
    this.#spare = null;
    this.#tabLock.release();
  }
}
