#!/usr/bin/env node
// The `flylight` command: runs the one-file CLI that `npm run build` (and `npm install`, via
// `prepare`) writes to out/cli/flylight.js; out/main/cli.js, the same CLI in the app's bundle,
// when only electron-vite has built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fast = new URL('../out/cli/flylight.js', import.meta.url);
const cli = existsSync(fileURLToPath(fast)) ? fast : new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('flylight is not built yet: run `npm run build` in the Flylight folder, then try again\n');
  process.exit(1);
}
await import(cli.href);
