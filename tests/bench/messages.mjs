// The benchmark's messages, identical to bench_store.c's insert_one and
// message_mode, so every contender stores the same rows. Imported by the
// page (store-page.mjs) and by the Workers (store-worker.mjs).
export const BASE_MS = 1767225600000; // bench_store.c's BENCH_BASE_MS
const CONVERSATIONS = 20;
export const enc = (text) => new TextEncoder().encode(text);

export const conversationId = (k) => `05c0ffee${'0'.repeat(54)}${k.toString(16).padStart(4, '0')}`;

export function messageMode(i, n, pattern) {
  if (pattern !== 1) return { mode: 0, seconds: 0 };
  if (i % 100 === 0) return { mode: 1, seconds: 3600 };
  if (i % 100 === 50) return { mode: 1, seconds: 2419200 };
  if (i >= n - 20250 && i < n - 10045) return { mode: 1, seconds: 2 * 86400 };
  return { mode: 0, seconds: 0 };
}

export function message(i, n = 0, pattern = 0) {
  const conversation = conversationId(i % CONVERSATIONS);
  const outgoing = i % 3 === 0;
  return {
    conversation, sender: outgoing ? '05me' : conversation, outgoing, sentAt: BASE_MS + i * 1000,
    body: `Message ${i}: the quick brown fox jumps over the lazy dog, then checks the time twice.`,
    // Pattern 0: no mode of its own (the conversation's, as the facade's
    // addMessage without `disappearing`); bench_store.c reads it too.
    ...(pattern === 1 ? messageMode(i, n, pattern) : {}),
  };
}

// When the sweep benchmark's cohorts are all due (see bench_store.c).
export const dueTimes = (n) => ({
  spread: BASE_MS + n * 1000 + 3600 * 1000 + 1000,
  block: BASE_MS + (n - 10045) * 1000 + 2 * 86400 * 1000 + 1000,
});

// build/wasm/bench-store (the whole core + bench_store.c), handed its wasm.
export async function loadBench() {
  const base = new URL('../../build/wasm/bench-store', import.meta.url);
  const [{ default: factory }, wasm] = await Promise.all([
    import(`${base}.mjs`), WebAssembly.compileStreaming(fetch(`${base}.wasm`))]);
  const m = await factory({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm));
      return {};
    },
  });
  if (m._bench_init() !== 0) throw new Error('bench-store: hush_init failed');
  m.str = (text) => {
    const n = m.lengthBytesUTF8(text) + 1;
    const ptr = m._malloc(n);
    m.stringToUTF8(text, ptr, n);
    return ptr;
  };
  return m;
}

// A module Worker answering {id, op, args} with {id, result} / {id, error}.
export function rpcWorker(url, name) {
  const worker = new Worker(url, { type: 'module' });
  const pending = new Map();
  let next = 1;
  worker.onmessage = ({ data: { id, result, error } }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (error) p.reject(new Error(`${name}: ${error}`));
    else p.resolve(result);
  };
  worker.onerror = (event) => {
    for (const p of pending.values()) p.reject(new Error(`${name} worker: ${event.message}`));
  };
  return {
    worker,
    call: (op, ...args) => new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args });
    }),
    terminate: () => worker.terminate(),
  };
}

export function serve(ops) {
  self.onmessage = async ({ data: { id, op, args = [] } }) => {
    try {
      self.postMessage({ id, result: await ops[op](...args) });
    } catch (error) {
      self.postMessage({ id, error: String(error?.stack ?? error) });
    }
  };
}
