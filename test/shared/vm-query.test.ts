import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/shared/errors';
import type { Vm } from '../../src/shared/types';
import { pageOf, parseVmQuery, selectionKey, selectVms, vmQueryString } from '../../src/shared/vm-query';

const vm = (id: string, over: Partial<Vm> = {}): Vm => ({
  id,
  region: 'SIN',
  machine_id: 'sin-m01',
  memory_gb: 1,
  cores: 1,
  state: 'started',
  created_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

const parse = (q: string) => parseVmQuery(new URLSearchParams(q));
const refusal = (q: string): ApiError => {
  try {
    parse(q);
  } catch (err) {
    return err as ApiError;
  }
  throw new Error(`${q} was accepted`);
};

describe('parseVmQuery', () => {
  it('has defaults: by creation, ascending, no page', () => {
    expect(parse('')).toEqual({ sort: 'created_at', order: 'asc', offset: 0 });
  });

  it('reads every parameter and round-trips through vmQueryString', () => {
    const q = parse(
      'region=SIN&state=Started,stopped,started&machine=10.0.0.1&sort=cores&order=desc&limit=50&offset=100',
    );
    expect(q).toEqual({
      region: 'SIN',
      states: ['started', 'stopped'],
      machine: '10.0.0.1',
      sort: 'cores',
      order: 'desc',
      limit: 50,
      offset: 100,
    });
    expect(parse(vmQueryString(q).slice(1))).toEqual(q);
  });

  it.each([
    ['state=running', 'state'],
    ['state=', 'state'],
    ['sort=size', 'sort'],
    ['order=down', 'order'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=2.5', 'limit'],
    ['offset=1', 'offset'],
    ['limit=1&offset=x', 'offset'],
    ['machine=a/b', 'machine'],
  ])('refuses %s naming the parameter', (q, field) => {
    const err = refusal(q);
    expect(err.code).toBe('bad_request');
    expect(err.details?.field).toBe(field);
    expect(err.message).toMatch(new RegExp(`^${field}`));
  });
});

describe('selectVms and pageOf', () => {
  const list = [
    vm('vm-cccccc', { cores: 2, state: 'stopped', created_at: '2026-01-01T00:00:02.000Z' }),
    vm('vm-aaaaaa', { cores: 4, region: 'NRT', machine_id: 'nrt-m01', created_at: '2026-01-01T00:00:01.000Z' }),
    vm('vm-bbbbbb', { cores: 2, created_at: '2026-01-01T00:00:03.000Z' }),
  ];

  it('filters by region, machine and states', () => {
    expect(selectVms(list, parse('region=SIN')).map((v) => v.id)).toEqual(['vm-cccccc', 'vm-bbbbbb']);
    expect(selectVms(list, parse('machine=nrt-m01')).map((v) => v.id)).toEqual(['vm-aaaaaa']);
    expect(selectVms(list, parse('state=stopped,failed')).map((v) => v.id)).toEqual(['vm-cccccc']);
  });

  it('sorts by the key then by id, both ways, so pages never overlap', () => {
    expect(selectVms(list, parse('sort=cores')).map((v) => v.id)).toEqual(['vm-bbbbbb', 'vm-cccccc', 'vm-aaaaaa']);
    expect(selectVms(list, parse('sort=cores&order=desc')).map((v) => v.id)).toEqual([
      'vm-aaaaaa',
      'vm-cccccc',
      'vm-bbbbbb',
    ]);
    expect(selectVms(list, parse('')).map((v) => v.id)).toEqual(['vm-aaaaaa', 'vm-cccccc', 'vm-bbbbbb']);
  });

  it('pages with the total of every match, and copies the rows', () => {
    const sorted = selectVms(list, parse('sort=id'));
    const page = pageOf(sorted, parse('sort=id&limit=2&offset=1'));
    expect(page).toMatchObject({ total: 3, offset: 1, limit: 2 });
    expect(page.vms.map((v) => v.id)).toEqual(['vm-bbbbbb', 'vm-cccccc']);
    expect(page.vms[0]).not.toBe(sorted[1]);
  });

  it('keys a selection by filters and sort, not by page', () => {
    expect(selectionKey(parse('sort=id&limit=5'))).toBe(selectionKey(parse('sort=id&limit=9&offset=9')));
    expect(selectionKey(parse('sort=id'))).not.toBe(selectionKey(parse('sort=id&order=desc')));
  });
});
