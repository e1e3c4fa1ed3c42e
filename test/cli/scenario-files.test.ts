// The terminal's side of scenarios: every shipped scenario imports as it is, `serve --scenario`
// finds them by name (listing them for a name it does not know), its settings apply under the
// flags, and a directory is read as the host expects (a file is refused, saying what to give).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeScenario, readScenario, shippedScenarios } from '../../src/cli/scenario-files';
import { buildServeConfig } from '../../src/cli/serve-config';
import { parseScenario } from '../../src/main/store/scenario-parse';
import { UsageError } from '../../src/shared/cli/usage-error';
import { INSTANT, REALISTIC } from '../../src/shared/timing';
import { ROOT } from '../helpers/host';
import { defaults } from '../helpers/serve-fixtures';

const SHIPPED = join(ROOT, 'resources', 'scenarios');

describe('shipped scenarios', () => {
  it('are the four documented ones, and each imports without a problem', () => {
    expect(shippedScenarios(SHIPPED)).toEqual(['degraded-europe', 'fragmented-region', 'nearly-full-region', 'seed']);
    for (const name of shippedScenarios(SHIPPED)) {
      const { files } = loadServeScenario(name, ROOT, SHIPPED);
      const s = parseScenario(files, '2026-01-01T00:00:00.000Z');
      expect(s.fleet.regions).toHaveLength(35);
      expect(s.fleet.machines).toHaveLength(215);
    }
    const degraded = parseScenario(loadServeScenario('degraded-europe', ROOT, SHIPPED).files, 'x');
    expect(degraded.fleet.regions.find((r) => r.code === 'FRA')?.status).toBe('Down');
    expect(degraded.fleet.regions.filter((r) => r.status === 'Degraded Performance').length).toBeGreaterThanOrEqual(4);
  });

  it('an unknown name lists them; a directory path is taken as it is', () => {
    expect(() => loadServeScenario('atlantis', ROOT, SHIPPED)).toThrow(UsageError);
    expect(() => loadServeScenario('atlantis', ROOT, SHIPPED)).toThrow(
      "--scenario: no shipped scenario named 'atlantis' and no such directory (shipped: degraded-europe, fragmented-region, nearly-full-region, seed)",
    );
    const byPath = loadServeScenario('resources/scenarios/seed', ROOT, SHIPPED);
    expect(byPath.name).toBe(join(SHIPPED, 'seed'));
    expect(Object.keys(byPath.files).sort()).toEqual(['machines.csv', 'regions.csv', 'scenario.json', 'vms.csv']);
  });
});

describe('serve --scenario settings', () => {
  const opts = { defaults, scenariosDir: SHIPPED, cwd: ROOT };
  it('takes the scenario’s strategy, timing and seed where no flag or variable says otherwise', () => {
    const config = buildServeConfig({ scenario: 'nearly-full-region' }, {}, opts);
    expect(config).toMatchObject({ strategy: 'binpack', seed: 1, timing: INSTANT });
    expect(config.scenario?.name).toBe('nearly-full-region');
    // The import stores the settings the host runs with.
    expect(JSON.parse(config.scenario?.files['scenario.json'] as string).settings).toEqual({
      strategy: 'binpack',
      timing: 'instant',
      seed: 1,
    });
  });

  it('lets flags and variables win, and refuses --regions beside it', () => {
    const config = buildServeConfig(
      { scenario: 'nearly-full-region', strategy: 'spread', seed: 9 },
      { FLYLIGHT_TIMING: 'realistic' },
      opts,
    );
    expect(config).toMatchObject({ strategy: 'spread', seed: 9, timing: REALISTIC });
    expect(JSON.parse(config.scenario?.files['scenario.json'] as string).settings).toEqual({
      strategy: 'spread',
      timing: 'realistic',
      seed: 9,
    });
    expect(() =>
      buildServeConfig({ scenario: 'seed', regions: join(SHIPPED, 'seed', 'regions.csv') }, {}, opts),
    ).toThrow('--scenario brings its own regions and machines: it cannot be combined with --regions');
  });
});

describe('readScenario', () => {
  it('reads the known files of a directory, and says when there is nothing or it is a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-read-'));
    await expect(readScenario(dir)).rejects.toThrow('holds no scenario files');
    writeFileSync(join(dir, 'regions.csv'), 'region,location,status\n');
    writeFileSync(join(dir, 'notes.txt'), 'not part of it');
    expect((await readScenario(dir)).files).toEqual({ 'regions.csv': 'region,location,status\n' });
    await expect(readScenario(join(dir, 'regions.csv'))).rejects.toThrow(
      'regions.csv is a file: give a scenario directory (holding scenario.json, regions.csv, machines.csv, vms.csv)',
    );
  });
});
