import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogRing } from '../../../src/main/host/log-ring';

const rec = (level: string, msg: string) => JSON.stringify({ time: '2026-11-30T03:00:00.000Z', level, msg });

describe("the host's log tail", () => {
  it('answers the newest lines at a level and above, numbered, oldest first', () => {
    const ring = new LogRing();
    ring.push(rec('info', 'a'));
    ring.push(rec('warn', 'b'));
    ring.push(rec('debug', 'c'));
    ring.push(rec('error', 'd'));
    ring.push('plain text from a thread');
    expect(ring.tail({ lines: 10, level: 'warn' }).entries.map((e) => [e.seq, e.rec.msg])).toEqual([
      [2, 'b'],
      [4, 'd'],
    ]);
    expect(ring.tail({ lines: 2, level: 'debug' }).entries.map((e) => e.rec.msg)).toEqual([
      'd',
      'plain text from a thread',
    ]);
    expect(ring.tail({ lines: 10, level: 'debug' }, 3).entries.map((e) => e.seq)).toEqual([4, 5]);
    expect(ring.tail({ lines: 0, level: 'debug' }).last_seq).toBe(5);
  });

  it('keeps a bounded number of lines', () => {
    const ring = new LogRing(10);
    for (let i = 0; i < 1000; i++) ring.push(rec('info', `m${i}`));
    const all = ring.tail({ lines: 5000, level: 'debug' });
    expect(all.entries.length).toBeLessThanOrEqual(13);
    expect(all.entries.at(-1)?.rec.msg).toBe('m999');
  });

  it("starts with the end of an earlier run's log file", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flylight-ring-')), 'flylight.log');
    writeFileSync(file, `${rec('info', 'old 1')}\n${rec('warn', 'old 2')}\n`);
    const ring = new LogRing();
    ring.prime(file);
    ring.prime(join(file, 'missing')); // no file: nothing, no throw
    ring.push(rec('info', 'new'));
    expect(ring.tail({ lines: 10, level: 'debug' }).entries.map((e) => e.rec.msg)).toEqual(['old 1', 'old 2', 'new']);
  });

  it('tells followers of each line', () => {
    const ring = new LogRing();
    const seen: string[] = [];
    ring.onLine((seq, r) => seen.push(`${seq}:${r.msg}`));
    ring.push(rec('info', 'x'));
    expect(seen).toEqual(['1:x']);
  });
});
