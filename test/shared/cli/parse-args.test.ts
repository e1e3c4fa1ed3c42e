import { describe, expect, it } from 'vitest';
import { closest } from '../../../src/shared/cli/closest';
import { parseArgs } from '../../../src/shared/cli/parse-args';
import { UsageError } from '../../../src/shared/cli/usage-error';

/** The UsageError parseArgs throws for `argv`; fails the test when it accepts it. */
function usageError(argv: string[]): UsageError {
  try {
    parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

const usage = (argv: string[]): string => usageError(argv).message;

describe('parseArgs', () => {
  const launch = { 'vm-region': 'SIN', 'vm-memory': '8', 'vm-cores': '4' };

  it('reads flags after the command', () => {
    expect(parseArgs(['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'])).toEqual({
      command: 'launch',
      positionals: [],
      flags: launch,
      written: { 'vm-region': '--vm-region', 'vm-memory': '--vm-memory', 'vm-cores': '--vm-cores' },
    });
  });

  it("reads flags before the command, as the seed's CLI wrote it", () => {
    expect(parseArgs(['--vm-memory', '8', '--vm-cores', '4', '--vm-region', 'SIN', 'launch'])).toMatchObject({
      command: 'launch',
      positionals: [],
      flags: launch,
    });
  });

  it('reads flags on both sides and the --flag=value form', () => {
    expect(parseArgs(['--vm-memory=8', 'launch', '--vm-cores=4', '--vm-region', 'SIN']).flags).toEqual(launch);
  });

  it('maps the aliases to the canonical names', () => {
    expect(parseArgs(['launch', '--region', 'SIN', '--memory', '8', '--cores=4']).flags).toEqual(launch);
  });

  it('takes positionals and global flags anywhere', () => {
    expect(parseArgs(['--json', 'machines', 'sin', '--api', 'http://x:1'])).toMatchObject({
      command: 'machines',
      positionals: ['sin'],
      flags: { json: true, api: 'http://x:1' },
    });
  });

  it('converts whole-number flags and keeps --sort to its choices', () => {
    expect(parseArgs(['serve', '--port', '0', '--flyd-interval=250', '--seed', '7']).flags).toEqual({
      port: 0,
      'flyd-interval': 250,
      seed: 7,
    });
    expect(parseArgs(['regions', '--sort', 'Status']).flags.sort).toBe('status');
  });

  it('takes a negative number as a value, so the range check can name it', () => {
    expect(parseArgs(['launch', '--vm-region', 'SIN', '--vm-memory', '-5', '--vm-cores', '4']).flags['vm-memory']).toBe(
      '-5',
    );
  });

  it('stops reading flags after --', () => {
    expect(parseArgs(['destroy', '--', '--odd-id']).positionals).toEqual(['--odd-id']);
  });

  it('recognises help and version anywhere, without checking the rest', () => {
    expect(parseArgs(['--help'])).toEqual({
      command: null,
      positionals: [],
      flags: { help: true },
      written: { help: '--help' },
    });
    expect(parseArgs(['launch', '-h']).flags.help).toBe(true);
    expect(parseArgs(['machines', '--help']).command).toBe('machines'); // REGION missing, still fine
    expect(parseArgs(['-v']).flags.version).toBe(true);
    expect(parseArgs(['help', 'launch'])).toEqual({ command: 'help', positionals: ['launch'], flags: {}, written: {} });
  });

  it.each([
    [['launch', '--vm-region'], '--vm-region needs a value (REGION)'],
    [['launch', '--vm-region', '--vm-memory', '8'], '--vm-region needs a value (REGION)'],
    [['--vm-memory', '8', 'launch', '--vm-cores', '4'], 'launch needs --vm-region REGION'],
    [['launch', '--vm-region', 'SIN', '--vm-memory', '8'], 'launch needs --vm-cores N'],
    [['launch', '--vm-region', ''], 'got an empty one'],
    [['regions', '--bogus'], 'unknown flag --bogus'],
    [['launch', '--vm-regon', 'SIN'], 'unknown flag --vm-regon — did you mean --vm-region?'],
    [['--vm-memroy', '8', 'launch'], 'did you mean --vm-memory?'],
    [['-x'], 'unknown flag -x'],
    [['regions', '--port', '1'], 'regions does not take --port (serve does)'],
    [
      ['launch', '--filter', 'x', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'],
      'launch does not take --filter',
    ],
    [
      ['--vm-region', 'SIN'],
      '--vm-region belongs to a command (launch, place, vms, watch, chaos, vm); add the command',
    ],
    [['lanch'], "unknown command 'lanch' — did you mean 'launch'?"],
    [['regoins'], "did you mean 'regions'?"],
    [['frobnicate'], "unknown command 'frobnicate' (see `help`)"],
    [['help', 'lauch'], "did you mean 'launch'?"],
    [['machines'], 'machines needs REGION'],
    [['destroy'], 'destroy needs VM_ID'],
    [['regions', 'extra'], "unexpected argument 'extra' for regions"],
    [['serve', '--port', '3.5'], "--port must be a whole number from 0 to 65535, got '3.5'"],
    [['serve', '--port', '70000'], '--port must be a whole number from 0 to 65535'],
    [['serve', '--port=abc'], "got 'abc'"],
    [['serve', '--flyd-interval', '1e3'], '--flyd-interval must be a whole number'],
    [['serve', '--seed', '-1'], '--seed must be a whole number'],
    [['serve', '--lease-ttl', '1'], "--lease-ttl must be a whole number from 2 to 300, got '1'"],
    [['serve', '--lease-ttl', '301'], "--lease-ttl must be a whole number from 2 to 300, got '301'"],
    [['serve', '--lease-ttl', '5s'], "--lease-ttl must be a whole number from 2 to 300, got '5s'"],
    [['regions', '--sort', 'size'], "--sort must be one of code, location, status; got 'size'"],
    [['regions', '--json=yes'], '--json takes no value'],
    [['regions', '--json', '--json'], '--json is given twice'],
    // One flag under two spellings: both named, as typed.
    [['launch', '--region', 'SIN', '--vm-region', 'AMS'], '--region and --vm-region are the same flag, given twice'],
    [['launch', '--region', 'SIN', '--region', 'AMS'], '--region is given twice'],
    [['vms', '-r', 'SIN', '-r', 'AMS'], '-r is given twice'],
    [['regions', '--memory', '8'], 'regions does not take --memory'],
    [['--region', 'SIN'], '--region belongs to a command'],
  ])('%j is refused: %s', (argv, message) => {
    expect(usage(argv)).toContain(message);
  });

  it("remembers each flag as typed, for messages in the user's words", () => {
    expect(parseArgs(['launch', '-r', 'sin', '--memory=8', '--cores', '4']).written).toEqual({
      'vm-region': '-r',
      'vm-memory': '--memory',
      'vm-cores': '--cores',
    });
  });

  it('remembers the command so the caller can point at its help', () => {
    expect(usageError(['machines']).command).toBe('machines');
  });
});

describe('closest', () => {
  it('suggests near misses and prefixes, and nothing for strangers', () => {
    const names = ['regions', 'machines', 'launch', 'vms', 'destroy', 'status', 'watch', 'serve', 'help'];
    expect(closest('lauch', names)).toBe('launch');
    expect(closest('stauts', names)).toBe('status');
    expect(closest('mach', names)).toBe('machines');
    expect(closest('xyz', names)).toBeNull();
    expect(closest('deploy', names)).toBeNull();
  });
});
