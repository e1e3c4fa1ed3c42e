#!/usr/bin/env node
// The `flylight` command: runs the CLI bundle that `npm run build` writes to out/main/cli.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('flylight is not built yet: run `npm run build` in the Flylight folder, then try again\n');
  process.exit(1);
}
await import(cli.href);
