// The fault and chaos commands as a person types them (the same runner serves the console pane).

import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../../src/shared/cli/env';
import { runCommand } from '../../../../src/shared/cli/run';
import { capture, FakeApi, FakeFeed, makeEnv } from '../../../helpers/cli-fixtures';

async function run(argv: string[], opts: { api?: FakeApi; where?: 'cli' | 'console' } = {}) {
  const api = opts.api ?? new FakeApi();
  const c = capture();
  const code = await runCommand(argv, makeEnv(api, new FakeFeed(), opts.where ?? 'cli'), c.io);
  return { code, out: c.out, err: c.err, api };
}

describe('machine drain|offline|online', () => {
  it('drain says what it means; offline --evacuate lists failed VMs and replacements', async () => {
    const d = await run(['machine', 'drain', 'consul-node-80']);
    expect(d.code).toBe(EXIT.ok);
    expect(d.api.calls).toEqual([{ method: 'machineAction', args: ['consul-node-80', 'drain', undefined] }]);
    expect(d.out).toEqual(['Machine consul-node-80 (SIN) is draining: it takes no new VMs and keeps the ones it has.']);
    const o = await run(['machine', 'offline', 'consul-node-80', '--evacuate']);
    expect(o.api.calls[0].args).toEqual(['consul-node-80', 'offline', { evacuate: true }]);
    expect(o.out).toEqual([
      'Machine consul-node-80 (SIN) is offline.',
      '1 VM failed with reason host_offline: vm-3f9c2a71',
      '  vm-3f9c2a71 → not placed: no machine in SIN has room',
    ]);
    const j = await run(['machine', 'online', 'consul-node-80', '--json'], { where: 'console' });
    expect(JSON.parse(j.out.join('\n'))).toMatchObject({ action: 'online', machine: { status: 'available' } });
  });

  it('refuses unknown actions, --evacuate without offline and a missing id, with usage exit 2', async () => {
    const bad = await run(['machine', 'reboot', 'consul-node-80']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err.join('\n')).toContain("machine: unknown action 'reboot' (drain, offline, online)");
    const ev = await run(['machine', 'drain', 'consul-node-80', '--evacuate']);
    expect(ev.code).toBe(EXIT.usage);
    expect(ev.err.join('\n')).toContain('--evacuate goes with `machine offline` only');
    expect((await run(['machine', 'drain'])).code).toBe(EXIT.usage);
    const fly = await run(['machine', 'run']);
    expect(fly.code).toBe(EXIT.usage);
    expect(fly.err.join('\n')).toContain('in Flylight a fly.io Machine is a VM: use `flylight vm run`');
    expect((await run(['machine', 'drain', 'nope'])).code).toBe(EXIT.failed);
  });
});

describe('region status', () => {
  it('takes the status in any case and says what it does', async () => {
    const r = await run(['region', 'status', 'sin', 'DOWN']);
    expect(r.api.calls).toEqual([{ method: 'setRegionStatus', args: ['sin', 'Down'] }]);
    expect(r.out).toEqual(['Region SIN is Down: launches there are refused, with the nearest regions that have room.']);
    const bad = await run(['region', 'status', 'SIN', 'sideways']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err.join('\n')).toContain('status must be operational, degraded or down (any case)');
    expect(bad.api.calls).toEqual([]);
  });
});

describe('chaos', () => {
  it('kill-actors names its victims and the seed to replay them', async () => {
    const r = await run(['chaos', 'kill-actors', '--count', '1', '--seed', '42']);
    expect(r.api.calls).toEqual([{ method: 'killActors', args: [{ count: 1, region: undefined, seed: 42 }] }]);
    expect(r.out).toEqual([
      'Killed 1 actor (seed 42, replay with --seed 42):',
      '  machined consul-node-80',
      'The supervisor restarted them: 1 restart since the orchestrator started.',
    ]);
    expect((await run(['chaos', 'kill-actors'])).code).toBe(EXIT.usage);
  });

  it('fail-machines reads rate and durations as typed, prints the plan, each step and a summary', async () => {
    const r = await run(['chaos', 'fail-machines', '--rate', '10%', '--duration', '2s', '--repair', '1s']);
    expect(r.api.calls[0]).toEqual({
      method: 'failMachines',
      args: [{ rate: 0.1, duration_s: 2, repair_s: 1, region: undefined, seed: undefined }],
    });
    expect(r.out).toEqual([
      'chaos-1 (seed 7): 1 machine failure planned over 2 s, rate 0.1/machine/s, repair ~1 s',
      '+0.3s consul-node-80 offline, 1 VM failed',
      '+1.3s consul-node-80 online',
      'Done: 1 outage, 1 VM failed; replay with --seed 7.',
    ]);
    const bad = await run(['chaos', 'fail-machines', '--rate', '3', '--duration', '2s']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err.join('\n')).toContain('--rate must be a probability');
  });
});
