// In the packaged app, code and data sit in resources/app.asar, and what electron-builder's
// asarUnpack lists is also on disk in resources/app.asar.unpacked (electron-builder.config.js
// says why: native addons, and ES-module worker threads, for which Electron documents no asar
// support). Worker threads get the on-disk path, so they never depend on asar at all.

import { existsSync } from 'node:fs';
import { sep } from 'node:path';

const ASAR = `${sep}app.asar${sep}`;
const UNPACKED = `${sep}app.asar.unpacked${sep}`;

/** `path` under app.asar.unpacked when it was unpacked there; otherwise `path` unchanged. */
export function outsideAsar(path: string, exists: (p: string) => boolean = existsSync): string {
  const at = path.lastIndexOf(ASAR);
  if (at === -1) return path;
  const unpacked = path.slice(0, at) + UNPACKED + path.slice(at + ASAR.length);
  return exists(unpacked) ? unpacked : path;
}
