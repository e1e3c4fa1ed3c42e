// `place`, `platform regions` and the placement flags of `launch`, through runCommand with a
// fake API: what is sent, what is printed, and which mistakes are caught before sending.

import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../../src/shared/cli/env';
import { runCommand } from '../../../../src/shared/cli/run';
import { capture, FakeApi, FakeFeed, makeEnv } from '../../../helpers/cli-fixtures';

async function run(argv: string[]) {
  const api = new FakeApi();
  const c = capture({ color: false });
  const code = await runCommand(argv, makeEnv(api, new FakeFeed(), 'cli'), c.io);
  return { code, out: c.out, err: c.err, api };
}

describe('place', () => {
  it('sends the dry run and prints every machine with its verdict, rank and the choice', async () => {
    const r = await run([
      'place',
      '--vm-region',
      'sin',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--strategy',
      'binpack',
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.api.calls).toEqual([
      { method: 'place', args: [{ region: 'SIN', memory_gb: 8, cores: 4, strategy: 'binpack' }] },
    ]);
    expect(r.out[0]).toBe('SIN  binpack  8 GB, 4 cores  → sin-m02');
    expect(r.out[1]).toMatch(/^MACHINE\s+STATUS\s+FREE CORES\s+FREE GB\s+VERDICT\s+RANK\s+CHOSEN$/);
    const row = (id: string) => r.out.find((l) => l.startsWith(id)) ?? '';
    expect(row('sin-m02')).toMatch(/allocated\s+6\s+24\s+chosen\s+1\s+✓$/);
    expect(row('sin-m01')).toMatch(/available\s+32\s+128\s+fits\s+2$/);
    expect(row('sin-m03')).toMatch(/not schedulable \(maintenance\)\s+-$/);
    expect(row('sin-m04')).toMatch(/cores short by 2\s+-$/);
    expect(row('sin-m05')).toMatch(/memory short by 4 GB\s+-$/);
    expect(r.out.at(-1)).toBe('Would place in SIN; nothing was reserved.');
  });

  it('refuses bad values before sending anything', async () => {
    const bad = await run(['place', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4', '--count', '0']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err.join('\n')).toContain('count must be a whole number from 1 to 100');
    expect(bad.api.calls).toEqual([]);
    const strategy = await run([
      'place',
      '--vm-region',
      'SIN',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--strategy',
      'x',
    ]);
    expect(strategy.code).toBe(EXIT.usage);
    expect(strategy.err.join('\n')).toContain('--strategy must be one of random, binpack, spread');
  });
});

describe('launch with placement flags', () => {
  it('--count and --explain use the batch form and print every VM and the plan', async () => {
    const r = await run([
      'launch',
      '--vm-region',
      'sin,nrt',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--count',
      '2',
      '--explain',
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.api.calls[0]).toMatchObject({
      method: 'launchBatch',
      args: [{ region: 'SIN,NRT', memory_gb: 8, cores: 4, count: 2, explain: true }],
    });
    expect(r.out.filter((l) => l.startsWith('Launched '))).toHaveLength(2);
    expect(r.out.join('\n')).toContain('cores short by 2');
  });

  it('without them, the seed form as before', async () => {
    const r = await run([
      'launch',
      '--vm-region',
      'SIN',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--strategy',
      'spread',
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.api.calls[0]).toMatchObject({ method: 'launch', args: [{ region: 'SIN', strategy: 'spread' }] });
  });
});

describe('platform regions', () => {
  it("is fly.io's form of regions, with the CAPACITY column", async () => {
    const r = await run(['platform', 'regions']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out[0]).toMatch(/UTIL%\s+CAPACITY$/);
    const other = await run(['platform', 'status']);
    expect(other.code).toBe(EXIT.usage);
    expect(other.err.join('\n')).toContain('platform knows one subcommand here: regions');
  });
});
