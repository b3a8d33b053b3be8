// The thin JS mirror of the C API (core/include/hush.h), for the Worker and
// for Node tests. It loads one flavour of the wasm core, turns status codes
// into HushError, and reads every constant from the core's own JSON blob.
//
// Loading: the module is always handed its compiled wasm through
// instantiateWasm, so Emscripten 3.1.6's own fetch() of a local path (which
// fails under Node 20) is never taken. Browsers stream-compile from the URL;
// Node reads the file.

import { HushError } from './errors.js';

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt drop ...))
// Validates only where wasm SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export const FLAVOURS = ['simd', 'plain', 'debug'];
const FILES = { simd: 'hush-core-simd', plain: 'hush-core', debug: 'hush-core-debug' };

export function simdSupported() {
  return WebAssembly.validate(SIMD_PROBE);
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

// Compiles the .wasm at url: read from disk in Node, streamed in browsers.
// Also used by tests/bench for its own modules.
export async function compileWasm(url) {
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(new URL(url)));
  }
  return WebAssembly.compileStreaming(fetch(url));
}

// Loads the core. flavour: 'auto' (SIMD where supported), 'simd', 'plain'
// or 'debug' (assertions on). distUrl: where the built files are.
export async function loadCore({ flavour = 'auto', distUrl = new URL('../dist/', import.meta.url) } = {}) {
  if (flavour === 'auto') flavour = simdSupported() ? 'simd' : 'plain';
  if (!FILES[flavour]) throw new HushError('ERR_ARGUMENT', `unknown flavour ${flavour}`);
  const base = new URL(FILES[flavour], distUrl);
  const [{ default: factory }, wasmModule] = await Promise.all([
    import(`${base}.mjs`),
    compileWasm(`${base}.wasm`),
  ]);
  const started = performance.now();
  const module = await factory({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
      return {};
    },
    printErr: (text) => console.warn(`hush-core: ${text}`),
  });
  return new Core(module, flavour, performance.now() - started);
}

export class Core {
  constructor(module, flavour, instantiateMs) {
    this.module = module;
    this.flavour = flavour;
    this.instantiateMs = instantiateMs;
    this.constants = JSON.parse(module.UTF8ToString(module._hush_constants_json()));
    // The C side opens each generated list with a placeholder member "_".
    delete this.constants.status._;
    delete this.constants.messages._;
    delete this.constants.messageTypes._;
    this.check(module._hush_init());
  }

  // Throws HushError for a negative status from the core.
  check(status) {
    if (status >= 0) return status;
    const name = Object.keys(this.constants.status).find((k) => this.constants.status[k] === status);
    throw new HushError(name ?? 'ERR_INTERNAL', this.module.UTF8ToString(this.module._hush_strerror(status)));
  }

  version() {
    return this.module.UTF8ToString(this.module._hush_version());
  }

  // Copies bytes into wasm memory for the duration of fn(ptr, length), then
  // zeroes and frees that copy: secrets never outlive the call in the heap.
  withBytes(bytes, fn) {
    const { module } = this;
    const ptr = module._malloc(Math.max(bytes.length, 1));
    if (!ptr) throw new HushError('ERR_NOMEM', 'out of memory');
    try {
      module.HEAPU8.set(bytes, ptr);
      return fn(ptr, bytes.length);
    } finally {
      module.HEAPU8.fill(0, ptr, ptr + Math.max(bytes.length, 1));
      module._free(ptr);
    }
  }

  // Runs fn(ptr) with `size` zeroed scratch bytes, e.g. for out-parameters.
  withScratch(size, fn) {
    return this.withBytes(new Uint8Array(size), fn);
  }

  // A C string for fn(ptr). C would stop at a NUL inside the text and see
  // another string than the caller passed: refused instead.
  withString(text, fn, what = 'a string') {
    text = String(text);
    if (text.includes('\0')) throw new HushError('ERR_ARGUMENT', `${what} must not contain a NUL character`);
    return this.withBytes(new TextEncoder().encode(`${text}\0`), (ptr) => fn(ptr));
  }

  // Reads the NUL-terminated string the core allocated at ptr, zeroes it
  // in wasm memory and frees it: results (message bodies, names) must not
  // linger in the heap after the call.
  takeString(ptr) {
    const heap = this.module.HEAPU8;
    const end = heap.indexOf(0, ptr);
    try {
      return this.module.UTF8ToString(ptr);
    } finally {
      heap.fill(0, ptr, end < 0 ? ptr : end);
      this.module._hush_free(ptr);
    }
  }

