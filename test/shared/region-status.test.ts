import { describe, expect, it } from 'vitest';
import { regionStatusStyle } from '../../src/shared/cli/format';
import { regionSeverity } from '../../src/shared/region-status';

describe('regionSeverity', () => {
  it.each([
    ['Operational', 'ok'],
    ['operational', 'ok'],
    ['Degraded Performance', 'warn'],
    ['Partially Degraded', 'warn'],
    ['Major Outage', 'bad'],
    ['Under Maintenance', 'bad'],
    ['', 'bad'],
  ] as const)('%s is %s', (status, severity) => {
    expect(regionSeverity(status)).toBe(severity);
  });

  it('gives the CLI its colour: green, yellow, red', () => {
    expect(regionStatusStyle('Operational')).toBe('green');
    expect(regionStatusStyle('Partially Degraded')).toBe('yellow');
    expect(regionStatusStyle('Major Outage')).toBe('red');
  });
});
