// Long polls: a retrieve with wait_ms that finds nothing waits here until a
// store to the same mailbox and namespace, its time is up, or its client
// goes away. Each waiter is a timer and a callback, nothing else, so a
// thousand of them cost little; their number is still bounded
// (limits.maxLongPolls) because each also holds a socket.
import { tooManyPolls } from './errors.js';

export class LongPolls {
  #waiters = new Map(); // `${pubkey}/${namespace}` -> Set of wake functions
  #count = 0;
  #max;

  constructor(max) {
    this.#max = max;
  }

  get size() {
    return this.#count;
  }

  // Resolves (to nothing) when `key` is notified, after `ms`, or when
  // `signal` aborts; the waiter is gone from every table by then, whichever
  // came first. Throws tooManyPolls at the bound.
  wait(key, ms, signal) {
    if (this.#count >= this.#max) throw tooManyPolls();
    if (signal?.aborted) return Promise.resolve();
    this.#count += 1;
    return new Promise((resolve) => {
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        if (set.delete(wake)) {
          this.#count -= 1;
          if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal?.addEventListener('abort', wake, { once: true });
      set.add(wake);
    });
  }

  notify(key) {
    const set = this.#waiters.get(key);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  // At close: every waiter answers now (with whatever there is).
  wakeAll() {
    for (const set of [...this.#waiters.values()]) for (const wake of [...set]) wake();
  }
}
