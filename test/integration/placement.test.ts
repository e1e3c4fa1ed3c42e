// Placement end to end: the real `flylight serve` (three worker threads, a real port) on a fleet
// written for the purpose, driven over HTTP and through the real CLI process. Strategies on a
// fixed seed, the dry run with a machine refused for each reason, region fallback, all-or-
// nothing batches with exact accounting, truthful capacity errors and fragmentation figures.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fragmentation } from '../../src/shared/placement';
import type { LaunchBatch, Machine, PlacementReport, Region, Vm } from '../../src/shared/types';
import { type ServeProcess, startServe } from '../helpers/host';

const FLYD_MS = 100;

// SIN: one machine refused for each reason against 8 GB / 4 cores, and two that fit.
// PAR: three equal machines for the strategies. NRT: the fallback. FRA: a known fleet for the
// capacity figures. MAD: as in the bootstrap CSV.
const CSV = `kind,region,location,status,machine,datacenter,cores,memory_gb
region,SIN,Singapore,Operational,,,,
region,NRT,"Tokyo, Japan",Operational,,,,
region,PAR,"Paris, France",Operational,,,,
region,FRA,"Frankfurt, Germany",Operational,,,,
region,MAD,"Madrid, Spain",Operational,,,,
machine,SIN,,available,sin-fit-a,dc-1,16,64
machine,SIN,,available,sin-fit-b,dc-1,32,128
machine,SIN,,maintenance,sin-maint,dc-1,64,256
machine,SIN,,available,sin-few-cores,dc-1,2,64
machine,SIN,,available,sin-low-mem,dc-1,16,4
machine,NRT,,available,nrt-1,dc-1,64,256
machine,PAR,,available,par-1,dc-1,8,32
machine,PAR,,available,par-2,dc-1,8,32
machine,PAR,,available,par-3,dc-1,8,32
machine,FRA,,available,fra-1,dc-1,16,64
machine,FRA,,available,fra-2,dc-1,3,40
machine,FRA,,offline,fra-off,dc-1,64,256
machine,MAD,,available,mad-m01,dc-1,64,1024
machine,MAD,,available,mad-m02,dc-1,16,64
`;

let serve: ServeProcess;

async function api<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(serve.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...serve.auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
type Failed = { error: { code: string; message: string; details?: Record<string, unknown> } };
const machines = async (region: string) =>
  (await api<{ machines: Machine[] }>(`/v1/regions/${region}/machines`)).body.machines;
const vms = async (region: string) => (await api<{ vms: Vm[] }>(`/v1/vms?region=${region}`)).body.vms;
const settle = () => new Promise((r) => setTimeout(r, FLYD_MS * 4));

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-place-'));
  const file = join(dir, 'fleet.csv');
  writeFileSync(file, CSV);
  serve = await startServe(['--ephemeral', '--flyd-interval', String(FLYD_MS), '--seed', '11', '--regions', file]);
}, 60_000);
afterAll(async () => {
  expect(await serve?.stop()).toBe(0);
});

