import { describe, expect, it } from 'vitest';
import { complete } from '../../../src/shared/cli/complete';
import { idCandidates } from '../../../src/shared/cli/complete-ids';

const REGIONS = ['SIN', 'NRT'];
const ids = {
  machines: () => ['sin-1', 'sin-2', 'nrt-10', 'sin-1'],
  vms: () => ['vm-3f9c2a71', 'vm-3fab0000', 'vm-77aa1234'],
};
const at = (line: string, where: 'cli' | 'console' = 'console') =>
  complete(line, line.length, REGIONS, { where, ids }).candidates;

describe('complete: machine and VM ids', () => {
  it('offers machine ids after `machine drain|offline|online`', () => {
    expect(at('machine drain ')).toEqual(['nrt-10', 'sin-1', 'sin-2']);
    expect(at('machine offline sin-')).toEqual(['sin-1', 'sin-2']);
    expect(at('machine online NRT')).toEqual(['nrt-10']);
    // Flags between the words do not move the argument.
    expect(at('machine offline --evacuate sin-2')).toEqual(['sin-2']);
  });

  it('offers VM ids where the grammar takes VM_ID', () => {
    expect(at('vm stop vm-3f')).toEqual(['vm-3f9c2a71', 'vm-3fab0000']);
    expect(at('vm rm vm-7')).toEqual(['vm-77aa1234']);
    expect(at('vm wait vm-3f9 --state ', 'cli')).toEqual([
      'created',
      'destroyed',
      'failed',
      'started',
      'stopped',
      'suspended',
    ]);
    expect(at('destroy vm-77')).toEqual(['vm-77aa1234']);
  });

  it('offers none after `vm run` (an image) or `vm list`', () => {
    expect(at('vm run ')).toEqual([]);
    expect(at('vm ls ')).toEqual([]);
  });

  it('completes the `vm` subcommands', () => {
    expect(at('vm st')).toEqual(['start', 'status', 'stop']);
    expect(at('vm r')).toEqual(['restart', 'rm', 'run']);
  });

  it('offers nothing when the caller has no ids (a shell without a host)', () => {
    expect(complete('machine drain s', 15, REGIONS).candidates).toEqual([]);
    expect(idCandidates('vm', '', undefined)).toEqual([]);
  });
});
