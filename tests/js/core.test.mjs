// The wasm core under Node: every flavour loads through web/src/core.js,
// passes its self-test, exports exactly what wasm/exports.txt lists, and
// carries the same status codes as core/include/hush.h.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadCore, FLAVOURS } from '../../web/src/core.js';
import { HushError } from '../../web/src/errors.js';
import { ROOT } from './paths.mjs';

const header = await readFile(new URL('core/include/hush.h', ROOT), 'utf8');
// The HUSH_STATUS_LIST block only (other X-lists, e.g. message types, share its shape).
const statusList = header.slice(header.indexOf('#define HUSH_STATUS_LIST'), header.indexOf('typedef enum'));
const statusInHeader = Object.fromEntries(
  [...statusList.matchAll(/X\((\w+),\s*(-?\d+),/g)].map(([, name, value]) => [name, Number(value)]));
const exportsList = (await readFile(new URL('wasm/exports.txt', ROOT), 'utf8'))
  .split('\n').filter((line) => /^[a-z_0-9]+$/.test(line));

for (const flavour of FLAVOURS) {
  test(`${flavour}: loads, reports its version and passes the self-test`, async () => {
    const core = await loadCore({ flavour });
    assert.equal(core.flavour, flavour);
    assert.equal(core.version(), '0.1.0');
    assert.equal(core.selftest(), true);
    assert.equal(core.constants.sodium, '1.0.18');
    assert.equal(core.constants.sqlite, '3.53.2');
  });

  test(`${flavour}: exports every function in wasm/exports.txt`, async () => {
    const core = await loadCore({ flavour });
    for (const name of exportsList) assert.equal(typeof core.module[`_${name}`], 'function', name);
  });

  test(`${flavour}: status codes and messages come from hush.h`, async () => {
    const core = await loadCore({ flavour });
    assert.deepEqual(core.constants.status, statusInHeader);
    assert.equal(core.constants.messages.ERR_ARGUMENT, 'invalid argument');
    assert.throws(() => core.check(core.constants.status.ERR_SELFTEST),
      (error) => error instanceof HushError && error.code === 'ERR_SELFTEST' && /self-test failed/.test(error.message));
    assert.equal(core.check(0), 0);
  });
}

test('an unknown flavour is refused with ERR_ARGUMENT', async () => {
  await assert.rejects(loadCore({ flavour: 'avx' }), { name: 'HushError', code: 'ERR_ARGUMENT' });
});
