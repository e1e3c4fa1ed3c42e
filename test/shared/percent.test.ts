import { describe, expect, it } from 'vitest';
import { regionsTable, statusLines } from '../../src/shared/cli/format';
import { formatPercent, percent, utilisation } from '../../src/shared/percent';
import type { Region, StatusReport } from '../../src/shared/types';

describe('percent', () => {
  it('is part of total in percent, 0 for an empty total, held to 0–100', () => {
    expect(percent(1, 4)).toBe(25);
    expect(percent(3, 0)).toBe(0);
    expect(percent(5, 4)).toBe(100);
    expect(percent(-1, 4)).toBe(0);
  });
});

describe('formatPercent', () => {
  it.each([
    [0, '0%'],
    [(4 / 10_768) * 100, '<0.1%'],
    [0.1, '0.1%'],
    [0.5, '0.5%'],
    [3.45, '3.5%'],
    [9.94, '9.9%'],
    [10, '10%'],
    [42.5, '43%'],
    [100, '100%'],
  ])('writes %f as %s', (p, text) => {
    expect(formatPercent(p)).toBe(text);
  });
});

describe('utilisation', () => {
  it('is the larger of core and memory use', () => {
    expect(utilisation({ cores_allocated: 1, cores_total: 4, memory_allocated_gb: 3, memory_total_gb: 4 })).toBe(75);
    expect(utilisation({ cores_allocated: 0, cores_total: 0, memory_allocated_gb: 0, memory_total_gb: 0 })).toBe(0);
  });
});

describe('the CLI writes percentages by the same rule', () => {
  const region: Region = {
    code: 'SIN',
    location: 'Singapore',
    status: 'Operational',
    machine_count: 1,
    cores_total: 10_768,
    cores_allocated: 4,
    memory_total_gb: 100_000,
    memory_allocated_gb: 0,
    vm_count: 1,
  };

  it('in the regions table', () => {
    const [, row] = regionsTable([region], { color: false });
    expect(row.trim()).toMatch(/<0\.1%\s+-$/);
  });

  it('in status', () => {
    const st = {
      version: '0',
      api: 'http://127.0.0.1:1',
      uptime_s: 1,
      flyd_interval_ms: 1000,
      fleet: {
        regions: 1,
        machines: 1,
        vms: 1,
        cores_total: 8,
        cores_allocated: 4,
        memory_total_gb: 3,
        memory_allocated_gb: 0,
      },
      workers: [],
      requests: { total: 0, errors: 0, launches_ok: 0, launches_failed: 0 },
    } as unknown as StatusReport;
    const lines = statusLines(st, false);
    expect(lines.find((l) => l.startsWith('Cores'))).toContain(`(${formatPercent(50)})`);
    expect(lines.find((l) => l.startsWith('Memory'))).toContain('(0%)');
  });
});
