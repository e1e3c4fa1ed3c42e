import { describe, expect, it } from 'vitest';
import { complete } from '../../../src/shared/cli/complete';

const REGIONS = ['SIN', 'SJC', 'SEA', 'AMS', 'ORD'];
const at = (line: string) => complete(line, line.length, REGIONS);

describe('complete', () => {
  it('completes command names from a prefix', () => {
    expect(at('')).toEqual({
      start: 0,
      end: 0,
      candidates: [
        'chaos',
        'cluster',
        'completion',
        'destroy',
        'help',
        'launch',
        'load',
        'logs',
        'machine',
        'machines',
        'place',
        'platform',
        'region',
        'regions',
        'reset',
        'scenario',
        'serve',
        'status',
        'token',
        'version',
        'vm',
        'vms',
        'watch',
      ],
    });
    expect(at('s')).toEqual({ start: 0, end: 1, candidates: ['scenario', 'serve', 'status'] });
    expect(at('la')).toEqual({ start: 0, end: 2, candidates: ['launch'] });
    expect(at('zzz').candidates).toEqual([]);
  });

  it("completes the command's flags (and aliases), skipping flags already given", () => {
    expect(at('launch --vm-').candidates).toEqual(['--vm-cores', '--vm-memory', '--vm-region']);
    expect(at('launch --vm-region SIN --vm-').candidates).toEqual(['--vm-cores', '--vm-memory']);
    expect(at('launch --re').candidates).toEqual(['--region']);
    expect(at('regions --').candidates).toEqual([
      '--api',
      '--filter',
      '--help',
      '--json',
      '--no-color',
      '--sort',
      '--token',
      '--version',
    ]);
    const c = at('regions --fi');
    expect(c).toEqual({ start: 8, end: 12, candidates: ['--filter'] });
  });

  it('offers every flag before the command is written, since flags may come first', () => {
    expect(at('--vm-m').candidates).toEqual(['--vm-memory']);
    expect(at('--po').candidates).toEqual(['--port']);
  });

  it('completes region codes after --vm-region, its alias and --flag=', () => {
    expect(at('launch --vm-region ')).toEqual({ start: 19, end: 19, candidates: ['AMS', 'ORD', 'SEA', 'SIN', 'SJC'] });
    expect(at('launch --vm-region s').candidates).toEqual(['SEA', 'SIN', 'SJC']);
    expect(at('--vm-memory 8 --region si').candidates).toEqual(['SIN']);
    expect(at('vms --vm-region=S')).toEqual({
      start: 4,
      end: 17,
      candidates: ['--vm-region=SEA', '--vm-region=SIN', '--vm-region=SJC'],
    });
  });

  it('completes region codes as the argument of machines', () => {
    expect(at('machines ').candidates).toEqual(REGIONS.slice().sort());
    expect(at('machines a')).toEqual({ start: 9, end: 10, candidates: ['AMS'] });
    expect(at('--json machines o').candidates).toEqual(['ORD']);
    expect(at('machines SIN ').candidates).toEqual([]);
  });

  it('completes command names after help, and the choices of --sort', () => {
    expect(at('help la').candidates).toEqual(['launch']);
    expect(at('regions --sort ').candidates).toEqual(['code', 'location', 'status']);
  });

  it('offers nothing where a free value is typed', () => {
    expect(at('launch --vm-memory ').candidates).toEqual([]);
    expect(at('destroy ').candidates).toEqual([]);
  });

  it('uses the cursor, not the end of the line, and spans the whole word under it', () => {
    const line = 'machines s --json';
    expect(complete(line, 10, REGIONS)).toEqual({ start: 9, end: 10, candidates: ['SEA', 'SIN', 'SJC'] });
    expect(complete('lau --json', 2, REGIONS)).toEqual({ start: 0, end: 3, candidates: ['launch'] });
  });

  it('completes the new commands and flags: reset --yes, serve --listen and --compat-open', () => {
    expect(at('res').candidates).toEqual(['reset']);
    expect(at('reset --').candidates).toContain('--yes');
    expect(at('serve --li').candidates).toEqual(['--listen']);
    expect(at('serve --ho').candidates).toEqual(['--host']);
    expect(at('serve --comp').candidates).toEqual(['--compat-open']);
    expect(at('regions --to').candidates).toEqual(['--token']);
  });

  it('in the console, leaves out what only a terminal can run', () => {
    const inConsole = (line: string) => complete(line, line.length, REGIONS, { where: 'console' }).candidates;
    expect(inConsole('')).not.toContain('serve');
    expect(inConsole('')).not.toContain('token');
    expect(inConsole('t')).toEqual([]);
    expect(inConsole('re')).toEqual(['region', 'regions', 'reset']);
    expect(inConsole('regions --')).toEqual(['--filter', '--help', '--json', '--no-color', '--sort', '--version']);
    expect(inConsole('--po')).toEqual([]);
    expect(inConsole('--vm-m')).toEqual(['--vm-memory']);
    expect(inConsole('reset --y')).toEqual(['--yes']);
    expect(inConsole('help s')).toEqual(['status']);
  });

  it('ignores a leading "flylight" and works inside an open quote', () => {
    expect(at('flylight mach').candidates).toEqual(['machine', 'machines']);
    expect(at('machines "s').candidates).toEqual(['SEA', 'SIN', 'SJC']);
  });

  it('completes the fault commands: actions, region codes and statuses, chaos actions', () => {
    expect(at('machine ').candidates).toEqual(['drain', 'offline', 'online']);
    expect(at('machine of').candidates).toEqual(['offline']);
    expect(at('machine offline sin-1 --ev').candidates).toEqual(['--evacuate']);
    expect(at('region ').candidates).toEqual(['status']);
    expect(at('region status s').candidates).toEqual(['SEA', 'SIN', 'SJC']);
    expect(at('region status SIN D').candidates).toEqual(['degraded', 'down']);
    expect(at('chaos ').candidates).toEqual(['fail-machines', 'kill-actors']);
    expect(at('chaos kill-actors --co').candidates).toEqual(['--count']);
  });

  it("completes logs' flags and the levels of --level", () => {
    expect(at('logs --').candidates).toEqual(expect.arrayContaining(['--follow', '--level', '--lines']));
    expect(at('logs --level ').candidates).toEqual(['debug', 'error', 'info', 'warn']);
  });
});
