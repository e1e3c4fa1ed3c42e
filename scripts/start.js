#!/usr/bin/env node
// `npm start`: builds when the sources are newer than the build, then opens the desktop app.
// Where Electron cannot run (no binary, no display) it says why in one line and runs the
// headless host instead, which serves the same dashboard to a browser.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-binary.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'main', 'cli.js');
const args = process.argv.slice(2);

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function needsBuild() {
  if (!existsSync(built) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) return true;
  if (!existsSync(join(root, 'src'))) return false; // an installed copy without sources
  const sources = ['src', 'resources', 'electron.vite.config.ts', 'package.json'].map((p) => join(root, p));
  return Math.max(...sources.filter(existsSync).map(newestMtime)) > statSync(built).mtimeMs;
}

if (needsBuild()) {
  console.log('Building Flylight (electron-vite build)…');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = findElectron();
if ('why' in electron) {
  console.log(`Electron cannot start: ${electron.why}; running the headless host (flylight serve) instead.`);
  process.argv = [process.argv[0], join(root, 'bin', 'flylight.js'), 'serve', ...args];
  await import(join(root, 'bin', 'flylight.js'));
} else {
  const binary = join(
    root,
    'node_modules',
    'electron',
    'dist',
    readFileSync(join(root, 'node_modules', 'electron', 'path.txt'), 'utf8').trim(),
  );
  const child = spawn(binary, [root, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
}
