// A stand-in for the Electron binary, for testing `npm start` where the real one cannot be
// fetched: a temporary project root laid out as after `npm install` (the real scripts/ copied,
// the real out/, bin/ and package.json linked) with node_modules/electron/path.txt naming an
// executable the test writes. The executable records its argv, environment and any signals it
// receives, then exits as the test asks.

import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './host';

/** What the stand-in does once it has recorded itself. */
export type FakeElectronMode =
  | { exit: number }
  /** Waits for SIGINT/SIGTERM, records it, then exits 0 (as Electron quits on them). */
  | { wait: true }
  /** Kills itself with this signal, as a crash would. */
  | { crash: NodeJS.Signals };

export interface FakeElectronRecord {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  signals: string[];
}

const FAKE = `#!${process.execPath}
'use strict';
const fs = require('node:fs');
const file = process.env.FAKE_ELECTRON_RECORD;
const mode = JSON.parse(process.env.FAKE_ELECTRON_MODE || '{"exit":0}');
const record = { argv: process.argv, cwd: process.cwd(), env: process.env, signals: [] };
const save = () => fs.writeFileSync(file + '.tmp', JSON.stringify(record));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    record.signals.push(sig);
    save();
    fs.renameSync(file + '.tmp', file);
    process.exit(0);
  });
}
save();
fs.renameSync(file + '.tmp', file);
if ('exit' in mode) process.exit(mode.exit);
if ('crash' in mode) process.kill(process.pid, mode.crash);
setInterval(() => {}, 1000);
`;

export interface FakeProject {
  root: string;
  /** Where the stand-in binary is (may not exist: see `binary`). */
  binaryPath: string;
  /** Environment that makes the stand-in record to `recordFile` and behave as `mode`. */
  env(mode: FakeElectronMode): NodeJS.ProcessEnv;
  recordFile: string;
  record(): FakeElectronRecord | null;
}

/**
 * `electron`: 'installed' writes path.txt and the executable; 'missing-binary' only path.txt;
 * 'absent' neither (electron's postinstall never ran).
 */
export function fakeProject(electron: 'installed' | 'missing-binary' | 'absent'): FakeProject {
  const root = mkdtempSync(join(tmpdir(), 'flylight-start-'));
  // Copied, not linked: Node resolves a symlinked main script to its real path, and start.js
  // finds the project root from where it lives.
  cpSync(join(ROOT, 'scripts'), join(root, 'scripts'), { recursive: true });
  for (const p of ['out', 'bin', 'package.json']) symlinkSync(join(ROOT, p), join(root, p));
  const dir = join(root, 'node_modules', 'electron');
  const binaryPath = join(dir, 'dist', 'electron');
  if (electron !== 'absent') {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    // A CommonJS package, as the real one is (the stand-in has no file extension).
    writeFileSync(join(dir, 'package.json'), '{"name":"electron","private":true}\n');
    writeFileSync(join(dir, 'path.txt'), 'electron');
  }
  if (electron === 'installed') {
    writeFileSync(binaryPath, FAKE);
    chmodSync(binaryPath, 0o755);
  }
  const recordFile = join(root, 'electron-record.json');
  return {
    root,
    binaryPath,
    recordFile,
    env: (mode) => ({ FAKE_ELECTRON_RECORD: recordFile, FAKE_ELECTRON_MODE: JSON.stringify(mode) }),
    record: () =>
      existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as FakeElectronRecord) : null,
  };
}
