// The Worker that owns the wasm core, so Argon2id and SQLite never block the
// page. It answers {id, op, args} with {id, result} or {id, error}; the ops
// table below is the whole surface the page can reach.
//
// Codes arrive as transferred Uint8Arrays and are zeroed here after use.
// Every op that changes the lock file resolves only after IndexedDB holds
// the change.
import { loadCore } from './core.js';
import { HushError } from './errors.js';
import { Persistence } from './persist.js';
import { wipeStorage } from './wipe.js';

let core = null;
let vault = null;
let persistence = null;
let paths = null;
let kdf = null; // Argon2id cost for create(); calibrated on first use
let dataReady = null; // the data folder loads after the lock file
let sweepTimer = null;
let sweepAt = null; // when sweepTimer fires

// The page's clock: every request carries the page's Date.now(), so time is
// what the page says it is (tests drive it with Playwright's clock), and
// runs on between requests. The core still never lets it go backwards.
let pageClock = null;
let rekeyCode = null; // after a duress unlock: the code, until rekey() renews the salt
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
    at: clock(),
  };
}

async function persistLock() {
  await persistence.persist(paths.lockDir);
}

// Runs fn with the code and zeroes the code afterwards, whatever happens.
function usingCode(code, fn) {
  try {
    if (!(code instanceof Uint8Array)) throw new HushError('ERR_ARGUMENT', 'a code must be a Uint8Array');
    return fn(code);
  } finally {
    if (code instanceof Uint8Array) code.fill(0);
  }
}

const ops = {
  async init({ flavour, name, kdf: cost }) {
    core = await loadCore({ flavour });
    persistence = new Persistence(core.module);
    paths = { lockDir: `/hush-${name}`, dataDir: `/hush-${name}-data` };
    paths.lockFile = `${paths.lockDir}/lock`;
    kdf = cost ?? null;
    await persistence.mount(paths.lockDir);
    // The lock screen needs only the lock file; the data loads meanwhile.
    dataReady = persistence.mount(paths.dataDir);
    dataReady.catch(() => {});
    vault = core.openVault(paths.lockFile, paths.dataDir);
    return { flavour: core.flavour, version: core.version(), instantiateMs: core.instantiateMs,
      constants: core.constants, status: status() };
  },

  selftest: () => core.selftest(),
  status: () => status(),

  async create(code, kind) {
    kdf ??= core.calibrate(1000);
    usingCode(code, (bytes) => vault.create(kind, bytes, kdf, clock()));
    await persistLock();
    return status();
  },

  // One unlock attempt, in two durable steps (see hush_vault_begin_attempt).
  async unlock(code) {
    const started = performance.now();
    const timings = {};
    try {
      const waitMs = vault.beginAttempt(clock());
      if (waitMs !== null) return { outcome: 'wait', ...status(), retryInMs: waitMs };
      await persistLock();
      const outcome = usingCode(code, (bytes) => {
        const result = vault.unlock(bytes, clock());
        if (result === 'duress') rekeyCode = bytes.slice();
        return result;
      });
      timings.checkedMs = performance.now() - started;
      await persistLock();
      timings.persistedMs = performance.now() - started;
      // A data folder still loading would bring the old files back after
      // their deletion: let it finish first.
      if (outcome === 'duress' || outcome === 'wiped') await dataReady.catch(() => {});
      if (outcome === 'duress') vault.deleteData();
      if (outcome === 'wiped') vault.deleteFiles();
      if (outcome === 'ok') {
        // Expired messages go before anything is shown.
        await sweep();
        timings.sweptMs = performance.now() - started;
      }
      return { outcome, ...status(), timings };
    } finally {
      if (code instanceof Uint8Array) code.fill(0);
    }
  },

  lock() {
    clearTimeout(sweepTimer);
    sweepAt = null;
    if (vault.state === 'unlocked') vault.lock();
    return status();
  },

  async setCode(code, kind) {
    usingCode(code, (bytes) => vault.setCode(kind, bytes));
    await persistLock();
    return status();
  },

  async setDuress(code) {
    if (code === null) vault.setDuress(null);
    else usingCode(code, (bytes) => vault.setDuress(bytes));
    await persistLock();
    return status();
  },

  async setAttemptLimit(limit) {
    if (!Number.isInteger(limit)) throw new HushError('ERR_ATTEMPT_LIMIT', core.constants.messages.ERR_ATTEMPT_LIMIT);
    vault.setAttemptLimit(limit);
    await persistLock();
    return status();
  },

  // Wipe, steps 1 and 3: random slots persisted, keys zeroed.
  async destroyKeys() {
    clearTimeout(sweepTimer);
    sweepAt = null;
    const started = performance.now();
    vault.destroyKeys();
    await persistLock();
    return { ...status(), timings: { persistedMs: performance.now() - started } };
  },

  // Wipe, step 2, then everything this Worker can reach of the origin.
  async wipeStorage({ deleteVaultFiles }) {
    await dataReady.catch(() => {});
    if (deleteVaultFiles) vault.deleteFiles();
    persistence.release();
    const errors = await wipeStorage();
    return { errors: errors.map(String) };
  },

  // After a duress unlock and the origin wipe: the same code under a fresh
  // salt (one more Argon2id, off the unlock's clock), then stored.
  async rekey() {
    if (!rekeyCode) return status();
    const code = rekeyCode;
    rekeyCode = null;
    usingCode(code, (bytes) => vault.setCode(vault.kind, bytes));
    await persistLock();
    return status();
  },

  // ---- the store ----
  async createIdentity({ name }) {
    const id = await writeData(() => vault.createIdentity(name));
    return identityInfo(id, true);
  },
  async restoreIdentity(phrase, { name }) {
    const seed = core.phraseToSeed(phrase);
    try {
      const id = await writeData(() => vault.createIdentity(name, seed));
      return identityInfo(id, false);
    } finally {
      seed.fill(0);
    }
  },
  identities: () => readData(() => vault.identities()),
  recoveryPhrase: (id) => readData(() => vault.identityPhrase(id)),
  removeIdentity: (id) => writeData(() => vault.removeIdentity(id)),
  async addMessage(identity, message) {
    const id = await writeData(() => vault.addMessage(identity, disappearingArgs(message), clock()));
    armSweep();
    return { id };
  },
  messages: async (identity, conversation, options) =>
    (await readData(() => vault.messages(identity, conversation, options, clock()))).map(namedMode),
  async markRead(identity, ids) {
    await writeData(() => vault.markRead(identity, ids, clock()));
    armSweep();
  },
  addConversation: (identity, conversation) => writeData(() => vault.addConversation(identity, conversation)),
  conversations: async (identity) => (await readData(() => vault.conversations(identity, clock()))).map(namedMode),
  async setDisappearing(identity, conversation, { mode, seconds }) {
    await writeData(() => vault.setDisappearing(identity, conversation, modeValue(mode), mode === 'off' ? 0 : seconds, clock()));
  },
  async disappearing(identity, conversation) {
    const { mode, seconds } = await readData(() => vault.disappearing(identity, conversation));
    return { mode: MODES[mode], seconds };
  },
  async addAttachment(identity, message, attachment) {
    return { id: await writeData(() => vault.addAttachment(identity, message, attachment)) };
  },
  attachment: (identity, id) => readData(() => vault.attachment(identity, id)),
  sweep: () => sweep(),
  checkStore: (identity) => readData(() => vault.checkStore(identity)),
};

