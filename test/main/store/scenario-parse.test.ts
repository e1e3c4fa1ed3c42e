import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/main/store/scenario-parse';
import { ApiError } from '../../../src/shared/errors';
import type { ScenarioFiles } from '../../../src/shared/scenario';

const NOW = '2026-01-01T00:00:00.000Z';

/** A small valid scenario; each test breaks one file. */
const GOOD: ScenarioFiles = {
  'scenario.json':
    '{"format": "flylight-scenario", "version": 1, "settings": {"strategy": "binpack", "timing": "instant", "seed": 7}}\n',
  'regions.csv':
    'region,location,status\nSIN,Singapore,Operational\nAMS,"Amsterdam, Netherlands",Degraded Performance\nNRT,Tokyo,down\n',
  'machines.csv': [
    'machine,region,datacenter,cores,memory_gb,status,cores_allocated,memory_allocated_gb,vm_count',
    'sin-1,SIN,dc1,32,128,allocated,6,12,2',
    'sin-2,sin,dc1,16,64,draining,0,0,0',
    'ams-1,AMS,,64,256,offline,,,',
    'nrt-1,NRT,,8,32,,,,',
  ].join('\n'),
  'vms.csv': [
    'vm,region,machine,cores,memory_gb,state,reason,created_at,updated_at',
    'vm-a,SIN,sin-1,4,8,started,,2026-01-01T00:00:00Z,2026-01-01T00:00:01Z',
    'vm-b,SIN,sin-1,2,4,starting,,2026-01-01T00:00:02Z,',
    'vm-c,SIN,sin-1,8,16,stopped,,,',
    'vm-d,AMS,ams-1,4,8,failed,host_offline,,',
  ].join('\n'),
};

