#!/usr/bin/env node
// Bundles the `flylight` CLI into one file, out/cli/flylight.js, that loads nothing a command
// line does not use: a CLI call should cost little more than starting Node (issue 12: at most
// 2× `node -e 0`), and every extra module is paid on every run. Runs after `electron-vite build`:
// `serve` and `gen-fleet` are loaded from out/main (cli-serve.js, cli-gen-fleet.js), because the
// host's workers are built there (`?modulePath`) and papaparse is only for gen-fleet.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'cli', 'main.ts');

await build({
  entryPoints: [join(root, 'src', 'cli', 'index.ts')],
  outfile: join(root, 'out', 'cli', 'flylight.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'host-parts-from-out-main',
      setup(b) {
        // main.ts's `await import('./serve')` / `('./gen-fleet')` → the electron-vite entries.
        b.onResolve({ filter: /^\.\/(serve|gen-fleet)$/ }, (args) =>
          args.importer === main ? { path: `../main/cli-${args.path.slice(2)}.js`, external: true } : undefined,
        );
      },
    },
  ],
});
