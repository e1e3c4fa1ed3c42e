// Finding the outside programs the tests start (Chromium, etcd) the same way: a path that is an
// executable file, or the first of some names on PATH.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The directories of env.PATH, in order. */
export function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(delimiter).filter(Boolean);
}

/** The first `dir/name` on PATH (directory by directory, then name by name) that is executable. */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of pathDirs(env)) {
    for (const name of names) if (isExecutableFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
