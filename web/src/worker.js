// The Worker that owns the wasm core, so Argon2id and SQLite never block the
// page. It answers {id, op, args} with {id, result} or {id, error}; the ops
// table below is the whole surface the page can reach.
//
// One Worker serves one vault for as long as it holds no key, or the keys
// of one unlocked session: the page terminates it on lock and after a wipe,
// and starts a fresh one (hush.js), so no key can outlive its session in
// this memory.
//
// Codes arrive as transferred Uint8Arrays and are zeroed here after use.
// Every op that writes resolves only once the write is durable: on OPFS the
// core's own fsync (opfs-fs.js), on the IndexedDB fallback the group commit
// (persist.js).
import { loadCore } from './core.js';
import { HushError } from './errors.js';
import { IdbVault } from './persist.js';
import { createOpfsFS, openOpfsVault, opfsAvailable, removeOrphans, vaultDirName } from './opfs-fs.js';
import { wipeStorage } from './wipe.js';

const VAULT_DIR = '/vault';

let core = null;
let vault = null;
let storage = null; // { kind, run(fn, options), removeOrphans(), close() }
let neutralName = null; // the OPFS directory / IndexedDB database of this vault
let kdf = null; // Argon2id cost for create(); calibrated on first use
let sweepTimer = null;
let sweepAt = null; // when sweepTimer fires

// The page's clock: every request carries the page's Date.now(), so time is
// what the page says it is (tests drive it with Playwright's clock), and
// runs on between requests. The core still never lets it go backwards.
let pageClock = null;
function clock() {
  return pageClock ? Math.floor(pageClock.now + (performance.now() - pageClock.at)) : Date.now();
}

function status() {
  return {
    state: vault.state,
    kind: vault.kind,
    attemptsLeft: vault.attemptsLeft,
    attemptLimit: vault.attemptLimit,
    retryInMs: vault.retryInMs(clock()),
    bound: vault.state !== 'new' && vault.bound,
    prfSalt: vault.state !== 'new' && vault.bound ? vault.prfSalt() : null,
    at: clock(),
  };
}

// OPFS: the core's writes are durable when it returns (it fsyncs, the
// filesystem flushes the handle), so an op needs nothing more.
async function openOpfs(names) {
  const opened = await openOpfsVault(neutralName, names);
  core.module.FS.mkdir(VAULT_DIR);
  core.module.FS.mount(createOpfsFS(core.module.FS), { handles: opened.handles }, VAULT_DIR);
  return {
    kind: 'opfs',
    run: async (fn) => fn(),
    removeOrphans: () => removeOrphans(opened.dir, names),
    close: () => opened.close(),
    dirName: neutralName,
  };
}

// While Clear-Site-Data runs after a duress unlock, the vault's OPFS files
// are away (suspendFiles .. resumeFiles): the core waits for them.
let filesBack = null;

// Every write of the core, through the storage's group commit.
const write = async (fn) => { await filesBack; return storage.run(fn); };
const read = async (fn) => { await filesBack; return storage.run(fn, { persist: false }); };

// Runs fn with the code and zeroes the code afterwards, whatever happens.
function usingCode(code, fn) {
  try {
    if (!(code instanceof Uint8Array)) throw new HushError('ERR_ARGUMENT', 'a code must be a Uint8Array');
    return fn(code);
  } finally {
    if (code instanceof Uint8Array) code.fill(0);
  }
}

function stopSweeps() {
  clearTimeout(sweepTimer);
  sweepAt = null;
}

let coreLoading = null;