describe('the dry run explains every machine of the region', () => {
  it('over HTTP: kept or refused for each reason, with rank and the choice; nothing reserved', async () => {
    const r = await api<PlacementReport>('/v1/place', { region: 'sin', memory_gb: 8, cores: 4, strategy: 'binpack' });
    expect(r.status).toBe(200);
    expect(r.body.region).toBe('SIN');
    const [plan] = r.body.plans;
    expect(plan).toMatchObject({ region: 'SIN', strategy: 'binpack', count: 1, placements: ['sin-fit-a'] });
    const by = Object.fromEntries(plan.verdicts.map((v) => [v.machine_id, v]));
    expect(by['sin-fit-a']).toMatchObject({ reasons: [], rank: 1, chosen: 1, cores_free: 16, memory_free_gb: 64 });
    expect(by['sin-fit-b']).toMatchObject({ reasons: [], rank: 2, chosen: 0 });
    expect(by['sin-maint']).toMatchObject({
      status: 'maintenance',
      reasons: [{ code: 'not_schedulable', status: 'maintenance' }],
      rank: null,
    });
    expect(by['sin-few-cores'].reasons).toEqual([{ code: 'cores_short', short_by: 2 }]);
    expect(by['sin-low-mem'].reasons).toEqual([{ code: 'memory_short', short_by_gb: 4 }]);
    expect(await vms('SIN')).toEqual([]);
  });

  it('through the real CLI: a readable table, and the same plan under --json', async () => {
    const out = await serve.cli([
      'place',
      '--vm-region',
      'SIN',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--strategy',
      'spread',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^SIN\s+spread\s+8 GB, 4 cores\s+→ sin-fit-b$/);
    expect(lines[1]).toMatch(/^MACHINE\s+STATUS\s+FREE CORES\s+FREE GB\s+VERDICT\s+RANK\s+CHOSEN$/);
    const row = (id: string) => lines.find((l) => l.startsWith(`${id} `)) ?? '';
    expect(row('sin-fit-b')).toMatch(/sin-fit-b\s+available\s+32\s+128\s+chosen\s+1\s+✓$/);
    expect(row('sin-fit-a')).toMatch(/sin-fit-a\s+available\s+16\s+64\s+fits\s+2$/);
    expect(row('sin-maint')).toMatch(/maintenance\s+64\s+256\s+not schedulable \(maintenance\)\s+-$/);
    expect(row('sin-few-cores')).toMatch(/available\s+2\s+64\s+cores short by 2\s+-$/);
    expect(row('sin-low-mem')).toMatch(/available\s+16\s+4\s+memory short by 4 GB\s+-$/);
    expect(out.stdout).toContain('Would place in SIN; nothing was reserved.');

    const json = await serve.cli(['place', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4', '--json']);
    const report = JSON.parse(json.stdout) as PlacementReport;
    expect(report.plans[0].verdicts).toHaveLength(5);
    expect(report.plans[0].strategy).toBe('random');
  });

  it('bad input is a clear error, from the CLI before anything is sent and over HTTP', async () => {
    const cli = await serve.cli([
      'place',
      '--vm-region',
      'SIN',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--strategy',
      'tight',
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('--strategy must be one of random, binpack, spread');
    const http = await api<Failed>('/v1/place', { region: 'SIN', memory_gb: 8, cores: 4, explain: true });
    expect(http.status).toBe(400);
    expect(http.body.error.message).toContain("unknown field 'explain'");
    const unknown = await api<Failed>('/v1/place', { region: 'SIN,XYZ', memory_gb: 8, cores: 4 });
    expect(unknown.body.error.code).toBe('unknown_region');
  });

  it('launch --explain shows the plan of the real launch', async () => {
    const out = await serve.cli([
      'launch',
      '--vm-region',
      'SIN',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--strategy',
      'binpack',
      '--explain',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/on sin-fit-a/);
    expect(out.stdout).toMatch(/sin-fit-a\s+available\s+16\s+64\s+chosen/);
    expect(out.stdout).toContain('cores short by 2');
    const vm = (await vms('SIN'))[0];
    expect(vm.machine_id).toBe('sin-fit-a');
    const del = await fetch(`${serve.url}/v1/vms/${vm.id}?force=true`, { method: 'DELETE', headers: serve.auth() });
    expect(del.status).toBe(200);
  });
});

describe('strategies on a fixed seed, through the real host', () => {
  it('binpack fills machines in order; spread evens them out', async () => {
    const placed: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await api<Vm>('/v1/vms', { region: 'PAR', memory_gb: 4, cores: 1, strategy: 'binpack' });
      expect(r.status).toBe(201);
      placed.push(r.body.machine_id);
    }
    // Three equal machines: the seeded draw picks one, and binpack fills it before the next.
    expect(placed.slice(0, 8)).toEqual(Array(8).fill(placed[0]));
    expect(placed[8]).not.toBe(placed[0]);
    for (const v of await vms('PAR'))
      await fetch(`${serve.url}/v1/vms/${v.id}?force=true`, { method: 'DELETE', headers: serve.auth() });

    for (let i = 0; i < 9; i++) {
      const out = await serve.cli([
        'launch',
        '--vm-region',
        'PAR',
        '--vm-memory',
        '4',
        '--vm-cores',
        '1',
        '--strategy',
        'spread',
        '--json',
      ]);
      expect(out.code, out.stderr).toBe(0);
    }
    const per = new Map<string, number>();
    for (const v of await vms('PAR')) per.set(v.machine_id, (per.get(v.machine_id) ?? 0) + 1);
    expect(Object.fromEntries(per)).toEqual({ 'par-1': 3, 'par-2': 3, 'par-3': 3 });
    for (const v of await vms('PAR'))
      await fetch(`${serve.url}/v1/vms/${v.id}?force=true`, { method: 'DELETE', headers: serve.auth() });
  }, 120_000); // nine CLI processes on a shared 2-core machine
});

describe('region fallback and batches', () => {
  it('--vm-region sin,nrt tries SIN first, then NRT', async () => {
    // 200 GB fits nowhere in SIN but on nrt-1.
    const out = await serve.cli([
      'launch',
      '--vm-region',
      'sin,nrt',
      '--vm-memory',
      '200',
      '--vm-cores',
      '2',
      '--json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout) as Vm).toMatchObject({ region: 'NRT', machine_id: 'nrt-1' });
    const first = await api<Vm>('/v1/vms', { region: 'sin,nrt', memory_gb: 8, cores: 2 });
    expect(first.body.region).toBe('SIN');
  });

  it('a batch is all or nothing, and the accounting stays exact', async () => {
    await settle();
    const before = await machines('PAR');
    // PAR has 3 × 8 cores: 7 VMs of 4 cores do not fit, so none is launched.
    const refused = await api<Failed>('/v1/vms', { region: 'PAR', memory_gb: 1, cores: 4, count: 7 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('no_capacity');
    expect(refused.body.error.message).toContain('Room for 7 VMs of 1 GB and 4 cores was asked, all or none');
    await settle();
    expect(await vms('PAR')).toEqual([]);
    expect((await machines('PAR')).map((m) => [m.id, m.cores_allocated, m.vm_count])).toEqual(
      before.map((m) => [m.id, m.cores_allocated, m.vm_count]),
    );

    const out = await serve.cli([
      'launch',
      '--vm-region',
      'PAR',
      '--vm-memory',
      '1',
      '--vm-cores',
      '4',
      '--count',
      '6',
      '--json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const batch = JSON.parse(out.stdout) as LaunchBatch;
    expect(batch.vms).toHaveLength(6);
    await settle();
    const after = await machines('PAR');
    const listed = await vms('PAR');
    expect(listed.map((v) => v.id).sort()).toEqual(batch.vms.map((v) => v.id).sort());
    for (const m of after) {
      const mine = listed.filter((v) => v.machine_id === m.id);
      expect([m.cores_allocated, m.memory_allocated_gb, m.vm_count]).toEqual([
        mine.reduce((s, v) => s + v.cores, 0),
        mine.reduce((s, v) => s + v.memory_gb, 0),
        mine.length,
      ]);
    }
    expect(after.every((m) => m.cores_allocated === 8)).toBe(true);
  });
});

describe('capacity errors say the truth', () => {
  it('the MAD example: the largest slots that exist, "1 core" in the singular', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await api<Vm>('/v1/vms', { region: 'MAD', memory_gb: 8, cores: 32 });
      expect(r.body.machine_id).toBe('mad-m01');
    }
    const out = await serve.cli(['launch', '--region', 'mad', '--memory', '200', '--cores', '1']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(
      'no machine in MAD has 200 GB and 1 core free; the largest free slots are 64 GB with 16 cores (mad-m02), 1008 GB with 0 cores (mad-m01)',
    );
    expect(out.stderr).not.toContain('1008 GB / 16 cores');
    const http = await api<Failed>('/v1/vms', { region: 'MAD', memory_gb: 200, cores: 1 });
    expect(http.body.error.details?.largest_slots).toEqual([
      { machine_id: 'mad-m02', cores: 16, memory_gb: 64 },
      { machine_id: 'mad-m01', cores: 0, memory_gb: 1008 },
    ]);
  });
});

describe('fragmentation', () => {
  it('per region and fleet in GET /v1/regions, the CLI and /metrics', async () => {
    // FRA: fra-1 (16 cores, 64 GB), fra-2 (3 cores, 40 GB), fra-off offline (counts nothing).
    // binpack puts 8 GB / 2 cores on fra-2 (least free room), leaving it 1 core and 32 GB: no
    // reference VM (2 cores, 4 GB) fits there, all of it is stranded. fra-1 takes exactly 8
    // reference VMs by cores and strands 32 GB.
    const vm = await api<Vm>('/v1/vms', { region: 'FRA', memory_gb: 8, cores: 2, strategy: 'binpack' });
    expect(vm.body.machine_id).toBe('fra-2');
    await settle();
    const { body } = await api<{ regions: Region[]; fleet: { capacity: Fragmentation } }>('/v1/regions');
    const fra = body.regions.find((r) => r.code === 'FRA');
    const expected = {
      reference_vms_free: 8,
      free_cores: 17,
      free_memory_gb: 96,
      stranded_cores: 1,
      stranded_memory_gb: 64,
    };
    expect(fra?.capacity).toEqual(expected);
    const sum = body.regions.reduce((s, r) => s + (r.capacity?.reference_vms_free ?? 0), 0);
    expect(body.fleet.capacity.reference_vms_free).toBe(sum);

    const table = await serve.cli(['platform', 'regions']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/UTIL%\s+CAPACITY$/);
    const fraRow = table.stdout.split('\n').find((l) => l.startsWith('FRA ')) ?? '';
    expect(fraRow).toMatch(new RegExp(`\\s${expected.reference_vms_free}$`));
    const json = JSON.parse((await serve.cli(['regions', '--json'])).stdout) as { regions: Region[] };
    expect(json.regions.find((r) => r.code === 'FRA')?.capacity).toEqual(expected);

    const metrics = await (await fetch(`${serve.url}/metrics`, { headers: serve.auth() })).text();
    expect(metrics).toContain(`flylight_region_reference_vms_free{region="FRA"} ${expected.reference_vms_free}`);
    expect(metrics).toContain(`flylight_region_stranded_cores{region="FRA"} ${expected.stranded_cores}`);
    expect(metrics).toContain(`flylight_fleet_reference_vms_free ${sum}`);
  });
});
