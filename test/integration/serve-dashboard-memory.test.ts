// The real `flylight serve` answering a dashboard's first load: the page asks for every asset at
// once and the proxy compresses each the first time it is asked for. Brotli at quality 9 took a
// 32 MB table per file, compressed side by side: the whole process's peak rose by ~130 MB for a
// few seconds, the serve suite's peak on the 100k fleet (BENCHMARKS.md, `peak-rss`). Now one
// file is compressed at a time, at a quality whose tables are a quarter of that; the answers are
// still brotli and still the files' bytes.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, type ServeProcess, startServe } from '../helpers/host';

const MB = 1024;
let serve: ServeProcess;

/** A field of /proc/PID/status, in kB. */
function status(field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${serve.proc.pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
}

/** GET with Accept-Encoding as Chromium sends it, each on its own connection (as a page opens six). */
function fetchAsset(path: string): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  const { port } = new URL(serve.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            encoding: res.headers['content-encoding'],
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  serve = await startServe();
});

afterAll(async () => {
  await serve?.stop();
});

describe("serve answering a dashboard's first load", () => {
  it('compresses the assets one at a time: all asked for at once, the peak RSS rises by far less than side by side', {
    timeout: 120_000,
  }, async () => {
    const dir = join(builtDashboard(), 'assets');
    const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    // The peak from here on (Linux: 5 resets VmHWM to the current RSS).
    writeFileSync(`/proc/${serve.proc.pid}/clear_refs`, '5');
    const before = status('VmRSS');
    const answers = await Promise.all(files.map((f) => fetchAsset(`/assets/${f}`)));
    const rise = status('VmHWM') - before;

    for (const [i, f] of files.entries()) {
      const raw = readFileSync(join(dir, f));
      expect(answers[i].status, f).toBe(200);
      if (raw.length < 1024) continue; // too small to be worth compressing
      expect(answers[i].encoding, f).toBe('br');
      expect(brotliDecompressSync(answers[i].body).equals(raw), f).toBe(true);
      expect(answers[i].body.length, f).toBeLessThan(raw.length * 0.5);
    }
    // Side by side at quality 9 (four at once on libuv's threads) this rose by 125-130 MB; one
    // at a time at quality 6 by 16-20 MB (both measured on the 100k fleet).
    expect(rise, `VmHWM rose by ${Math.round(rise / MB)} MB`).toBeLessThan(50 * MB);

    // Asked again, the files come from the cache, the same bytes.
    const again = await fetchAsset(`/assets/${files[0]}`);
    expect(again.body.equals(answers[0].body)).toBe(true);
  });
});
