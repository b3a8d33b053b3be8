// The storage RPC: the subset of oxen-storage-server's client RPC
// (POST /storage_rpc/v1, { method, params }) that a Session client uses to
// send and receive one-to-one messages: store, retrieve, delete, info.
// Parameter names, signed strings and statuses follow
// oxen-io/oxen-storage-server: oxenss/rpc/client_rpc_endpoints.h (the
// documented parameters) and oxenss/rpc/request_handler.cpp (the checks),
// and libsession-util's tests/swarm-auth-test.cpp for how a client builds
// the strings it signs. Differences, all because this is one relay and
// not a swarm: no swarm / snode signatures in answers, no subaccounts,
// and the TTL bound is 14 days in every namespace.
//
// Wipe mailboxes (core/TRUST.md, issue #7) live in WIPE_NAMESPACE. Their
// Session ID is derived from a mailbox seed known only to the device and
// its trusted friends, so knowing the ID is the capability: a retrieve in
// this namespace needs no signature (one that is given is still checked).
// A locked device polls them before it can unlock any key. The namespace
// is divisible by 10, so anyone may store to it without a signature, as to
// Session's own inbox (namespace 0); it lies outside the -30..30 range
// Session reserves for itself.
import * as E from './errors.js';
import { ed25519ToX25519, messageHash, verifyEd25519 } from './crypto.js';

export const WIPE_NAMESPACE = 100;
export const VERSION = [0, 1, 0];

export const MAX_DATA_BYTES = 76_800; // oxen-storage-server's store::MAX_MESSAGE_BODY
export const TTL_MIN_MS = 10_000;
export const TTL_MAX_MS = 14 * 24 * 3600 * 1000;
export const STORE_TOLERANCE_MS = 10_000; // a message's timestamp may be this far in the future
export const SIGNATURE_TOLERANCE_MS = 60_000;
const RETRIEVE_MAX_SIZE = 7_800_000;
const MAX_DELETE_HASHES = 1000;

const PUBKEY = /^05[0-9a-fA-F]{64}$/;
const HEX32 = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// ---- parameters ----

function pubkeyParam(params) {
  const pk = params.pubkey ?? params.pubKey;
  if (typeof pk !== 'string' || !PUBKEY.test(pk)) throw E.badParams('pubkey must be a 66-hex-digit Session ID starting with 05');
  return pk.toLowerCase();
}

function intParam(params, name, { required = false, stringOk = false, min = -Infinity, max = Infinity, fallback } = {}) {
  let v = params[name];
  if (v === undefined || v === null) {
    if (required) throw E.badParams(`${name} is required`);
    return fallback;
  }
  if (stringOk && typeof v === 'string' && /^-?\d{1,16}$/.test(v)) v = Number(v);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw E.badParams(`${name} must be an integer${Number.isFinite(min) ? ` from ${min} to ${max}` : ''}`);
  return v;
}

function namespaceParam(params) {
  return intParam(params, 'namespace', { min: -32768, max: 32767, fallback: 0 });
}

function base64Bytes(value, name, maxBytes, tooLarge) {
  if (typeof value !== 'string') throw E.badParams(`${name} must be a base64 string`);
  if (value.length > Math.ceil(maxBytes / 3) * 4 + 2) throw tooLarge();
  if (!BASE64.test(value) || value.length % 4 === 1) throw E.badParams(`${name} is not valid base64`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length > maxBytes) throw tooLarge();
  return bytes;
}

function signatureParam(params) {
  const sig = params.signature;
  if (sig === undefined || sig === null || sig === '') return null;
  const bytes = typeof sig === 'string' && BASE64.test(sig) ? Buffer.from(sig, 'base64') : null;
  if (!bytes || bytes.length !== 64) throw E.badParams('signature must be a base64 Ed25519 signature (64 bytes)');
  return bytes;
}

