// `npm run dist` stops in one line, no stack trace, before it builds anything: Electron's
// download host unreachable (a closed local port stands in for github.com, which these
// machines cannot reach either), lmdb's binary for another platform missing, a bad option.

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/host';

function dist(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'dist.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // An empty Electron cache: nothing downloaded before.
    env: { ...process.env, electron_config_cache: mkdtempSync(join(tmpdir(), 'flylight-ecache-')), ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, lines: r.stderr.trim().split('\n') };
}

describe('npm run dist', () => {
  it('says in one line that the Electron download host cannot be reached', () => {
    const r = dist([], { ELECTRON_MIRROR: 'https://127.0.0.1:1/electron/' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /^npm run dist: cannot download Electron \d+\.\d+\.\d+ for \w+-\w+ from 127\.0\.0\.1:1 \(ECONNREFUSED\); run it where that host is reachable/,
    );
  });

  it("names the npm install that adds lmdb's binary for another platform", () => {
    const other = process.platform === 'win32' ? '--linux' : '--win';
    const r = dist([other, '--arm64']);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /^npm run dist: lmdb's native binary for \w+-arm64 is not installed .*npm install --no-save --os=\w+ --cpu=arm64 @lmdb\/lmdb-\w+-arm64/,
    );
  });

  it('refuses an unknown option, listing the allowed ones', () => {
    const r = dist(['--solaris']);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual(['npm run dist: unknown option --solaris (allowed: --linux --mac --win --x64 --arm64)']);
  });
});
