import { describe, expect, it } from 'vitest';
import { matchScore, type Rankable, rank } from '../../../../src/renderer/src/command/rank';

const commands: (Rankable & { id: string })[] = [
  { id: 'vms', primary: 'vms', label: 'List the VMs (in the console)', extra: 'vms list show' },
  { id: 'console', primary: 'console', label: 'Show the console', extra: 'console terminal toggle pane' },
  { id: 'layout', primary: 'layout', label: 'Reset the sidebar and console sizes', extra: 'layout size' },
  { id: 'reset', primary: 'reset', label: 'Reset the fleet…', extra: 'reset destroy all wipe' },
];
const regions: Rankable[] = [
  { primary: 'NRT', label: 'Tokyo, Japan', extra: 'region Operational' },
  { primary: 'SIN', label: 'Singapore', extra: 'region Operational' },
  { primary: 'BOM', label: 'Mumbai, India', extra: 'region Degraded Performance' },
];

describe('palette ranking', () => {
  it('puts an exact code first and hides what only matches letter by letter', () => {
    expect(matchScore('nrt', regions[0])).toBe(100);
    // A fuzzy matcher finds n…r…t in "commaNd Reset The…"; words must appear whole.
    expect(rank('nrt', commands, (c) => c)).toEqual([]);
  });

  it('prefers what the label says over a keyword', () => {
    expect(rank('show the console', commands, (c) => c).map((c) => c.id)).toEqual(['console', 'vms']);
    expect(rank('reset the fleet', commands, (c) => c).map((c) => c.id)).toEqual(['reset']);
  });

  it('finds a region by city or status, and ids by prefix', () => {
    expect(rank('tokyo', regions, (r) => r).map((r) => r.primary)).toEqual(['NRT']);
    expect(rank('degraded', regions, (r) => r).map((r) => r.primary)).toEqual(['BOM']);
    const machines = ['sin-m01', 'sin-m02', 'nrt-m01'].map((id) => ({ primary: id, label: 'machine' }));
    expect(rank('sin-m0', machines, (m) => m).map((m) => m.primary)).toEqual(['sin-m01', 'sin-m02']);
    expect(rank('m01', machines, (m) => m, 1).map((m) => m.primary)).toEqual(['sin-m01']);
  });

  it('keeps everything, in order, for an empty query', () => {
    expect(rank('  ', regions, (r) => r)).toEqual(regions);
  });
});
