// The thin JS mirror of the C API (core/include/hush.h), for the Worker and
// for Node tests. It loads one flavour of the wasm core, turns status codes
// into HushError, and reads every constant from the core's own JSON blob.
//
// Loading: the module is always handed its compiled wasm through
// instantiateWasm, so Emscripten 3.1.6's own fetch() of a local path (which
// fails under Node 20) is never taken. Browsers stream-compile from the URL;
// Node reads the file.

import { HushError } from './errors.js';

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt drop ...))
// Validates only where wasm SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export const FLAVOURS = ['simd', 'plain', 'debug'];
const FILES = { simd: 'hush-core-simd', plain: 'hush-core', debug: 'hush-core-debug' };

export function simdSupported() {
  return WebAssembly.validate(SIMD_PROBE);
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

async function compile(url) {
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(new URL(url)));
  }
  return WebAssembly.compileStreaming(fetch(url));
}

// Loads the core. flavour: 'auto' (SIMD where supported), 'simd', 'plain'
// or 'debug' (assertions on). distUrl: where the built files are.
export async function loadCore({ flavour = 'auto', distUrl = new URL('../dist/', import.meta.url) } = {}) {
  if (flavour === 'auto') flavour = simdSupported() ? 'simd' : 'plain';
  if (!FILES[flavour]) throw new HushError('ERR_ARGUMENT', `unknown flavour ${flavour}`);
  const base = new URL(FILES[flavour], distUrl);
  const [{ default: factory }, wasmModule] = await Promise.all([
    import(`${base}.mjs`),
    compile(`${base}.wasm`),
  ]);
  const started = performance.now();
  const module = await factory({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
      return {};
    },
    printErr: (text) => console.warn(`hush-core: ${text}`),
  });
  return new Core(module, flavour, performance.now() - started);
}

export class Core {
  constructor(module, flavour, instantiateMs) {
    this.module = module;
    this.flavour = flavour;
    this.instantiateMs = instantiateMs;
    this.constants = JSON.parse(module.UTF8ToString(module._hush_constants_json()));
    // The C side opens each generated list with a placeholder member "_".
    delete this.constants.status._;
    delete this.constants.messages._;
    this.check(module._hush_init());
  }

  // Throws HushError for a negative status from the core.
  check(status) {
    if (status >= 0) return status;
    const name = Object.keys(this.constants.status).find((k) => this.constants.status[k] === status);
    throw new HushError(name ?? 'ERR_INTERNAL', this.module.UTF8ToString(this.module._hush_strerror(status)));
  }

  version() {
    return this.module.UTF8ToString(this.module._hush_version());
  }

  // Resolves true, or throws HushError('ERR_SELFTEST').
  selftest() {
    this.check(this.module._hush_selftest());
    return true;
  }
}