  kindName(value) {
    return Object.keys(this.constants.kind).find((k) => this.constants.kind[k] === value)?.toLowerCase() ?? null;
  }

  kindValue(name) {
    const value = this.constants.kind[String(name).toUpperCase()];
    if (!value) throw new HushError('ERR_CODE_KIND', this.constants.messages.ERR_CODE_KIND);
    return value;
  }

  // Argon2id cost that takes about targetMs on this device (64 MiB).
  calibrate(targetMs = 1000) {
    return this.withScratch(8, (ptr) => {
      this.check(this.module._hush_kdf_calibrate(targetMs, ptr, ptr + 4));
      const view = new DataView(this.module.HEAPU8.buffer, ptr, 8);
      return { opslimit: view.getUint32(0, true), memlimitKib: view.getUint32(4, true) };
    });
  }

  // Decodes a recovery phrase (or 32-hex seed) to its 16-byte seed; a bad
  // phrase throws HushError with the core's message naming the problem.
  phraseToSeed(phrase) {
    return this.withScratch(16 + 160, (out) => this.withString(phrase, (text) => {
      const status = this.module._hush_phrase_decode(out, text, out + 16);
      if (status < 0) {
        const name = Object.keys(this.constants.status).find((k) => this.constants.status[k] === status);
        throw new HushError(name, this.module.UTF8ToString(out + 16));
      }
      return this.module.HEAPU8.slice(out, out + 16);
    }, 'a recovery phrase'));
  }

  seedToPhrase(seed) {
    return this.withBytes(seed, (ptr) => this.withScratch(192, (out) => {
      this.check(this.module._hush_phrase_encode(out, ptr));
      return this.module.UTF8ToString(out);
    }));
  }

  // Is header (the first backupHeaderBytes of a file) a backup made with
  // this phrase? true, or throws ERR_BACKUP_FORMAT / _VERSION / _KEY.
  backupCheck(phrase, header) {
    return this.withString(phrase, (text) => this.withBytes(header, (ptr, len) => {
      this.check(this.module._hush_backup_check(text, ptr, len));
      return true;
    }), 'a recovery phrase');
  }

  // The vault in folder dir, which holds constants.files (hush.h).
  openVault(dir) {
    const handle = this.withScratch(4, (out) => this.withString(dir, (path) => {
      this.check(this.module._hush_vault_open(out, path));
      return new DataView(this.module.HEAPU8.buffer).getUint32(out, true);
    }, 'a folder'));
    return new Vault(this, handle);
  }

  // Resolves true, or throws HushError('ERR_SELFTEST').
  selftest() {
    this.check(this.module._hush_selftest());
    return true;
  }
}

const CONVERSATION = 'a conversation';

// One open vault (hush_vault *). Codes are Uint8Arrays in their kind's raw
// form (core/LOCKFILE.md); the caller zeroes its own copy.
export class Vault {
  constructor(core, handle) {
    this.core = core;
    this.handle = handle;
  }

