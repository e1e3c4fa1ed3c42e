// Finds the etcd binary the shared-fleet tests start: ETCD_BIN when set, else `etcd` on PATH
// (Debian's etcd-server puts it at /usr/bin/etcd). Without one the tests FAIL with one line
// naming the command that installs it — never a silent skip, as the browser tests do for
// Chromium (e2e/chromium.ts).

import { delimiter } from 'node:path';
import { findOnPath, isExecutableFile, pathDirs } from './executable';

export const ETCD_INSTALL_HINT =
  'install it with `sudo apt-get install -y etcd-server` (Debian/Ubuntu; any etcd 3.4+ works), or set ETCD_BIN to an etcd binary';

export type LocatedEtcd = { path: string } | { error: string };

export function locateEtcd(env: NodeJS.ProcessEnv = process.env): LocatedEtcd {
  if (env.ETCD_BIN) {
    return isExecutableFile(env.ETCD_BIN)
      ? { path: env.ETCD_BIN }
      : { error: `ETCD_BIN is ${env.ETCD_BIN}, which is not an executable file; ${ETCD_INSTALL_HINT}` };
  }
  const found = findOnPath(['etcd'], env);
  if (found) return { path: found };
  const dirs = pathDirs(env);
  return {
    error: `No etcd for the shared-fleet tests (none on PATH: ${dirs.join(delimiter) || '(empty)'}); ${ETCD_INSTALL_HINT}`,
  };
}

/** The etcd binary, or an Error whose message says how to get one (the test fails with it). */
export function etcdBinary(env: NodeJS.ProcessEnv = process.env): string {
  const found = locateEtcd(env);
  if ('error' in found) throw new Error(found.error);
  return found.path;
}
