#!/usr/bin/env node
// The relay's command line, for the start script:
//   node web/relay/server.mjs [--port 8081] [--host 127.0.0.1] [--data DIR] [--origin URL]...
// (environment: HUSH_RELAY_PORT, HUSH_RELAY_HOST, HUSH_RELAY_DATA, HUSH_RELAY_ORIGINS comma-separated).
// Without --data, messages are kept in memory only. It prints its address
// and nothing else, ever: no request, address or content is logged.
import { fileURLToPath } from 'node:url';
import { DEFAULT_ORIGINS, startRelay } from './relay.js';

export { startRelay, DEFAULT_ORIGINS, WIPE_NAMESPACE } from './relay.js';

function parseArgs(argv) {
  const env = process.env;
  const opts = {
    port: Number(env.HUSH_RELAY_PORT ?? 8081),
    host: env.HUSH_RELAY_HOST ?? '127.0.0.1',
    dataDir: env.HUSH_RELAY_DATA || undefined,
    origins: env.HUSH_RELAY_ORIGINS ? env.HUSH_RELAY_ORIGINS.split(',') : null,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--port') opts.port = Number(value);
    else if (flag === '--host') opts.host = value;
    else if (flag === '--data') opts.dataDir = value;
    else if (flag === '--origin') (opts.origins ??= []).push(value);
    else {
      console.error(`unknown argument: ${flag}\nusage: server.mjs [--port N] [--host H] [--data DIR] [--origin URL]...`);
      process.exit(2);
    }
    i += 1;
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error('--port must be 0..65535');
    process.exit(2);
  }
  if (opts.origins?.includes('*')) opts.origins = '*';
  opts.origins ??= DEFAULT_ORIGINS;
  return opts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const relay = await startRelay(parseArgs(process.argv.slice(2)));
  console.log(`Hush relay at ${relay.url}/storage_rpc/v1`);
  const stop = () => relay.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
