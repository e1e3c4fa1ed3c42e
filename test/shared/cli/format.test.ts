import { describe, expect, it } from 'vitest';
import { eventLine, launchedLine, machinesTable, regionsTable, statusLines } from '../../../src/shared/cli/format';
import { jsonLines } from '../../../src/shared/cli/json-lines';
import { stripAnsi, visibleLength } from '../../../src/shared/cli/paint';
import { table } from '../../../src/shared/cli/table';
import { MACHINES, machineEvent, REGIONS, STATUS, VM } from '../../helpers/cli-fixtures';

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
const ESC = /\x1b\[/;

/** Start offset of each column in a line, found from the header's words. */
function columnStarts(header: string): number[] {
  return [...header.matchAll(/\S+/g)].map((m) => m.index ?? 0);
}

describe('table', () => {
  const cols = [
    { header: 'NAME', value: (r: { n: string; v: number }) => r.n },
    { header: 'VALUE', align: 'right' as const, value: (r: { n: string; v: number }) => String(r.v) },
  ];
  const rows = [
    { n: 'a', v: 1 },
    { n: 'longer-name', v: 12345 },
  ];

  it('pads every column to its widest cell and right-aligns numbers', () => {
    expect(table(cols, rows, { color: false })).toEqual([
      'NAME         VALUE',
      'a                1',
      'longer-name  12345',
    ]);
  });

  it('keeps the same alignment with colour on', () => {
    const plain = table(cols, rows, { color: false });
    const coloured = table(cols, rows, { color: true });
    expect(coloured.some((l) => ESC.test(l))).toBe(true);
    expect(coloured.map(stripAnsi)).toEqual(plain);
  });

  it('shrinks text columns with an ellipsis to fit the terminal', () => {
    // 72: the narrowest the regions table gets since it has a CAPACITY column (text columns at their floor).
    const lines = regionsTable(REGIONS, { color: false, width: 72 });
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(72);
    expect(lines.some((l) => l.includes('…'))).toBe(true);
  });
});

describe('regionsTable', () => {
  it('aligns every row under its header', () => {
    const lines = regionsTable(REGIONS, { color: false });
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'CODE',
      'LOCATION',
      'STATUS',
      'MACHINES',
      'CORES',
      'MEMORY GB',
      'UTIL%',
      'CAPACITY',
    ]);
    const starts = columnStarts(lines[0]);
    // Left-aligned columns start where their header starts.
    for (const l of lines.slice(1)) {
      expect(l[starts[0]]).not.toBe(' ');
      expect(l[starts[1]]).not.toBe(' ');
      expect(l[starts[1] - 1]).toBe(' ');
    }
    // Right-aligned columns end where their header ends: every line has the same length.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toContain('8/96');
    expect(lines[1]).toContain('16/512');
    expect(lines[3]).toMatch(/94%\s+-$/); // AMS: 120/128 cores is the larger use; no capacity figures from this store
  });

  it('colours only when asked', () => {
    expect(regionsTable(REGIONS, { color: false }).some((l) => ESC.test(l))).toBe(false);
    const coloured = regionsTable(REGIONS, { color: true });
    expect(coloured[1]).toContain('\x1b[32mOperational');
    expect(coloured[2]).toContain('\x1b[33mDegraded Performance');
  });
});

describe('other output', () => {
  it('prints machines with their allocation', () => {
    const lines = machinesTable(MACHINES, { color: false });
    expect(lines[0].split(/\s{2,}/)).toEqual(['MACHINE', 'DC', 'STATUS', 'CORES', 'MEMORY GB', 'VMS', 'UPDATED']);
    expect(lines[1]).toMatch(/^consul-node-80\s+sin1\s+allocated\s+8\/64\s+16\/256\s+2\s+2025-11-27 20:47:03$/);
  });

  it('says what was launched in one line', () => {
    expect(launchedLine(VM, false)).toBe('Launched vm-3f9c2a71 on consul-node-80 (SIN): 8 GB, 4 cores');
    expect(launchedLine({ ...VM, cores: 1 }, false)).toMatch(/1 core$/);
  });

  it('summarises the status report', () => {
    const lines = statusLines(STATUS, false);
    expect(lines[0]).toBe('Flylight  0.1.0 at http://127.0.0.1:3030, up 1h 2m');
    expect(lines.join('\n')).toContain('12 of 4000 allocated (0.3%)');
    expect(lines.join('\n')).toContain('orchestrator ready (1 restart)');
    expect(lines.join('\n')).toContain('42 total, 2 errors; launches 3 ok, 1 failed');
  });

  it('prints one line per event', () => {
    expect(eventLine(machineEvent(1), false)).toBe(
      '20:47:05 SIN consul-node-80 allocated: cores 8/64, memory 16/256 GB, 2 VMs · region 8.3% used',
    );
    expect(eventLine({ type: 'reset', seq: 2, at: '2025-11-27T20:48:00Z' }, false)).toContain('reset');
  });

  it('prints JSON that parses, with keys in a stable order', () => {
    const lines = jsonLines({ vms: [VM] });
    expect(JSON.parse(lines.join('\n'))).toEqual({ vms: [VM] });
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    const shuffled = JSON.parse(JSON.stringify({ b: 1, a: { d: 2, c: 3 } }));
    expect(jsonLines(shuffled).join('')).toBe(jsonLines({ a: { c: 3, d: 2 }, b: 1 }).join(''));
  });
});
