// Runs inside the Emscripten module before it starts.
//
// libsodium's wasm randombytes asks Module.getRandomValue for each 32-bit
// word and, when it is missing, looks for `window`/`self` or `require`,
// which an ES module in Node has neither of. Web Crypto is on globalThis in
// browsers, workers and Node 20 alike; draw from it in blocks and wipe each
// word once handed out.
Module['getRandomValue'] = (function () {
  var pool = new Uint32Array(256);
  var next = pool.length;
  return function () {
    if (next === pool.length) {
      globalThis.crypto.getRandomValues(pool);
      next = 0;
    }
    var value = pool[next];
    pool[next++] = 0;
    return value >>> 0;
  };
})();