function edKeyParam(params) {
  const pk = params.pubkey_ed25519;
  if (pk === undefined || pk === null) return null;
  if (typeof pk !== 'string' || !HEX32.test(pk)) throw E.badParams('pubkey_ed25519 must be 64 hex digits');
  return Buffer.from(pk, 'hex');
}

// ---- authentication ----

// Checks that `signature` is the mailbox owner's over `message`, as
// oxen-storage-server's verify_signature does for 05 IDs: the request names
// its Ed25519 key (pubkey_ed25519), that key must convert to the X25519
// key of the Session ID, and it must verify the signature. (The server also
// accepts a signature by the raw pubkey for other ID types; a 05 ID is an
// X25519 key, which cannot sign, so pubkey_ed25519 is required here.)
function checkSignature(pubkey, params, signature, message) {
  const ed = edKeyParam(params);
  if (!ed) throw E.badParams('pubkey_ed25519 is required with a signature for a 05 Session ID');
  const x = ed25519ToX25519(ed);
  if (!x || !x.equals(Buffer.from(pubkey.slice(2), 'hex'))) throw E.wrongKey();
  if (!verifyEd25519(ed, Buffer.from(message, 'utf8'), signature)) throw E.badSignature();
}

function checkFresh(timestamp, now) {
  if (timestamp < now - SIGNATURE_TOLERANCE_MS || timestamp > now + SIGNATURE_TOLERANCE_MS) throw E.staleTimestamp();
}

// The namespace as it appears in signed strings and hashes: empty for 0.
const nsText = (namespace) => (namespace === 0 ? '' : String(namespace));

function messageJson(m) {
  // "expiration" is the key oxen-storage-server answers with; "expiry" the
  // one Hush's clients read. Both, so either kind of client works.
  return { hash: m.hash, timestamp: m.timestamp, expiry: m.expiry, expiration: m.expiry, data: m.data };
}

// ---- methods ----

export class StorageRpc {
  #store;
  #polls;
  #limits;
  #now;

  constructor({ store, polls, limits, now }) {
    this.#store = store;
    this.#polls = polls;
    this.#limits = limits;
    this.#now = now;
  }

  // body: the parsed JSON. signal: aborts when the client goes away.
  // Resolves to { status, body } or throws a RelayError.
  async call(body, signal) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw E.badJson();
    const { method, params = {} } = body;
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw E.badParams('params must be an object');
    switch (method) {
      case 'store': return this.#storeMethod(params);
      case 'retrieve': return this.#retrieve(params, signal);
      case 'delete': return this.#delete(params);
      case 'info': return { version: VERSION, timestamp: this.#now(), t: this.#now() };
      default: throw E.unknownMethod(method);
    }
  }

  #storeMethod(params) {
    const now = this.#now();
    const pubkey = pubkeyParam(params);
    const namespace = namespaceParam(params);
    const timestamp = intParam(params, 'timestamp', { required: true, stringOk: true, min: 0 });
    let expiry;
    if (params.ttl !== undefined) expiry = timestamp + intParam(params, 'ttl', { stringOk: true });
    else if (params.expiry !== undefined) expiry = intParam(params, 'expiry', {});
    else throw E.badParams('ttl (or expiry) is required');
    const data = base64Bytes(params.data, 'data', MAX_DATA_BYTES, () => E.dataTooLarge(MAX_DATA_BYTES));

    const ttl = expiry - timestamp;
    if (ttl < TTL_MIN_MS || ttl > TTL_MAX_MS) throw E.badTtl();
    if (timestamp > now + STORE_TOLERANCE_MS || expiry < now - STORE_TOLERANCE_MS) throw E.badTimestamp();

    // Namespaces not divisible by 10 take stores from their owner only,
    // signed over "store" ‖ namespace ‖ sig_timestamp (request_handler.cpp).
    if (namespace % 10 !== 0) {
      const signature = signatureParam(params);
      if (!signature) throw E.signatureRequired();
      const sigTs = intParam(params, 'sig_timestamp', { fallback: timestamp });
      checkFresh(sigTs, now);
      checkSignature(pubkey, params, signature, `store${nsText(namespace)}${sigTs}`);
    }

