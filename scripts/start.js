#!/usr/bin/env node
// `npm start`: builds when the sources are newer than the build, then opens the desktop app.
// Where Electron cannot run (no binary, no display) it says why in one line and runs the
// headless host instead, which serves the same dashboard to a browser.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { findElectron, projectRoot as root } from './electron-binary.js';

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
    { cwd: root, stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = findElectron();
if ('why' in electron) {
  console.log(`Electron cannot start: ${electron.why}; running the headless host (flylight serve) instead.`);
  process.argv = [process.argv[0], join(root, 'bin', 'flylight.js'), 'serve', ...args];
  await import(join(root, 'bin', 'flylight.js'));
} else {
  runElectron(electron.binary);
}

/** Runs the desktop app until it exits; its exit code becomes ours. */
function runElectron(binary) {
  const child = spawn(binary, [root, ...args], { stdio: 'inherit' });
  // Electron quits cleanly on SIGINT/SIGTERM; we only pass them on and wait for it.
  const forwarded = new Set();
  for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM'])) {
    process.on(sig, () => {
      forwarded.add(sig);
      child.kill(sig);
    });
  }
  child.on('error', (err) => {
    console.error(`Electron could not be started (${binary}): ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // A signal we passed on is the user's own Ctrl+C: no news. Anything else is a crash.
      if (!forwarded.has(signal)) console.error(`Electron crashed: it was killed by ${signal}`);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    if (code !== 0) console.error(`Electron exited with code ${code}`);
    process.exit(code ?? 1);
  });
}
