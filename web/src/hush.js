// Hush: the ES module a messenger imports. It mirrors the core's API
// thinly; every call goes to the Worker that owns the wasm core, and every
// failure arrives as a HushError carrying the core's status code.
//
//   import { Hush } from './hush.js';
//   const hush = await Hush.open({ name: 'default' });
//   await hush.selftest();
import { HushError } from './errors.js';

export { HushError };

export class Hush extends EventTarget {
  #worker;
  #pending = new Map();
  #nextId = 1;

  constructor(worker) {
    super();
    this.#worker = worker;
    worker.onmessage = ({ data: { id, result, error } }) => {
      const waiter = this.#pending.get(id);
      if (!waiter) return;
      this.#pending.delete(id);
      if (error) waiter.reject(HushError.fromJSON(error));
      else waiter.resolve(result);
    };
    worker.onerror = (event) => {
      const error = new HushError('ERR_INTERNAL', `worker failed: ${event.message}`);
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
    };
  }

  // Starts the Worker and loads the core. flavour: 'auto' | 'simd' | 'plain' | 'debug'.
  static async open({ name = 'default', flavour = 'auto' } = {}) {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `hush:${name}` });
    const hush = new Hush(worker);
    hush.name = name;
    hush.info = await hush.#call('init', { flavour });
    return hush;
  }

  #call(op, ...args) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  get version() {
    return this.info.version;
  }

  selftest() {
    return this.#call('selftest');
  }

  close() {
    this.#worker.terminate();
  }
}
