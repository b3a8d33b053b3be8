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

function status() {
  return {
    state: vault.state,
    kind: vault.kind,
    attemptsLeft: vault.attemptsLeft,
    attemptLimit: vault.attemptLimit,
    retryInMs: vault.retryInMs(Date.now()),
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
    if (!core.module.FS.analyzePath(paths.dataDir).exists) core.module.FS.mkdir(paths.dataDir);
    vault = core.openVault(paths.lockFile, paths.dataDir);
    return { flavour: core.flavour, version: core.version(), instantiateMs: core.instantiateMs,
      constants: core.constants, status: status() };
  },

  version: () => core.version(),
  selftest: () => core.selftest(),
  status: () => status(),

  async create(code, kind) {
    kdf ??= core.calibrate(1000);
    usingCode(code, (bytes) => vault.create(kind, bytes, kdf));
    await persistLock();
    return status();
  },

  // One unlock attempt, in two durable steps (see hush_vault_begin_attempt).
  async unlock(code) {
    const started = performance.now();
    const timings = {};
    try {
      const waitMs = vault.beginAttempt(Date.now());
      if (waitMs !== null) return { outcome: 'wrong', ...status(), retryInMs: waitMs };
      await persistLock();
      const outcome = usingCode(code, (bytes) => vault.unlock(bytes, Date.now()));
      timings.checkedMs = performance.now() - started;
      await persistLock();
      timings.persistedMs = performance.now() - started;
      if (outcome === 'duress') vault.deleteData();
      if (outcome === 'wiped') vault.deleteFiles();
      return { outcome, ...status(), timings };
    } finally {
      code.fill(0);
    }
  },

  lock() {
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
    const started = performance.now();
    vault.destroyKeys();
    await persistLock();
    return { ...status(), timings: { persistedMs: performance.now() - started } };
  },

  // Wipe, step 2, then everything this Worker can reach of the origin.
  async wipeStorage({ deleteVaultFiles }) {
    if (deleteVaultFiles) vault.deleteFiles();
    persistence.release();
    const errors = await wipeStorage();
    return { errors: errors.map(String) };
  },

  // After a duress unlock, the origin was wiped: store the new lock file.
  async persistLock() {
    await persistLock();
    return status();
  },
};

self.onmessage = async ({ data: { id, op, args = [] } }) => {
  try {
    if (!Object.hasOwn(ops, op)) throw new HushError('ERR_ARGUMENT', `unknown operation ${op}`);
    if (op !== 'init' && !core) throw new HushError('ERR_STATE', 'core not loaded');
    self.postMessage({ id, result: await ops[op](...args) });
  } catch (error) {
    const wire = error instanceof HushError ? error.toJSON() : { code: 'ERR_INTERNAL', message: String(error?.message ?? error) };
    self.postMessage({ id, error: wire });
  }
};
