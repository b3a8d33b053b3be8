// Where the tests find the builds (tests/run.sh makes them).
export const ROOT = new URL('../../', import.meta.url);
export const BUILD = new URL('build/', ROOT);
export const WASM_BUILD = new URL('build/wasm/', ROOT);
export const SHIPPED_FLAVOURS = ['simd', 'plain'];
