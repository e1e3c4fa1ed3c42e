// Issue 8 item 9 (file permissions): with the most permissive umask, the real `flylight serve`
// keeps its data directory 0700 and the store, its lock file, the log, the token and the
// published endpoint 0600 — and tightens a data directory an older run left open.

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/host';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('file permissions', () => {
  it('data directory 0700; store, lock, log, token and endpoint 0600, whatever the umask', async () => {
    const config = mkdtempSync(join(tmpdir(), 'flylight-config-'));
    const data = mkdtempSync(join(tmpdir(), 'flylight-data-'));
    const dataDir = join(data, 'flylight');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755); // as an older version left it
    const proc = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, CLI, 'serve', '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, XDG_CONFIG_HOME: config, XDG_DATA_HOME: data, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 20_000);
      const onData = (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
    });
    try {
      const token = readFileSync(join(config, 'flylight', 'token'), 'utf8').trim();
      const res = await fetch(`${url}/v1/vms`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 }),
      });
      expect(res.status).toBe(201);
      expect(mode(dataDir)).toBe('700');
      expect(mode(join(dataDir, 'logs'))).toBe('700');
      expect(mode(join(dataDir, 'store.lmdb'))).toBe('600');
      expect(mode(join(dataDir, 'store.lmdb-lock'))).toBe('600');
      expect(mode(join(dataDir, 'logs', 'flylight.log'))).toBe('600');
      expect(mode(join(config, 'flylight', 'token'))).toBe('600');
      expect(mode(join(config, 'flylight'))).toBe('700');
      expect(mode(join(config, 'flylight', 'endpoint.json'))).toBe('600');
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  }, 40_000);
});
