// The CLI entry's environment: API address, colour, and which token the CLI sends.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiUrlFrom, resolveToken, wantsColor } from '../../src/cli/main';

/** Never the user's real config directory: every serve test gets its own token file. */
const tmpConfig = () => mkdtempSync(join(tmpdir(), 'flylight-config-'));
// And should a test forget its configDir, the default lands in a temp directory too.
beforeEach(() => {
  vi.stubEnv('XDG_CONFIG_HOME', tmpConfig());
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('CLI environment', () => {
  it('picks the API address from --api, then FLYLIGHT_API, then the default', () => {
    expect(apiUrlFrom(['regions', '--api', 'http://h:1/'], { FLYLIGHT_API: 'http://e:2' })).toBe('http://h:1');
    expect(apiUrlFrom(['regions'], { FLYLIGHT_API: 'http://e:2' })).toBe('http://e:2');
    expect(apiUrlFrom(['regions'], {})).toBe('http://127.0.0.1:3030');
    expect(apiUrlFrom(['--api'], {})).toBe('http://127.0.0.1:3030');
  });

  it('colours only for a terminal, and never under NO_COLOR', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ TERM: 'dumb' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: '1' }, false)).toBe(true);
  });
});

describe('resolveToken: which token the CLI sends', () => {
  const TOKEN_A = 'A'.repeat(43);
  const TOKEN_B = 'B'.repeat(43);
  const TOKEN_C = 'C'.repeat(43);
  const local = 'http://127.0.0.1:3030';

  function configWith(token: string | null): string {
    const xdg = mkdtempSync(join(tmpdir(), 'flylight-xdg-'));
    if (token !== null) {
      mkdirSync(join(xdg, 'flylight'));
      writeFileSync(join(xdg, 'flylight', 'token'), `${token}\n`, { mode: 0o600 });
    }
    return xdg;
  }

  it('reads the token file under XDG_CONFIG_HOME by default', () => {
    const xdg = configWith(TOKEN_A);
    vi.stubEnv('XDG_CONFIG_HOME', xdg);
    const r = resolveToken(['regions'], {}, local);
    expect(r.token).toBe(TOKEN_A);
    expect(r.auth.source).toBe('file');
    expect(r.auth.file).toBe(join(xdg, 'flylight', 'token'));
    expect(r.auth.stored()).toBe(TOKEN_A);
  });

  it('precedence: --token, then FLYLIGHT_TOKEN, then the file', () => {
    const dir = join(configWith(TOKEN_A), 'flylight');
    const flag = resolveToken(['regions', '--token', TOKEN_C], { FLYLIGHT_TOKEN: TOKEN_B }, local, dir);
    expect([flag.token, flag.auth.source]).toEqual([TOKEN_C, 'flag']);
    const env = resolveToken(['regions'], { FLYLIGHT_TOKEN: ` ${TOKEN_B}\n` }, local, dir);
    expect([env.token, env.auth.source]).toEqual([TOKEN_B, 'env']);
    const file = resolveToken(['regions'], { FLYLIGHT_TOKEN: '  ' }, local, dir);
    expect([file.token, file.auth.source]).toEqual([TOKEN_A, 'file']);
    // `flylight token` always prints the file's token, whatever overrides it for calls.
    expect(flag.auth.stored()).toBe(TOKEN_A);
  });

  it('no file and no override: no token, and `stored` says so', () => {
    const dir = join(configWith(null), 'flylight');
    const r = resolveToken(['regions'], {}, local, dir);
    expect(r.token).toBeNull();
    expect(r.auth.source).toBeNull();
    expect(r.auth.stored()).toBeNull();
  });

  it("sends the file's token only to this computer; an explicit one goes where the user points it", () => {
    const dir = join(configWith(TOKEN_A), 'flylight');
    const away = resolveToken(['regions'], {}, 'http://10.0.0.7:3030', dir);
    expect(away.token).toBeNull();
    expect(away.auth.withheld).toBe(true);
    for (const url of ['http://localhost:3030', 'http://[::1]:3030', 'http://127.0.0.5:1']) {
      expect(resolveToken(['regions'], {}, url, dir).token).toBe(TOKEN_A);
    }
    expect(resolveToken(['regions'], { FLYLIGHT_TOKEN: TOKEN_B }, 'http://10.0.0.7:3030', dir).token).toBe(TOKEN_B);
  });

  it('a malformed override is a problem to report, never echoed and never sent', () => {
    const dir = join(configWith(TOKEN_A), 'flylight');
    const secret = 'my password with spaces';
    const r = resolveToken(['regions'], { FLYLIGHT_TOKEN: secret }, local, dir);
    expect(r.token).toBeNull();
    expect(r.auth.problem).toMatch(/^FLYLIGHT_TOKEN is not a Flylight token/);
    expect(r.auth.problem).not.toContain(secret);
    const f = resolveToken(['regions', '--token', 'short'], {}, local, dir);
    expect(f.auth.problem).toMatch(/^--token is not a Flylight token/);
  });
});
