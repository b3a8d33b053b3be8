// Start page: loads the core in its Worker and shows its version and the
// result of its self-test.
import { Hush } from '../src/hush.js';

const $ = (id) => document.getElementById(id);

try {
  const wanted = new URLSearchParams(location.search).get('flavour') ?? 'auto';
  const hush = await Hush.open({ name: 'default', flavour: wanted });
  const { version, flavour, instantiateMs, constants } = hush.info;
  $('core-version').textContent = `${version} (libsodium ${constants.sodium}, SQLite ${constants.sqlite})`;
  $('core-flavour').textContent = `${flavour}, instantiated in ${instantiateMs.toFixed(1)} ms`;
  await hush.selftest();
  $('core-selftest').textContent = 'passed';
  $('core-selftest').className = 'ok';
} catch (error) {
  $('core-selftest').textContent = `failed: ${error.message}`;
  $('core-selftest').className = 'fail';
}
document.documentElement.dataset.ready = 'true';
