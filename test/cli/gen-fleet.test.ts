import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetCsv, parseGenFleetArgs, pickRegions, runGenFleet } from '../../src/cli/gen-fleet';
import { loadRegionsFile, parseRegionsCsv } from '../../src/main/store/csv';
import { CLI } from '../helpers/host';

const BOOTSTRAP = join(__dirname, '..', '..', 'resources', 'regions.csv');

describe('flylight gen-fleet', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes a fleet the host reads: every machine, regions in file order, sizes in range', async () => {
    const known = (await loadRegionsFile(BOOTSTRAP)).regions;
    const csv = fleetCsv(pickRegions(known, 35), 3500, 1);
    const parsed = parseRegionsCsv(csv, 'gen.csv');
    expect(parsed.regions.map((r) => r.code)).toEqual(known.map((r) => r.code));
    expect(parsed.machines).toHaveLength(3500);
    const perRegion = new Map<string, number>();
    for (const m of parsed.machines) {
      perRegion.set(m.region, (perRegion.get(m.region) ?? 0) + 1);
      expect(m.cores).toBeGreaterThanOrEqual(16);
      expect(m.cores).toBeLessThanOrEqual(128);
      expect([4, 8]).toContain(m.memory_gb / m.cores);
    }
    expect([...perRegion.values()].every((n) => n === 100)).toBe(true);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const regions = pickRegions([], 3);
    expect(fleetCsv(regions, 500, 7)).toBe(fleetCsv(regions, 500, 7));
    expect(fleetCsv(regions, 500, 7)).not.toBe(fleetCsv(regions, 500, 8));
  });

  it('makes up regions past the known ones, with codes the CSV reader accepts', () => {
    const regions = pickRegions([{ code: 'AMS', location: 'Amsterdam, Netherlands', status: 'Operational' }], 40);
    expect(regions).toHaveLength(40);
    expect(regions[1].code).toBe('R002');
    const parsed = parseRegionsCsv(fleetCsv(regions, 80, 1), 'gen.csv');
    expect(parsed.regions).toHaveLength(40);
    expect(parsed.regions.find((r) => r.code === 'AMS')?.location).toBe('Amsterdam, Netherlands');
  });

  it('refuses bad flags, saying what is allowed', () => {
    expect(() => parseGenFleetArgs(['--machines', '0'])).toThrow(
      '--machines "0" is not valid (a whole number 1-2000000)',
    );
    expect(() => parseGenFleetArgs(['--regions', '2.5'])).toThrow('a whole number 1-1000');
    expect(() => parseGenFleetArgs(['--seed'])).toThrow('--seed needs a value');
    expect(() => parseGenFleetArgs(['--bogus'])).toThrow('unknown argument "--bogus"');
    expect(parseGenFleetArgs(['--regions=3', '--machines', '10', '--seed', '0', '--out', 'f.csv'])).toMatchObject({
      regions: 3,
      machines: 10,
      seed: 0,
      out: 'f.csv',
    });
  });

  it('writes to --out relative to the working directory, and exits 2 on wrong usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-fleet-'));
    dirs.push(dir);
    const err: string[] = [];
    const io = { out: () => {}, err: (l: string) => void err.push(l), knownRegions: async () => [], cwd: dir };
    expect(await runGenFleet(['--regions', '2', '--machines', '4', '--out', 'f.csv'], io)).toBe(0);
    expect(readFileSync(join(dir, 'f.csv'), 'utf8')).toBe(fleetCsv(pickRegions([], 2), 4, 1));
    expect(await runGenFleet(['--machines', 'many'], io)).toBe(2);
    expect(err.join('\n')).toContain('--machines "many" is not valid');
  });
});

describe('flylight gen-fleet, the real CLI process', () => {
  const run = (args: string[], cwd: string) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

  it('writes the same fleet twice for the same flags, and the bootstrap regions come first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-fleet-cli-'));
    try {
      const a = run(['gen-fleet', '--regions', '35', '--machines', '700', '--seed', '1', '--out', 'a.csv'], dir);
      expect(a.status, a.stderr).toBe(0);
      expect(a.stderr).toContain('wrote 700 machines in 35 regions');
      const b = run(['gen-fleet', '--regions=35', '--machines=700', '--seed=1'], dir);
      expect(b.status, b.stderr).toBe(0);
      const text = readFileSync(join(dir, 'a.csv'), 'utf8');
      expect(b.stdout).toBe(text);
      const parsed = parseRegionsCsv(text, 'a.csv');
      expect(parsed.machines).toHaveLength(700);
      expect(parsed.regions.map((r) => r.code)).toEqual(
        parseRegionsCsv(readFileSync(BOOTSTRAP, 'utf8'), 'x').regions.map((r) => r.code),
      );
      const bad = run(['gen-fleet', '--machines', '-3'], dir);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--machines "-3" is not valid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
