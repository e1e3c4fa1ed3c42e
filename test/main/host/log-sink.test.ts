import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogSink } from '../../../src/main/host/log-sink';

const record = (msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ time: '2026-11-27T21:00:00.000Z', level: 'info', worker: 'proxy', msg, ...extra });

describe('the log sink', () => {
  it('files JSON lines and shows them readable in the terminal', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flylight-logs-')), 'logs', 'flylight.log');
    const shown: string[] = [];
    const sink = new LogSink({ terminal: 'pretty', file, writeTerminal: (l) => shown.push(l) });
    sink.line(record('request', { method: 'GET', status: 200 }));
    sink.line('a worker printed this');
    await sink.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'request', method: 'GET', status: 200 });
    expect(JSON.parse(lines[1])).toMatchObject({ msg: 'a worker printed this', level: 'info' });
    expect(shown[0]).toBe('21:00:00.000 INFO  [proxy] request method=GET status=200');
    expect(shown[1]).toBe('a worker printed this');
  });

  it('rotates past its size, keeping the newest files', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flylight-logs-')), 'flylight.log');
    const sink = new LogSink({ terminal: 'silent', file, maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 60; i++) sink.line(record(`line ${i}`));
    await sink.close();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) {
      expect(readFileSync(f, 'utf8').length).toBeLessThanOrEqual(1000);
    }
    expect(readFileSync(file, 'utf8')).toContain('line 59');
  });

  it('keeps no file and shows nothing when silent and ephemeral', async () => {
    const shown: string[] = [];
    const sink = new LogSink({ terminal: 'silent', file: null, writeTerminal: (l) => shown.push(l) });
    sink.line(record('x'));
    await sink.close();
    expect(shown).toEqual([]);
  });
});
