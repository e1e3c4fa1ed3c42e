// The `vm` command's fly.io forms against a fake API: what each form sends (flyctl's MB and
// cpus turned into Flylight's GB and cores; destroy's force only when asked), what it prints,
// its exit codes, and the mistakes it refuses before sending anything.

import { describe, expect, it } from 'vitest';
import { machineRun, secondsOf } from '../../../../src/shared/cli/commands/vm';
import { EXIT } from '../../../../src/shared/cli/env';
import { runCommand } from '../../../../src/shared/cli/run';
import { ApiError } from '../../../../src/shared/errors';
import { capture, FakeApi, makeEnv, VM } from '../../../helpers/cli-fixtures';

async function run(argv: string[], api = new FakeApi(), where: 'cli' | 'console' = 'cli') {
  const c = capture();
  const code = await runCommand(argv, makeEnv(api, undefined, where), c.io);
  return { code, out: c.out, err: c.err, calls: api.calls };
}

describe('vm', () => {
  it('run takes flyctl units: -r, --vm-cpus, --vm-memory in MB', async () => {
    const r = await run(['vm', 'run', '-r', 'sin', '--vm-cpus', '2', '--vm-memory', '4096']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.calls[0]).toMatchObject({ method: 'launch', args: [{ region: 'SIN', memory_gb: 4, cores: 2 }] });
    expect(r.out[0]).toContain('started');
    const w = await run(['vm', 'run', 'nginx', '--region', 'sin', '--vm-cores', '1', '--vm-memory', '1024', '--wait']);
    expect(w.calls[0]).toMatchObject({ args: [{ memory_gb: 1, cores: 1 }, { wait: 'started' }] });
  });

  it('each lifecycle form calls what it names; destroy forces only when told; the seed destroy always does', async () => {
    const forms: [string[], string, unknown[]][] = [
      [['vm', 'status', VM.id], 'vm', [VM.id]],
      [['vm', 'start', VM.id], 'operate', [VM.id, 'start']],
      [['vm', 'stop', VM.id], 'operate', [VM.id, 'stop']],
      [['vm', 'suspend', VM.id], 'operate', [VM.id, 'suspend']],
      [['vm', 'restart', VM.id], 'operate', [VM.id, 'restart']],
      [['vm', 'destroy', VM.id], 'destroy', [VM.id, { force: false }]],
      [['vm', 'rm', VM.id, '-f'], 'destroy', [VM.id, { force: true }]],
      [['vm', 'wait', VM.id, '--state', 'stopped', '--timeout', '1m'], 'wait', [VM.id, 'stopped', 60]],
      [['vm', 'wait', VM.id], 'wait', [VM.id, 'started', undefined]],
      [['vm', 'list', '-r', 'sin'], 'vms', ['sin']],
      [['vm', 'ls'], 'vms', [undefined]],
      [['destroy', VM.id], 'destroy', [VM.id]],
    ];
    for (const [argv, method, args] of forms) {
      const r = await run(argv);
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: EXIT.ok, err: [] });
      expect(r.calls).toEqual([{ method, args }]);
    }
    // The console pane runs the same grammar.
    expect((await run(['vm', 'stop', VM.id], new FakeApi(), 'console')).code).toBe(EXIT.ok);
  });

  it('-j prints the VM as JSON; a refusal from the host exits 1 with its words', async () => {
    const j = await run(['vm', 'status', VM.id, '-j']);
    expect(JSON.parse(j.out.join('\n'))).toMatchObject({ id: VM.id });
    const api = new FakeApi();
    api.failWith = new ApiError('invalid_state', `${VM.id} is started: destroy is not allowed (allowed: stop)`);
    const r = await run(['vm', 'destroy', VM.id], api);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err[0]).toContain('destroy is not allowed');
  });

  it('refuses what it can tell is wrong before sending anything (exit 2)', async () => {
    const cases: [string[], string][] = [
      [['vm'], 'SUBCOMMAND'],
      [['vm', 'fly', VM.id], "vm: unknown subcommand 'fly'"],
      [['vm', 'stop'], 'vm stop needs a VM id'],
      [['vm', 'run', '-r', 'sin', '--vm-cpus', '1', '--vm-memory', '512'], 'try 1024'],
      [['vm', 'run', '-r', 'sin', '--vm-cpus', '1', '--vm-memory', '1g'], '--vm-memory is MB'],
      [['vm', 'run', '--vm-cpus', '1', '--vm-memory', '1024'], 'vm run needs -r/--region'],
      [['vm', 'run', '-r', 'sin', '--vm-cpus', '2', '--vm-cores', '3', '--vm-memory', '1024'], 'say different things'],
      [
        ['vm', 'run', '-r', 'sin', '--vm-cpus', '64', '--vm-memory', '1024'],
        'cores must be a whole number from 1 to 32',
      ],
      [['vm', 'stop', VM.id, '--force'], '--force does not go with vm stop'],
      [['vm', 'wait', VM.id, '--timeout', '0s'], '--timeout must be from 1s to 60s'],
    ];
    for (const [argv, text] of cases) {
      const r = await run(argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: EXIT.usage });
      expect(r.err.join('\n')).toContain(text);
      expect(r.calls).toEqual([]);
    }
  });

  it('timeouts read as fly writes them', () => {
    expect(secondsOf('10s')).toBe(10);
    expect(secondsOf('1m')).toBe(60);
    expect(secondsOf('1500ms')).toBe(2);
    expect(secondsOf('7')).toBe(7);
    expect(() => secondsOf('2m')).toThrow(/1s to 60s/);
  });

  it('machine run (fly word) says what to use instead, in one line, and runs nothing', async () => {
    const c = capture();
    const api = new FakeApi();
    const code = await machineRun({
      env: makeEnv(api),
      io: c.io,
      color: false,
      flags: {},
      json: false,
      positionals: [],
    });
    expect(code).toBe(EXIT.usage);
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toContain('In Flylight a fly Machine is a VM');
    expect(c.err[0]).toContain('flylight vm run');
    expect(api.calls).toEqual([]);
  });

  it('help says machine = physical host, VM = what fly.io calls a Machine', async () => {
    const r = await run(['help']);
    expect(r.out.join('\n')).toContain(
      'a machine is a physical host; a VM is what a user launches (what fly.io calls a Machine)',
    );
    const vm = await run(['help', 'vm']);
    expect(vm.out.join('\n')).toContain('https://fly.io/docs/machines/machine-states/');
  });
});
