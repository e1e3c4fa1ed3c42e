// The published endpoint (what the CLI reads to find a host on another port) and the aggregate
// refusal log line.

import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointPath, liveEndpoint, publishEndpoint, readEndpoint } from '../../src/main/host/endpoint';
import { createLogger } from '../../src/main/host/log';
import { RefusalTally } from '../../src/main/proxy/tally';

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

describe('RefusalTally', () => {
  it('writes one line per period with the count of each reason', async () => {
    const lines: string[] = [];
    const log = createLogger('json', {}, (l) => lines.push(l));
    const tally = new RefusalTally(log, 'refused in aggregate', 50);
    for (let i = 0; i < 1000; i++) tally.add(i % 4 === 0 ? 'connection_cap' : 'rate_limited');
    expect(lines).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      msg: 'refused in aggregate',
      count: 1000,
      refused: { rate_limited: 750, connection_cap: 250 },
    });
    tally.flush();
    expect(lines).toHaveLength(1);
  });
});
