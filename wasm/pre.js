// Runs inside the Emscripten module function, before the loader's own code.
//
// Node 20 and an ES module loader: Emscripten 3.1.6's Node branch calls
// require() and reads __dirname, neither of which exists in an ES module.
// Give the loader both, from Node's own builtins (process.getBuiltinModule,
// Node >= 20.16), so the same .mjs runs in browsers, workers and Node.
// The other Node 20 trap, fetch() on a local path, is avoided by web/src/
// core.js, which always hands the module its compiled wasm.
if (typeof process == 'object' && typeof process.getBuiltinModule == 'function' &&
    typeof require == 'undefined') {
  var require = process.getBuiltinModule;
  // _scriptDir is the loader's import.meta.url, captured by Emscripten.
  var __dirname = require('path').dirname(require('url').fileURLToPath(_scriptDir));
}

// libsodium's wasm randombytes asks Module.getRandomValue for each 32-bit
// word and, when it is missing, looks for window/self or require. Web Crypto
// is on globalThis in browsers, workers and Node 20 alike; draw from it in
// blocks and wipe each word once handed out.
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