  get #m() {
    return this.core.module;
  }

  get state() {
    const value = this.#m._hush_vault_state(this.handle);
    return Object.keys(this.core.constants.state).find((k) => this.core.constants.state[k] === value).toLowerCase();
  }

  get kind() {
    return this.core.kindName(this.#m._hush_vault_kind(this.handle));
  }

  get attemptsLeft() {
    return this.#m._hush_vault_attempts_left(this.handle);
  }

  get attemptLimit() {
    return this.#m._hush_vault_attempt_limit(this.handle);
  }

  retryInMs(now = Date.now()) {
    return Number(this.#m._hush_vault_retry_in_ms(this.handle, BigInt(now)));
  }

  create(kind, code, { opslimit, memlimitKib }, now = Date.now()) {
    this.core.withBytes(code, (ptr, len) => this.core.check(
      this.#m._hush_vault_create(this.handle, this.core.kindValue(kind), ptr, len, opslimit, memlimitKib, BigInt(now))));
  }

  // Step 1 of an unlock: null when the attempt may go on; { outcome: 'wait',
  // retryInMs } while a delay runs; { outcome: 'wiped' } when the count on
  // disk had already reached the limit (the core wiped: the vault is new).
  beginAttempt(now = Date.now()) {
    return this.core.withScratch(8, (out) => {
      const status = this.#m._hush_vault_begin_attempt(this.handle, BigInt(now), out);
      if (status === this.core.constants.status.ERR_BACKOFF) {
        return { outcome: 'wait', retryInMs: Number(new DataView(this.#m.HEAPU8.buffer).getBigUint64(out, true)) };
      }
      if (this.core.check(status) === this.core.constants.outcome.WIPED) return { outcome: 'wiped' };
      return null;
    });
  }

  // Step 2: 'ok' | 'wrong' | 'duress' | 'wiped'.
  unlock(code, now = Date.now()) {
    const outcome = this.core.withBytes(code, (ptr, len) => this.core.check(
      this.#m._hush_vault_unlock(this.handle, ptr, len, BigInt(now))));
    return Object.keys(this.core.constants.outcome).find((k) => this.core.constants.outcome[k] === outcome).toLowerCase();
  }

  // May take one Argon2id: the deferred re-key after a duress unlock.
  lock() { this.core.check(this.#m._hush_vault_lock(this.handle)); }

  // ---- binding to an authenticator (hush.h, LOCKFILE.md "Bound vaults") ----
  get bound() { return this.#m._hush_vault_bound(this.handle) === 1; }

  prfSalt() {
    return this.core.withScratch(32, (out) => {
      this.core.check(this.#m._hush_vault_prf_salt(this.handle, out));
      return this.#m.HEAPU8.slice(out, out + 32);
    });
  }

  setFactor(factor) {
    this.core.withBytes(factor, (ptr) => this.core.check(this.#m._hush_vault_set_factor(this.handle, ptr)));
  }

  bind(prfSalt, factor) {
    this.core.withBytes(prfSalt, (s) => this.core.withBytes(factor, (f) =>
      this.core.check(this.#m._hush_vault_bind(this.handle, s, f))));
  }

  bindSecond(factor) {
    this.core.withBytes(factor, (f) => this.core.check(this.#m._hush_vault_bind_second(this.handle, f)));
  }

  unbind() { this.core.check(this.#m._hush_vault_unbind(this.handle)); }

  setCode(kind, code) {
    this.core.withBytes(code, (ptr, len) => this.core.check(
      this.#m._hush_vault_set_code(this.handle, this.core.kindValue(kind), ptr, len)));
  }

  setDuress(code) {
    if (code === null) this.core.check(this.#m._hush_vault_set_duress(this.handle, 0, 0));
    else this.core.withBytes(code, (ptr, len) => this.core.check(this.#m._hush_vault_set_duress(this.handle, ptr, len)));
  }

  setAttemptLimit(limit) { this.core.check(this.#m._hush_vault_set_attempt_limit(this.handle, limit)); }
  // The wipe: secrets overwritten and flushed, keys zeroed, files erased.
  destroyKeys() { this.core.check(this.#m._hush_vault_destroy_keys(this.handle)); }

  close() {
    if (this.handle) this.#m._hush_vault_close(this.handle);
    this.handle = 0;
  }

  // ---- the store (hush.h "The store") ----

  // Calls fn(outPtr) where the core stores a char * of JSON; parses and frees it.
  #json(fn) {
    return this.core.withScratch(4, (out) => {
      this.core.check(fn(out));
      return JSON.parse(this.core.takeString(new DataView(this.#m.HEAPU8.buffer).getUint32(out, true)));
    });
  }

  #int64Out(fn) {
    return this.core.withScratch(8, (out) => {
      const status = this.core.check(fn(out));
      return { status, value: Number(new DataView(this.#m.HEAPU8.buffer).getBigInt64(out, true)) };
    });
  }

  createIdentity(name, seed = null) {
    const call = (seedPtr) => this.#int64Out((out) => this.core.withString(name, (namePtr) =>
      this.#m._hush_identity_create(this.handle, namePtr, seedPtr, out), 'a name')).value;
    return seed ? this.core.withBytes(seed, (ptr) => call(ptr)) : call(0);
  }

  identities() {
    return this.#json((out) => this.#m._hush_identity_list(this.handle, out));
  }

  identityPhrase(id) {
    return this.core.withScratch(192, (out) => {
      this.core.check(this.#m._hush_identity_phrase(this.handle, BigInt(id), out));
      return this.#m.UTF8ToString(out);
    });
  }

  removeIdentity(id) {
    this.core.check(this.#m._hush_identity_remove(this.handle, BigInt(id)));
  }

  addMessage(identity, { conversation, sender, body, sentAt, outgoing, mode = -1, seconds = 0 }, now = Date.now()) {
    const text = new TextEncoder().encode(String(body));
    return this.#int64Out((out) => this.core.withString(conversation, (conv) => this.core.withString(sender, (from) =>
      this.core.withBytes(text, (ptr, len) => this.#m._hush_message_add(this.handle, BigInt(identity), conv, from, ptr, len,
        BigInt(sentAt), outgoing ? 1 : 0, mode, BigInt(seconds), BigInt(now), out)), 'a sender'), CONVERSATION)).value;
  }

  messages(identity, conversation, { before = 0, limit = 50 } = {}, now = Date.now()) {
    return this.#json((out) => this.core.withString(conversation, (conv) =>
      this.#m._hush_messages(this.handle, BigInt(identity), conv, BigInt(before), limit, BigInt(now), out), CONVERSATION));
  }

  markRead(identity, ids, now = Date.now()) {
    this.core.withString(JSON.stringify(ids), (json) =>
      this.core.check(this.#m._hush_messages_mark_read(this.handle, BigInt(identity), json, BigInt(now))));
  }

  // Raises the outgoing messages of the conversation sent at one of
  // sentTimes (1..100 ms timestamps) to state (1 sent, 2 delivered, 3 read;
  // hush.h HUSH_PEER_STATES); never lowers one. Returns how many changed.
  markPeerState(identity, conversation, sentTimes, state, now = Date.now()) {
    const times = Array.from(sentTimes, (t) => {
      if (!Number.isSafeInteger(t)) throw new HushError('ERR_ARGUMENT', 'a sent time must be an integer (ms)');
      return BigInt(t);
    });
    const bytes = new Uint8Array(BigInt64Array.from(times).buffer);
    return this.core.withString(conversation, (conv) => this.core.withBytes(bytes, (ptr) => this.core.check(
      this.#m._hush_messages_mark_peer_state(this.handle, BigInt(identity), conv, ptr, times.length, state, BigInt(now)))),
    CONVERSATION);
  }

  conversations(identity, now = Date.now()) {
    return this.#json((out) => this.#m._hush_conversations(this.handle, BigInt(identity), BigInt(now), out));
  }

  addConversation(identity, conversation) {
    this.core.withString(conversation, (conv) =>
      this.core.check(this.#m._hush_conversation_add(this.handle, BigInt(identity), conv)), CONVERSATION);
  }

  setDisappearing(identity, conversation, mode, seconds, now = Date.now()) {
    this.core.withString(conversation, (conv) => this.core.check(
      this.#m._hush_disappearing_set(this.handle, BigInt(identity), conv, mode, BigInt(seconds), BigInt(now))), CONVERSATION);
  }

  disappearing(identity, conversation) {
    return this.#json((out) => this.core.withString(conversation, (conv) =>
      this.#m._hush_disappearing_get(this.handle, BigInt(identity), conv, out), CONVERSATION));
  }

  // { deleted, nextDueAt } (nextDueAt: ms, or null when nothing is due).
  // Batches of 2000: about 100 ms each when the due messages are scattered
  // over a million (tests/bench), so the Worker stays responsive.
  sweep(now = Date.now(), batch = 2000) {
    const { status, value } = this.#int64Out((out) => this.#m._hush_sweep(this.handle, BigInt(now), batch, out));
    return { deleted: status, nextDueAt: value || null };
  }

  checkStore(identity) {
    this.core.check(this.#m._hush_store_check(this.handle, BigInt(identity)));
    return true;
  }

  nextDue(now = Date.now()) {
    return this.#int64Out((out) => this.#m._hush_next_due(this.handle, BigInt(now), out)).value || null;
  }

  addAttachment(identity, message, { name, type, data }) {
    return this.#int64Out((out) => this.core.withString(name, (n) => this.core.withString(type, (t) =>
      this.core.withBytes(data, (ptr, len) => this.#m._hush_attachment_add(this.handle, BigInt(identity), BigInt(message),
        n, t, ptr, len, out)), 'a type'), 'a name')).value;
  }

  attachment(identity, id) {
    return this.core.withScratch(8, (out) => {
      this.core.check(this.#m._hush_attachment_get(this.handle, BigInt(identity), BigInt(id), out, out + 4));
      return this.#takeBytes(out);
    });
  }

  // ---- remote deletion (hush.h "Remote deletion", core/TRUST.md) ----

  // Reads a (uint8_t *ptr, size_t len) pair the core allocated, zeroes and frees it.
  #takeBytes(out) {
    const view = new DataView(this.#m.HEAPU8.buffer);
    const ptr = view.getUint32(out, true);
    const len = view.getUint32(out + 4, true);
    try {
      return this.#m.HEAPU8.slice(ptr, ptr + len);
    } finally {
      this.#m.HEAPU8.fill(0, ptr, ptr + len);
      this.#m._hush_free(ptr);
    }
  }

  // The person: { id, offer } for friendSessionId, signed by identity.
  offerTrust(identity, friendSessionId, now = Date.now()) {
    return this.core.withScratch(16, (out) => this.core.withString(friendSessionId, (sid) => {
      this.core.check(this.#m._hush_trust_offer(this.handle, BigInt(identity), sid, BigInt(now), out, out + 4, out + 8));
      const id = Number(new DataView(this.#m.HEAPU8.buffer).getBigInt64(out + 8, true));
      return { id, offer: this.#takeBytes(out) };
    }, 'a Session ID'));
  }

  // The friend: { pairingId, reply, code }.
  acceptTrust(identity, offer, now = Date.now()) {
    return this.core.withScratch(24, (out) => this.core.withScratch(8, (code) => this.core.withBytes(offer, (ptr, len) => {
      this.core.check(this.#m._hush_trust_accept(this.handle, BigInt(identity), ptr, len, BigInt(now), out, out + 4, code,
        out + 8));
      const pairingId = Number(new DataView(this.#m.HEAPU8.buffer).getBigInt64(out + 8, true));
      return { pairingId, reply: this.#takeBytes(out), code: this.#m.UTF8ToString(code) };
    })));
  }

  // The person: { id, code }.
  completeTrust(reply, now = Date.now()) {
    return this.core.withScratch(8, (out) => this.core.withScratch(8, (code) => this.core.withBytes(reply, (ptr, len) => {
      this.core.check(this.#m._hush_trust_complete(this.handle, ptr, len, BigInt(now), code, out));
      return { id: Number(new DataView(this.#m.HEAPU8.buffer).getBigInt64(out, true)), code: this.#m.UTF8ToString(code) };
    })));
  }

  trustees() { return this.#json((out) => this.#m._hush_trustees(this.handle, out)); }
  revokeTrust(id) { this.core.check(this.#m._hush_trust_revoke(this.handle, BigInt(id))); }
  protectedBy() { return this.#json((out) => this.#m._hush_trust_protected(this.handle, out)); }

  // The friend: { bytes, mailbox } of a wipe (drill false) or a drill.
  makeWipeMessage(pairingId, drill) {
    const size = this.core.constants.wipeMessageBytes;
    return this.core.withScratch(size, (msg) => this.core.withScratch(67, (mailbox) => {
      this.core.check(this.#m._hush_trust_make(this.handle, BigInt(pairingId), drill ? 1 : 0, msg, mailbox));
      return { bytes: this.#m.HEAPU8.slice(msg, msg + size), mailbox: this.#m.UTF8ToString(mailbox) };
    }));
  }

  // The eight wipe mailboxes (Session IDs), locked or not.
  wipeMailboxes() {
    const slots = this.core.constants.trusteeSlots;
    return this.core.withScratch(slots * 66 + 1, (out) => {
      this.core.check(this.#m._hush_trust_mailboxes(this.handle, out));
      const all = this.#m.UTF8ToString(out);
      return Array.from({ length: slots }, (_, i) => all.slice(i * 66, (i + 1) * 66));
    });
  }

  // Any incoming message: { outcome: 'none' | 'wiped' | 'drill', slot }.
  receive(bytes, now = Date.now()) {
    return this.core.withScratch(4, (slotOut) => this.core.withBytes(bytes, (ptr, len) => {
      const rc = this.core.check(this.#m._hush_trust_receive(this.handle, ptr, len, BigInt(now), slotOut));
      const outcome = Object.keys(this.core.constants.trust).find((k) => this.core.constants.trust[k] === rc);
      return { outcome: outcome.toLowerCase(), slot: new DataView(this.#m.HEAPU8.buffer).getInt32(slotOut, true) };
    }));
  }

  drillSeen(slot, at) { this.core.check(this.#m._hush_trust_drill_seen(this.handle, slot, BigInt(at))); }

  // ---- backups (hush.h "Backups", core/BACKUP.md) ----

  // { handle, estimate }: an export of the identity, read with exportNext.
  exportBegin(identity, now = Date.now()) {
    return this.core.withScratch(16, (out) => {
      this.core.check(this.#m._hush_backup_export_begin(this.handle, BigInt(identity), BigInt(now), out, out + 8));
      const view = new DataView(this.#m.HEAPU8.buffer);
      return { handle: view.getUint32(out, true), estimate: Number(view.getBigInt64(out + 8, true)) };
    });
  }

  // The next piece of the backup (a copy), or null after the last.
  exportNext(handle) {
    return this.core.withScratch(8, (out) => {
      this.core.check(this.#m._hush_backup_export_next(handle, out, out + 4));
      const view = new DataView(this.#m.HEAPU8.buffer);
      const ptr = view.getUint32(out, true);
      const len = view.getUint32(out + 4, true);
      return len ? this.#m.HEAPU8.slice(ptr, ptr + len) : null;
    });
  }

  exportEnd(handle) { this.#m._hush_backup_export_end(handle); }

  importBegin(phrase, now = Date.now()) {
    return this.core.withScratch(4, (out) => this.core.withString(phrase, (text) => {
      this.core.check(this.#m._hush_backup_import_begin(this.handle, text, BigInt(now), out));
      return new DataView(this.#m.HEAPU8.buffer).getUint32(out, true);
    }, 'a recovery phrase'));
  }

  importWrite(handle, bytes) {
    this.core.withBytes(bytes, (ptr, len) => this.core.check(this.#m._hush_backup_import_write(handle, ptr, len)));
  }

  // Frees the import whatever happens; the restored identity's id.
  importFinish(handle) {
    return this.#int64Out((out) => this.#m._hush_backup_import_finish(handle, out)).value;
  }

  importAbort(handle) { this.#m._hush_backup_import_abort(handle); }

  // ---- messages (hush.h "Messages", core/MESSAGES.md) ----

  // The sealed bytes of a message from identity to recipient (a Session ID).
  // type: 'text' | 'timer' | 'read' | 'delivered' | 'pairing' | 'trigger' | 'drill'.
  sealMessage(identity, recipient, { type, sentAt, mode = 0, seconds = 0, body = new Uint8Array(0) }) {
    const value = this.core.constants.messageTypes[type];
    if (!value) throw new HushError('ERR_MESSAGE', `unknown message type ${type}`);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    return this.core.withScratch(8, (out) => this.core.withString(recipient, (to) => this.core.withBytes(bytes, (ptr, len) => {
      this.core.check(this.#m._hush_message_seal(this.handle, BigInt(identity), to, value, BigInt(sentAt), mode,
        BigInt(seconds), ptr, len, out, out + 4));
      return this.#takeBytes(out);
    }), 'a Session ID'));
  }

  // { sender, type, sentAt, disappearing: { mode, seconds }, body: Uint8Array },
  // or throws ERR_INCOMING_* with the reason.
  openMessage(identity, bytes) {
    return this.core.withScratch(12, (out) => this.core.withBytes(bytes, (ptr, len) => {
      this.core.check(this.#m._hush_message_open(this.handle, BigInt(identity), ptr, len, out, out + 4, out + 8));
      const view = new DataView(this.#m.HEAPU8.buffer);
      const info = JSON.parse(this.core.takeString(view.getUint32(out, true)));
      return { ...info, body: this.#takeBytes(out + 4) };
    }));
  }

  // A storage-server request signature (hush_relay_sign): { signature, ed25519Pk }.
  relaySign(identity, method, rest) {
    return this.core.withScratch(96, (out) => this.core.withString(method, (m) => this.core.withString(rest, (r) => {
      this.core.check(this.#m._hush_relay_sign(this.handle, BigInt(identity), m, r, out, out + 64));
      return { signature: this.#m.HEAPU8.slice(out, out + 64), ed25519Pk: this.#m.HEAPU8.slice(out + 64, out + 96) };
    })));
  }

  // ---- the vault's own settings ----
  setting(key) {
    return this.core.withScratch(4, (out) => this.core.withString(key, (k) => {
      const status = this.#m._hush_setting_get(this.handle, k, out);
      if (status === this.core.constants.status.ERR_NOT_FOUND) return null;
      this.core.check(status);
      return this.core.takeString(new DataView(this.#m.HEAPU8.buffer).getUint32(out, true));
    }, 'a setting'));
  }

  setSetting(key, value) {
    const call = (k, v) => this.core.check(this.#m._hush_setting_set(this.handle, k, v));
    this.core.withString(key, (k) => (value === null ? call(k, 0)
      : this.core.withString(value, (v) => call(k, v), 'a setting value')), 'a setting');
  }
}
