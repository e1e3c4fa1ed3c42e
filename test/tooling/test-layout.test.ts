// The test tree mirrors src, so that a newcomer finds a module's test by its path: the test of
// src/<path>/<name>.ts is test/<path>/<name>.test.ts. Tests across threads and processes live in
// test/integration (named for the behaviour), checks of the project's own tooling in
// test/tooling, and shared helpers (with their own tests) in test/helpers.

import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/host';

const TEST = join(ROOT, 'test');
const FREE = ['integration', 'tooling', 'helpers'];

function testFiles(): string[] {
  return (readdirSync(TEST, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts') || f.endsWith('.test.tsx'))
    .map((f) => f.split('\\').join('/'));
}

describe('the test tree', () => {
  it('has a module in src for every unit test, at the same path', () => {
    const orphans = testFiles()
      .filter((f) => !FREE.includes(f.split('/')[0]))
      .filter((f) => {
        const base = join(ROOT, 'src', f.replace(/\.test\.tsx?$/, ''));
        return !['.ts', '.tsx', '/index.ts'].some((ext) => existsSync(base + ext));
      });
    expect(
      orphans,
      'each of these should be test/<path under src>/<module>.test.ts (or live in test/integration, named for the behaviour)',
    ).toEqual([]);
  });

  it('keeps non-test files in test/helpers', () => {
    const loose = (readdirSync(TEST, { recursive: true }) as string[])
      .map((f) => f.split('\\').join('/'))
      .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.startsWith('helpers/'));
    expect(loose).toEqual([]);
  });

  it('finds the tests it checks', () => {
    expect(testFiles()).toContain('main/store/fleet.test.ts');
    expect(relative(ROOT, TEST)).toBe('test');
  });
});