const ops = {
  // A spare Worker loads its scripts and the core ahead of need (hush.js),
  // so the fresh Worker after a lock starts even with the network gone.
  async load({ flavour }) {
    coreLoading ??= loadCore({ flavour });
    await coreLoading;
    return true;
  },

  // persistence: 'auto' (OPFS where sync access handles exist) or 'idbfs'.
  async init({ flavour, name, kdf: cost, persistence = 'auto' }) {
    core = await (coreLoading ??= loadCore({ flavour }));
    kdf = cost ?? null;
    neutralName = await vaultDirName(name);
    const names = Object.values(core.constants.files);
    storage = persistence !== 'idbfs' && opfsAvailable()
      ? await openOpfs(names)
      : await IdbVault.open(core.module.FS, VAULT_DIR, neutralName, names);
    vault = core.openVault(VAULT_DIR);
    return { flavour: core.flavour, version: core.version(), instantiateMs: core.instantiateMs,
      constants: core.constants, persistence: storage.kind, status: status() };
  },

  selftest: () => core.selftest(),
  status: () => status(),

  async create(code, kind) {
    kdf ??= core.calibrate(1000);
    await write(() => usingCode(code, (bytes) => vault.create(kind, bytes, kdf, clock())));
    return status();
  },

  // One unlock attempt, in two durable steps (see hush_vault_begin_attempt).
  // Every outcome's on-disk effect (the count, a duress vault, a wipe) is
  // done and durable in the core before this resolves.
  // factor: a bound vault's authenticator PRF output (hush.js asks the
  // authenticator in the page); zeroed here after use.
  async unlock(code, factor = null) {
    const started = performance.now();
    const timings = {};
    try {
      if (factor) usingCode(factor, (bytes) => vault.setFactor(bytes));
      const early = await write(() => vault.beginAttempt(clock()));
      if (early?.outcome === 'wait') return { outcome: 'wait', ...status(), retryInMs: early.retryInMs };
      if (early?.outcome === 'wiped') return { outcome: 'wiped', ...status(), timings };
      const outcome = await write(() => usingCode(code, (bytes) => vault.unlock(bytes, clock())));
      timings.checkedMs = performance.now() - started;
      if (outcome === 'ok') {
        // Nothing of the vault lives outside its three files.
        const errors = await storage.removeOrphans().catch((error) => [error]);
        if (errors.length) console.warn('hush: could not remove a stray vault entry', errors);
        // Expired messages go before anything is shown.
        await sweep();
        timings.sweptMs = performance.now() - started;
      }
      return { outcome, ...status(), timings };
    } finally {
      if (code instanceof Uint8Array) code.fill(0);
    }
  },

  // Zeroes the keys (after a duress unlock, first the deferred re-key: one
  // Argon2id). The page then terminates this Worker.
  async lock() {
    stopSweeps();
    if (vault.state === 'unlocked') await write(() => vault.lock());
    return status();
  },

  async setCode(code, kind) {
    await write(() => usingCode(code, (bytes) => vault.setCode(kind, bytes)));
    return status();
  },

  async setDuress(code) {
    if (code === null) await write(() => vault.setDuress(null));
    else await write(() => usingCode(code, (bytes) => vault.setDuress(bytes)));
    return status();
  },

  async bind(prfSalt, factor) {
    await write(() => usingCode(factor, (bytes) => vault.bind(prfSalt, bytes)));
    return status();
  },

  async bindSecond(factor) {
    await write(() => usingCode(factor, (bytes) => vault.bindSecond(bytes)));
    return status();
  },

  async unbind() {
    await write(() => vault.unbind());
    return status();
  },

  async setAttemptLimit(limit) {
    if (!Number.isInteger(limit)) throw new HushError('ERR_ATTEMPT_LIMIT', core.constants.messages.ERR_ATTEMPT_LIMIT);
    await write(() => vault.setAttemptLimit(limit));
    return status();
  },

  // The wipe's first step, all in the core: secrets overwritten and
  // flushed, keys zeroed, the three files erased.
  async destroyKeys() {
    stopSweeps();
    const started = performance.now();
    await write(() => vault.destroyKeys());
    return { ...status(), timings: { persistedMs: performance.now() - started } };
  },

  // The origin wipe, after the vault's own erasure and the broadcast.
  // keepVault (after a duress unlock): this vault's own files hold the new
  // empty vault and stay; everything else goes. Otherwise this Worker lets
  // go of its files first (the page terminates it next) and everything goes.
  async wipeStorage({ keepVault }) {
    if (!keepVault) storage.close();
    const keep = keepVault ? { opfsDir: storage.kind === 'opfs' ? neutralName : null,
      database: storage.kind === 'idbfs' ? neutralName : null, files: Object.values(core.constants.files) } : {};
    const errors = await wipeStorage(keep);
    return { errors: errors.map(String) };
  },

  // After a duress unlock, Clear-Site-Data "*" is the only way to make the
  // browser drop what the messenger itself kept in IndexedDB (Chromium's
  // LevelDB keeps deleted records in its files), but it also deletes the
  // new vault's files. So: copy the three files (ciphertext and a lock file
  // under the new keys only), let go of them, let the page call
  // Clear-Site-Data, then write them back. On the IndexedDB fallback there
  // is no such copy to make: suspended is false and the page asks only for
  // cache and cookies.
  async suspendFiles() {
    if (storage.kind !== 'opfs' || filesBack) return { suspended: false };
    const copies = {};
    for (const name of Object.values(core.constants.files)) {
      const { handle } = core.module.FS.lookupPath(`${VAULT_DIR}/${name}`).node;
      const bytes = new Uint8Array(handle.getSize());
      handle.read(bytes, { at: 0 });
      copies[name] = bytes;
    }
    storage.close();
    let release;
    filesBack = new Promise((resolve) => { release = resolve; });
    storage.suspended = { copies, release };
    return { suspended: true };
  },

  async resumeFiles() {
    const { copies, release } = storage.suspended ?? {};
    if (!copies) return { resumed: false };
    const names = Object.values(core.constants.files);
    try {
      const opened = await openOpfsVault(neutralName, names);
      for (const name of names) {
        const node = core.module.FS.lookupPath(`${VAULT_DIR}/${name}`).node;
        node.handle = opened.handles[name];
        node.handle.truncate(0);
        node.handle.write(copies[name], { at: 0 });
        node.handle.flush();
        copies[name].fill(0);
      }
      storage.close = () => opened.close();
      storage.removeOrphans = () => removeOrphans(opened.dir, names);
    } finally {
      delete storage.suspended;
      filesBack = null;
      release();
    }
    return { resumed: true };
  },

  // ---- the store ----
  async createIdentity({ name }) {
    const id = await write(() => vault.createIdentity(name));
    return identityInfo(id, true);
  },
  async restoreIdentity(phrase, { name }) {
    const seed = core.phraseToSeed(phrase);
    try {
      const id = await write(() => vault.createIdentity(name, seed));
      return identityInfo(id, false);
    } finally {
      seed.fill(0);
    }
  },
  identities: () => read(() => vault.identities()),
  recoveryPhrase: (id) => read(() => vault.identityPhrase(id)),
  removeIdentity: (id) => write(() => vault.removeIdentity(id)),
  async addMessage(identity, message) {
    const id = await write(() => vault.addMessage(identity, disappearingArgs(message), clock()));
    armSweep();
    return { id };
  },
  messages: async (identity, conversation, options) =>
    (await read(() => vault.messages(identity, conversation, options, clock()))).map(namedMessage),
  async markRead(identity, ids) {
    await write(() => vault.markRead(identity, ids, clock()));
    armSweep();
  },
  async markPeerState(identity, conversation, sentTimes, state) {
    if (!Array.isArray(sentTimes)) throw new HushError('ERR_ARGUMENT', 'sentTimes must be an array of sent times');
    // 'pending' (0) and unknown names (-1) reach the core, which refuses
    // them: one rule for which states can be set.
    const updated = await write(() =>
      vault.markPeerState(identity, conversation, sentTimes, PEER_STATES.indexOf(state), clock()));
    return { updated };
  },
  addConversation: (identity, conversation) => write(() => vault.addConversation(identity, conversation)),
  conversations: async (identity) => (await read(() => vault.conversations(identity, clock()))).map(namedMode),
  async setDisappearing(identity, conversation, { mode, seconds }) {
    await write(() => vault.setDisappearing(identity, conversation, modeValue(mode), mode === 'off' ? 0 : seconds, clock()));
  },
  async disappearing(identity, conversation) {
    const { mode, seconds } = await read(() => vault.disappearing(identity, conversation));
    return { mode: MODES[mode], seconds };
  },
  async addAttachment(identity, message, attachment) {
    return { id: await write(() => vault.addAttachment(identity, message, attachment)) };
  },
  attachment: (identity, id) => read(() => vault.attachment(identity, id)),
  sweep: () => sweep(),
  checkStore: (identity) => read(() => vault.checkStore(identity)),

  // ---- remote deletion (core/TRUST.md) ----
  offerTrust: (identity, friendSessionId) => write(() => vault.offerTrust(identity, friendSessionId, clock())),
  acceptTrust: (identity, bytes) => write(() => vault.acceptTrust(identity, bytes, clock())),
  completeTrust: (bytes) => write(() => vault.completeTrust(bytes, clock())),
  trustees: () => read(() => vault.trustees()),
  revokeTrust: (id) => write(() => vault.revokeTrust(id)),
  protectedBy: () => read(() => vault.protectedBy()),
  makeWipeMessage: (pairingId, drill) => read(() => vault.makeWipeMessage(pairingId, drill)),
  wipeMailboxes: () => (vault.state === 'new' ? [] : read(() => vault.wipeMailboxes())),
  // Any incoming message, locked or not. A matching wipe has, when this
  // resolves, destroyed the keys and erased the files (as destroyKeys).
  async receive(bytes) {
    const started = performance.now();
    const result = await write(() => vault.receive(bytes, clock()));
    if (result.outcome === 'wiped') stopSweeps();
    return { ...result, ...status(), timings: { persistedMs: performance.now() - started } };
  },
  drillSeen: (slot, at) => write(() => vault.drillSeen(slot, at)),

  // ---- messages (core/MESSAGES.md) and the relay ----
  sealMessage: (identity, recipient, message) => read(() => vault.sealMessage(identity, recipient, message)),
  openMessage: (identity, bytes) => read(() => vault.openMessage(identity, bytes)),
  relaySign: (identity, method, rest) => read(() => vault.relaySign(identity, method, rest)),
  // The relay's time (its `info`), taken into the vault's high-water mark
  // as Session clients take their clock offset from their storage servers:
  // a clock set back can then not revive a timed message once the device
  // was online. Unlocked only (nothing is written while locked). The sweep
  // is what persists the mark, and deletes what is due by then.
  async observeNetworkTime(ms) {
    if (!Number.isSafeInteger(ms) || ms <= 0) throw new HushError('ERR_ARGUMENT', 'a network time is ms since the epoch');
    if (vault.state !== 'unlocked') return { observed: false };
    const result = await write(() => vault.sweep(Math.max(clock(), ms)));
    if (result.deleted > 0) self.postMessage({ event: 'expired', deleted: result.deleted });
    armSweepAt(result.nextDueAt);
    return { observed: true, deleted: result.deleted };
  },

  // ---- backups (core/BACKUP.md) ----
  // Handles are the core's pointers: only those made here are accepted.
  async backupExportBegin(identity) {
    const { handle, estimate } = await read(() => vault.exportBegin(identity, clock()));
    backupJobs.add(handle);
    return { handle, estimate };
  },
  // Up to EXPORT_BATCH bytes per answer (whole chunks), or null at the
  // end: one message per 64 KiB chunk would cost more than the sealing.
  backupExportNext: (handle) => read(() => {
    const pieces = [];
    let size = 0;
    for (let piece; size < EXPORT_BATCH && (piece = vault.exportNext(job(handle)));) {
      pieces.push(piece);
      size += piece.length;
    }
    if (!pieces.length) return null;
    const out = new Uint8Array(size);
    pieces.reduce((at, piece) => (out.set(piece, at), at + piece.length), 0);
    return out;
  }),
  backupExportEnd(handle) {
    if (backupJobs.delete(handle)) vault.exportEnd(handle);
  },
  async backupImportBegin(phrase) {
    const handle = await read(() => vault.importBegin(phrase, clock()));
    backupJobs.add(handle);
    return handle;
  },
  // Every few MiB the import commits a batch (all hidden until the end).
  backupImportWrite: (handle, bytes) => write(() => vault.importWrite(job(handle), bytes)),
  async backupImportFinish(handle) {
    job(handle);
    backupJobs.delete(handle);
    const id = await write(() => vault.importFinish(handle));
    armSweep();
    return identityInfo(id, false);
  },
  async backupImportAbort(handle) {
    if (backupJobs.delete(handle)) await write(() => vault.importAbort(handle));
  },
  backupCheck: (phrase, header) => core.backupCheck(phrase, header),

  // Diagnostics (tests/bench): the size of this Worker's wasm memory.
  wasmMemoryBytes: () => core.module.HEAPU8.buffer.byteLength,

  // ---- the vault's own settings ----
  setting: (key) => read(() => vault.setting(key)),
  setSetting: (key, value) => write(() => vault.setSetting(key, value)),
};

