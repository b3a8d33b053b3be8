// The Worker that owns the wasm core, so Argon2id and SQLite never block the
// page. It answers {id, op, args} with {id, result} or {id, error}; the ops
// table is the whole surface the page can reach.
import { loadCore } from './core.js';
import { HushError } from './errors.js';

let core = null;

const ops = {
  async init({ flavour }) {
    core = await loadCore({ flavour });
    return { flavour: core.flavour, version: core.version(), instantiateMs: core.instantiateMs,
             constants: core.constants };
  },
  version: () => core.version(),
  selftest: () => core.selftest(),
};

self.onmessage = async ({ data: { id, op, args = [] } }) => {
  try {
    if (!Object.hasOwn(ops, op)) throw new HushError('ERR_ARGUMENT', `unknown operation ${op}`);
    if (op !== 'init' && !core) throw new HushError('ERR_INTERNAL', 'core not loaded');
    self.postMessage({ id, result: await ops[op](...args) });
  } catch (error) {
    const wire = error instanceof HushError ? error.toJSON() : { code: 'ERR_INTERNAL', message: String(error?.message ?? error) };
    self.postMessage({ id, error: wire });
  }
};
