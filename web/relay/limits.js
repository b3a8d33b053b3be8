// The relay's bounds. Every one of them exists so that one client (or a
// flood of them) cannot take memory, disk or sockets from everyone else;
// going over any gives an HTTP status and a JSON reason (see errors.js).

export const DEFAULT_LIMITS = Object.freeze({
  // Largest request body. A store of 76,800 bytes is 102,400 base64
  // characters plus a few hundred of JSON around them.
  maxBodyBytes: 128 * 1024,
  // Stored bytes per mailbox (a Session ID, all namespaces together) and in
  // all. A message counts its decoded data plus MESSAGE_OVERHEAD, the
  // relay's own record of it (hash, mailbox, times), so that a stream of
  // empty messages is bounded too.
  maxMailboxBytes: 16 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  // Requests per second per remote address: a token bucket refilled at
  // `rate` tokens a second, holding at most `burst`. The demo's two browser
  // windows share 127.0.0.1, each polling its eight wipe mailboxes and its
  // own inbox, so the default leaves room for that.
  rate: 200,
  burst: 400,
  // Long polls held at once (each holds a socket and a timer), and the
  // longest a single one may wait; a longer wait_ms is cut to this.
  maxLongPolls: 2000,
  maxWaitMs: 30_000,
  // A request body must have arrived within this time (slow-loris guard).
  bodyTimeoutMs: 10_000,
  // How often expired messages are dropped from memory.
  sweepMs: 5_000,
});

export const MESSAGE_OVERHEAD = 128;

export function resolveLimits(limits = {}) {
  const out = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`unknown relay limit: ${key}`);
    if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`relay limit ${key} must be a number >= 0`);
    out[key] = value;
  }
  return out;
}

// One bucket per remote address. Addresses are kept only in memory, only
// while their bucket is not full again, and never written or logged.
export class RateLimiter {
  #buckets = new Map();
  #rate;
  #burst;
  #now;

  constructor({ rate, burst }, now) {
    this.#rate = rate;
    this.#burst = Math.max(1, burst);
    this.#now = now;
  }

  // Takes one token for `address`; returns 0 when allowed, or else the
  // seconds until a token is there (for Retry-After).
  take(address) {
    const t = this.#now();
    let bucket = this.#buckets.get(address);
    if (!bucket) {
      bucket = { tokens: this.#burst, at: t };
      this.#buckets.set(address, bucket);
    } else {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((t - bucket.at) / 1000) * this.#rate);
      bucket.at = t;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.#rate > 0 ? Math.ceil((1 - bucket.tokens) / this.#rate) : 60;
  }

  // Forgets the addresses whose bucket has refilled (they are as if new).
  sweep() {
    const t = this.#now();
    for (const [address, bucket] of this.#buckets) {
      if (bucket.tokens + ((t - bucket.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(address);
    }
  }

  get size() {
    return this.#buckets.size;
  }
}
