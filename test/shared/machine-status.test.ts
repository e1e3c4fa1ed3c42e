import { describe, expect, it } from 'vitest';
import { machineStatusStyle } from '../../src/shared/cli/format';
import { machineCondition } from '../../src/shared/machine-status';

describe('machineCondition', () => {
  it.each([
    ['available', 'free', 'green'],
    ['allocated', 'alloc', 'cyan'],
    ['full', 'full', 'yellow'],
    ['maintenance', 'maint', 'yellow'],
    ['offline', 'off', 'red'],
    ['retired', 'off', 'red'],
  ] as const)('%s is %s for the dashboard and %s in the CLI', (status, condition, style) => {
    expect(machineCondition(status)).toBe(condition);
    expect(machineStatusStyle(status)).toBe(style);
  });
});
