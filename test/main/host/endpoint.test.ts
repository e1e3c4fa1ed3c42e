// The published endpoint: what the CLI reads to find a host on another port.

import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointPath, liveEndpoint, publishEndpoint, readEndpoint } from '../../../src/main/host/endpoint';

describe('endpoint.json', () => {
  it('is written 0600, read back while its process lives, and withdrawn only by its writer', () => {
    const file = endpointPath(mkdtempSync(join(tmpdir(), 'flylight-ep-')));
    const withdraw = publishEndpoint(file, 'http://127.0.0.1:4567');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(liveEndpoint(file)).toEqual({ url: 'http://127.0.0.1:4567', pid: process.pid });
    withdraw();
    expect(readEndpoint(file)).toBeNull();

    // Another host's file (another pid) is not ours to remove.
    writeFileSync(file, JSON.stringify({ url: 'http://127.0.0.1:1', pid: process.ppid }));
    publishEndpoint(file, 'http://127.0.0.1:2');
    writeFileSync(file, JSON.stringify({ url: 'http://127.0.0.1:1', pid: process.ppid }));
    withdraw();
    expect(readEndpoint(file)?.url).toBe('http://127.0.0.1:1');
  });

  it('a file left by a dead process, or a malformed one, is ignored', () => {
    const file = endpointPath(mkdtempSync(join(tmpdir(), 'flylight-ep-')));
    writeFileSync(file, JSON.stringify({ url: 'http://127.0.0.1:4567', pid: 2 ** 22 + 12345 }));
    expect(readEndpoint(file)).not.toBeNull();
    expect(liveEndpoint(file)).toBeNull();
    for (const text of ['not json', '{"url": 5, "pid": 1}', '{"url": "http://x", "pid": -1}', 'null']) {
      writeFileSync(file, text);
      expect(liveEndpoint(file), text).toBeNull();
    }
  });
});
