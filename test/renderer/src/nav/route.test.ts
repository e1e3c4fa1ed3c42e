import { describe, expect, it } from 'vitest';
import { formatHash, HOME, parseHash } from '../../../../src/renderer/src/nav/route';

describe('parseHash', () => {
  it.each([
    ['', { page: HOME, drawer: null }],
    ['#/', { page: HOME, drawer: null }],
    ['#/SIN', { page: { region: 'SIN', tab: 'machines' }, drawer: null }],
    ['#/sin', { page: { region: 'SIN', tab: 'machines' }, drawer: null }],
    ['#/regions/nrt', { page: { region: 'NRT', tab: 'machines' }, drawer: null }],
    ['#/SIN/vms', { page: { region: 'SIN', tab: 'vms' }, drawer: null }],
    ['#/regions/SIN/vms', { page: { region: 'SIN', tab: 'vms' }, drawer: null }],
    ['#/vms', { page: { region: null, tab: 'vms' }, drawer: null }],
    ['#/machines/', { page: HOME, drawer: null }],
    ['#/regions', { page: HOME, drawer: null }],
    ['#/vms/vm-3f9c2a7d1b0e', { page: null, drawer: { kind: 'vm', id: 'vm-3f9c2a7d1b0e' } }],
    ['#/machines/10.0.0.100', { page: null, drawer: { kind: 'machine', id: '10.0.0.100' } }],
  ])('%s', (hash, route) => {
    expect(parseHash(hash)).toEqual(route);
  });

  it.each(['#/what/is/this', '#/SIN/nope', '#/vms/a/b', '#/%E0%A4%A', '#/machines/a b', '#/SIN/vms/x'])(
    'names nothing: %s',
    (hash) => {
      expect(parseHash(hash)).toBeNull();
    },
  );

  it('writes what it reads', () => {
    for (const hash of ['', '#/SIN', '#/SIN/vms', '#/vms', '#/vms/vm-3f9c2a7d1b0e', '#/machines/sin-m01']) {
      const route = parseHash(hash);
      if (!route) throw new Error(hash);
      expect(formatHash(route)).toBe(hash);
    }
  });
});