const MODES = ['off', 'after-send', 'after-read'];

// The core speaks mode numbers (hush.h); the page speaks names.
function namedMode(item) {
  return { ...item, disappearing: { mode: MODES[item.disappearing.mode], seconds: item.disappearing.seconds } };
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
  const all = await readData(() => vault.identities());
  const { sessionId, name } = all.find((identity) => identity.id === id);
  const info = { id, name, sessionId };
  if (withPhrase) info.phrase = await readData(() => vault.identityPhrase(id));
  return info;
}

async function writeData(fn) {
  await dataReady;
  return persistence.run(paths.dataDir, fn);
}

async function readData(fn) {
  await dataReady;
  return persistence.run(paths.dataDir, fn, { persist: false });
}

// Deletes every expired message, in bounded batches, each persisted; then
// sets one timer for the next expiry. Tells the page when something went.
async function sweep() {
  clearTimeout(sweepTimer);
  let deleted = 0;
  let result;
  do {
    result = await writeData(() => vault.sweep(clock()));
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
  if (vault.state === 'unlocked') armSweepAt(await readData(() => vault.nextDue(clock())));
}

self.onmessage = async ({ data: { id, op, args = [], now } }) => {
  if (typeof now === 'number') pageClock = { now, at: performance.now() };
  try {
    if (!Object.hasOwn(ops, op)) throw new HushError('ERR_ARGUMENT', `unknown operation ${op}`);
    if (op !== 'init' && !core) throw new HushError('ERR_STATE', 'core not loaded');
    self.postMessage({ id, result: await ops[op](...args) });
  } catch (error) {
    const wire = error instanceof HushError ? error.toJSON() : { code: 'ERR_INTERNAL', message: String(error?.message ?? error) };
    self.postMessage({ id, error: wire });
  }
};
