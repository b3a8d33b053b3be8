// The start page loads the core in a Worker and shows its version and a
// passing self-test, in both shipped flavours.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, server, stopServer, screenshot } from './browser.mjs';

after(stopServer);

for (const flavour of ['simd', 'plain']) {
  test(`start page shows version and self-test (${flavour})`, async () => {
    const { url } = await server();
    const browser = await launch();
    try {
      await browser.page.goto(`${url}/?flavour=${flavour}`);
      await browser.page.waitForSelector('html[data-ready="true"]');
      assert.match(await browser.page.textContent('#core-version'), /^0\.1\.0 \(libsodium 1\.0\.18, SQLite 3\.53\.2\)$/);
      assert.match(await browser.page.textContent('#core-flavour'), new RegExp(`^${flavour}, instantiated in`));
      assert.equal(await browser.page.textContent('#core-selftest'), 'passed');
      assert.deepEqual(browser.errors, []);
      await screenshot(browser.page, `start-page-${flavour}`);
    } finally {
      await browser.close();
    }
  });
}
