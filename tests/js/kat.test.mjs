// Known answers: each shipped wasm flavour of libsodium must print exactly
// what native libsodium (Debian's libsodium23) prints for every primitive the
// core uses (tests/kat/kat.c). A SIMD miscompile that still round-trips shows
// up here and nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BUILD, WASM_BUILD, SHIPPED_FLAVOURS } from './paths.mjs';

const run = promisify(execFile);
const big = { maxBuffer: 64 << 20 };

async function katLines(command, args = []) {
  const { stdout } = await run(command, args, big);
  return stdout.split('\n').filter((line) => line && !line.startsWith('#'));
}

// Lines that differ, as [native, wasm] pairs.
export function differences(expected, actual) {
  assert.equal(actual.length, expected.length, 'known-answer line count');
  return expected.flatMap((line, i) => (line === actual[i] ? [] : [[line, actual[i]]]));
}

const native = await katLines(fileURLToPath(new URL('kat', BUILD)));

test('the native known-answer file covers every primitive at many lengths', () => {
  const kinds = new Set(native.map((line) => line.split(' ')[0].replace(/-ops.*/, '')));
  for (const kind of ['xchacha20poly1305', 'xchacha20-stream', 'secretstream-push', 'blake2b', 'kdf',
    'ed25519-sig', 'x25519', 'sealed-box', 'sealed-box-open', 'argon2id']) {
    assert.ok(kinds.has(kind), kind);
  }
  assert.ok(native.some((line) => line.startsWith('xchacha20poly1305 1048576 ')), '1 MiB case');
  assert.ok(!native.some((line) => / 4e4f$/.test(line)), 'every native round trip succeeded');
});

for (const flavour of SHIPPED_FLAVOURS) {
  test(`${flavour}: wasm outputs equal native libsodium byte for byte`, async () => {
    const wasm = await katLines('node', [fileURLToPath(new URL(`kat-${flavour}.js`, WASM_BUILD))]);
    const diff = differences(native, wasm);
    assert.deepEqual(diff.slice(0, 3), [], `${diff.length} of ${native.length} lines differ`);
  });
}

test('a corrupted wasm output is caught', async () => {
  const wasm = await katLines('node', [fileURLToPath(new URL('kat-simd.js', WASM_BUILD)), '--corrupt']);
  const diff = differences(native, wasm);
  assert.equal(diff.length, 1);
  assert.equal(diff[0][0].split(' ').slice(0, 2).join(' '), diff[0][1].split(' ').slice(0, 2).join(' '));
});