    const pubkeyBytes = Buffer.from(pubkey, 'hex');
    const hash = messageHash(pubkeyBytes, namespace, data);
    const { already, expiry: kept } = this.#store.put({
      pubkey, namespace, hash, timestamp, expiry, data: data.toString('base64'), size: data.length,
    });
    if (!already) this.#polls.notify(`${pubkey}/${namespace}`);
    return { hash, expiry: kept, ...(already ? { already: true } : {}), t: now };
  }

  async #retrieve(params, signal) {
    const now = this.#now();
    const pubkey = pubkeyParam(params);
    const namespace = namespaceParam(params);
    const signature = signatureParam(params);
    if (signature || namespace !== WIPE_NAMESPACE) {
      if (!signature) throw E.signatureRequired();
      const timestamp = intParam(params, 'timestamp', { required: true, min: 0 });
      checkFresh(timestamp, now);
      // "retrieve" ‖ namespace (omitted for 0) ‖ timestamp, base 10.
      checkSignature(pubkey, params, signature, `retrieve${nsText(namespace)}${timestamp}`);
    }
    let lastHash = params.last_hash ?? params.lastHash ?? '';
    if (typeof lastHash !== 'string' || lastHash.length > 100) throw E.badParams('last_hash must be a message hash');
    let maxCount = intParam(params, 'max_count', { min: 0, max: 1e9, fallback: 0 });
    let maxSize = intParam(params, 'max_size', { min: -1e6, max: 1e12, fallback: 0 });
    // As oxen-storage-server: 0 is unset; neither set means 1/5 of the most
    // one answer may carry; a negative size is that fraction of the most.
    if (!maxCount && !maxSize) maxSize = -5;
    maxSize = maxSize < 0 ? Math.floor(RETRIEVE_MAX_SIZE / -maxSize) : Math.min(maxSize || RETRIEVE_MAX_SIZE, RETRIEVE_MAX_SIZE);
    const bounds = { maxCount: maxCount || Infinity, maxSize };
    const waitMs = Math.min(intParam(params, 'wait_ms', { min: 0, max: 1e9, fallback: 0 }), this.#limits.maxWaitMs);

    const key = `${pubkey}/${namespace}`;
    let found = this.#store.after(pubkey, namespace, lastHash, bounds);
    if (found.messages.length === 0 && waitMs > 0) {
      // Wake-ups for a message that another retrieve's delete removed in
      // between just wait again, until the deadline.
      const deadline = Date.now() + waitMs;
      for (let left = waitMs; left > 0 && !signal?.aborted; left = deadline - Date.now()) {
        await this.#polls.wait(key, left, signal);
        found = this.#store.after(pubkey, namespace, lastHash, bounds);
        if (found.messages.length) break;
      }
    }
    return { messages: found.messages.map(messageJson), more: found.more, t: this.#now() };
  }

  #delete(params) {
    const pubkey = pubkeyParam(params);
    const messages = params.messages;
    if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_DELETE_HASHES ||
        !messages.every((h) => typeof h === 'string' && h.length > 0 && h.length <= 100)) {
      throw E.badParams(`messages must be 1 to ${MAX_DELETE_HASHES} message hashes`);
    }
    const signature = signatureParam(params);
    if (!signature) throw E.signatureRequired();
    // "delete" ‖ hashes…, concatenated in the order given (no timestamp, as
    // in oxen-storage-server).
    checkSignature(pubkey, params, signature, `delete${messages.join('')}`);
    const deleted = this.#store.delete(pubkey, messages);
    if (params.required === true && deleted.length === 0) throw E.nothingDeleted();
    return { deleted, t: this.#now() };
  }
}