const EXPORT_BATCH = 1 << 20;
const backupJobs = new Set();
function job(handle) {
  if (!backupJobs.has(handle)) throw new HushError('ERR_ARGUMENT', 'no such backup in progress');
  return handle;
}

const MODES = ['off', 'after-send', 'after-read'];

// The core speaks mode numbers (hush.h); the page speaks names.
function namedMode(item) {
  return { ...item, disappearing: { mode: MODES[item.disappearing.mode], seconds: item.disappearing.seconds } };
}

// An outgoing message's delivery state (hush.h HUSH_PEER_STATES, in order);
// a received message's is null.
const PEER_STATES = ['pending', 'sent', 'delivered', 'read'];

function namedMessage(message) {
  return { ...namedMode(message), peerState: message.outgoing ? PEER_STATES[message.peerState] : null };
}

function modeValue(mode) {
  const value = MODES.indexOf(mode);
  if (value < 0) throw new HushError('ERR_DISAPPEARING', core.constants.messages.ERR_DISAPPEARING);
  return value;
}

// A message's own disappearing setting (a received message carries the
// sender's); absent: the conversation's.
function disappearingArgs({ disappearing, ...message }) {
  if (!disappearing) return message;
  return { ...message, mode: modeValue(disappearing.mode), seconds: disappearing.mode === 'off' ? 0 : disappearing.seconds };
}

