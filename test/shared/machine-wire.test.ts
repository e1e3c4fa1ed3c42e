import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors';
import { checkMachineForm, decodeMachineColumns, encodeMachineColumns } from '../../src/shared/machine-wire';
import type { Machine } from '../../src/shared/types';
import { machine } from '../helpers/fixtures';

const fleet = (n: number): Machine[] =>
  Array.from({ length: n }, (_, i) =>
    machine(`ams-g${String(i).padStart(6, '0')}`, 'AMS', {
      datacenter: `ams-dc${i % 3}`,
      status: i % 5 === 0 ? 'allocated' : 'available',
      cores_allocated: i % 7,
      memory_allocated_gb: (i % 7) * 4,
      vm_count: i % 3,
      updated_at: `2026-11-30T12:00:0${i % 4}.000Z`,
    }),
  );
const body = (json: string) => JSON.parse(json) as Record<string, unknown>;

describe('machine wire: a region’s machines as columns', () => {
  it('decodes to the same machines, in order, for a fraction of the bytes', () => {
    const machines = fleet(10_000);
    const json = encodeMachineColumns(machines);
    expect(decodeMachineColumns('GET x', body(json))).toEqual(machines);
    expect(json.length).toBeLessThan(JSON.stringify({ machines }).length / 4);
  });

  it('an empty region is an empty list', () => {
    expect(decodeMachineColumns('GET x', body(encodeMachineColumns([])))).toEqual([]);
  });

  it('a body that is not whole is an error naming what is wrong', () => {
    const good = body(encodeMachineColumns(fleet(3)));
    const cols = good.columns as Record<string, unknown>;
    const broken = (patch: Record<string, unknown>) => ({ columns: { ...cols, ...patch } });
    expect(() => decodeMachineColumns('GET x', {})).toThrow(/"columns" is missing/);
    expect(() => decodeMachineColumns('GET x', broken({ count: -1 }))).toThrow(/count is not a count/);
    expect(() => decodeMachineColumns('GET x', broken({ ids: 'a\nb' }))).toThrow(/2 ids for 3 machines/);
    expect(() => decodeMachineColumns('GET x', broken({ vm_count: [1, 2] }))).toThrow(/vm_count is not an array of 3/);
    expect(() => decodeMachineColumns('GET x', broken({ status: [0, 0, 99] }))).toThrow(/status\[2\] names no string/);
    expect(() => decodeMachineColumns('GET x', broken({ cores_total: [1, '2', 3] }))).toThrow(
      /cores_total\[1\] is not a number/,
    );
  });

  it('the form parameter: absent is objects; anything else but the two is refused, saying which are allowed', () => {
    expect(checkMachineForm(null)).toBe('objects');
    expect(checkMachineForm('columns')).toBe('columns');
    let err: unknown;
    try {
      checkMachineForm('csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('bad_request');
    expect((err as ApiError).message).toBe('form must be one of objects, columns; got "csv"');
  });
});