function problems(files: ScenarioFiles): string[] {
  try {
    parseScenario(files, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('bad_request');
    expect((err as ApiError).message).toContain('nothing was changed');
    return (err as ApiError).details?.problems as string[];
  }
  throw new Error('expected the scenario to be refused');
}

const withFile = (name: keyof ScenarioFiles, text: string): ScenarioFiles => ({ ...GOOD, [name]: text });
const replaceLine = (name: 'regions.csv' | 'machines.csv' | 'vms.csv', line: number, text: string) => {
  const lines = (GOOD[name] as string).split('\n');
  lines[line - 1] = text;
  return withFile(name, lines.join('\n'));
};

describe('parseScenario', () => {
  it('reads a valid scenario: statuses, operator statuses, VM states, settings and derived times', () => {
    const s = parseScenario(GOOD, NOW);
    expect(s.fleet.regions.map((r) => [r.code, r.status])).toEqual([
      ['SIN', 'Operational'],
      ['AMS', 'Degraded Performance'],
      ['NRT', 'Down'],
    ]);
    expect(s.fleet.regions[1].location).toBe('Amsterdam, Netherlands');
    expect(s.fleet.machines.map((m) => [m.id, m.region, m.status])).toEqual([
      ['sin-1', 'SIN', 'available'],
      ['sin-2', 'SIN', 'draining'],
      ['ams-1', 'AMS', 'offline'],
      ['nrt-1', 'NRT', 'available'],
    ]);
    expect(s.vms.map((v) => [v.id, v.state, v.reason])).toEqual([
      ['vm-a', 'started', undefined],
      ['vm-b', 'starting', undefined],
      ['vm-c', 'stopped', undefined],
      ['vm-d', 'failed', 'host_offline'],
    ]);
    expect(s.vms[1].updated_at).toBe('2026-01-01T00:00:02.000Z');
    expect(s.vms[2].created_at).toBe(NOW);
    expect(s.settings).toEqual({ strategy: 'binpack', timing: 'instant', seed: 7 });
  });

  it('needs only regions.csv and machines.csv', () => {
    const s = parseScenario(
      { 'regions.csv': GOOD['regions.csv'], 'machines.csv': 'machine,region,cores,memory_gb\nsin-1,SIN,4,8\n' },
      NOW,
    );
    expect(s.vms).toEqual([]);
    expect(s.settings).toEqual({});
    expect(problems({ 'regions.csv': GOOD['regions.csv'] })).toEqual([
      'machines.csv: missing (a scenario needs regions.csv and machines.csv)',
    ]);
    expect(problems({ ...GOOD, 'notes.txt': 'hi' } as ScenarioFiles)[0]).toMatch(/^notes\.txt: not a scenario file/);
  });

  it('names an unknown region code with the file, the line and the codes declared', () => {
    expect(problems(replaceLine('machines.csv', 3, 'sin-2,SYD,dc1,16,64,draining,0,0,0'))).toEqual([
      'machines.csv:3: unknown region code "SYD" (regions.csv declares: SIN, AMS, NRT)',
    ]);
  });

  it('refuses an over-allocated machine, naming its VMs’ lines and the states that hold', () => {
    const [p] = problems(replaceLine('vms.csv', 4, 'vm-c,SIN,sin-1,30,16,started,,,'));
    expect(p).toMatch(
      /^machines\.csv:2: machine sin-1 is over-allocated: its VMs that hold resources \(created, started, /,
    );
    expect(p).toContain('need 36 cores and 28 GB, it has 32 cores and 128 GB (vms.csv lines 2, 3, 4)');
  });

  it('refuses allocation columns that are not the sum of what the VMs hold', () => {
    expect(problems(replaceLine('machines.csv', 2, 'sin-1,SIN,dc1,32,128,allocated,14,28,3'))).toEqual([
      'machines.csv:2: cores_allocated 14 is not what its VMs hold: 6 (the allocation is the sum over its VMs in created, started, creating, starting, stopping, suspending, restarting; leave the column empty to derive it)',
      'machines.csv:2: memory_allocated_gb 28 is not what its VMs hold: 12 (the allocation is the sum over its VMs in created, started, creating, starting, stopping, suspending, restarting; leave the column empty to derive it)',
      'machines.csv:2: vm_count 3 is not what its VMs hold: 2 (the allocation is the sum over its VMs in created, started, creating, starting, stopping, suspending, restarting; leave the column empty to derive it)',
    ]);
  });

  it('refuses duplicate ids in every file, pointing at the first', () => {
    expect(problems(replaceLine('regions.csv', 3, 'sin,Elsewhere,Operational'))[0]).toBe(
      'regions.csv:3: duplicate region SIN (first on line 2; each region once)',
    );
    expect(problems(replaceLine('machines.csv', 5, 'sin-1,NRT,,8,32,,,,'))).toContain(
      'machines.csv:5: duplicate machine id sin-1 (first on line 2; machine ids are unique)',
    );
    expect(problems(replaceLine('vms.csv', 5, 'vm-a,AMS,ams-1,4,8,failed,host_offline,,'))).toEqual([
      'vms.csv:5: duplicate VM id vm-a (first on line 2; VM ids are unique)',
    ]);
  });

  it('refuses bad state and status names, listing what is allowed', () => {
    expect(problems(replaceLine('vms.csv', 2, 'vm-a,SIN,sin-1,4,8,running,,,'))).toEqual([
      'vms.csv:2: state "running" is not valid (creating, starting, stopping, suspending, restarting, destroying, created, started, stopped, suspended, failed)',
    ]);
    expect(problems(replaceLine('machines.csv', 3, 'sin-2,SIN,dc1,16,64,broken,0,0,0'))).toEqual([
      'machines.csv:3: machine status "broken" is not valid (available, allocated, full, maintenance, draining, offline; empty means available)',
    ]);
    expect(problems(replaceLine('regions.csv', 2, 'SIN,Singapore,Flooded'))).toEqual([
      'regions.csv:2: region status "Flooded" is not valid (Operational, Degraded Performance, Down; any case)',
    ]);
    // A VM cannot hold resources on a machine that is offline.
    expect(problems(replaceLine('vms.csv', 5, 'vm-d,AMS,ams-1,4,8,started,,,'))[0]).toMatch(
      /^vms\.csv:5: VM is started on machine ams-1, which is offline/,
    );
  });

  it('refuses bad numbers and times, saying what a number must be', () => {
    expect(problems(replaceLine('machines.csv', 5, 'nrt-1,NRT,,8.5,-3,,,,'))).toEqual([
      'machines.csv:5: cores "8.5" is not a whole number (a whole number from 1 to 65536)',
      'machines.csv:5: memory_gb "-3" is negative (a whole number from 1 to 1048576)',
    ]);
    expect(problems(replaceLine('vms.csv', 3, 'vm-b,SIN,sin-1,0,lots,starting,,yesterday,'))).toEqual([
      'vms.csv:3: cores is zero (a whole number from 1 to 65536)',
      'vms.csv:3: memory_gb "lots" is not a number (a whole number from 1 to 1048576)',
      'vms.csv:3: created_at "yesterday" is not a time (RFC 3339, e.g. 2026-01-31T12:00:00Z)',
    ]);
  });

  it('checks headers, quoting and scenario.json with lines', () => {
    expect(problems(withFile('regions.csv', 'region,place,status\nSIN,Singapore,Operational\n'))).toEqual([
      'regions.csv:1: unknown column "place" (columns: region, location, status)',
      'regions.csv:1: missing column location (the header needs: region, location, status)',
    ]);
    expect(problems(withFile('regions.csv', 'region,location,status\n"SIN,Singapore,Operational\n'))[0]).toMatch(
      /^regions\.csv:2: a quoted field is never closed/,
    );
    expect(
      problems(
        withFile(
          'scenario.json',
          '{\n  "format": "flylight-scenario",\n  "settings": {\n    "strategy": "fastest"\n  }\n}\n',
        ),
      ),
    ).toEqual(['scenario.json:4: strategy "fastest" is not valid (random, binpack, spread)']);
    expect(problems(withFile('scenario.json', '{"settings": {"timing": "slow", "seed": -1}}'))).toEqual([
      'scenario.json:1: timing "slow" is not a built-in profile (instant, realistic, or a profile object as --timing FILE takes)',
      'scenario.json:1: seed -1 is not valid (a whole number from 0 to 4294967295, or null)',
    ]);
    expect(problems(withFile('scenario.json', '{"settings": {"strategy": "random",\n}}'))[0]).toMatch(
      /^scenario\.json:2: not valid JSON/,
    );
  });

  it('reports problems in every file at once, in file order', () => {
    const files = {
      ...replaceLine('vms.csv', 2, 'vm-a,SIN,nowhere,4,8,started,,,'),
      'regions.csv':
        'region,location,status\nX,Here,Operational\nSIN,Singapore,Operational\nAMS,A,Operational\nNRT,N,Operational\n',
    };
    expect(problems(files)).toEqual([
      'regions.csv:2: region code "X" is not valid (2 to 8 letters or digits, e.g. SIN)',
      'vms.csv:2: unknown machine "nowhere" (a machine id from machines.csv)',
    ]);
  });
});
