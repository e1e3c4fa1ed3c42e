// Shared setup of the `serve` tests: a scratch folder with a regions file, a private config
// directory per test, and the defaults buildServeConfig is given instead of the real ones.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';

export const dir = mkdtempSync(join(tmpdir(), 'flylight-serve-'));
export const csv = join(dir, 'fleet.csv');
writeFileSync(csv, 'x\n');

/** Never the user's real config directory: every serve test gets its own token file. */
export const tmpConfig = () => mkdtempSync(join(tmpdir(), 'flylight-config-'));

/** Should a test forget its configDir, the default lands in a temp directory too. */
export function isolateConfigHome(): void {
  beforeEach(() => {
    vi.stubEnv('XDG_CONFIG_HOME', tmpConfig());
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
}

export const defaults = {
  regionsFile: () => '/pkg/resources/regions.csv',
  dataDir: () => '/home/u/.local/share/flylight',
  staticDir: () => null,
};