async function identityInfo(id, withPhrase) {
  const all = await read(() => vault.identities());
  const { sessionId, name } = all.find((identity) => identity.id === id);
  const info = { id, name, sessionId };
  if (withPhrase) info.phrase = await read(() => vault.identityPhrase(id));
  return info;
}


// Deletes every expired message, in bounded batches, each persisted; then
// sets one timer for the next expiry. Tells the page when something went.
async function sweep() {
  clearTimeout(sweepTimer);
  let deleted = 0;
  let result;
  do {
    result = await write(() => vault.sweep(clock()));
    deleted += result.deleted;
  } while (result.nextDueAt !== null && result.nextDueAt <= clock() && result.deleted > 0);
  if (deleted > 0) self.postMessage({ event: 'expired', deleted });
  sweepAt = null;
  armSweepAt(result.nextDueAt);
  return { deleted, nextDueAt: result.nextDueAt };
}

function armSweepAt(at) {
  if (at === null || (sweepAt !== null && sweepAt <= at)) return;
  clearTimeout(sweepTimer);
  sweepAt = at;
  // setTimeout's longest delay is about 24.8 days.
  sweepTimer = setTimeout(() => sweep().catch(() => {}), Math.min(Math.max(at - clock(), 0) + 5, 2 ** 31 - 1));
}

// After a write that may have brought the next expiry closer.
async function armSweep() {
  if (vault.state === 'unlocked') armSweepAt(await read(() => vault.nextDue(clock())));
}

self.onmessage = async ({ data: { id, op, args = [], now } }) => {
  if (typeof now === 'number') pageClock = { now, at: performance.now() };
  try {
    if (!Object.hasOwn(ops, op)) throw new HushError('ERR_ARGUMENT', `unknown operation ${op}`);
    if (op !== 'init' && op !== 'load' && !core) throw new HushError('ERR_STATE', 'core not loaded');
    self.postMessage({ id, result: await ops[op](...args) });
  } catch (error) {
    const wire = error instanceof HushError ? error.toJSON() : { code: 'ERR_INTERNAL', message: String(error?.message ?? error) };
    self.postMessage({ id, error: wire });
  }
};
